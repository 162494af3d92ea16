/* One decision path: what a device flow brought back (the "tokens" event)
 * becomes a verdict for one PAM user, with its reason. The module and
 * pam-oidc login both decide through verdict_decide(), so the CLI's dry
 * run admits exactly what the module admits, for the same reason. */
#ifndef PAM_OIDC_VERDICT_H
#define PAM_OIDC_VERDICT_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"
#include "core/identity.h"

/* The stage that decided: the first that refused, VERDICT_ADMITTED if none. */
enum verdict_stage {
	VERDICT_VERIFY,     /* keys_verify_id_token */
	VERDICT_MAP,        /* identity_map */
	VERDICT_TARGET,     /* identity_check_target: system accounts */
	VERDICT_USER,       /* the mapped user is not the PAM user */
	VERDICT_POLICY,     /* identity_check_policy */
	VERDICT_ADMITTED
};

/* The caller's passwd lookup (the module: pam_modutil_getpwnam; the CLI:
 * getpwnam_r): 1 and *uid if user exists, 0 if not. Lookups stay with the
 * caller because the module may not use the non-reentrant getpwnam. */
typedef int (*verdict_lookup_fn)(void *ctx, const char *user, uid_t *uid);

struct verdict_input {
	const json_t *tokens;        /* the flow's "tokens" event */
	int use_cache;               /* JWKS cache (root only) */
	int64_t min_iat;             /* when the attempt started: older tokens are replays */
	const json_t *keys;          /* discovery + JWKS this attempt fetched (flow.meta when
	                              * flow.keys_fetched), or NULL */
	const char *user;            /* the PAM user; NULL admits whoever the token maps to */
	verdict_lookup_fn lookup;
	void *lookup_ctx;
};

struct verdict {
	enum oidc_reason reason;
	enum verdict_stage stage;
	json_t *claims;              /* verified claims, or NULL; freed by verdict_free */
	char mapped[IDENTITY_MAX_USER + 1];
	char iss[256];
	char sub[256];               /* sanitized: it reaches logs */
	int fetches;                 /* JWKS downloads */
};

/* verify, map, system-account rule, compare with in->user, policy: the
 * first refusal wins. Returns v->reason (OIDC_OK when admitted); err says
 * why. v is always initialised; release it with verdict_free. */
enum oidc_reason verdict_decide(const struct oidc_config *cfg, const struct verdict_input *in, struct verdict *v,
    struct oidc_error *err);
void verdict_free(struct verdict *v);

#endif
