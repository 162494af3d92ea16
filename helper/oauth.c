/* OpenID Connect Discovery 1.0 §4, client authentication, the token
 * endpoint poll shared by both sign-ins (grants.c), the login, refresh
 * (RFC 6749 §6), fetch and discover operations. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth.h"
#include "ipc/ipc.h"
#include "util/clock.h"
#include "util/jsonutil.h"

#define MAX_POLL_FAILURES 3

const char *
oauth_req_str(const json_t *req, const char *key)
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
	const char *v = oauth_req_str(req, name);

	if (v != NULL)
		return v;
	return disc != NULL ? json_string_value(json_object_get(disc, name)) : NULL;
}

static int
need_discovery(const json_t *req, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (oauth_req_str(req, names[i]) == NULL)
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

static int
client_auth_init(struct http *h, const json_t *req, struct client_auth *ca, struct helper_err *e)
{
	const char *id = oauth_req_str(req, "client_id"), *secret = oauth_req_str(req, "client_secret");
	const char *how = oauth_req_str(req, "client_auth");

	memset(ca, 0, sizeof(*ca));
	if (id == NULL)
		return herr(e, WIRE_BAD_REQUEST, "request has no client_id");
	if (secret == NULL || (how != NULL && strcmp(how, "post") == 0)) {
		ca->id = id;
		ca->secret = secret;
		return 0;
	}
	ca->user = curl_easy_escape(h->curl, id, 0);
	ca->pass = curl_easy_escape(h->curl, secret, 0);
	if (ca->user == NULL || ca->pass == NULL)
		return herr(e, WIRE_INTERNAL, "out of memory");
	return 0;
}

/* The body part of the client's authentication, first in a new form
 * (buf_free() wipes the form, and with it a client_secret). */
int
oauth_client_auth_form(struct http *h, const struct client_auth *ca, struct buf *form)
{
	if (ca->id != NULL && form_add(h->curl, form, "client_id", ca->id) != 0)
		return -1;
	if (ca->secret != NULL && form_add(h->curl, form, "client_secret", ca->secret) != 0)
		return -1;
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
 * JSON, or the OAuth error the endpoint returned (RFC 6749 §5.2; at the
 * backchannel endpoint CIBA Core §13, which also answers 403). */
int
oauth_post(struct http *h, const char *url, const char *form, const struct client_auth *ca, enum post_kind kind,
    const char *what, json_t **resp, struct helper_err *e)
{
	struct http_req r = { url, form, ca->user, ca->pass };
	json_t *j = NULL;
	long status = 0;

	if (http_perform(h, &r, &status, e) != 0)
		return -1;
	if (status != 200 && status != 400 && status != 401 && !(kind == POST_BACKCHANNEL && status == 403)) {
		http_wipe(h);
		return herr(e, WIRE_HTTP_STATUS, "%s endpoint answered HTTP %ld", what, status);
	}
	if (http_json(h, &j, e) != 0)
		return -1;
	if (status != 200) {
		/* always -1; e says which error */
		if (kind == POST_BACKCHANNEL)
			(void)oauth_ciba_error(j, status, e);
		else
			(void)oauth_error(j, status, what, e);
		json_decref(j);
		return -1;
	}
	*resp = j;
	return 0;
}

int
oauth_emit_tokens(json_t *resp, int need_id_token, struct helper_err *e)
{
	json_t *ev;

	if (oauth_token_event(resp, need_id_token, &ev, e) != 0)
		return -1;
	if (emit(ev) != 0)
		return herr(e, WIRE_CANCELLED, "caller went away");
	return 0;
}

/* Polls the token endpoint until the sign-in is approved (the "tokens"
 * event), refused, expired or out of time. The same rules for both grants
 * (RFC 8628 §3.5, CIBA Core §7.3 and §11 point to it): wait interval
 * before every poll, +5 s for this and every later poll on slow_down, a
 * "pending" event on authorization_pending, stop at expires_in (expired_token)
 * or at the request's timeout (timeout), whichever comes first. */
int
oauth_poll_token(struct http *h, const char *tok_ep, const struct client_auth *ca, const struct poll_grant *pg,
    struct helper_err *e)
{
	struct buf form = BUF_INIT(FORM_MAX);
	struct http_req r = { 0 };
	json_t *resp = NULL, *ev;
	long status = 0, interval = pg->interval, polls = 0, failures = 0;
	long long expiry = clock_now_ms() + (long long)pg->expires_in * 1000;
	int rc = -1;

	if (oauth_client_auth_form(h, ca, &form) != 0 || form_add(h->curl, &form, "grant_type", pg->grant_type) != 0 ||
	    form_add(h->curl, &form, pg->code_name, pg->code) != 0) {
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	r.url = tok_ep;
	r.form = form.data;
	r.basic_user = ca->user;     /* confidential clients authenticate every poll */
	r.basic_pass = ca->pass;
	for (;;) {
		long long now = clock_now_ms(), next = now + interval * 1000;

		if (next > h->deadline_ms || next > expiry) {
			/* The last poll went unanswered: the IdP is gone, and
			 * whether anyone approved can no longer be known. */
			if (failures > 0)
				herr(e, WIRE_UNREACHABLE, "the identity provider stopped answering (%ld polls in a row lost)",
				    failures);
			else if (expiry <= h->deadline_ms)
				herr(e, WIRE_EXPIRED, "%s expired before the sign-in was approved", pg->what);
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
			/* Polls that time out after the code was shown are an IdP
			 * that stopped answering, not a person who did not approve. */
			if (e->code == WIRE_TIMEOUT) {
				e->code = WIRE_NONE;
				herr(e, WIRE_UNREACHABLE, "the identity provider stopped answering (%ld polls in a row timed out)",
				    failures);
			}
			goto out;
		}
		/* Google answers authorization_pending with 428 and slow_down
		 * or access_denied with 403, each with an RFC 6749 §5.2 body. */
		if (status != 200 && status != 400 && status != 401 && status != 403 && status != 428) {
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
			rc = oauth_emit_tokens(resp, 1, e);
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
	buf_free(&form);
	if (resp != NULL)
		json_wipe_strings(resp);
	json_decref(resp);
	return rc;
}

/* Which flow a login runs (doc/helper-protocol.md): "device" (also when
 * absent), "ciba", or "auto": CIBA when the client is confidential and
 * the request names a backchannel endpoint or discovery offers one in
 * poll mode, else the device flow. Discovery runs only when an endpoint
 * the flow needs is missing. */
int
op_login(struct http *h, const json_t *req, struct helper_err *e)
{
	static const char *const dev_eps[] = { "device_authorization_endpoint", "token_endpoint" };
	static const char *const bc_eps[] = { "backchannel_authentication_endpoint", "token_endpoint" };
	const char *flow = oauth_req_str(req, "flow"), *dev_ep = NULL, *bc_ep = NULL, *tok_ep;
	enum { RUN_DEVICE, RUN_CIBA, RUN_CIBA_IF_OFFERED } run = RUN_DEVICE;
	json_t *disc = NULL;
	struct client_auth ca = { 0 };
	int rc = -1;

	if (flow != NULL && strcmp(flow, "ciba") == 0)
		run = RUN_CIBA;
	/* auto: a public client cannot use CIBA; with every device endpoint
	 * named and no backchannel one, the device flow without discovery. */
	else if (flow != NULL && strcmp(flow, "auto") == 0 && oauth_req_str(req, "client_secret") != NULL &&
	    (oauth_req_str(req, "backchannel_authentication_endpoint") != NULL || need_discovery(req, dev_eps, 2)))
		run = RUN_CIBA_IF_OFFERED;
	if (need_discovery(req, run == RUN_DEVICE ? dev_eps : bc_eps, 2)) {
		if (discover(h, oauth_req_str(req, "issuer"), &disc, e) != 0)
			goto out;
		if (emit_metadata(disc, NULL) != 0)
			goto out;
	}
	if (run != RUN_DEVICE) {
		/* The request's endpoint (the admin's) is taken as it is;
		 * discovery's must be offered for poll mode (CIBA Core §4). */
		if ((bc_ep = oauth_req_str(req, "backchannel_authentication_endpoint")) == NULL && disc != NULL)
			bc_ep = oauth_discovery_ciba(disc);
		if (bc_ep == NULL && run == RUN_CIBA) {
			herr(e, WIRE_CIBA_UNSUPPORTED, "the identity provider offers no CIBA in poll mode (no https "
			    "backchannel_authentication_endpoint with \"poll\" in backchannel_token_delivery_modes_supported)");
			goto out;
		}
		if (bc_ep == NULL)
			run = RUN_DEVICE;
	}
	tok_ep = endpoint(req, disc, "token_endpoint");
	if (run == RUN_DEVICE && (dev_ep = endpoint(req, disc, "device_authorization_endpoint")) == NULL) {
		herr(e, WIRE_BAD_RESPONSE, "the identity provider advertises no device_authorization_endpoint "
		    "(set it in pam_oidc.conf if it has one)");
		goto out;
	}
	if (tok_ep == NULL) {
		herr(e, WIRE_BAD_RESPONSE, "no token_endpoint");
		goto out;
	}
	if (client_auth_init(h, req, &ca, e) != 0)
		goto out;
	if (run == RUN_DEVICE)
		rc = grant_device(h, req, dev_ep, tok_ep, &ca, e);
	else
		rc = grant_ciba(h, req, bc_ep, tok_ep, &ca, e);
out:
	client_auth_free(&ca);
	json_decref(disc);
	return rc;
}

int
op_refresh(struct http *h, const json_t *req, struct helper_err *e)
{
	static const char *const eps[] = { "token_endpoint" };
	const char *rt = oauth_req_str(req, "refresh_token"), *tok_ep;
	json_t *disc = NULL, *resp = NULL;
	struct buf form = BUF_INIT(FORM_MAX);
	struct client_auth ca = { 0 };
	int rc = -1;

	if (rt == NULL) {
		herr(e, WIRE_BAD_REQUEST, "refresh request without refresh_token");
		goto out;
	}
	if (need_discovery(req, eps, 1)) {
		if (discover(h, oauth_req_str(req, "issuer"), &disc, e) != 0 || emit_metadata(disc, NULL) != 0)
			goto out;
	}
	tok_ep = endpoint(req, disc, "token_endpoint");
	if (client_auth_init(h, req, &ca, e) != 0)
		goto out;
	if (oauth_client_auth_form(h, &ca, &form) != 0 || form_add(h->curl, &form, "grant_type", "refresh_token") != 0 ||
	    form_add(h->curl, &form, "refresh_token", rt) != 0) {
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	if (oauth_post(h, tok_ep, form.data, &ca, POST_OAUTH, "token", &resp, e) != 0)
		goto out;
	/* OIDC Core §12.2: a refresh response might not carry an id_token. */
	rc = oauth_emit_tokens(resp, 0, e);
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
	if (need_discovery(req, eps, 1) && discover(h, oauth_req_str(req, "issuer"), &disc, e) != 0)
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

/* A probe (pam-oidc check-config --probe): discovery, checked as a login
 * checks it (§4.3), and what the caller needs to compare with its
 * configuration. Always fetched: the request's endpoints are the caller's
 * own, and the probe asks what the IdP says. */
int
op_discover(struct http *h, const json_t *req, struct helper_err *e)
{
	json_t *disc = NULL, *ev = NULL;
	int rc = -1;

	if (discover(h, oauth_req_str(req, "issuer"), &disc, e) != 0)
		goto out;
	if (oauth_discovery_event(disc, &ev, e) != 0)
		goto out;
	if (emit(ev) != 0) {
		herr(e, WIRE_CANCELLED, "caller went away");
		goto out;
	}
	rc = 0;
out:
	json_decref(disc);
	return rc;
}
