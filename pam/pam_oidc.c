/* pam_oidc.so: OpenID Connect device-flow authentication for PAM.
 *
 * Trust decisions live here; the network lives in pam_oidc_helper. Each
 * pam_sm_* entry point is a thin wrapper around a static worker. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "pam_oidc/config.h"
#include "pam_oidc/device.h"
#include "pam_oidc/flow.h"
#include "pam_oidc/identity.h"
#include "pam_oidc/procinfo.h"
#include "pam_oidc/ratelimit.h"
#include "pam_oidc/session.h"
#include "pam_oidc/verdict.h"

#define PAM_VISIBLE __attribute__((visibility("default")))
#define MAX_MSGS 48
/* Carries the record id from authenticate to open_session: sshd runs them
 * in different processes, and only the PAM environment crosses. */
#define SESSION_ENV "PAM_OIDC_SESSION"

/* What one authentication attempt learned, for the one log line. */
struct attempt {
	pam_handle_t *pamh;
	const char *service;
	const char *user;
	const char *rhost;
	const char *tty;
	char mapped[IDENTITY_MAX_USER + 1];
	char iss[256];
	char sub[256];
	char session[SESSION_ID_LEN + 1];
	long long t0;
	long long device_latency_ms;   /* how long the IdP took to give a code */
	int silent;
	int debug;
};

static void
log_attempt(const struct attempt *a, int pam_rc, const char *reason, const char *detail)
{
	pam_syslog(a->pamh, pam_rc == PAM_SUCCESS ? LOG_NOTICE : LOG_WARNING,
	    "result=%s reason=%s service=%s user=%s mapped=%s iss=%s sub=%s rhost=%s tty=%s session=%.8s "
	    "duration_ms=%lld%s%s",
	    pam_rc == PAM_SUCCESS ? "success" : "failure", reason, a->service ? a->service : "-",
	    a->user ? a->user : "-", a->mapped[0] ? a->mapped : "-", a->iss[0] ? a->iss : "-",
	    a->sub[0] ? a->sub : "-", a->rhost ? a->rhost : "-", a->tty ? a->tty : "-",
	    a->session[0] ? a->session : "-", ipc_now_ms() - a->t0, detail ? " detail=" : "", detail ? detail : "");
}

/* HACKING.md, house style 5: exact PAM codes, so admins can write
 * auth [success=done authinfo_unavail=ignore default=die] pam_oidc.so
 * Only a real failure to reach the IdP is PAM_AUTHINFO_UNAVAIL (the
 * helper's codes are sorted in lib/flow.c flow_reason_for): anything else
 * must not open the password fallback. */
static int
pam_code_for(enum oidc_reason r)
{
	switch (r) {
	case OIDC_OK:
		return PAM_SUCCESS;
	case OIDC_E_IDP_UNAVAILABLE:
	case OIDC_E_JWKS_INVALID:
	case OIDC_E_JWKS_EMPTY:
		return PAM_AUTHINFO_UNAVAIL;
	case OIDC_E_CONFIG:
	case OIDC_E_STORE:
	case OIDC_E_IO:
	case OIDC_E_INTERNAL:
		return PAM_SERVICE_ERR;
	case OIDC_E_NOMEM:
		return PAM_BUF_ERR;
	default:
		return PAM_AUTH_ERR;
	}
}

static const char *
user_message_for(enum oidc_reason r)
{
	switch (r) {
	case OIDC_E_DENIED:
		return "The sign-in was denied.";
	case OIDC_E_LOGIN_EXPIRED:
		return "The sign-in code expired before it was approved.";
	case OIDC_E_IDP_UNAVAILABLE:
	case OIDC_E_JWKS_INVALID:
	case OIDC_E_JWKS_EMPTY:
		return "The identity provider cannot be reached right now.";
	case OIDC_E_USER_MISMATCH:
		return "That account may not log in as this user.";
	case OIDC_E_POLICY:
		return "That account is not allowed to log in here.";
	case OIDC_E_CONFIG:
	case OIDC_E_STORE:
	case OIDC_E_INTERNAL:
		return "Sign-in is misconfigured on this host; the administrator can see why in the system log.";
	default:
		return "The sign-in could not be verified.";
	}
}

/* One conversation call: the info lines, then (optionally) a prompt. */
static int
converse(struct attempt *a, char **lines, int nlines, const char *prompt, char **answer)
{
	const struct pam_message *pmsg[MAX_MSGS];
	struct pam_message msgs[MAX_MSGS];
	struct pam_response *resp = NULL;
	const struct pam_conv *conv = NULL;
	int i, n = 0, rc;

	if (pam_get_item(a->pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || conv == NULL ||
	    conv->conv == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < nlines && n < MAX_MSGS - 1; i++) {
		msgs[n].msg_style = PAM_TEXT_INFO;
		msgs[n].msg = lines[i];
		n++;
	}
	if (prompt != NULL) {
		msgs[n].msg_style = PAM_PROMPT_ECHO_OFF;
		msgs[n].msg = prompt;
		n++;
	}
	if (n == 0)
		return PAM_SUCCESS;
	for (i = 0; i < n; i++)
		pmsg[i] = &msgs[i];
	rc = conv->conv(n, pmsg, &resp, conv->appdata_ptr);
	if (resp != NULL) {
		for (i = 0; i < n; i++) {
			if (resp[i].resp == NULL)
				continue;
			if (answer != NULL && i == n - 1 && prompt != NULL) {
				*answer = resp[i].resp;
			} else {
				explicit_bzero(resp[i].resp, strlen(resp[i].resp));
				free(resp[i].resp);
			}
		}
		free(resp);
	}
	return rc;
}

static void
free_answer(char *ans)
{
	if (ans != NULL) {
		explicit_bzero(ans, strlen(ans));
		free(ans);
	}
}

static void say(struct attempt *a, int style, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(struct attempt *a, int style, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (a->silent && style == PAM_TEXT_INFO)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pam_prompt(a->pamh, style, NULL, "%s", buf);
}

/* Waits for the approval as flow_login_wait() does; the made-up flow of
 * an unknown user (fake) just takes the same time. */
static enum flow_state
wait_approval(struct oidc_flow *f, const json_t *fake, long long ms, struct oidc_error *err)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	if (fake == NULL)
		return flow_login_wait(f, (int)ms, err);
	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return FLOW_PENDING;
}

/* The device flow with the person: returns OIDC_OK with f->tokens set.
 * With fake (an unknown user, finding 11 of issue 12), the same lines,
 * prompts and waits, with no helper and no request to the IdP. */
static enum oidc_reason
run_device_flow(struct attempt *a, const struct oidc_config *cfg, struct oidc_flow *f, const json_t *fake,
    struct oidc_error *err)
{
	static const char enter_prompt[] = "Press Enter after you have approved the sign-in: ";
	long long deadline = a->t0 + cfg->timeout * 1000, t = ipc_now_ms();
	const json_t *dev = fake;
	char *lines[MAX_MSGS];
	char *ans = NULL;
	enum flow_state st;
	long interval;
	int n, rc;

	if (fake == NULL) {
		if (flow_login_start(f, cfg, err) != 0)
			return err->reason;
		dev = f->device;
		a->device_latency_ms = ipc_now_ms() - t;
	}
	interval = (long)json_integer_value(json_object_get(dev, "interval"));
	if (interval <= 0)
		interval = 5;
	{
		struct device_who who = { a->user, a->service, a->rhost };

		n = device_lines(dev, a->silent ? NULL : &who, cfg->qr && !a->silent, lines, MAX_MSGS - 2);
	}
	if (cfg->prompt == PROMPT_AUTO) {
		/* sudo, su and login show info at once: just wait. */
		rc = converse(a, lines, n, NULL, NULL);
		device_lines_free(lines, n);
		if (rc != PAM_SUCCESS)
			return oidc_error_set(err, OIDC_E_USAGE, "conversation failed"), OIDC_E_USAGE;
		st = wait_approval(f, fake, deadline - ipc_now_ms() > 0 ? deadline - ipc_now_ms() : 0, err);
		return device_outcome(st, cfg, err);
	}
	/* sshd shows info text only together with a prompt (test-infra.md):
	 * the code and the Enter prompt travel in one conversation call. */
	rc = converse(a, lines, n, enter_prompt, &ans);
	device_lines_free(lines, n);
	for (;;) {
		long long left;

		free_answer(ans);
		ans = NULL;
		if (rc != PAM_SUCCESS) {
			oidc_error_set(err, OIDC_E_USAGE, "conversation failed (%s)", pam_strerror(a->pamh, rc));
			return OIDC_E_USAGE;
		}
		/* The IdP is polled on its interval; give it one more poll. */
		left = deadline - ipc_now_ms();
		st = wait_approval(f, fake, left <= 0 ? 0 : (left < (interval + 1) * 1000 ? left : (interval + 1) * 1000),
		    err);
		if (st == FLOW_DONE)
			return OIDC_OK;
		if (st == FLOW_FAILED)
			return err->reason;
		left = deadline - ipc_now_ms();
		if (left <= 0)
			return device_outcome(FLOW_PENDING, cfg, err);
		{
			char code[80], *msg = NULL;

			device_user_code(dev, code, sizeof(code));
			n = 0;
			if (asprintf(&msg, "Not approved yet (%lld s left). Approve code %s, then press Enter.",
			    left / 1000, code) > 0)
				lines[n++] = msg;
			rc = converse(a, lines, n, enter_prompt, &ans);
			device_lines_free(lines, n);
		}
	}
}

static int
set_session_env(pam_handle_t *pamh, const char *id)
{
	char buf[sizeof(SESSION_ENV) + SESSION_ID_LEN + 2];

	snprintf(buf, sizeof(buf), "%s=%s", SESSION_ENV, id);
	return pam_putenv(pamh, buf);
}

static void syslog_warn(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
syslog_warn(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pam_syslog((pam_handle_t *)ctx, LOG_WARNING, "%s", buf);
}

/* Defaults, then the file (config= picks it), then argv key=value. */
static int
load_config(pam_handle_t *pamh, int argc, const char **argv, const char *service, struct oidc_config *cfg)
{
	struct oidc_error err = { 0 };
	const char *path = PAM_OIDC_CONFIG_PATH;
	int i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) == 0)
			path = argv[i] + 7;
	if (config_init(cfg) != 0) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		return PAM_BUF_ERR;
	}
	if (config_load(cfg, path, service, &err) != 0)
		goto fail;
	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) != 0 && config_set_arg(cfg, argv[i], &err) != 0)
			goto fail;
	if (config_finish(cfg, &err) != 0 || config_check_files(cfg, &err) != 0)
		goto fail;
	return PAM_SUCCESS;
fail:
	pam_syslog(pamh, LOG_ERR, "configuration error: %s", err.text);
	config_free(cfg);
	return PAM_SERVICE_ERR;
}

/* Opens the session store, or logs why it cannot be used (an unsafe store
 * is never trusted: the login then runs the device flow and records
 * nothing). */
static int
store_open(pam_handle_t *pamh, const struct oidc_config *cfg, struct session_store *st)
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

struct reuse_search {
	struct attempt *a;
	const struct oidc_config *cfg;
	const struct proc_caller *caller;
	int64_t now;
	json_t *best;
	const char *last_reason;
};

static int
reuse_candidate(void *arg, uid_t uid, json_t *rec)
{
	struct reuse_search *rs = arg;
	const char *why = session_unusable_reason(rs->cfg, rec, rs->a->user, rs->a->service, rs->caller, rs->now);

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

enum recheck_result { RECHECK_OK, RECHECK_REVOKED, RECHECK_OFFLINE_GRACE, RECHECK_FAILED };

/* The refresh helper is no more trusted than the login helper: an ID
 * token in its answer is verified like a login's (keys from a fresh fetch,
 * issued after this refresh started) and must be the same person (OIDC
 * Core §12.2: same iss and sub). Nonzero (and logged) when refused; the
 * record is then neither extended nor given the new refresh token. */
static int
refresh_answer_refused(struct attempt *a, const struct oidc_config *cfg, const json_t *rec, const json_t *tokens,
    int64_t started, const char *id)
{
	const char *idt = json_string_value(json_object_get(tokens, "id_token"));
	struct oidc_error err = { 0 };
	json_t *claims = NULL;
	int refused = 0;

	if (idt == NULL)
		return 0;
	if (flow_verify_id_token(cfg, 1, idt, started, &claims, NULL, &err) != 0) {
		refused = 1;
	} else if (!json_equal(json_object_get(claims, "iss"), json_object_get(rec, "iss")) ||
	    !json_equal(json_object_get(claims, "sub"), json_object_get(rec, "sub"))) {
		oidc_error_set(&err, OIDC_E_USER_MISMATCH, "the refreshed ID token is for another iss/sub");
		refused = 1;
	}
	if (refused)
		pam_syslog(a->pamh, LOG_WARNING, "session %.8s for %s not reused: the refresh answer was refused (%s: %s)",
		    id, a->user, oidc_reason_code(err.reason), err.text);
	json_decref(claims);
	return refused;
}

/* recheck: a record older than recheck is refreshed at the IdP with its
 * refresh token before reuse; invalid_grant revokes it. Serialised per uid
 * so two rechecks never spend the same (rotating) refresh token. */
static enum recheck_result
recheck(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, uid_t uid, json_t **recp,
    int64_t now)
{
	struct session_ctx sctx = { syslog_warn, a->pamh };
	struct oidc_error err = { 0 };
	json_t *rec = *recp, *fresh = NULL, *tokens = NULL;
	enum recheck_result res = RECHECK_FAILED;
	char id[SESSION_ID_LEN + 1];
	const char *rt;
	int lock;

	/* A copy: the record is replaced by a fresh load below. */
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(rec, "id")));

	if ((lock = session_lock(st, uid, &err)) < 0)
		return RECHECK_FAILED;
	/* Another process may have rechecked (and rotated) while we waited. */
	if (session_load(st, &sctx, uid, id, &fresh, &err) != 1) {
		res = RECHECK_REVOKED;
		goto out;
	}
	session_record_free(rec);
	*recp = rec = fresh;
	if (now - json_integer_value(json_object_get(rec, "checked")) < cfg->recheck) {
		res = RECHECK_OK;
		goto out;
	}
	rt = json_string_value(json_object_get(rec, "refresh_token"));
	if (rt == NULL) {
		pam_syslog(a->pamh, LOG_NOTICE, "session %.8s for %s is due for recheck but has no refresh token "
		    "(add offline_access to scopes)", id, a->user);
		goto out;
	}
	if (flow_refresh(cfg, 1, rt, &tokens, &err) == 0 && refresh_answer_refused(a, cfg, rec, tokens, now, id)) {
		res = RECHECK_FAILED;
	} else if (err.reason == OIDC_OK) {
		const char *nrt = json_string_value(json_object_get(tokens, "refresh_token"));

		json_object_set_new(rec, "checked", json_integer((json_int_t)now));
		if (nrt != NULL) {
			/* Rotation: the spent token is wiped before it is freed. */
			explicit_bzero((char *)rt, strlen(rt));
			json_object_set_new(rec, "refresh_token", json_string(nrt));
		}
		if (session_update_locked(lock, rec, &err) != 0)
			pam_syslog(a->pamh, LOG_ERR, "cannot store the rechecked session %.8s: %s", id, err.text);
		res = RECHECK_OK;
	} else if (err.reason == OIDC_E_INVALID_GRANT) {
		session_remove_locked(lock, id);
		pam_syslog(a->pamh, LOG_NOTICE, "session %.8s for %s revoked: the identity provider refused its "
		    "refresh token (%s)", id, a->user, err.text);
		res = RECHECK_REVOKED;
	} else if (cfg->offline == OFFLINE_GRACE) {
		pam_syslog(a->pamh, LOG_WARNING, "session %.8s for %s used in offline grace: recheck failed (%s)", id,
		    a->user, err.text);
		res = RECHECK_OFFLINE_GRACE;
	} else {
		pam_syslog(a->pamh, LOG_NOTICE, "session %.8s for %s not reused: recheck failed and offline = deny (%s)",
		    id, a->user, err.text);
	}
out:
	flow_tokens_free(tokens);
	session_unlock(lock);
	return res;
}

/* A usable record serves this authentication with no helper and no
 * network (except a due recheck). Returns PAM_SUCCESS or PAM_IGNORE. */
static int
try_reuse(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, uid_t uid)
{
	struct session_ctx sctx = { syslog_warn, a->pamh };
	struct proc_caller caller;
	struct reuse_search rs = { a, cfg, &caller, (int64_t)time(NULL), NULL, NULL };
	struct oidc_error err = { 0 };
	const char *reason = "session_reuse";
	int rc = PAM_IGNORE;

	/* Without its own session facts a caller proves nothing: no reuse. */
	if (procinfo_caller(&caller) != 0) {
		pam_syslog(a->pamh, LOG_WARNING, "no session reused for %s: cannot read /proc/self/stat", a->user);
		goto out;
	}
	if (session_foreach(st, &sctx, uid, 1, rs.now, reuse_candidate, &rs, &err) < 0 || rs.best == NULL) {
		if (a->debug && rs.last_reason != NULL)
			pam_syslog(a->pamh, LOG_DEBUG, "no session reused for %s: %s", a->user, rs.last_reason);
		goto out;
	}
	if (cfg->recheck > 0 && rs.now - json_integer_value(json_object_get(rs.best, "checked")) >= cfg->recheck) {
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
	flow_sanitize(a->sub, sizeof(a->sub), json_string_value(json_object_get(rs.best, "sub")));
	if (set_session_env(a->pamh, a->session) != PAM_SUCCESS)
		goto out;
	log_attempt(a, PAM_SUCCESS, reason, NULL);
	rc = PAM_SUCCESS;
out:
	session_record_free(rs.best);
	return rc;
}

/* A new record serves only the login session it was earned in: the
 * caller's session leader (pid + start time) and controlling terminal, as
 * sudo binds its timestamp. Unbound (never reused) if /proc cannot tell. */
static void
bind_to_caller_session(pam_handle_t *pamh, json_t *rec)
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

/* Finding 12 of issue 12: a device flow (real or made up) holds a slot
 * under each cap until it ends; over a cap it is refused at once. */
static int
take_flow_slots(struct attempt *a, const struct oidc_config *cfg, struct flow_slots *slots)
{
	struct oidc_error err = { 0 };
	enum ratelimit_cap full = RATELIMIT_TOTAL;
	char detail[128];
	int r = ratelimit_take(cfg, a->rhost, a->user, slots, &full, &err);

	if (r == 0)
		return PAM_SUCCESS;
	if (r < 0) {
		log_attempt(a, PAM_SERVICE_ERR, oidc_reason_code(err.reason), err.text);
		say(a, PAM_ERROR_MSG, "%s", user_message_for(err.reason));
		return PAM_SERVICE_ERR;
	}
	snprintf(detail, sizeof(detail), "%s=%ld reached (concurrent device flows, pam_oidc.conf(5))",
	    ratelimit_cap_key(full), full == RATELIMIT_HOST ? cfg->max_flows_per_host :
	    full == RATELIMIT_USER ? cfg->max_flows_per_user : cfg->max_flows);
	log_attempt(a, PAM_AUTH_ERR, "too_many_flows", detail);
	say(a, PAM_ERROR_MSG, "Too many sign-ins are in progress; try again in a minute.");
	return PAM_AUTH_ERR;
}

/* Finding 11 of issue 12: an unknown user sees what a real one sees (a
 * code in the IdP's format, its verification URI, the same waits and the
 * same final message) so that ssh cannot enumerate accounts; no helper
 * runs and the IdP hears nothing. The admin still reads unknown_user. */
static int
unknown_user(struct attempt *a, const struct oidc_config *cfg, struct flow_slots *slots)
{
	struct oidc_error err = { 0 };
	struct oidc_flow none;   /* never started: a made-up flow has no helper */
	long long latency = 0;
	enum oidc_reason why;
	json_t *fake;
	int rc;

	memset(&none, 0, sizeof(none));
	if ((rc = take_flow_slots(a, cfg, slots)) != PAM_SUCCESS)
		return rc;
	if ((fake = ratelimit_fake_device(cfg, &latency)) == NULL) {
		log_attempt(a, PAM_USER_UNKNOWN, "unknown_user", "no made-up flow (out of memory)");
		return PAM_USER_UNKNOWN;
	}
	/* As long as the IdP took to answer the last real flow. */
	(void)wait_approval(&none, fake, latency, &err);
	why = run_device_flow(a, cfg, &none, fake, &err);
	json_decref(fake);
	log_attempt(a, PAM_USER_UNKNOWN, "unknown_user", NULL);
	if (why != OIDC_E_USAGE)
		say(a, PAM_ERROR_MSG, "%s", user_message_for(why));
	return PAM_USER_UNKNOWN;
}

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

static int
authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct attempt a;
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	struct oidc_flow flow;
	struct session_store st = { -1, -1 };
	struct flow_slots slots;
	struct passwd *pw;
	struct verdict_input vin;
	struct verdict v;
	json_t *rec = NULL;
	enum oidc_reason why;
	uid_t uid;
	int rc, flow_started = 0, have_store;

	memset(&a, 0, sizeof(a));
	memset(&flow, 0, sizeof(flow));
	memset(&v, 0, sizeof(v));
	ratelimit_init(&slots);
	a.pamh = pamh;
	a.t0 = ipc_now_ms();
	a.silent = (flags & PAM_SILENT) != 0;
	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&a.service);
	(void)pam_get_item(pamh, PAM_RHOST, (const void **)&a.rhost);
	(void)pam_get_item(pamh, PAM_TTY, (const void **)&a.tty);
	if ((rc = load_config(pamh, argc, argv, a.service, &cfg)) != PAM_SUCCESS)
		return rc;
	a.debug = cfg.debug;

	rc = pam_get_user(pamh, &a.user, NULL);
	if (rc != PAM_SUCCESS || a.user == NULL || a.user[0] == '\0') {
		log_attempt(&a, PAM_USER_UNKNOWN, "no_user", NULL);
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	/* The name reaches logs, prompts and records: check it first. */
	if (!identity_name_ok(a.user)) {
		a.user = "(invalid)";
		log_attempt(&a, PAM_USER_UNKNOWN, "invalid_user_name", NULL);
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	if ((pw = pam_modutil_getpwnam(pamh, a.user)) == NULL) {
		rc = unknown_user(&a, &cfg, &slots);
		goto out;
	}
	uid = pw->pw_uid;

	have_store = store_open(pamh, &cfg, &st) == 0;
	if (!have_store && cfg.session_ttl > 0 && geteuid() == 0) {
		/* An unsafe state directory (wrong owner, writable by others) may
		 * hold forged records and JWKS: refuse, never work around it. */
		why = OIDC_E_STORE;
		oidc_error_set(&err, OIDC_E_STORE, "the state directory %s is unsafe", cfg.state_dir);
		goto fail;
	}
	if (have_store && (rc = try_reuse(&a, &cfg, &st, uid)) == PAM_SUCCESS)
		goto out;

	if ((rc = take_flow_slots(&a, &cfg, &slots)) != PAM_SUCCESS)
		goto out;
	flow_started = 1;
	why = run_device_flow(&a, &cfg, &flow, NULL, &err);
	if (why != OIDC_OK)
		goto fail;
	vin.tokens = flow.tokens;
	vin.use_cache = geteuid() == 0;
	vin.min_iat = flow.started;
	vin.user = a.user;
	vin.lookup = passwd_lookup;
	vin.lookup_ctx = pamh;
	why = verdict_decide(&cfg, &vin, &v, &err);
	snprintf(a.iss, sizeof(a.iss), "%s", v.iss);
	snprintf(a.sub, sizeof(a.sub), "%s", v.sub);
	snprintf(a.mapped, sizeof(a.mapped), "%s", v.mapped);
	if (why != OIDC_OK)
		goto fail;
	if (have_store) {
		rec = session_record_new(&cfg, v.claims, a.user, uid, a.service, a.tty, a.rhost,
		    json_string_value(json_object_get(flow.tokens, "refresh_token")), (int64_t)time(NULL));
		if (rec != NULL)
			bind_to_caller_session(pamh, rec);
		if (rec == NULL || session_create(&st, uid, rec, a.session, &err) != 0) {
			pam_syslog(pamh, LOG_ERR, "login of %s not recorded: %s", a.user,
			    rec == NULL ? "out of memory" : err.text);
			a.session[0] = '\0';
			oidc_error_clear(&err);
		} else if (set_session_env(pamh, a.session) != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot pass session %.8s on in the PAM environment", a.session);
		}
	}
	/* What made-up flows for unknown users imitate (finding 11): only
	 * from a flow whose token verified, so a taken-over helper cannot
	 * choose the link shown to the next person who mistypes a name. */
	ratelimit_remember_device(&cfg, flow.device, a.device_latency_ms);
	if (!a.silent)
		say(&a, PAM_TEXT_INFO, "Signed in as %s.", a.mapped);
	log_attempt(&a, PAM_SUCCESS, "ok", NULL);
	rc = PAM_SUCCESS;
	goto out;

fail:
	rc = pam_code_for(why);
	if (why == OIDC_E_USAGE)
		rc = PAM_CONV_ERR;
	log_attempt(&a, rc, oidc_reason_code(why), err.text);
	if (why != OIDC_E_USAGE)
		say(&a, PAM_ERROR_MSG, "%s", user_message_for(why));
out:
	if (flow_started)
		flow_end(&flow);
	ratelimit_release(&slots);
	if (rec != NULL) {
		const char *rt = json_string_value(json_object_get(rec, "refresh_token"));

		if (rt != NULL)
			explicit_bzero((char *)rt, strlen(rt));
		json_decref(rec);
	}
	verdict_free(&v);
	session_store_close(&st);
	config_free(&cfg);
	return rc;
}

/* The record this PAM transaction authenticated with (or NULL). */
static json_t *
current_record(pam_handle_t *pamh, const struct oidc_config *cfg, struct session_store *st, uid_t *uid_out)
{
	struct session_ctx sctx = { syslog_warn, pamh };
	struct oidc_error err = { 0 };
	const char *id = pam_getenv(pamh, SESSION_ENV), *user = NULL;
	struct passwd *pw;
	json_t *rec = NULL;

	if (id == NULL || !session_id_ok(id) || pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS ||
	    user == NULL || !identity_name_ok(user) || (pw = pam_modutil_getpwnam(pamh, user)) == NULL)
		return NULL;
	if (session_load(st, &sctx, pw->pw_uid, id, &rec, &err) != 1)
		return NULL;
	if (strcmp(json_string_value(json_object_get(rec, "user")), user) != 0) {
		session_record_free(rec);
		return NULL;
	}
	*uid_out = pw->pw_uid;
	return rec;
}

/* Nothing to bind here: the record was bound when it was earned. sshd
 * calls open_session (and close_session) in its per-connection session
 * process, the one authenticate's child recorded and an ancestor of the
 * user's shell, but before it allocates the pty (PAM_TTY is still "ssh"),
 * so an sshd record is bound by that process alone. */
static int
open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oidc_config cfg;
	struct session_store st;
	const char *service = NULL;
	json_t *rec = NULL;
	uid_t uid;
	int rc = PAM_IGNORE;

	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (load_config(pamh, argc, argv, service, &cfg) != PAM_SUCCESS)
		return PAM_IGNORE;
	if (store_open(pamh, &cfg, &st) == 0 && (rec = current_record(pamh, &cfg, &st, &uid)) != NULL) {
		if (cfg.debug)
			pam_syslog(pamh, LOG_DEBUG, "session %.8s opened by pid %ld (ppid %ld, sid %ld), bound to pid %lld",
			    json_string_value(json_object_get(rec, "id")), (long)getpid(), (long)getppid(), (long)getsid(0),
			    (long long)json_integer_value(json_object_get(rec, "anchor_pid")));
		rc = PAM_SUCCESS;
	}
	session_record_free(rec);
	session_store_close(&st);
	config_free(&cfg);
	return rc;
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

/* The login session ends when its own process closes it (sshd's monitor,
 * login): the record goes with it. A sudo or su inside that session closes
 * only its own transaction, unless revoke_on_logout asks for more. */
static int
close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oidc_config cfg;
	struct session_store st;
	const char *service = NULL;
	json_t *rec;
	uid_t uid;
	int rc = PAM_IGNORE;

	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (load_config(pamh, argc, argv, service, &cfg) != PAM_SUCCESS)
		return PAM_IGNORE;
	if (store_open(pamh, &cfg, &st) == 0) {
		if ((rec = current_record(pamh, &cfg, &st, &uid)) != NULL) {
			if (cfg.revoke_on_logout || is_session_process(rec)) {
				session_remove(&st, uid, json_string_value(json_object_get(rec, "id")));
				pam_syslog(pamh, LOG_INFO, "session %.8s ended at logout",
				    json_string_value(json_object_get(rec, "id")));
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
	int found;
};

static int
any_unexpired(void *arg, uid_t uid, json_t *rec)
{
	struct any_record *ar = arg;

	if (strcmp(json_string_value(json_object_get(rec, "user")), ar->user) == 0)
		ar->found = 1;
	return ar->found;
}

/* account_requires_session: a user whose records were revoked (or expired)
 * after login is refused at the account stage. */
static int
acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oidc_config cfg;
	struct session_store st;
	struct oidc_error err = { 0 };
	struct session_ctx sctx = { syslog_warn, pamh };
	const char *service = NULL, *user = NULL;
	struct any_record ar = { NULL, 0 };
	struct passwd *pw;
	int rc = PAM_IGNORE;

	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (load_config(pamh, argc, argv, service, &cfg) != PAM_SUCCESS)
		return PAM_SERVICE_ERR;
	if (!cfg.account_requires_session)
		goto out;
	rc = PAM_PERM_DENIED;
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || user == NULL ||
	    !identity_name_ok(user) || (pw = pam_modutil_getpwnam(pamh, user)) == NULL) {
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	if (store_open(pamh, &cfg, &st) != 0) {
		rc = PAM_AUTHINFO_UNAVAIL;
		goto out;
	}
	ar.user = user;
	if (session_foreach(&st, &sctx, pw->pw_uid, 1, (int64_t)time(NULL), any_unexpired, &ar, &err) >= 0 && ar.found)
		rc = PAM_SUCCESS;
	else
		pam_syslog(pamh, LOG_NOTICE, "account %s refused: no live session record (revoked or expired)", user);
	session_store_close(&st);
out:
	config_free(&cfg);
	return rc;
}

PAM_VISIBLE int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return authenticate(pamh, flags, argc, argv);
}

PAM_VISIBLE int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

PAM_VISIBLE int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return acct_mgmt(pamh, flags, argc, argv);
}

PAM_VISIBLE int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return open_session(pamh, flags, argc, argv);
}

PAM_VISIBLE int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return close_session(pamh, flags, argc, argv);
}
