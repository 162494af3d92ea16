/* What the helper reads from outside, checked without any I/O: the caller's
 * request and the identity provider's answers (discovery document, device
 * authorization response, token response, OAuth errors). No libcurl here:
 * the fuzzers link exactly this file. */
#ifndef PAM_OIDC_OAUTH_PARSE_H
#define PAM_OIDC_OAUTH_PARSE_H

#include <stddef.h>

#include <jansson.h>

#include "util/error.h"
#include "ipc/ipc.h"
#include "ipc/wire.h"

#define OAUTH_MAX_DEVICE_CODE 4096
#define OAUTH_MAX_INTERVAL 60
/* CIBA (OpenID CIBA Core 1.0): the request's bounds (doc/helper-protocol.md). */
#define OAUTH_MAX_AUTH_REQ_ID 4096
#define OAUTH_MAX_LOGIN_HINT 256
#define OAUTH_MAX_BINDING_MESSAGE 20
#define OAUTH_MAX_ACR_VALUES 256
#define OAUTH_MAX_REQUESTED_EXPIRY 3600

struct helper_err {
	enum wire_code code;     /* WIRE_NONE until the first error (lib/ipc/wire.h) */
	char message[512];
};

/* Sets e (the first error wins). herr() does that and is worth -1 (a
 * macro for the same reason as oidc_error_set). */
void helper_err_record(struct helper_err *e, enum wire_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define herr(e, code, ...) (helper_err_record((e), (code), __VA_ARGS__), oidc_failed())

/* The caller's request (doc/helper-protocol.md): a known op, an https
 * issuer, every member that is present of the right type and within its
 * bounds, and a flow with what it needs (ciba/auto: a login_hint; ciba: a
 * client_secret). */
int oauth_check_request(const json_t *req, struct helper_err *e);

/* OpenID Connect Discovery 1.0 §4.3: issuer equal to ours, https
 * token_endpoint and jwks_uri, an https device_authorization_endpoint if
 * one is given. */
int oauth_check_discovery(const json_t *doc, const char *issuer, struct helper_err *e);

/* The "discovery" event of a discover op (doc/helper-protocol.md) for a
 * document that passed oauth_check_discovery: its issuer and https
 * endpoints, the lists of ipc_discovery_lists that are arrays of bounded
 * strings, and in "unusable" the names of optional members it published
 * outside these rules (left out). */
int oauth_discovery_event(const json_t *doc, json_t **ev, struct helper_err *e);

/* The backchannel_authentication_endpoint a discovery document offers for
 * CIBA in poll mode (CIBA Core §4): an https URL, with "poll" listed in
 * backchannel_token_delivery_modes_supported (an absent list is no poll).
 * NULL when it offers none; points into doc. */
const char *oauth_discovery_ciba(const json_t *doc);

/* RFC 8628 §3.2. The json_t pointers point into dev. */
struct device_grant {
	const json_t *device_code;
	const json_t *user_code;
	const json_t *verification_uri;
	const json_t *verification_uri_complete;   /* may be NULL */
	long expires_in;                            /* clamped to 1..IPC_MAX_EXPIRES_IN */
	long interval;                              /* 5 if absent; clamped to 1..OAUTH_MAX_INTERVAL */
};
int oauth_parse_device(const json_t *dev, struct device_grant *g, struct helper_err *e);

/* CIBA Core §7.3. auth_req_id points into resp; it is a secret like the
 * device_code (never logged or emitted, wiped after use). */
struct ciba_grant {
	const json_t *auth_req_id;                  /* 1..OAUTH_MAX_AUTH_REQ_ID bytes */
	long expires_in;                            /* clamped to 1..IPC_MAX_EXPIRES_IN */
	long interval;                              /* 5 if absent; clamped to 1..OAUTH_MAX_INTERVAL */
};
int oauth_parse_ciba(const json_t *resp, struct ciba_grant *g, struct helper_err *e);

/* The "tokens" event for a successful token response (RFC 6749 §5.1); an
 * id_token is required for the device grant, optional on refresh (OIDC
 * Core §12.2). The access token is never passed on. */
int oauth_token_event(const json_t *resp, int need_id_token, json_t **ev, struct helper_err *e);

/* An error answer (RFC 6749 §5.2, RFC 8628 §3.5) to e. */
int oauth_error(const json_t *resp, long status, const char *what, struct helper_err *e);
/* An error answer of the backchannel authentication endpoint (CIBA Core
 * §13) to e: unknown_user_id, access_denied and invalid_client have codes
 * of their own; anything else is an oauth_error naming the IdP's error. */
int oauth_ciba_error(const json_t *resp, long status, struct helper_err *e);

/* What a non-200 poll of the token endpoint says (RFC 8628 §3.5). */
enum oauth_poll { OAUTH_POLL_PENDING, OAUTH_POLL_SLOW_DOWN, OAUTH_POLL_FAILED };
enum oauth_poll oauth_poll_answer(const json_t *resp);

#endif
