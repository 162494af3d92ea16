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

int
module_set_session_env(pam_handle_t *pamh, const char *id)
{
	char buf[sizeof(SESSION_ENV) + SESSION_ID_LEN + 2];

	snprintf(buf, sizeof(buf), "%s=%s", SESSION_ENV, id);
	return pam_putenv(pamh, buf);
}

/* recheck: a record older than recheck is refreshed at the IdP with its
 * refresh token before reuse; invalid_grant revokes it. Serialised per uid
 * so two rechecks never spend the same (rotating) refresh token. */
static enum reuse_recheck
recheck(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, uid_t uid, json_t **recp,
    int64_t now)
{
	struct session_ctx sctx = { module_syslog_warn, a->pamh };
	struct oidc_error err = { 0 }, refused = { 0 };
	json_t *rec = *recp, *fresh = NULL, *tokens = NULL;
	enum reuse_recheck res = RECHECK_FAILED;
	char id[SESSION_ID_LEN + 1];
	const char *rt;
	int lock, refreshed;

	/* A copy: the record is replaced by a fresh load below. */
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(rec, "id")));

	if ((lock = session_lock(st, uid, &err)) < 0)
		return RECHECK_FAILED;
	/* Another process may have rechecked (and rotated) while we waited. */
	if (session_load(st, &sctx, uid, id, &fresh, &err) != SESSION_LOAD_OK) {
		res = RECHECK_REVOKED;
		goto out;
	}
	session_record_free(rec);
	*recp = rec = fresh;
	if (!reuse_recheck_due(cfg, rec, now)) {
		res = RECHECK_OK;
		goto out;
	}
	rt = json_string_value(json_object_get(rec, "refresh_token"));
	if (rt == NULL) {
		pam_syslog(a->pamh, LOG_NOTICE, "session %.8s for %s is due for recheck but has no refresh token "
		    "(add offline_access to scopes)", id, a->user);
		goto out;
	}
	/* err may hold a note (an unreadable cache) even when the refresh
	 * went through: the call's result decides, never err alone. */
	refreshed = flow_refresh(cfg, 1, rt, &tokens, &err) == 0;
	if (refreshed && reuse_refresh_answer_check(cfg, rec, tokens, now, &refused) != 0) {
		/* The record is neither extended nor given the new refresh token. */
		pam_syslog(a->pamh, LOG_WARNING,
		    "session %.8s for %s not reused: the refresh answer was refused (%s: %s)", id, a->user,
		    oidc_reason_code(refused.reason), refused.text);
		goto out;
	}
	switch ((res = reuse_recheck_outcome(cfg, refreshed ? OIDC_OK : err.reason))) {
	case RECHECK_OK: {
		const char *nrt = json_string_value(json_object_get(tokens, "refresh_token"));

		json_object_set_new(rec, "checked", json_integer((json_int_t)now));
		if (nrt != NULL) {
			/* Rotation: the spent token is wiped before it is freed. */
			json_wipe_member(rec, "refresh_token");
			json_object_set_new(rec, "refresh_token", json_string(nrt));
		}
		if (session_update_locked(lock, rec, &err) != 0)
			pam_syslog(a->pamh, LOG_ERR, "cannot store the rechecked session %.8s: %s", id, err.text);
		break;
	}
	case RECHECK_REVOKED:
		/* Not reused either way: a record left behind is still due for a
		 * recheck, which the IdP refuses again. */
		(void)session_remove_locked(lock, id);
		pam_syslog(a->pamh, LOG_NOTICE, "session %.8s for %s revoked: the identity provider refused its "
		    "refresh token (%s)", id, a->user, err.text);
		break;
	case RECHECK_OFFLINE_GRACE:
		pam_syslog(a->pamh, LOG_WARNING, "session %.8s for %s used in offline grace: recheck failed (%s)", id,
		    a->user, err.text);
		break;
	default:
		pam_syslog(a->pamh, LOG_NOTICE,
		    "session %.8s for %s not reused: recheck failed and offline = deny (%s)", id, a->user, err.text);
		break;
	}
out:
	flow_tokens_free(tokens);
	session_unlock(lock);
	return res;
}

/* A usable record serves this authentication with no helper and no
 * network (except a due recheck). Returns PAM_SUCCESS or PAM_IGNORE. */
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
		switch (recheck(a, cfg, st, uid, &rs.best, rs.now)) {
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

/* A new record serves only the login session it was earned in: the
 * caller's session leader (pid + start time) and controlling terminal, as
 * sudo binds its timestamp. Unbound (never reused) if /proc cannot tell. */
void
reuse_bind_to_caller(pam_handle_t *pamh, json_t *rec)
{
	struct proc_stat self, leader;
	struct proc_id anchor;
	pid_t sid = getsid(0);
	uid_t owner;

	if (sid <= 1 || procinfo_read(0, &self) != 0 || procinfo_read(sid, &leader) != 0 ||
	    procinfo_uid(sid, &owner) != 0) {
		pam_syslog(pamh, LOG_WARNING, "session record not bound (cannot read the session of pid %ld); it will "
		    "not be reused", (long)getpid());
		return;
	}
	anchor.pid = leader.pid;
	anchor.start = leader.start;
	(void)session_record_bind(rec, &anchor, owner, self.tty);
}

