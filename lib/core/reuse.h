/* The reuse and recheck decision of a session record, without a PAM
 * handle (the module's glue is pam/reuse.c): which record may serve an
 * authentication, when it must be rechecked at the IdP, and what the
 * recheck's answer means. */
#ifndef PAM_OIDC_REUSE_H
#define PAM_OIDC_REUSE_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"
#include "util/procinfo.h"

/* The search over one uid's records (session_foreach with reuse_consider). */
struct reuse_search {
	const struct oidc_config *cfg;
	const char *user;
	const char *service;
	const struct proc_caller *caller;
	int64_t now;
	json_t *best;              /* the usable record, a reference the caller frees */
	const char *last_reason;   /* why the last refused record was refused */
};

/* session_foreach callback: keeps rec in rs->best when it may serve this
 * authentication (session_unusable_reason) and is the most recent
 * authentication seen so far. Never stops the walk (returns 0). */
int reuse_consider(void *rs, uid_t uid, json_t *rec);

/* 1 if rec is due for a recheck at the IdP (recheck elapsed since
 * "checked"), 0 if not or recheck is off. */
int reuse_recheck_due(const struct oidc_config *cfg, const json_t *rec, int64_t now);

enum reuse_recheck { RECHECK_OK, RECHECK_REVOKED, RECHECK_OFFLINE_GRACE, RECHECK_FAILED };

/* What the refresh grant's outcome means for the record: OIDC_OK serves,
 * invalid_grant revokes (the IdP ended the grant), anything else is the
 * IdP being unreachable or refusing, served only under offline = grace. */
enum reuse_recheck reuse_recheck_outcome(const struct oidc_config *cfg, enum oidc_reason refresh);

/* The refresh helper is no more trusted than the login helper: an ID
 * token in its answer (tokens) is verified like a login's (keys from a
 * fresh fetch, issued after started) and must be the same person as rec
 * (OIDC Core §12.2: same iss and sub), and its claims must still satisfy
 * cfg's policy (identity_check_policy: groups, hd, acr, amr). 0 when
 * accepted (no ID token is accepted), -1 and err when refused. With
 * claims_out, the accepted claims (the caller's to free; NULL when no ID
 * token came back), for the record to be brought up to date. */
int reuse_refresh_answer_check(const struct oidc_config *cfg, const json_t *rec, const json_t *tokens,
    int64_t started, json_t **claims_out, struct oidc_error *err);
/* The same, also giving the verified claims (*claims_out, the caller's to
 * free; left alone when no ID token came back). */
int reuse_refresh_answer_claims(const struct oidc_config *cfg, const json_t *rec, const json_t *tokens,
    int64_t started, json_t **claims_out, struct oidc_error *err);

#endif
