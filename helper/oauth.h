/* What the helper's OAuth files share (helper/oauth.c, helper/grants.c):
 * client authentication, the POST of a form, the shared poll loop. Not
 * an API: the helper's own. */
#ifndef PAM_OIDC_OAUTH_H
#define PAM_OIDC_OAUTH_H

#include <jansson.h>

#include "helper.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define CIBA_GRANT "urn:openid:params:grant-type:ciba"

/* Client authentication at the token, device authorization and
 * backchannel endpoints: client_id in the body for public clients; with a
 * client_secret, HTTP Basic (client_secret_basic, RFC 6749 §2.3.1: both
 * parts form-encoded first) or, with client_auth "post", client_id and
 * client_secret in the body (client_secret_post, the same section). */
struct client_auth {
	char *user;             /* basic: form-encoded client_id */
	char *pass;             /* basic: form-encoded client_secret */
	const char *id;         /* body: client_id (public or post) */
	const char *secret;     /* body: client_secret (post); points into the request */
};

/* Which endpoint a POST goes to, for its error answers. */
enum post_kind { POST_OAUTH, POST_BACKCHANNEL };

/* What the token endpoint is polled with: the device grant (RFC 8628
 * §3.4) or CIBA's (CIBA Core §10.1). code is the device_code or the
 * auth_req_id, a secret: it stays in this process and is wiped. */
struct poll_grant {
	const char *grant_type;
	const char *code_name;      /* "device_code" or "auth_req_id" */
	const char *code;
	const char *what;           /* "the device code", "the CIBA request": for messages */
	long interval;
	long expires_in;
};

const char *oauth_req_str(const json_t *req, const char *key);
int oauth_post(struct http *h, const char *url, const char *form, const struct client_auth *ca, enum post_kind kind,
    const char *what, json_t **resp, struct helper_err *e);
int oauth_poll_token(struct http *h, const char *tok_ep, const struct client_auth *ca, const struct poll_grant *pg,
    struct helper_err *e);
int oauth_client_auth_form(struct http *h, const struct client_auth *ca, struct buf *form);
int oauth_emit_tokens(json_t *resp, int need_id_token, struct helper_err *e);

/* The two sign-ins of a login (helper/grants.c): RFC 8628's device flow
 * and OpenID CIBA's poll mode, each to its "tokens" event. */
int grant_device(struct http *h, const json_t *req, const char *dev_ep, const char *tok_ep,
    const struct client_auth *ca, struct helper_err *e);
int grant_ciba(struct http *h, const json_t *req, const char *bc_ep, const char *tok_ep,
    const struct client_auth *ca, struct helper_err *e);

#endif
