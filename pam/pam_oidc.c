/* pam_oidc.so: OpenID Connect device-flow authentication for PAM.
 *
 * Trust decisions live here and in the verification object; the network
 * lives in pam_oidc_helper. Each pam_sm_* entry point is a thin wrapper
 * around a worker: authenticate() here, the session and account stages in
 * stages.c. Session reuse is reuse.c; what a reuse cannot serve (a sign-in,
 * a recheck, an unknown user) is pam_oidc_verify.so (verify.c, prompt.c),
 * loaded by loader.c only then, so a cached sudo maps no libcrypto. */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "module.h"
#include "verify.h"
#include "util/clock.h"
#include "util/jsonutil.h"
#include "util/text.h"

#define PAM_VISIBLE __attribute__((visibility("default")))

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

static int
authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct attempt a;
	struct oidc_config cfg;
	struct session_store st = { -1, -1 };
	const struct verify_ops *ops;
	struct passwd *pw;
	const char *nobody = NULL;
	uid_t uid;
	int rc, have_store;

	memset(&a, 0, sizeof(a));
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
		if ((ops = verify_ops_load(&a, &rc)) != NULL)
			rc = ops->unknown_user(&a, &cfg);
		goto out;
	}
	uid = pw->pw_uid;

	have_store = module_store_open(pamh, &cfg, &st) == 0;
	if (!have_store && cfg.session_ttl > 0 && geteuid() == 0) {
		/* An unsafe state directory (wrong owner, writable by others) may
		 * hold forged records and JWKS: refuse, never work around it. */
		rc = module_pam_code(OIDC_E_STORE);
		attempt_log(&a, rc, oidc_reason_code(OIDC_E_STORE), "the state directory is unsafe");
		prompt_say(&a, PAM_ERROR_MSG, "%s", module_user_message(OIDC_E_STORE));
		goto out;
	}
	/* The cached path ends here: no cryptography, no helper, no network. */
	if (have_store && (rc = reuse_try(&a, &cfg, &st, uid)) != PAM_IGNORE)
		goto out;
	if ((nobody = no_one_to_see(&a)) != NULL)
		goto unseen;
	if ((ops = verify_ops_load(&a, &rc)) != NULL)
		rc = ops->authenticate(&a, &cfg, &st, have_store, uid);
	goto out;

unseen:
	/* Never a device flow no one can see; a stack may fall back on
	 * authinfo_unavail as when the IdP is down. */
	attempt_log(&a, PAM_AUTHINFO_UNAVAIL, "no_one_to_see", nobody);
	rc = PAM_AUTHINFO_UNAVAIL;
out:
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
