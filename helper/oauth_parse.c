/* Checks of what the helper reads: the caller's request, and the identity
 * provider's discovery document (OpenID Connect Discovery 1.0 §4), device
 * authorization response (RFC 8628 §3.2), backchannel authentication
 * response (OpenID CIBA Core 1.0 §7.3, §13) and token responses (RFC 6749
 * §5, RFC 8628 §3.5, CIBA Core §11). Pure functions: the fuzzers call them directly. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "oauth_parse.h"
#include "util/jsonutil.h"

void
helper_err_record(struct helper_err *e, enum wire_code code, const char *fmt, ...)
{
	va_list ap;

	if (e->code != WIRE_NONE)
		return;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Members of a request and their JSON types: 's' string, 'i' integer. */
static const struct {
	const char *name;
	char type;
	char url;
} request_members[] = {
	{ "op", 's', 0 }, { "issuer", 's', 1 }, { "client_id", 's', 0 }, { "client_secret", 's', 0 },
	{ "scope", 's', 0 }, { "ca_file", 's', 0 }, { "ca_path", 's', 0 }, { "proxy", 's', 0 },
	{ "connect_timeout", 'i', 0 }, { "timeout", 'i', 0 }, { "max_response", 'i', 0 },
	{ "helper_user", 's', 0 }, { "device_authorization_endpoint", 's', 1 }, { "token_endpoint", 's', 1 },
	{ "jwks_uri", 's', 1 }, { "refresh_token", 's', 0 }, { "flow", 's', 0 }, { "login_hint", 's', 0 },
	{ "binding_message", 's', 0 }, { "acr_values", 's', 0 }, { "requested_expiry", 'i', 0 },
	{ "backchannel_authentication_endpoint", 's', 1 }, { "client_auth", 's', 0 },
};

static int
str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* oidc-provider's binding_message rule, which CIBA Core §7.1 leaves to the
 * OP ("relatively short", shown on both devices): 1-20 characters of
 * [A-Za-z0-9-._+/!?#]. The caller shows it to the person too. */
static int
binding_message_ok(const json_t *v)
{
	const char *s = json_string_value(v);

	if (!json_string_ok(v, 1, OAUTH_MAX_BINDING_MESSAGE))
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("-._+/!?#", *s) != NULL))
			return 0;
	return 1;
}

/* The members of a login's flow (types are already checked): their values
 * and bounds, and what a flow needs. */
static int
check_flow(const json_t *req, struct helper_err *e)
{
	const json_t *flow = json_object_get(req, "flow"), *v;
	int ciba = str_is(flow, "ciba"), backchannel = ciba || str_is(flow, "auto");

	if (flow != NULL && !backchannel && !str_is(flow, "device"))
		return herr(e, WIRE_BAD_REQUEST, "request member flow must be device, ciba or auto");
	v = json_object_get(req, "login_hint");
	if (v != NULL && !json_string_ok(v, 1, OAUTH_MAX_LOGIN_HINT))
		return herr(e, WIRE_BAD_REQUEST, "request member login_hint must be 1-%d bytes", OAUTH_MAX_LOGIN_HINT);
	if (v == NULL && backchannel)
		return herr(e, WIRE_BAD_REQUEST, "flow %s needs a login_hint", json_string_value(flow));
	v = json_object_get(req, "binding_message");
	if (v != NULL && !binding_message_ok(v))
		return herr(e, WIRE_BAD_REQUEST, "request member binding_message must be 1-%d characters of "
		    "[A-Za-z0-9-._+/!?#]", OAUTH_MAX_BINDING_MESSAGE);
	v = json_object_get(req, "acr_values");
	if (v != NULL && !json_string_ok(v, 1, OAUTH_MAX_ACR_VALUES))
		return herr(e, WIRE_BAD_REQUEST, "request member acr_values must be 1-%d bytes", OAUTH_MAX_ACR_VALUES);
	v = json_object_get(req, "requested_expiry");
	if (v != NULL && (json_integer_value(v) < 1 || json_integer_value(v) > OAUTH_MAX_REQUESTED_EXPIRY))
		return herr(e, WIRE_BAD_REQUEST, "request member requested_expiry must be 1-%d", OAUTH_MAX_REQUESTED_EXPIRY);
	v = json_object_get(req, "client_auth");
	if (v != NULL && !str_is(v, "basic") && !str_is(v, "post"))
		return herr(e, WIRE_BAD_REQUEST, "request member client_auth must be basic or post");
	/* CIBA Core §7.1: the backchannel request is made by an authenticated
	 * client; a public one could page anybody's phone. */
	if (ciba && json_object_get(req, "client_secret") == NULL)
		return herr(e, WIRE_BAD_REQUEST, "CIBA needs an authenticated client (client_secret)");
	return 0;
}

int
oauth_check_request(const json_t *req, struct helper_err *e)
{
	const char *key, *op;
	const json_t *v;
	size_t i, n = sizeof(request_members) / sizeof(request_members[0]);

	if (!json_is_object(req))
		return herr(e, WIRE_BAD_REQUEST, "request is not a JSON object");
	json_object_foreach((json_t *)req, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(request_members[i].name, key) == 0)
				break;
		if (i == n) {
			char shown[64];

			text_sanitize(shown, sizeof(shown), key);
			return herr(e, WIRE_BAD_REQUEST, "request has an unknown member \"%s\"", shown);
		}
		if (request_members[i].type == 's' && !json_string_ok(v, 0, SIZE_MAX))
			return herr(e, WIRE_BAD_REQUEST, "request member %s must be a string without NUL", key);
		if (request_members[i].type == 'i' && !json_is_integer(v))
			return herr(e, WIRE_BAD_REQUEST, "request member %s must be an integer", key);
		if (request_members[i].url && !json_https_url(v, IPC_MAX_URI))
			return herr(e, WIRE_BAD_REQUEST, "request member %s must be an https:// URL", key);
	}
	op = json_string_value(json_object_get(req, "op"));
	if (op == NULL || json_object_get(req, "issuer") == NULL)
		return herr(e, WIRE_BAD_REQUEST, "request needs op and issuer");
	if (strcmp(op, "login") != 0 && strcmp(op, "refresh") != 0 && strcmp(op, "fetch") != 0 &&
	    strcmp(op, "discover") != 0)
		return herr(e, WIRE_BAD_REQUEST, "unknown op");
	if ((strcmp(op, "login") == 0 || strcmp(op, "refresh") == 0) && json_object_get(req, "client_id") == NULL)
		return herr(e, WIRE_BAD_REQUEST, "request has no client_id");
	if (strcmp(op, "refresh") == 0 && json_object_get(req, "refresh_token") == NULL)
		return herr(e, WIRE_BAD_REQUEST, "refresh request without refresh_token");
	return check_flow(req, e);
}

int
oauth_check_discovery(const json_t *d, const char *issuer, struct helper_err *e)
{
	static const char *const need[] = { "token_endpoint", "jwks_uri" };
	const json_t *iss = json_object_get(d, "issuer"), *dev;
	size_t i;

	if (!json_is_object(d))
		return herr(e, WIRE_BAD_RESPONSE, "discovery document is not a JSON object");
	if (!json_is_string(iss) || json_string_length(iss) != strlen(issuer) ||
	    strcmp(json_string_value(iss), issuer) != 0) {
		char got[256];

		text_sanitize(got, sizeof(got), json_string_value(iss));
		return herr(e, WIRE_ISSUER, "discovery document names issuer \"%s\", configured is \"%s\"", got, issuer);
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!json_https_url(json_object_get(d, need[i]), IPC_MAX_URI))
			return herr(e, WIRE_BAD_RESPONSE, "discovery document has no https %s", need[i]);
	dev = json_object_get(d, "device_authorization_endpoint");
	if (dev != NULL && !json_https_url(dev, IPC_MAX_URI))
		return herr(e, WIRE_BAD_RESPONSE, "discovery document's device_authorization_endpoint is not https");
	return 0;
}

int
oauth_discovery_event(const json_t *d, json_t **ev, struct helper_err *e)
{
	static const char *const eps[] = { "device_authorization_endpoint", "backchannel_authentication_endpoint" };
	json_t *out, *unusable;
	const json_t *v;
	size_t i;
	int bad;

	out = json_pack("{s:s, s:O, s:O, s:O}", "event", "discovery", "issuer", json_object_get(d, "issuer"),
	    "token_endpoint", json_object_get(d, "token_endpoint"), "jwks_uri", json_object_get(d, "jwks_uri"));
	unusable = json_array();
	if (out == NULL || unusable == NULL) {
		json_decref(out);
		json_decref(unusable);
		return herr(e, WIRE_INTERNAL, "out of memory");
	}
	bad = 0;
	for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		if ((v = json_object_get(d, eps[i])) == NULL)
			continue;
		if (json_https_url(v, IPC_MAX_URI))
			bad |= json_object_set(out, eps[i], (json_t *)v);
		else
			bad |= json_array_append_new(unusable, json_string(eps[i]));
	}
	for (i = 0; ipc_discovery_lists[i] != NULL; i++) {
		if ((v = json_object_get(d, ipc_discovery_lists[i])) == NULL)
			continue;
		if (ipc_string_list_ok(v, IPC_MAX_LIST, IPC_MAX_LIST_ITEM))
			bad |= json_object_set(out, ipc_discovery_lists[i], (json_t *)v);
		else
			bad |= json_array_append_new(unusable, json_string(ipc_discovery_lists[i]));
	}
	if (json_array_size(unusable) > 0)
		bad |= json_object_set(out, "unusable", unusable);
	json_decref(unusable);
	if (bad) {
		json_decref(out);
		return herr(e, WIRE_INTERNAL, "out of memory");
	}
	*ev = out;
	return 0;
}

const char *
oauth_discovery_ciba(const json_t *d)
{
	const json_t *ep = json_object_get(d, "backchannel_authentication_endpoint");
	const json_t *modes = json_object_get(d, "backchannel_token_delivery_modes_supported"), *m;
	size_t i;

	if (!json_https_url(ep, IPC_MAX_URI) || !json_is_array(modes))
		return NULL;
	json_array_foreach(modes, i, m)
		if (str_is(m, "poll"))
			return json_string_value(ep);
	return NULL;
}

/* A grant's lifetime (checked >= 1 by the caller), capped at ours, and its
 * polling interval: 5 s when absent (RFC 8628 §3.2, CIBA Core §7.3), else
 * clamped to 1..OAUTH_MAX_INTERVAL. */
static void
grant_times(const json_t *ex, const json_t *iv, long *expires_in, long *interval)
{
	json_int_t i;

	*expires_in = json_integer_value(ex) > IPC_MAX_EXPIRES_IN ? IPC_MAX_EXPIRES_IN : (long)json_integer_value(ex);
	*interval = 5;
	if (iv != NULL) {
		i = json_integer_value(iv);
		*interval = i < 1 ? 1 : i > OAUTH_MAX_INTERVAL ? OAUTH_MAX_INTERVAL : (long)i;
	}
}

int
oauth_parse_device(const json_t *dev, struct device_grant *g, struct helper_err *e)
{
	const json_t *ex = json_object_get(dev, "expires_in"), *iv = json_object_get(dev, "interval");

	memset(g, 0, sizeof(*g));
	g->device_code = json_object_get(dev, "device_code");
	g->user_code = json_object_get(dev, "user_code");
	/* Some providers spell it verification_url. */
	if ((g->verification_uri = json_object_get(dev, "verification_uri")) == NULL)
		g->verification_uri = json_object_get(dev, "verification_url");
	g->verification_uri_complete = json_object_get(dev, "verification_uri_complete");
	if (!json_string_ok(g->device_code, 1, OAUTH_MAX_DEVICE_CODE) ||
	    !json_string_ok(g->user_code, 1, IPC_MAX_USER_CODE) || !json_https_url(g->verification_uri, IPC_MAX_URI) ||
	    !json_is_integer(ex) || json_integer_value(ex) < 1 ||
	    (g->verification_uri_complete != NULL && !json_https_url(g->verification_uri_complete, IPC_MAX_URI)) ||
	    (iv != NULL && !json_is_integer(iv)))
		return herr(e, WIRE_BAD_RESPONSE, "device authorization response lacks or mangles a required field");
	/* §3.2: "If no value is provided, clients MUST use 5 as the default." */
	grant_times(ex, iv, &g->expires_in, &g->interval);
	return 0;
}

int
oauth_parse_ciba(const json_t *resp, struct ciba_grant *g, struct helper_err *e)
{
	const json_t *id = json_object_get(resp, "auth_req_id"), *ex = json_object_get(resp, "expires_in");
	const json_t *iv = json_object_get(resp, "interval");

	memset(g, 0, sizeof(*g));
	/* §7.3: auth_req_id and expires_in required, interval optional. */
	if (!json_string_ok(id, 1, OAUTH_MAX_AUTH_REQ_ID) || !json_is_integer(ex) || json_integer_value(ex) < 1 ||
	    (iv != NULL && !json_is_integer(iv)))
		return herr(e, WIRE_BAD_RESPONSE, "backchannel authentication response lacks or mangles a required field");
	g->auth_req_id = id;
	/* §7.3: "If no value is provided, clients MUST use 5 as the default." */
	grant_times(ex, iv, &g->expires_in, &g->interval);
	return 0;
}

int
oauth_token_event(const json_t *resp, int need_id_token, json_t **ev, struct helper_err *e)
{
	const json_t *id = json_object_get(resp, "id_token"), *rt = json_object_get(resp, "refresh_token");
	const json_t *exp = json_object_get(resp, "expires_in");

	*ev = NULL;
	if (id != NULL && !json_string_ok(id, 1, IPC_MAX_TOKEN))
		return herr(e, WIRE_BAD_RESPONSE, "token response id_token is not a string");
	if (id == NULL && need_id_token)
		return herr(e, WIRE_BAD_RESPONSE, "token response has no id_token: is \"openid\" in scopes?");
	if (rt != NULL && !json_string_ok(rt, 1, IPC_MAX_TOKEN))
		return herr(e, WIRE_BAD_RESPONSE, "token response refresh_token is not a string");
	if ((*ev = json_pack("{s:s}", "event", "tokens")) == NULL)
		return herr(e, WIRE_INTERNAL, "out of memory");
	if (id != NULL)
		json_object_set(*ev, "id_token", (json_t *)id);
	if (rt != NULL)
		json_object_set(*ev, "refresh_token", (json_t *)rt);
	if (json_is_integer(exp) && json_integer_value(exp) >= 0)
		json_object_set(*ev, "expires_in", (json_t *)exp);
	return 0;
}

int
oauth_error(const json_t *resp, long status, const char *what, struct helper_err *e)
{
	const char *code = json_string_value(json_object_get(resp, "error"));
	char desc[256], c[64];

	text_sanitize(desc, sizeof(desc), json_string_value(json_object_get(resp, "error_description")));
	if (code == NULL)
		return herr(e, WIRE_HTTP_STATUS, "%s answered HTTP %ld", what, status);
	/* Entra ID says authorization_declined where RFC 8628 §3.5 says
	 * access_denied. */
	if (strcmp(code, "access_denied") == 0 || strcmp(code, "authorization_declined") == 0)
		return herr(e, WIRE_ACCESS_DENIED, "the sign-in was denied at the identity provider (%s)", desc);
	if (strcmp(code, "expired_token") == 0)
		return herr(e, WIRE_EXPIRED, "the sign-in request expired at the identity provider before it was approved");
	if (strcmp(code, "invalid_grant") == 0)
		return herr(e, WIRE_INVALID_GRANT, "%s: invalid_grant (%s)", what, desc);
	if (strcmp(code, "invalid_client") == 0 || strcmp(code, "unauthorized_client") == 0)
		return herr(e, WIRE_INVALID_CLIENT, "%s: %s: check client_id and client secret (%s)", what, code, desc);
	text_sanitize(c, sizeof(c), code);
	return herr(e, WIRE_OAUTH, "%s: %s (%s)", what, c, desc);
}

int
oauth_ciba_error(const json_t *resp, long status, struct helper_err *e)
{
	const char *code = json_string_value(json_object_get(resp, "error"));
	char desc[256], c[64];

	text_sanitize(desc, sizeof(desc), json_string_value(json_object_get(resp, "error_description")));
	if (code == NULL)
		return herr(e, WIRE_HTTP_STATUS, "backchannel authentication endpoint answered HTTP %ld", status);
	/* §13: the login_hint names nobody the IdP knows. */
	if (strcmp(code, "unknown_user_id") == 0)
		return herr(e, WIRE_UNKNOWN_USER, "the identity provider knows no user for the login_hint (%s)", desc);
	if (strcmp(code, "access_denied") == 0)
		return herr(e, WIRE_ACCESS_DENIED, "the identity provider refused the sign-in request (%s)", desc);
	if (strcmp(code, "invalid_client") == 0)
		return herr(e, WIRE_INVALID_CLIENT, "backchannel authentication: invalid_client: check client_id and "
		    "client secret (%s)", desc);
	/* invalid_binding_message, unauthorized_client, invalid_request,
	 * invalid_scope, expired_login_hint_token, missing_user_code, ...: the
	 * admin reads which. */
	text_sanitize(c, sizeof(c), code);
	return herr(e, WIRE_OAUTH, "backchannel authentication: %s (%s)", c, desc);
}

enum oauth_poll
oauth_poll_answer(const json_t *resp)
{
	const char *code = json_string_value(json_object_get(resp, "error"));

	if (code != NULL && strcmp(code, "authorization_pending") == 0)
		return OAUTH_POLL_PENDING;
	if (code != NULL && strcmp(code, "slow_down") == 0)
		return OAUTH_POLL_SLOW_DOWN;
	return OAUTH_POLL_FAILED;
}
