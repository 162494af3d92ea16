/* The recheck run's decision (lib/core/revoke.h). */
#include "config.h"

#include <stdio.h>

#include "core/identity.h"
#include "core/reuse.h"
#include "core/revoke.h"
#include "core/session.h"

json_t *
revoke_policy_claims(const struct oidc_config *cfg, const json_t *rec, const json_t *fresh)
{
	if (fresh != NULL)
		return json_deep_copy(fresh);
	return session_record_claims(cfg, rec);
}

static enum revoke_result
set(struct revoke_verdict *v, enum revoke_result r, int remove, int end, const char *why, const char *detail)
{
	v->result = r;
	v->remove = remove;
	v->end_session = end;
	snprintf(v->why, sizeof(v->why), "%.80s%s%.160s", why, detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return r;
}

/* No confirmed answer: offline = grace keeps the session until the
 * record's own expiry (the module's bound), deny ends it. */
static enum revoke_result
unconfirmed(const struct oidc_config *cfg, const json_t *rec, int64_t now, const char *what, const char *detail,
    struct revoke_verdict *v)
{
	char why[96];

	if (cfg->offline == OFFLINE_GRACE) {
		if (json_integer_value(json_object_get(rec, "expires")) > now) {
			snprintf(why, sizeof(why), "%s, kept (offline = grace)", what);
			return set(v, REVOKE_UNKNOWN, 0, 0, why, detail);
		}
		snprintf(why, sizeof(why), "%s and the offline grace ended", what);
		return set(v, REVOKE_UNKNOWN, 0, 1, why, detail);
	}
	snprintf(why, sizeof(why), "%s and offline = deny", what);
	return set(v, REVOKE_UNKNOWN, 0, 1, why, detail);
}

enum revoke_result
revoke_decide(const struct oidc_config *cfg, const json_t *rec, int refreshed, enum oidc_reason refresh,
    const struct oidc_error *refused, const json_t *claims, int64_t now, struct revoke_verdict *v)
{
	struct oidc_error perr = { 0 };
	json_t *pc;
	int bad;

	if (!refreshed) {
		if (reuse_recheck_outcome(cfg, refresh) == RECHECK_REVOKED)
			return set(v, REVOKE_REVOKED, 1, 1, "the identity provider refused the refresh token",
			    oidc_reason_code(refresh));
		return unconfirmed(cfg, rec, now, "identity provider unreachable", oidc_reason_code(refresh), v);
	}
	/* A refreshed ID token that does not verify, or is another person's:
	 * the grant is not confirmed, and nothing of it is kept. */
	if (refused != NULL && refused->reason != OIDC_OK)
		return set(v, REVOKE_REVOKED, 1, 1, "the refreshed ID token was refused", refused->text);
	/* An answer without an ID token is only the helper's word that the
	 * grant stands (OIDC Core §12.2 lets the IdP omit it): where that word
	 * would keep a session open (on_revoke is not keep), it confirms
	 * nothing, and offline decides as if the IdP had not answered. */
	if (claims == NULL && cfg->on_revoke != ON_REVOKE_KEEP)
		return unconfirmed(cfg, rec, now, "the refresh answer carried no ID token", NULL, v);
	if ((pc = revoke_policy_claims(cfg, rec, claims)) == NULL)
		return set(v, REVOKE_UNKNOWN, 0, 0, "out of memory", NULL);
	bad = identity_check_policy(cfg, pc, json_string_value(json_object_get(rec, "user")), &perr) != 0;
	json_decref(pc);
	if (bad)
		return set(v, REVOKE_REVOKED, 1, 1, "the service's policy refuses it now", perr.text);
	return set(v, REVOKE_VALID, 0, 0, "still valid", NULL);
}

const char *
revoke_session_refusal(const json_t *rec)
{
	const json_t *pid = json_object_get(rec, "anchor_pid"), *start = json_object_get(rec, "anchor_start");
	const json_t *owner = json_object_get(rec, "anchor_uid");
	json_int_t uid = json_integer_value(json_object_get(rec, "uid"));

	if (!json_is_integer(pid) || !json_is_integer(start) || !json_is_integer(owner) || json_integer_value(pid) <= 1)
		return "the record is not bound to a login session";
	if (json_integer_value(owner) == uid && uid != 0)
		return NULL;
	if (json_integer_value(owner) == 0 && json_is_true(json_object_get(rec, "anchor_opened")))
		return NULL;
	return "the record was earned inside another user's session (su), which is not ended for it";
}
