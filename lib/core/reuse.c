/* The reuse and recheck decision (lib/core/reuse.h). */
#include "config.h"

#include "core/flow.h"
#include "core/reuse.h"
#include "core/session.h"

int
reuse_consider(void *arg, uid_t uid, json_t *rec)
{
	struct reuse_search *rs = arg;
	const char *why = session_unusable_reason(rs->cfg, rec, rs->user, rs->service, rs->caller, rs->now);

	(void)uid;
	if (why != NULL) {
		rs->last_reason = why;
		return 0;
	}
	/* The most recent authentication wins. */
	if (rs->best == NULL || json_integer_value(json_object_get(rec, "auth_time")) >
	    json_integer_value(json_object_get(rs->best, "auth_time"))) {
		session_record_free(rs->best);
		rs->best = json_incref(rec);
	}
	return 0;
}

int
reuse_recheck_due(const struct oidc_config *cfg, const json_t *rec, int64_t now)
{
	return cfg->recheck > 0 && now - json_integer_value(json_object_get(rec, "checked")) >= cfg->recheck;
}

enum reuse_recheck
reuse_recheck_outcome(const struct oidc_config *cfg, enum oidc_reason refresh)
{
	if (refresh == OIDC_OK)
		return RECHECK_OK;
	if (refresh == OIDC_E_INVALID_GRANT)
		return RECHECK_REVOKED;
	return cfg->offline == OFFLINE_GRACE ? RECHECK_OFFLINE_GRACE : RECHECK_FAILED;
}
