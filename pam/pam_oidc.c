/* pam_oidc.so: OpenID Connect device-flow authentication for PAM.
 *
 * Trust decisions live here; the network lives in pam_oidc_helper. Each
 * pam_sm_* entry point is a thin wrapper around a worker: authenticate()
 * here, the session and account stages in stages.c. The conversation is
 * prompt.c, session reuse reuse.c; what decides a token is lib/core/verdict.c. */
#include "config.h"

#include <pwd.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "module.h"
#include "core/verdict.h"
#include "util/clock.h"
#include "util/jsonutil.h"
#include "util/text.h"

#define PAM_VISIBLE __attribute__((visibility("default")))

/* One line per attempt, key=value; an empty or unknown value is "-". */
void
attempt_log(const struct attempt *a, int pam_rc, const char *reason, const char *detail)
{
	pam_syslog(a->pamh, pam_rc == PAM_SUCCESS ? LOG_NOTICE : LOG_WARNING,
	    "result=%s reason=%s service=%s user=%s mapped=%s iss=%s sub=%s rhost=%s tty=%s session=%.8s "
	    "duration_ms=%lld flow=%s%s%s",
	    pam_rc == PAM_SUCCESS ? "success" : "failure", text_or_dash(reason), text_or_dash(a->service),
	    text_or_dash(a->user), text_or_dash(a->mapped), text_or_dash(a->iss), text_or_dash(a->sub),
	    text_or_dash(a->rhost), text_or_dash(a->tty), text_or_dash(a->session), clock_now_ms() - a->t0,
	    text_or_dash(a->flow), detail != NULL ? " detail=" : "", detail != NULL ? text_or_dash(detail) : "");
}

/* The callers whose conversation is their terminal and nothing else. */
static const char *const terminal_services[] = {
	"login", "su", "su-l", "sudo", "sudo-i", "runuser", "runuser-l",
};

/* PAM_TTY names a terminal device: "/dev/pts/0", or "pts/0", "tty1"
 * (login); not "ssh" nor an X display. */
static int
tty_is_terminal(const char *tty)
{
	char path[128];
	struct stat st;

	if (tty == NULL || tty[0] == '\0')
		return 0;
	if (snprintf(path, sizeof(path), "%s%s", tty[0] == '/' ? "" : "/dev/", tty) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* Issue 17: a device code no one can see is a sign-in no one can finish;
 * refuse it at once (a cron job, a script piping into su). Returns why,
 * or NULL when someone may be there. pam_oidc(8) states the rule. */
static const char *
no_one_to_see(const struct attempt *a)
{
	const struct pam_conv *conv = NULL;
	size_t i;

	if (pam_get_item(a->pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || conv == NULL ||
	    conv->conv == NULL)
		return "the caller has no conversation function";
	/* sshd: the conversation is the remote client's keyboard-interactive
	 * (no terminal exists yet at auth time). */
	if (a->rhost != NULL && a->rhost[0] != '\0')
		return NULL;
	for (i = 0; i < sizeof(terminal_services) / sizeof(terminal_services[0]); i++)
		if (a->service != NULL && strcmp(a->service, terminal_services[i]) == 0)
			break;
	if (i == sizeof(terminal_services) / sizeof(terminal_services[0]))
		return NULL;   /* another caller's conversation may reach a person */
	if (tty_is_terminal(a->tty) || isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) || isatty(STDERR_FILENO))
		return NULL;
	return "no terminal and no remote client: nobody can see the code (cron, a pipe)";
}

/* HACKING.md, house style 5: exact PAM codes, so admins can write
 * auth [success=done authinfo_unavail=ignore default=die] pam_oidc.so
 * Only a real failure to reach the IdP is PAM_AUTHINFO_UNAVAIL (the
 * helper's codes are sorted in the table of lib/ipc/wire.c): anything else
 * must not open the password fallback. */
int
module_pam_code(enum oidc_reason r)
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
	case OIDC_E_IDP_UNKNOWN_USER:
		return PAM_USER_UNKNOWN;
	default:
		return PAM_AUTH_ERR;
	}
}

const char *
module_user_message(enum oidc_reason r)
{
	switch (r) {
	case OIDC_E_DENIED:
		return "The sign-in was denied.";
	case OIDC_E_LOGIN_EXPIRED:
		return "The sign-in expired before it was approved.";
	case OIDC_E_IDP_UNAVAILABLE:
	case OIDC_E_JWKS_INVALID:
	case OIDC_E_JWKS_EMPTY:
		return "The identity provider cannot be reached right now.";
	case OIDC_E_USER_MISMATCH:
		return "That account may not log in as this user.";
	case OIDC_E_IDP_UNKNOWN_USER:
		return "The identity provider does not know this user.";
	case OIDC_E_TOO_MANY_FLOWS:
		return "Too many sign-ins are in progress; try again in a minute.";
	case OIDC_E_POLICY:
	case OIDC_E_GROUPS_OVERAGE:
		return "That account is not allowed to log in here.";
	case OIDC_E_CONFIG:
	case OIDC_E_STORE:
	case OIDC_E_INTERNAL:
		return "Sign-in is misconfigured on this host; the administrator can see why in the system log.";
	default:
		return "The sign-in could not be verified.";
	}
}

void
module_syslog_warn(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pam_syslog((pam_handle_t *)ctx, LOG_WARNING, "%s", buf);
}

/* Defaults, then the file (config= picks it), then argv key=value. */
int
module_load_config(pam_handle_t *pamh, int argc, const char **argv, const char *service, struct oidc_config *cfg)
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
	const char *nobody = NULL;
	enum oidc_reason why;
	uid_t uid;
	int rc, flow_started = 0, have_store;

	memset(&a, 0, sizeof(a));
	memset(&flow, 0, sizeof(flow));
	memset(&v, 0, sizeof(v));
	ratelimit_init(&slots);
	a.pamh = pamh;
	a.t0 = clock_now_ms();
	a.silent = (flags & PAM_SILENT) != 0;
	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&a.service);
	(void)pam_get_item(pamh, PAM_RHOST, (const void **)&a.rhost);
	(void)pam_get_item(pamh, PAM_TTY, (const void **)&a.tty);
	if ((rc = module_load_config(pamh, argc, argv, a.service, &cfg)) != PAM_SUCCESS)
		return rc;
	a.debug = cfg.debug;

	rc = pam_get_user(pamh, &a.user, NULL);
	if (rc != PAM_SUCCESS || a.user == NULL || a.user[0] == '\0') {
		attempt_log(&a, PAM_USER_UNKNOWN, "no_user", NULL);
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	/* The name reaches logs, prompts and records: check it first. */
	if (!identity_name_ok(a.user)) {
		a.user = "(invalid)";
		attempt_log(&a, PAM_USER_UNKNOWN, "invalid_user_name", NULL);
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	if ((pw = pam_modutil_getpwnam(pamh, a.user)) == NULL) {
		if ((nobody = no_one_to_see(&a)) != NULL)
			goto unseen;
		rc = prompt_unknown_user(&a, &cfg, &slots);
		goto out;
	}
	uid = pw->pw_uid;

	have_store = module_store_open(pamh, &cfg, &st) == 0;
	if (!have_store && cfg.session_ttl > 0 && geteuid() == 0) {
		/* An unsafe state directory (wrong owner, writable by others) may
		 * hold forged records and JWKS: refuse, never work around it. */
		why = OIDC_E_STORE;
		oidc_error_set(&err, OIDC_E_STORE, "the state directory %s is unsafe", cfg.state_dir);
		goto fail;
	}
	if (have_store && (rc = reuse_try(&a, &cfg, &st, uid)) == PAM_SUCCESS)
		goto out;

	if ((nobody = no_one_to_see(&a)) != NULL)
		goto unseen;
	if ((rc = prompt_take_flow_slots(&a, &cfg, &slots)) != PAM_SUCCESS)
		goto out;
	flow_started = 1;
	why = prompt_device_flow(&a, &cfg, &flow, NULL, &err);
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
			reuse_bind_to_caller(pamh, rec);
		if (rec == NULL || session_create(&st, uid, rec, a.session, &err) != 0) {
			pam_syslog(pamh, LOG_ERR, "login of %s not recorded: %s", a.user,
			    rec == NULL ? "out of memory" : err.text);
			a.session[0] = '\0';
			oidc_error_drop(&err);   /* logged above; the login itself succeeded */
		} else if (module_set_session_env(pamh, a.session) != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot pass session %.8s on in the PAM environment", a.session);
		}
	}
	/* What made-up flows for unknown users imitate (finding 11): only
	 * from a flow whose token verified, so a taken-over helper cannot
	 * choose the link shown to the next person who mistypes a name. */
	ratelimit_remember_device(&cfg, flow.device, a.device_latency_ms);
	/* prompt = auto said it is waiting: it says how the wait ended, even
	 * to a caller that asks for silence (sudo always does). */
	if (!a.silent || cfg.prompt == PROMPT_AUTO)
		(void)pam_prompt(pamh, PAM_TEXT_INFO, NULL, "Signed in as %s.", a.mapped);
	attempt_log(&a, PAM_SUCCESS, "ok", NULL);
	rc = PAM_SUCCESS;
	goto out;

unseen:
	/* Never a device flow no one can see; a stack may fall back on
	 * authinfo_unavail as when the IdP is down. */
	attempt_log(&a, PAM_AUTHINFO_UNAVAIL, "no_one_to_see", nobody);
	rc = PAM_AUTHINFO_UNAVAIL;
	goto out;

fail:
	rc = module_pam_code(why);
	if (why == OIDC_E_USAGE)
		rc = PAM_CONV_ERR;
	attempt_log(&a, rc, oidc_reason_code(why), err.text);
	if (why != OIDC_E_USAGE)
		prompt_say(&a, PAM_ERROR_MSG, "%s", module_user_message(why));
out:
	if (flow_started)
		flow_end(&flow);
	ratelimit_release(&slots);
	if (rec != NULL) {
		json_wipe_member(rec, "refresh_token");
		json_decref(rec);
	}
	verdict_free(&v);
	session_store_close(&st);
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
	return stage_acct_mgmt(pamh, flags, argc, argv);
}

PAM_VISIBLE int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return stage_open_session(pamh, flags, argc, argv);
}

PAM_VISIBLE int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return stage_close_session(pamh, flags, argc, argv);
}
