/* The session and account stages: a record ends with the login session
 * that earned it, and account_requires_session refuses a user whose
 * records were revoked. */
#include "config.h"

#include <pwd.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "module.h"
#include "util/procinfo.h"

/* The record this PAM transaction authenticated with (or NULL). */
static json_t *
current_record(pam_handle_t *pamh, const struct oidc_config *cfg, struct session_store *st, uid_t *uid_out)
{
	struct session_ctx sctx = { module_syslog_warn, pamh };
	struct oidc_error err = { 0 };
	const char *id = pam_getenv(pamh, SESSION_ENV), *user = NULL;
	struct passwd *pw;
	json_t *rec = NULL;

	if (id == NULL || !session_id_ok(id) || pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS ||
	    user == NULL || !identity_name_ok(user) || (pw = pam_modutil_getpwnam(pamh, user)) == NULL)
		return NULL;
	if (session_load(st, &sctx, pw->pw_uid, id, &rec, &err) != SESSION_LOAD_OK)
		return NULL;
	if (strcmp(json_string_value(json_object_get(rec, "user")), user) != 0) {
		session_record_free(rec);
		return NULL;
	}
	*uid_out = pw->pw_uid;
	return rec;
}

/* 1 if this process is the session process the record is bound to. */
static int
is_session_process(const json_t *rec)
{
	struct proc_stat self;

	if (procinfo_read(0, &self) != 0)
		return 0;
	return json_integer_value(json_object_get(rec, "anchor_pid")) == (json_int_t)self.pid &&
	    json_integer_value(json_object_get(rec, "anchor_start")) == (json_int_t)self.start;
}

/* What pam-oidc recheck needs to find this login session again (issue
 * 15): whether the bound session process opened the session itself (sshd's
 * per-connection process, login: a root-owned process that is this
 * login's own), and its logind session when its cgroup names one of this
 * user's. Written under the uid's lock; never resurrects a removed record. */
static void
note_session(pam_handle_t *pamh, struct session_store *st, uid_t uid, json_t *rec)
{
	struct oidc_error err = { 0 };
	char sid[PROC_SESSION_ID_MAX + 1];
	int changed = 0;

	if (is_session_process(rec) && !json_is_true(json_object_get(rec, "anchor_opened"))) {
		json_object_set_new(rec, "anchor_opened", json_true());
		changed = 1;
	}
	if (json_object_get(rec, "logind_session") == NULL &&
	    procinfo_logind_session((int64_t)json_integer_value(json_object_get(rec, "anchor_pid")), uid, sid) == 0) {
		json_object_set_new(rec, "logind_session", json_string(sid));
		changed = 1;
	}
	if (changed && session_update(st, uid, rec, &err) != 0)
		pam_syslog(pamh, LOG_WARNING, "session %.8s: cannot note its login session: %s",
		    json_string_value(json_object_get(rec, "id")), err.text);
}

/* Nothing to bind here: the record was bound when it was earned. sshd
 * calls open_session (and close_session) in its per-connection session
 * process, the one authenticate's child recorded and an ancestor of the
 * user's shell, but before it allocates the pty (PAM_TTY is still "ssh"),
 * so an sshd record is bound by that process alone. */
int
stage_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oidc_config cfg;
	struct session_store st;
	const char *service = NULL;
	json_t *rec = NULL;
	uid_t uid;
	int rc = PAM_IGNORE;

	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (module_load_config(pamh, argc, argv, service, &cfg) != PAM_SUCCESS)
		return PAM_IGNORE;
	if (module_store_open(pamh, &cfg, &st) == 0 && (rec = current_record(pamh, &cfg, &st, &uid)) != NULL) {
		if (cfg.debug)
			pam_syslog(pamh, LOG_DEBUG,
			    "session %.8s opened by pid %ld (ppid %ld, sid %ld), bound to pid %lld",
			    json_string_value(json_object_get(rec, "id")), (long)getpid(), (long)getppid(),
			    (long)getsid(0), (long long)json_integer_value(json_object_get(rec, "anchor_pid")));
		note_session(pamh, &st, uid, rec);
		rc = PAM_SUCCESS;
	}
	session_record_free(rec);
	session_store_close(&st);
	config_free(&cfg);
	return rc;
}

/* The login session ends when its own process closes it (sshd's monitor,
 * login): the record goes with it. A sudo or su inside that session closes
 * only its own transaction; with revoke_on_logout it also ends the
 * record's reuse, but the record stays (marked logged_out) while its login
 * session lives: pam-oidc recheck goes on checking that login, and gc
 * removes the record once the session ended. */
int
stage_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	struct session_store st;
	const char *service = NULL, *id;
	json_t *rec;
	uid_t uid;
	int rc = PAM_IGNORE;

	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (module_load_config(pamh, argc, argv, service, &cfg) != PAM_SUCCESS)
		return PAM_IGNORE;
	if (module_store_open(pamh, &cfg, &st) == 0) {
		if ((rec = current_record(pamh, &cfg, &st, &uid)) != NULL) {
			id = json_string_value(json_object_get(rec, "id"));
			if (is_session_process(rec)) {
				/* Best effort: a failure (state-dir trouble) leaves the
				 * record until its login session ends and gc removes it. */
				(void)session_remove(&st, uid, id);
				pam_syslog(pamh, LOG_INFO, "session %.8s ended at logout", id);
				rc = PAM_SUCCESS;
			} else if (cfg.revoke_on_logout) {
				json_object_set_new(rec, "logged_out", json_true());
				if (session_update(&st, uid, rec, &err) != 0)
					pam_syslog(pamh, LOG_WARNING, "session %.8s: cannot mark it closed at logout: %s", id,
					    err.text);
				else
					pam_syslog(pamh, LOG_INFO,
					    "session %.8s closed at logout of a session inside it: not reused again, still rechecked",
					    id);
				rc = PAM_SUCCESS;
			}
			session_record_free(rec);
		}
		session_store_close(&st);
	}
	config_free(&cfg);
	return rc;
}

struct any_record {
	const char *user;
	int64_t now;
	int found;
};

static int
any_unexpired(void *arg, uid_t uid, json_t *rec)
{
	struct any_record *ar = arg;

	/* gc leaves expired records of live sessions for pam-oidc recheck. */
	if (strcmp(json_string_value(json_object_get(rec, "user")), ar->user) == 0 &&
	    json_integer_value(json_object_get(rec, "expires")) > ar->now &&
	    !json_is_true(json_object_get(rec, "revoked")))
		ar->found = 1;
	return ar->found;
}

/* account_requires_session: a user whose records were revoked (or expired)
 * after login is refused at the account stage. */
int
stage_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oidc_config cfg;
	struct session_store st;
	struct oidc_error err = { 0 };
	struct session_ctx sctx = { module_syslog_warn, pamh };
	const char *service = NULL, *user = NULL;
	struct any_record ar = { NULL, 0, 0 };
	struct passwd *pw;
	int rc = PAM_IGNORE;

	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (module_load_config(pamh, argc, argv, service, &cfg) != PAM_SUCCESS)
		return PAM_SERVICE_ERR;
	if (!cfg.account_requires_session)
		goto out;
	rc = PAM_PERM_DENIED;
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || user == NULL ||
	    !identity_name_ok(user) || (pw = pam_modutil_getpwnam(pamh, user)) == NULL) {
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	if (module_store_open(pamh, &cfg, &st) != 0) {
		rc = PAM_AUTHINFO_UNAVAIL;
		goto out;
	}
	ar.user = user;
	ar.now = (int64_t)time(NULL);
	if (session_foreach(&st, &sctx, pw->pw_uid, 1, ar.now, any_unexpired, &ar, &err) >= 0 && ar.found)
		rc = PAM_SUCCESS;
	else
		pam_syslog(pamh, LOG_NOTICE, "account %s refused: no live session record (revoked or expired)", user);
	session_store_close(&st);
out:
	config_free(&cfg);
	return rc;
}
