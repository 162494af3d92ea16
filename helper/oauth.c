/* OpenID Connect Discovery 1.0 §4, the OAuth 2.0 Device Authorization Grant
 * (RFC 8628) and the refresh-token grant (RFC 6749 §6). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "ipc/ipc.h"
#include "util/clock.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define MAX_POLL_FAILURES 3

static const char *
req_str(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

/* Discovery: the document's issuer must equal ours exactly (§4.3). */
static int
discover(struct http *h, const char *issuer, json_t **doc, struct helper_err *e)
{
	char url[IPC_MAX_URI + 64];
	struct http_req r = { 0 };
	json_t *d = NULL;
	size_t n = strlen(issuer);
	long status = 0;

	if (n > IPC_MAX_URI)
		return herr(e, WIRE_BAD_REQUEST, "issuer too long");
	/* §4.1: remove a trailing "/" from the issuer, then append. */
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	    (int)(n > 0 && issuer[n - 1] == '/' ? n - 1 : n), issuer);
	r.url = url;
	if (http_perform(h, &r, &status, e) != 0)
		return -1;
	if (status != 200) {
		http_wipe(h);
		return herr(e, WIRE_HTTP_STATUS, "discovery at %s answered HTTP %ld", url, status);
	}
	if (http_json(h, &d, e) != 0)
		return -1;
	if (oauth_check_discovery(d, issuer, e) != 0) {
		json_decref(d);
		return -1;
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
client_auth_init(struct http *h, const json_t *req, struct buf *form, struct client_auth *ca, struct helper_err *e)
{
	const char *id = req_str(req, "client_id"), *secret = req_str(req, "client_secret");

	memset(ca, 0, sizeof(*ca));
	if (id == NULL)
		return herr(e, WIRE_BAD_REQUEST, "request has no client_id");
	if (secret == NULL)
		return form_add(h->curl, form, "client_id", id) == 0 ? 0 : herr(e, WIRE_INTERNAL, "out of memory");
	ca->user = curl_easy_escape(h->curl, id, 0);
	ca->pass = curl_easy_escape(h->curl, secret, 0);
	if (ca->user == NULL || ca->pass == NULL)
		return herr(e, WIRE_INTERNAL, "out of memory");
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
		return herr(e, WIRE_HTTP_STATUS, "%s endpoint answered HTTP %ld", what, status);
	}
	if (http_json(h, &j, e) != 0)
		return -1;
	if (status != 200) {
		(void)oauth_error(j, status, what, e);   /* always -1; e says which error */
		json_decref(j);
		return -1;
	}
	*resp = j;
	return 0;
}

static int
emit_tokens(json_t *resp, int need_id_token, struct helper_err *e)
{
	json_t *ev;

	if (oauth_token_event(resp, need_id_token, &ev, e) != 0)
		return -1;
	if (emit(ev) != 0)
		return herr(e, WIRE_CANCELLED, "caller went away");
	return 0;
}

int
op_login(struct http *h, const json_t *req, struct helper_err *e)
{
	static const char *const eps[] = { "device_authorization_endpoint", "token_endpoint" };
	const char *scope = req_str(req, "scope"), *dev_ep, *tok_ep;
	json_t *disc = NULL, *dev = NULL, *resp = NULL, *ev;
	struct buf form = BUF_INIT(FORM_MAX);
	char *device_code = NULL;
	struct client_auth ca = { 0 };
	struct http_req r = { 0 };
	long status = 0, interval, expires_in, polls = 0, failures = 0;
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
		herr(e, WIRE_BAD_RESPONSE, "the identity provider advertises no device_authorization_endpoint "
		    "(set it in pam_oidc.conf if it has one)");
		goto out;
	}
	if (tok_ep == NULL) {
		herr(e, WIRE_BAD_RESPONSE, "no token_endpoint");
		goto out;
	}

	/* RFC 8628 §3.1: device authorization request. */
	if (client_auth_init(h, req, &form, &ca, e) != 0)
		goto out;
	if (form_add(h->curl, &form, "scope", scope != NULL ? scope : "openid") != 0) {
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	if (oauth_post(h, dev_ep, form.data, &ca, "device authorization", &dev, e) != 0)
		goto out;
	/* §3.2: device_code, user_code, verification_uri, expires_in required;
	 * verification_uri_complete and interval optional. Some providers
	 * spell it verification_url. */
	{
		struct device_grant g;

		if (oauth_parse_device(dev, &g, e) != 0)
			goto out;
		expires_in = g.expires_in;
		interval = g.interval;
		if ((device_code = strdup(json_string_value(g.device_code))) == NULL) {
			herr(e, WIRE_INTERNAL, "out of memory");
			goto out;
		}
		ev = json_pack("{s:s, s:O, s:O, s:I, s:I}", "event", "device", "verification_uri", g.verification_uri,
		    "user_code", g.user_code, "expires_in", (json_int_t)expires_in, "interval", (json_int_t)interval);
		if (ev != NULL && g.verification_uri_complete != NULL)
			json_object_set(ev, "verification_uri_complete", (json_t *)g.verification_uri_complete);
		if (ev == NULL || emit(ev) != 0) {
			herr(e, WIRE_CANCELLED, "caller went away");
			goto out;
		}
	}
	json_decref(dev);
	dev = NULL;
	expiry = clock_now_ms() + (long long)expires_in * 1000;

	/* §3.4-3.5: poll the token endpoint. */
	buf_free(&form);
	if ((ca.user == NULL && form_add(h->curl, &form, "client_id", req_str(req, "client_id")) != 0) ||
	    form_add(h->curl, &form, "grant_type", DEVICE_GRANT) != 0 ||
	    form_add(h->curl, &form, "device_code", device_code) != 0) {
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	r.url = tok_ep;
	r.form = form.data;
	r.basic_user = ca.user;     /* confidential clients authenticate every poll */
	r.basic_pass = ca.pass;
	for (;;) {
		long long now = clock_now_ms(), next = now + interval * 1000;

		if (next > h->deadline_ms || next > expiry) {
			if (expiry <= h->deadline_ms)
				herr(e, WIRE_EXPIRED, "the device code expired before the sign-in was approved");
			else
				herr(e, WIRE_TIMEOUT, "the sign-in was not approved in time");
			goto out;
		}
		if (helper_sleep(interval * 1000)) {
			herr(e, WIRE_CANCELLED, "cancelled by the caller");
			goto out;
		}
		polls++;
		if (http_perform(h, &r, &status, e) != 0) {
			/* A lost poll is retried at the next interval; a few in
			 * a row mean the IdP is gone. */
			if (++failures < MAX_POLL_FAILURES && e->code != WIRE_CANCELLED &&
			    e->code != WIRE_TOO_LARGE) {
				e->code = WIRE_NONE;
				continue;
			}
			goto out;
		}
		if (status != 200 && status != 400 && status != 401) {
			http_wipe(h);
			if (++failures < MAX_POLL_FAILURES)
				continue;
			herr(e, WIRE_HTTP_STATUS, "token endpoint answered HTTP %ld %ld times in a row", status, failures);
			goto out;
		}
		if (http_json(h, &resp, e) != 0)
			goto out;
		failures = 0;
		if (status == 200) {
			rc = emit_tokens(resp, 1, e);
			goto out;
		}
		switch (oauth_poll_answer(resp)) {
		case OAUTH_POLL_PENDING:
			ev = json_pack("{s:s, s:I, s:I}", "event", "pending", "interval", (json_int_t)interval, "polls",
			    (json_int_t)polls);
			if (ev == NULL || emit(ev) != 0) {
				herr(e, WIRE_CANCELLED, "caller went away");
				goto out;
			}
			break;
		case OAUTH_POLL_SLOW_DOWN:
			/* §3.5: "the interval MUST be increased by 5 seconds
			 * for this and all subsequent requests". */
			interval += 5;
			break;
		case OAUTH_POLL_FAILED:
			(void)oauth_error(resp, status, "token endpoint", e);   /* always -1; e says which */
			goto out;
		}
		json_decref(resp);
		resp = NULL;
	}
out:
	wipe_free(device_code);
	client_auth_free(&ca);
	buf_free(&form);
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
	struct buf form = BUF_INIT(FORM_MAX);
	struct client_auth ca = { 0 };
	int rc = -1;

	if (rt == NULL) {
		herr(e, WIRE_BAD_REQUEST, "refresh request without refresh_token");
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
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	if (oauth_post(h, tok_ep, form.data, &ca, "token", &resp, e) != 0)
		goto out;
	/* OIDC Core §12.2: a refresh response might not carry an id_token. */
	rc = emit_tokens(resp, 0, e);
out:
	client_auth_free(&ca);
	buf_free(&form);
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
		herr(e, WIRE_HTTP_STATUS, "jwks_uri %s answered HTTP %ld", jwks_uri, status);
		goto out;
	}
	if (emit_metadata(disc, h->body.data) != 0) {
		herr(e, WIRE_CANCELLED, "caller went away");
		goto out;
	}
	rc = 0;
out:
	http_wipe(h);
	json_decref(disc);
	return rc;
}
