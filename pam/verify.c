/* pam_oidc_verify.so: what pam_oidc.so loads only when a record cannot
 * serve an authentication (pam/loader.c): the sign-in with the person,
 * the verdict on the ID token, the new record, and the recheck of a record
 * at the IdP. It links libcrypto and libqrencode, which a cached
 * authentication never maps. Its one export is the table below. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "verify.h"
#include "core/verdict.h"
#include "util/jsonutil.h"
#include "util/procinfo.h"

/* verdict_lookup_fn over pam_modutil_getpwnam (reentrant per pamh). */
static int
passwd_lookup(void *ctx, const char *user, uid_t *uid)
{
	const struct passwd *pw = pam_modutil_getpwnam((pam_handle_t *)ctx, user);

	if (pw == NULL)
		return 0;
	*uid = pw->pw_uid;
	return 1;
}

/* A new record serves only the login session it was earned in: the
 * caller's session leader (pid + start time) and controlling terminal, as
 * sudo binds its timestamp. Unbound (never reused) if /proc cannot tell. */
static void
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

static int
verify_authenticate(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, int have_store,
    uid_t uid)
{
	struct oidc_error err = { 0 };
	struct oidc_flow flow;
	struct flow_slots slots;
	struct verdict_input vin;
	struct verdict v;
	json_t *rec = NULL;
	enum oidc_reason why;
	pam_handle_t *pamh = a->pamh;
	int rc, flow_started = 0;

	memset(&flow, 0, sizeof(flow));
	memset(&v, 0, sizeof(v));
	ratelimit_init(&slots);
	if ((rc = prompt_take_flow_slots(a, cfg, &slots)) != PAM_SUCCESS)
		goto out;
	flow_started = 1;
	why = prompt_device_flow(a, cfg, &flow, NULL, &err);
	if (why != OIDC_OK)
		goto fail;
	vin.tokens = flow.tokens;
	vin.use_cache = geteuid() == 0;
	vin.min_iat = flow.started;
	vin.keys = flow.keys_fetched ? flow.meta : NULL;
	vin.user = a->user;
	vin.lookup = passwd_lookup;
	vin.lookup_ctx = pamh;
	why = verdict_decide(cfg, &vin, &v, &err);
	snprintf(a->iss, sizeof(a->iss), "%s", v.iss);
	snprintf(a->sub, sizeof(a->sub), "%s", v.sub);
	snprintf(a->mapped, sizeof(a->mapped), "%s", v.mapped);
	if (why != OIDC_OK)
		goto fail;
	if (have_store) {
		rec = session_record_new(cfg, v.claims, a->user, uid, a->service, a->tty, a->rhost,
		    json_string_value(json_object_get(flow.tokens, "refresh_token")), (int64_t)time(NULL));
		if (rec != NULL)
			reuse_bind_to_caller(pamh, rec);
		if (rec == NULL || session_create(st, uid, rec, a->session, &err) != 0) {
			pam_syslog(pamh, LOG_ERR, "login of %s not recorded: %s", a->user,
			    rec == NULL ? "out of memory" : err.text);
			a->session[0] = '\0';
			oidc_error_drop(&err);   /* logged above; the login itself succeeded */
		} else if (module_set_session_env(pamh, a->session) != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot pass session %.8s on in the PAM environment", a->session);
		}
	}
	/* What made-up flows for unknown users imitate (finding 11): only
	 * from a flow whose token verified, so a taken-over helper cannot
	 * choose the link shown to the next person who mistypes a name. */
	ratelimit_remember_device(cfg, flow.device, a->device_latency_ms);
	/* prompt = auto said it is waiting: it says how the wait ended, even
	 * to a caller that asks for silence (sudo always does). */
	if (!a->silent || cfg->prompt == PROMPT_AUTO)
		(void)pam_prompt(pamh, PAM_TEXT_INFO, NULL, "Signed in as %s.", a->mapped);
	attempt_log(a, PAM_SUCCESS, "ok", NULL);
	rc = PAM_SUCCESS;
	goto out;

fail:
	rc = module_pam_code(why);
	if (why == OIDC_E_USAGE)
		rc = PAM_CONV_ERR;
	attempt_log(a, rc, oidc_reason_code(why), err.text);
	if (why != OIDC_E_USAGE)
		prompt_say(a, PAM_ERROR_MSG, "%s", module_user_message(why));
out:
	if (flow_started)
		flow_end(&flow);
	ratelimit_release(&slots);
	if (rec != NULL) {
		json_wipe_member(rec, "refresh_token");
		json_decref(rec);
	}
	verdict_free(&v);
	return rc;
}

/* recheck: a record older than recheck is refreshed at the IdP with its
 * refresh token before reuse; invalid_grant revokes it. Serialised per uid
 * so two rechecks never spend the same (rotating) refresh token. */
static enum reuse_recheck
verify_recheck(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, uid_t uid, json_t **recp,
    int64_t now)
{
	struct session_ctx sctx = { module_syslog_warn, a->pamh };
	struct oidc_error err = { 0 }, refused = { 0 };
	json_t *rec = *recp, *fresh = NULL, *tokens = NULL, *claims = NULL;
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
	if (refreshed && reuse_refresh_answer_check(cfg, rec, tokens, now, &claims, &refused) != 0) {
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
		/* What the IdP says now is what the next reuse checks (groups,
		 * hd, acr, amr), as pam-oidc recheck keeps it. */
		if (claims != NULL)
			session_record_refresh_claims(cfg, rec, claims);
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
	json_decref(claims);
	flow_tokens_free(tokens);
	session_unlock(lock);
	return res;
}

static int
verify_unknown_user(struct attempt *a, const struct oidc_config *cfg)
{
	struct flow_slots slots;
	int rc;

	ratelimit_init(&slots);
	rc = prompt_unknown_user(a, cfg, &slots);
	ratelimit_release(&slots);
	return rc;
}

__attribute__((visibility("default"))) extern const struct verify_ops pam_oidc_verify_ops;
const struct verify_ops pam_oidc_verify_ops = {
	.version = VERIFY_OPS_VERSION,
	.package_version = PACKAGE_VERSION,
	.attempt_size = sizeof(struct attempt),
	.config_size = sizeof(struct oidc_config),
	.store_size = sizeof(struct session_store),
	.ops_size = sizeof(struct verify_ops),
	.authenticate = verify_authenticate,
	.unknown_user = verify_unknown_user,
	.recheck = verify_recheck,
};
