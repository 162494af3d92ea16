/* The two sign-ins of a login (oauth.h): RFC 8628's device flow and
 * OpenID CIBA Core 1.0 in poll mode. Both end in the shared poll loop. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/jsonutil.h"

/* RFC 8628 §3.1-3.5: the device authorization request, the "device"
 * event, then the poll. */
int
grant_device(struct http *h, const json_t *req, const char *dev_ep, const char *tok_ep,
    const struct client_auth *ca, struct helper_err *e)
{
	const char *scope = oauth_req_str(req, "scope");
	struct buf form = BUF_INIT(FORM_MAX);
	struct poll_grant pg = { DEVICE_GRANT, "device_code", NULL, "the device code", 0, 0 };
	char *device_code = NULL;
	json_t *dev = NULL, *ev;
	struct device_grant g;
	int rc = -1;

	if (oauth_client_auth_form(h, ca, &form) != 0 ||
	    form_add(h->curl, &form, "scope", scope != NULL ? scope : "openid") != 0) {
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	if (oauth_post(h, dev_ep, form.data, ca, POST_OAUTH, "device authorization", &dev, e) != 0)
		goto out;
	/* §3.2: device_code, user_code, verification_uri, expires_in required;
	 * verification_uri_complete and interval optional. Some providers
	 * spell it verification_url. */
	if (oauth_parse_device(dev, &g, e) != 0)
		goto out;
	pg.expires_in = g.expires_in;
	pg.interval = g.interval;
	if ((device_code = strdup(json_string_value(g.device_code))) == NULL) {
		herr(e, WIRE_INTERNAL, "out of memory");
		goto out;
	}
	ev = json_pack("{s:s, s:O, s:O, s:I, s:I}", "event", "device", "verification_uri", g.verification_uri,
	    "user_code", g.user_code, "expires_in", (json_int_t)g.expires_in, "interval", (json_int_t)g.interval);
	if (ev != NULL && g.verification_uri_complete != NULL)
		json_object_set(ev, "verification_uri_complete", (json_t *)g.verification_uri_complete);
	if (ev == NULL || emit(ev) != 0) {
		herr(e, WIRE_CANCELLED, "caller went away");
		goto out;
	}
	json_wipe_member(dev, "device_code");
	json_decref(dev);
	dev = NULL;
	buf_free(&form);
	pg.code = device_code;
	rc = oauth_poll_token(h, tok_ep, ca, &pg, e);
out:
	wipe_free(device_code);
	buf_free(&form);
	if (dev != NULL)
		json_wipe_member(dev, "device_code");
	json_decref(dev);
	return rc;
}

/* OpenID CIBA Core 1.0, poll mode: the backchannel authentication request
 * (§7.1), the "ciba" event (never the auth_req_id), then the poll (§7.3,
 * §10.1). */
int
grant_ciba(struct http *h, const json_t *req, const char *bc_ep, const char *tok_ep, const struct client_auth *ca,
    struct helper_err *e)
{
	static const char *const optional[] = { "binding_message", "acr_values" };
	const char *scope = oauth_req_str(req, "scope");
	const json_t *expiry = json_object_get(req, "requested_expiry");
	struct buf form = BUF_INIT(FORM_MAX);
	struct poll_grant pg = { CIBA_GRANT, "auth_req_id", NULL, "the CIBA request", 0, 0 };
	char *auth_req_id = NULL;
	json_t *resp = NULL, *ev;
	struct ciba_grant g;
	size_t i;
	int rc = -1;

	if (oauth_client_auth_form(h, ca, &form) != 0 ||
	    form_add(h->curl, &form, "scope", scope != NULL ? scope : "openid") != 0 ||
	    form_add(h->curl, &form, "login_hint", oauth_req_str(req, "login_hint")) != 0)
		goto nomem;
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (oauth_req_str(req, optional[i]) != NULL && form_add(h->curl, &form, optional[i], oauth_req_str(req, optional[i])) != 0)
			goto nomem;
	if (expiry != NULL) {
		char n[32];

		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(expiry));
		if (form_add(h->curl, &form, "requested_expiry", n) != 0)
			goto nomem;
	}
	if (oauth_post(h, bc_ep, form.data, ca, POST_BACKCHANNEL, "backchannel authentication", &resp, e) != 0)
		goto out;
	if (oauth_parse_ciba(resp, &g, e) != 0)
		goto out;
	pg.expires_in = g.expires_in;
	pg.interval = g.interval;
	if ((auth_req_id = strdup(json_string_value(g.auth_req_id))) == NULL)
		goto nomem;
	ev = json_pack("{s:s, s:I, s:I}", "event", "ciba", "expires_in", (json_int_t)g.expires_in, "interval",
	    (json_int_t)g.interval);
	if (ev == NULL || emit(ev) != 0) {
		herr(e, WIRE_CANCELLED, "caller went away");
		goto out;
	}
	json_wipe_member(resp, "auth_req_id");
	json_decref(resp);
	resp = NULL;
	buf_free(&form);
	pg.code = auth_req_id;
	rc = oauth_poll_token(h, tok_ep, ca, &pg, e);
	goto out;
nomem:
	herr(e, WIRE_INTERNAL, "out of memory");
out:
	wipe_free(auth_req_id);
	buf_free(&form);
	if (resp != NULL)
		json_wipe_member(resp, "auth_req_id");
	json_decref(resp);
	return rc;
}

