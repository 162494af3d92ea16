/* OpenID Connect Discovery 1.0 §4, the OAuth 2.0 Device Authorization Grant
 * (RFC 8628) and the refresh-token grant (RFC 6749 §6). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "pam_oidc/ipc.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define MAX_USER_CODE 64
#define MAX_URI 2048
#define MAX_DEVICE_CODE 4096
#define MAX_EXPIRES_IN 3600
#define MAX_INTERVAL 60
#define MAX_POLL_FAILURES 3

static const char *
req_str(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

/* IdP-supplied text that reaches a log or a person: printable ASCII only,
 * bounded. */
static void
sanitize(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	for (; src != NULL && *src != '\0' && o + 1 < size; src++)
		dst[o++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[o] = '\0';
}

static int
https_url(const json_t *v, size_t max)
{
	const char *s = json_string_value(v);

	return s != NULL && strncmp(s, "https://", 8) == 0 && strlen(s) <= max && strlen(s) > 8 &&
	    strpbrk(s, " \t\r\n") == NULL;
}

/* Discovery: the document's issuer must equal ours exactly (§4.3). */
static int
discover(struct http *h, const char *issuer, json_t **doc, struct helper_err *e)
{
	static const char *const need[] = { "token_endpoint", "jwks_uri" };
	char url[MAX_URI + 64];
	struct http_req r = { 0 };
	json_t *d = NULL;
	size_t n = strlen(issuer), i;
	long status = 0;

	if (n > MAX_URI)
		return herr(e, HE_BAD_REQUEST, "issuer too long");
	/* §4.1: remove a trailing "/" from the issuer, then append. */
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	    (int)(n > 0 && issuer[n - 1] == '/' ? n - 1 : n), issuer);
	r.url = url;
	if (http_perform(h, &r, &status, e) != 0)
		return -1;
	if (status != 200) {
		http_wipe(h);
		return herr(e, HE_HTTP_STATUS, "discovery at %s answered HTTP %ld", url, status);
	}
	if (http_json(h, &d, e) != 0)
		return -1;
	if (!json_is_string(json_object_get(d, "issuer")) ||
	    strcmp(json_string_value(json_object_get(d, "issuer")), issuer) != 0) {
		char got[256];

		sanitize(got, sizeof(got), json_string_value(json_object_get(d, "issuer")));
		json_decref(d);
		return herr(e, HE_ISSUER, "discovery document names issuer \"%s\", configured is \"%s\"", got, issuer);
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!https_url(json_object_get(d, need[i]), MAX_URI)) {
			json_decref(d);
			return herr(e, HE_BAD_RESPONSE, "discovery document has no https %s", need[i]);
		}
	if (json_object_get(d, "device_authorization_endpoint") != NULL &&
	    !https_url(json_object_get(d, "device_authorization_endpoint"), MAX_URI)) {
		json_decref(d);
		return herr(e, HE_BAD_RESPONSE, "discovery document's device_authorization_endpoint is not https");
	}
	*doc = d;
	return 0;
}

/* Endpoint: the request's explicit value (config override or the caller's
 * cache) or discovery's. */
static const char *
endpoint(const json_t *req, const json_t *disc, const char *name)
{
	const char *v = req_str(req, name);

	if (v != NULL)
		return v;
	return disc != NULL ? json_string_value(json_object_get(disc, name)) : NULL;
}

static int
need_discovery(const json_t *req, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (req_str(req, names[i]) == NULL)
			return 1;
	return 0;
}

static int
emit_metadata(json_t *disc, const char *jwks)
{
	json_t *ev = json_pack("{s:s}", "event", "metadata");

	if (ev == NULL)
		return -1;
	if (disc != NULL)
		json_object_set(ev, "discovery", disc);
	if (jwks != NULL)
		json_object_set_new(ev, "jwks", json_string(jwks));
	return emit(ev);
}

/* Client authentication for the token endpoint: client_id in the body for
 * public clients, HTTP Basic for client_secret_basic (RFC 6749 §2.3.1:
 * both parts form-encoded first). */
struct client_auth {
	char *user;
	char *pass;
};

static int
client_auth_init(struct http *h, const json_t *req, char **form, struct client_auth *ca, struct helper_err *e)
{
	const char *id = req_str(req, "client_id"), *secret = req_str(req, "client_secret");

	memset(ca, 0, sizeof(*ca));
	if (id == NULL)
		return herr(e, HE_BAD_REQUEST, "request has no client_id");
	if (secret == NULL)
		return form_add(h->curl, form, "client_id", id) == 0 ? 0 : herr(e, HE_INTERNAL, "out of memory");
	ca->user = curl_easy_escape(h->curl, id, 0);
	ca->pass = curl_easy_escape(h->curl, secret, 0);
	if (ca->user == NULL || ca->pass == NULL)
		return herr(e, HE_INTERNAL, "out of memory");
	return 0;
}

static void
client_auth_free(struct client_auth *ca)
{
	if (ca->pass != NULL) {
		explicit_bzero(ca->pass, strlen(ca->pass));
		curl_free(ca->pass);
	}
	if (ca->user != NULL)
		curl_free(ca->user);
	memset(ca, 0, sizeof(*ca));
}

static int
oauth_error(json_t *resp, long status, const char *what, struct helper_err *e)
{
	const char *code = json_string_value(json_object_get(resp, "error"));
	char desc[256];

	sanitize(desc, sizeof(desc), json_string_value(json_object_get(resp, "error_description")));
	if (code == NULL)
		return herr(e, HE_HTTP_STATUS, "%s answered HTTP %ld", what, status);
	if (strcmp(code, "access_denied") == 0)
		return herr(e, HE_ACCESS_DENIED, "the sign-in was denied at the identity provider (%s)", desc);
	if (strcmp(code, "expired_token") == 0)
		return herr(e, HE_EXPIRED, "the device code expired before the sign-in was approved");
	if (strcmp(code, "invalid_grant") == 0)
		return herr(e, HE_INVALID_GRANT, "%s: invalid_grant (%s)", what, desc);
	if (strcmp(code, "invalid_client") == 0 || strcmp(code, "unauthorized_client") == 0)
		return herr(e, HE_INVALID_CLIENT, "%s: %s: check client_id and client secret (%s)", what, code, desc);
	{
		char c[64];

		sanitize(c, sizeof(c), code);
		return herr(e, HE_OAUTH, "%s: %s (%s)", what, c, desc);
	}
}

/* POSTs a form to an OAuth endpoint. 0 with *resp the JSON answer of an
 * HTTP 200; otherwise -1 with e set: the HTTP status, a body that is not
 * JSON, or the OAuth error the endpoint returned (RFC 6749 §5.2). */
static int
oauth_post(struct http *h, const char *url, const char *form, const struct client_auth *ca, const char *what,
    json_t **resp, struct helper_err *e)
{
	struct http_req r = { url, form, ca->user, ca->pass };
	json_t *j = NULL;
	long status = 0;

	if (http_perform(h, &r, &status, e) != 0)
		return -1;
	if (status != 200 && status != 400 && status != 401) {
		http_wipe(h);
		return herr(e, HE_HTTP_STATUS, "%s endpoint answered HTTP %ld", what, status);
	}
	if (http_json(h, &j, e) != 0)
		return -1;
	if (status != 200) {
		oauth_error(j, status, what, e);
		json_decref(j);
		return -1;
	}
	*resp = j;
	return 0;
}

static int
emit_tokens(json_t *resp, int need_id_token, struct helper_err *e)
{
	const json_t *id = json_object_get(resp, "id_token"), *rt = json_object_get(resp, "refresh_token");
	const json_t *exp = json_object_get(resp, "expires_in");
	json_t *ev;

	if (id != NULL && !json_is_string(id))
		return herr(e, HE_BAD_RESPONSE, "token response id_token is not a string");
	if (id == NULL && need_id_token)
		return herr(e, HE_BAD_RESPONSE, "token response has no id_token: is \"openid\" in scopes?");
	if (rt != NULL && !json_is_string(rt))
		return herr(e, HE_BAD_RESPONSE, "token response refresh_token is not a string");
	/* The access token is never needed here: it is not passed on. */
	if ((ev = json_pack("{s:s}", "event", "tokens")) == NULL)
		return herr(e, HE_INTERNAL, "out of memory");
	if (id != NULL)
		json_object_set(ev, "id_token", (json_t *)id);
	if (rt != NULL)
		json_object_set(ev, "refresh_token", (json_t *)rt);
	if (json_is_integer(exp))
		json_object_set(ev, "expires_in", (json_t *)exp);
	if (emit(ev) != 0)
		return herr(e, HE_CANCELLED, "caller went away");
	return 0;
}

int
op_login(struct http *h, const json_t *req, struct helper_err *e)
{
	static const char *const eps[] = { "device_authorization_endpoint", "token_endpoint" };
	const char *scope = req_str(req, "scope"), *dev_ep, *tok_ep;
	json_t *disc = NULL, *dev = NULL, *resp = NULL, *ev;
	char *form = NULL, *device_code = NULL;
	struct client_auth ca = { 0 };
	struct http_req r = { 0 };
	long status = 0, interval = 5, expires_in, polls = 0, failures = 0;
	long long expiry;
	int rc = -1;

	if (need_discovery(req, eps, 2)) {
		if (discover(h, req_str(req, "issuer"), &disc, e) != 0)
			goto out;
		if (emit_metadata(disc, NULL) != 0)
			goto out;
	}
	dev_ep = endpoint(req, disc, "device_authorization_endpoint");
	tok_ep = endpoint(req, disc, "token_endpoint");
	if (dev_ep == NULL) {
		herr(e, HE_BAD_RESPONSE, "the identity provider advertises no device_authorization_endpoint "
		    "(set it in pam_oidc.conf if it has one)");
		goto out;
	}
	if (tok_ep == NULL) {
		herr(e, HE_BAD_RESPONSE, "no token_endpoint");
		goto out;
	}

	/* RFC 8628 §3.1: device authorization request. */
	if (client_auth_init(h, req, &form, &ca, e) != 0)
		goto out;
	if (form_add(h->curl, &form, "scope", scope != NULL ? scope : "openid") != 0) {
		herr(e, HE_INTERNAL, "out of memory");
		goto out;
	}
	if (oauth_post(h, dev_ep, form, &ca, "device authorization", &dev, e) != 0)
		goto out;
	/* §3.2: device_code, user_code, verification_uri, expires_in required;
	 * verification_uri_complete and interval optional. Some providers
	 * spell it verification_url. */
	{
		const json_t *dc = json_object_get(dev, "device_code"), *uc = json_object_get(dev, "user_code");
		const json_t *vu = json_object_get(dev, "verification_uri"), *vc;
		const json_t *ex = json_object_get(dev, "expires_in"), *iv = json_object_get(dev, "interval");

		if (vu == NULL)
			vu = json_object_get(dev, "verification_url");
		vc = json_object_get(dev, "verification_uri_complete");
		if (!json_is_string(dc) || json_string_length(dc) == 0 || json_string_length(dc) > MAX_DEVICE_CODE ||
		    !json_is_string(uc) || json_string_length(uc) == 0 || json_string_length(uc) > MAX_USER_CODE ||
		    !https_url(vu, MAX_URI) || !json_is_integer(ex) || json_integer_value(ex) < 1 ||
		    (vc != NULL && !https_url(vc, MAX_URI)) || (iv != NULL && !json_is_integer(iv))) {
			herr(e, HE_BAD_RESPONSE, "device authorization response lacks or mangles a required field");
			goto out;
		}
		expires_in = (long)json_integer_value(ex);
		if (expires_in > MAX_EXPIRES_IN)
			expires_in = MAX_EXPIRES_IN;
		/* §3.2: absent interval means 5 seconds. */
		if (iv != NULL)
			interval = (long)json_integer_value(iv);
		if (interval < 1)
			interval = 1;
		if (interval > MAX_INTERVAL)
			interval = MAX_INTERVAL;
		if ((device_code = strdup(json_string_value(dc))) == NULL) {
			herr(e, HE_INTERNAL, "out of memory");
			goto out;
		}
		ev = json_pack("{s:s, s:O, s:O, s:I, s:I}", "event", "device", "verification_uri", vu,
		    "user_code", uc, "expires_in", (json_int_t)expires_in, "interval", (json_int_t)interval);
		if (ev != NULL && vc != NULL)
			json_object_set(ev, "verification_uri_complete", (json_t *)vc);
		if (ev == NULL || emit(ev) != 0) {
			herr(e, HE_CANCELLED, "caller went away");
			goto out;
		}
	}
	json_decref(dev);
	dev = NULL;
	expiry = ipc_now_ms() + (long long)expires_in * 1000;

	/* §3.4-3.5: poll the token endpoint. */
	form_free(form);
	form = NULL;
	if ((ca.user == NULL && form_add(h->curl, &form, "client_id", req_str(req, "client_id")) != 0) ||
	    form_add(h->curl, &form, "grant_type", DEVICE_GRANT) != 0 ||
	    form_add(h->curl, &form, "device_code", device_code) != 0) {
		herr(e, HE_INTERNAL, "out of memory");
		goto out;
	}
	r.url = tok_ep;
	r.form = form;
	r.basic_user = ca.user;     /* confidential clients authenticate every poll */
	r.basic_pass = ca.pass;
	for (;;) {
		long long now = ipc_now_ms(), next = now + interval * 1000;

		if (next > h->deadline_ms || next > expiry) {
			if (expiry <= h->deadline_ms)
				herr(e, HE_EXPIRED, "the device code expired before the sign-in was approved");
			else
				herr(e, HE_TIMEOUT, "the sign-in was not approved in time");
			goto out;
		}
		if (helper_sleep(interval * 1000)) {
			herr(e, HE_CANCELLED, "cancelled by the caller");
			goto out;
		}
		polls++;
		if (http_perform(h, &r, &status, e) != 0) {
			/* A lost poll is retried at the next interval; a few in
			 * a row mean the IdP is gone. */
			if (++failures < MAX_POLL_FAILURES && strcmp(e->code, HE_CANCELLED) != 0 &&
			    strcmp(e->code, HE_TOO_LARGE) != 0) {
				e->code = NULL;
				continue;
			}
			goto out;
		}
		if (status != 200 && status != 400 && status != 401) {
			http_wipe(h);
			if (++failures < MAX_POLL_FAILURES)
				continue;
			herr(e, HE_HTTP_STATUS, "token endpoint answered HTTP %ld %ld times in a row", status, failures);
			goto out;
		}
		if (http_json(h, &resp, e) != 0)
			goto out;
		failures = 0;
		if (status == 200) {
			rc = emit_tokens(resp, 1, e);
			goto out;
		}
		{
			const char *code = json_string_value(json_object_get(resp, "error"));

			if (code != NULL && strcmp(code, "authorization_pending") == 0) {
				ev = json_pack("{s:s, s:I, s:I}", "event", "pending", "interval", (json_int_t)interval,
				    "polls", (json_int_t)polls);
				if (ev == NULL || emit(ev) != 0) {
					herr(e, HE_CANCELLED, "caller went away");
					goto out;
				}
			} else if (code != NULL && strcmp(code, "slow_down") == 0) {
				/* §3.5: "the interval MUST be increased by 5 seconds
				 * for this and all subsequent requests". */
				interval += 5;
			} else {
				oauth_error(resp, status, "token endpoint", e);
				goto out;
			}
		}
		json_decref(resp);
		resp = NULL;
	}
out:
	if (device_code != NULL) {
		explicit_bzero(device_code, strlen(device_code));
		free(device_code);
	}
	client_auth_free(&ca);
	form_free(form);
	json_decref(resp);
	json_decref(dev);
	json_decref(disc);
	return rc;
}

int
op_refresh(struct http *h, const json_t *req, struct helper_err *e)
{
	static const char *const eps[] = { "token_endpoint" };
	const char *rt = req_str(req, "refresh_token"), *tok_ep;
	json_t *disc = NULL, *resp = NULL;
	struct client_auth ca = { 0 };
	char *form = NULL;
	int rc = -1;

	if (rt == NULL) {
		herr(e, HE_BAD_REQUEST, "refresh request without refresh_token");
		goto out;
	}
	if (need_discovery(req, eps, 1)) {
		if (discover(h, req_str(req, "issuer"), &disc, e) != 0 || emit_metadata(disc, NULL) != 0)
			goto out;
	}
	tok_ep = endpoint(req, disc, "token_endpoint");
	if (client_auth_init(h, req, &form, &ca, e) != 0)
		goto out;
	if (form_add(h->curl, &form, "grant_type", "refresh_token") != 0 ||
	    form_add(h->curl, &form, "refresh_token", rt) != 0) {
		herr(e, HE_INTERNAL, "out of memory");
		goto out;
	}
	if (oauth_post(h, tok_ep, form, &ca, "token", &resp, e) != 0)
		goto out;
	/* OIDC Core §12.2: a refresh response might not carry an id_token. */
	rc = emit_tokens(resp, 0, e);
out:
	client_auth_free(&ca);
	form_free(form);
	json_decref(resp);
	json_decref(disc);
	return rc;
}

int
op_fetch(struct http *h, const json_t *req, struct helper_err *e)
{
	static const char *const eps[] = { "jwks_uri" };
	json_t *disc = NULL;
	struct http_req r = { 0 };
	const char *jwks_uri;
	long status = 0;
	int rc = -1;

	/* The caller passes the jwks_uri it knows; without one, discover. */
	if (need_discovery(req, eps, 1) && discover(h, req_str(req, "issuer"), &disc, e) != 0)
		goto out;
	jwks_uri = endpoint(req, disc, "jwks_uri");
	r.url = jwks_uri;
	if (http_perform(h, &r, &status, e) != 0)
		goto out;
	if (status != 200) {
		http_wipe(h);
		herr(e, HE_HTTP_STATUS, "jwks_uri %s answered HTTP %ld", jwks_uri, status);
		goto out;
	}
	if (emit_metadata(disc, h->body) != 0) {
		herr(e, HE_CANCELLED, "caller went away");
		goto out;
	}
	rc = 0;
out:
	http_wipe(h);
	json_decref(disc);
	return rc;
}
