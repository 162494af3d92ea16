/* Session reuse with a PAM handle: the store, the search over the
 * user's records, the recheck under the uid's lock, and the binding of a
 * new record. What is decided (which record, what a recheck means) is
 * lib/core/reuse.c, testable without a pamh. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module.h"
#include "verify.h"
#include "util/procinfo.h"
#include "core/reuse.h"
#include "util/text.h"
#include "util/jsonutil.h"

/* Opens the session store, or logs why it cannot be used (an unsafe store
 * is never trusted: the login then runs the device flow and records
 * nothing). */
int
module_store_open(pam_handle_t *pamh, const struct oidc_config *cfg, struct session_store *st)
{
	struct oidc_error err = { 0 };

	st->top = st->sessions = -1;
	if (cfg->session_ttl <= 0 || geteuid() != 0)
		return -1;
	if (session_store_open(cfg->state_dir, st, &err) != 0) {
		pam_syslog(pamh, LOG_ERR, "session store not used: %s", err.text);
		return -1;
	}
	return 0;
}

/* A usable record serves this authentication with no helper and no
 * network (except a due recheck). Returns PAM_SUCCESS, PAM_IGNORE (not
 * served: sign in) or the code of a verification object that could not
 * be loaded for a due recheck (already logged). */
int
reuse_try(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, uid_t uid)
{
	struct session_ctx sctx = { module_syslog_warn, a->pamh };
	struct proc_caller caller;
	struct reuse_search rs = { cfg, a->user, a->service, &caller, (int64_t)time(NULL), NULL, NULL };
	struct oidc_error err = { 0 };
	const char *reason = "session_reuse";
	int rc = PAM_IGNORE;

	/* Without its own session facts a caller proves nothing: no reuse. */
	if (procinfo_caller(&caller) != 0) {
		pam_syslog(a->pamh, LOG_WARNING, "no session reused for %s: cannot read /proc/self/stat", a->user);
		goto out;
	}
	if (session_foreach(st, &sctx, uid, 1, rs.now, reuse_consider, &rs, &err) < 0 || rs.best == NULL) {
		if (a->debug && rs.last_reason != NULL)
			pam_syslog(a->pamh, LOG_DEBUG, "no session reused for %s: %s", a->user, rs.last_reason);
		goto out;
	}
	if (reuse_recheck_due(cfg, rs.best, rs.now)) {
		/* A recheck verifies at the IdP: the verification object's job. */
		const struct verify_ops *ops = verify_ops_load(a, &rc);

		if (ops == NULL)
			goto out;
		rc = PAM_IGNORE;
		switch (ops->recheck(a, cfg, st, uid, &rs.best, rs.now)) {
		case RECHECK_OK:
			break;
		case RECHECK_OFFLINE_GRACE:
			reason = "session_reuse_offline_grace";
			break;
		default:
			goto out;
		}
	}
	snprintf(a->session, sizeof(a->session), "%s", json_string_value(json_object_get(rs.best, "id")));
	snprintf(a->mapped, sizeof(a->mapped), "%s", a->user);
	snprintf(a->iss, sizeof(a->iss), "%s", json_string_value(json_object_get(rs.best, "iss")));
	text_sanitize(a->sub, sizeof(a->sub), json_string_value(json_object_get(rs.best, "sub")));
	if (module_set_session_env(a->pamh, a->session) != PAM_SUCCESS)
		goto out;
	attempt_log(a, PAM_SUCCESS, reason, NULL);
	rc = PAM_SUCCESS;
out:
	session_record_free(rs.best);
	return rc;
}
