/* What a recheck run (pam-oidc recheck) decides about one record and its
 * live login session, without a network or a process: the answer of one
 * refresh, the record's service policy against fresh claims, offline and
 * its bound, and whether the session may be ended at all. The CLI does
 * the refresh and the signals; the module never ends a session. */
#ifndef PAM_OIDC_REVOKE_H
#define PAM_OIDC_REVOKE_H

#include <stdint.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"

enum revoke_result { REVOKE_VALID, REVOKE_REVOKED, REVOKE_UNKNOWN };

struct revoke_verdict {
	enum revoke_result result;
	int remove;        /* the record goes (under the uid's lock) */
	int end_session;   /* on_revoke applies to its login session */
	char why[256];
};

/* refreshed: the refresh grant succeeded (then refresh is ignored);
 * refused: the answer's ID token was refused (reuse_refresh_answer_claims);
 * claims: the verified fresh claims, or NULL when no ID token came back
 * (then, under on_revoke = keep, the record's own groups/acr/amr are
 * checked against today's policy; otherwise the answer confirms nothing
 * and offline decides, as for an unreachable IdP). Valid, or revoked (invalid_grant, a refused answer, a policy
 * that now fails), or unknown (the IdP unreachable): kept under
 * offline = grace until the record's expiry, else its session is ended
 * like a revoked one's (the record stays: the module refuses it while
 * the IdP is away and rechecks it later). Returns the result, also in v. */
enum revoke_result revoke_decide(const struct oidc_config *cfg, const json_t *rec, int refreshed,
    enum oidc_reason refresh, const struct oidc_error *refused, const json_t *claims, int64_t now,
    struct revoke_verdict *v);

/* The claims the policy sees for a record: fresh ones when given, else
 * the record's groups/acr/amr under cfg's groups_claim. NULL on no memory. */
json_t *revoke_policy_claims(const struct oidc_config *cfg, const json_t *rec, const json_t *fresh);

/* Why the login session of rec must never be ended by us, or NULL if it
 * may: it is bound to a session process (pid + start time) that is the
 * record's user's own, or root's when that process opened the session
 * itself (sshd's per-connection process, login). A record earned with su
 * in someone else's session (bob's, root's shell) names their session,
 * which is never ours to end. */
const char *revoke_session_refusal(const json_t *rec);

#endif
