/* Driving the helper from the trusted side (module or root CLI): build the
 * request from config, run the device flow, and verify what comes back. */
#ifndef PAM_OIDC_FLOW_H
#define PAM_OIDC_FLOW_H

#include <stdint.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"
#include "ipc/spawn.h"

enum flow_state { FLOW_PENDING, FLOW_DONE, FLOW_FAILED };

/* Whom a CIBA sign-in asks, and the words both screens show (ciba.h). */
struct flow_ask {
	const char *login_hint;
	const char *binding_message;
};

struct oidc_flow {
	const struct oidc_config *cfg;
	struct helper_proc hp;
	json_t *meta;           /* cached discovery: endpoints for the request */
	json_t *device;         /* the "device" or "ciba" event (a ciba event
	                         * carries our binding_message too) */
	enum flow_kind kind;    /* FLOW_DEVICE or FLOW_CIBA: which one ran */
	json_t *tokens;         /* the "tokens" event */
	char helper_code[32];   /* the helper's error code, if it failed */
	long polls;
	long interval;          /* the poll interval the helper last reported (s) */
	long long heard_ms;     /* when the helper last relayed an IdP answer */
	long long started_ms;
	int64_t started;        /* wall clock at the start: the token's min iat */
	int use_cache;
	int keys_fetched;       /* meta holds discovery + JWKS that a fetch
	                         * helper of this attempt brought (not cached
	                         * before a token verifies against them) */
};

/* Helper-reported error code -> our reason (access_denied, ...). */
enum oidc_reason flow_reason_for(const char *helper_code, int device_seen);

/* Starts the sign-in and waits for its first event: "device" (URL + code)
 * or, with flow = ciba | auto and ask given, "ciba" (the request went to
 * the person's device). ask may be NULL: the device flow only. */
int flow_login_start(struct oidc_flow *f, const struct oidc_config *cfg, const struct flow_ask *ask,
    struct oidc_error *err);
/* Waits up to timeout_ms for the outcome. */
enum flow_state flow_login_wait(struct oidc_flow *f, int timeout_ms, struct oidc_error *err);
/* Kills and reaps the helper, wipes tokens. A login helper's discovery is
 * never kept: it may be someone else's. */
void flow_end(struct oidc_flow *f);

/* What keys.c builds on (not for callers outside lib/core): the cached
 * discovery + JWKS when use_cache (else none), and a "fetch" through a
 * fresh helper merged into *meta (dirty set when it changed). */
int flow_load_meta(const struct oidc_config *cfg, int use_cache, json_t **meta, struct oidc_error *err);
/* 1 if meta holds a JWKS fetched no longer than jwks_cache_ttl ago. */
int flow_meta_keys_fresh(const struct oidc_config *cfg, const json_t *meta);
int flow_fetch(const struct oidc_config *cfg, json_t **meta, int *dirty, struct oidc_error *err);

/* A probe (pam-oidc check-config --probe): the issuer's discovery through
 * a fresh helper (op "discover", no client secret sent); *doc gets the
 * checked "discovery" event. On failure helper_code holds the helper's
 * error code ("issuer_mismatch", ...) or is empty. */
int flow_discover(const struct oidc_config *cfg, json_t **doc, char *helper_code, size_t hcsize,
    struct oidc_error *err);

/* Refresh-token grant through the helper; *tokens gets the "tokens" event. */
int flow_refresh(const struct oidc_config *cfg, int use_cache, const char *refresh_token, json_t **tokens,
    struct oidc_error *err);

/* Wipes every string member of a token event, then frees it. */
void flow_tokens_free(json_t *tokens);


#endif
