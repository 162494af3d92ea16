/* Loads pam_oidc_verify.so (pam/verify.h) when an authentication needs a
 * sign-in or a recheck. The object runs inside sshd, sudo and login as
 * root: whoever can replace it owns every login, so it obeys the rule of
 * every file that decides trust (lib/store/trustfile.c: a regular file
 * owned by root, not writable by group or others, nor is any folder above
 * it) at a path fixed at build time, and what is loaded is the very file
 * that was checked: dlopen() goes through /proc/self/fd of the checked
 * descriptor, so a rename between check and load changes nothing. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "verify.h"
#include "store/trustfile.h"

static int
refuse(struct attempt *a, const char *detail)
{
	attempt_log(a, PAM_SERVICE_ERR, "verify_module", detail);
	prompt_say(a, PAM_ERROR_MSG, "%s", module_user_message(OIDC_E_CONFIG));
	return PAM_SERVICE_ERR;
}

const struct verify_ops *
verify_ops_load(struct attempt *a, int *pam_rc)
{
	struct oidc_error err = { 0 };
	const struct verify_ops *ops;
	char fdpath[64], detail[512];
	void *h;
	int fd;

	if (trusted_open(PAM_OIDC_VERIFY_PATH, "verification module", TRUST_FILE, &fd, &err) != 0) {
		*pam_rc = refuse(a, err.text);
		return NULL;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	/* LOCAL: its symbols (and libcrypto's) never resolve the caller's.
	 * NODELETE: OpenSSL 3 is not meant to be unloaded from a long-lived
	 * caller, and the next sign-in finds it mapped. */
	h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	close(fd);
	if (h == NULL) {
		const char *why = dlerror();

		snprintf(detail, sizeof(detail), "cannot load %s: %s", PAM_OIDC_VERIFY_PATH, why != NULL ? why : "?");
		*pam_rc = refuse(a, detail);
		return NULL;
	}
	ops = (const struct verify_ops *)dlsym(h, VERIFY_OPS_SYMBOL);
	if (ops == NULL || ops->version != VERIFY_OPS_VERSION || ops->ops_size != sizeof(*ops) ||
	    ops->attempt_size != sizeof(struct attempt) || ops->config_size != sizeof(struct oidc_config) ||
	    ops->store_size != sizeof(struct session_store) || ops->package_version == NULL ||
	    strcmp(ops->package_version, PACKAGE_VERSION) != 0 || ops->authenticate == NULL ||
	    ops->unknown_user == NULL || ops->recheck == NULL) {
		/* Not unloaded: it may be mapped by an earlier load, and nodelete
		 * keeps it either way. Never called. */
		snprintf(detail, sizeof(detail), "%s is not the verification module of pam_oidc %s (interface %d)",
		    PAM_OIDC_VERIFY_PATH, PACKAGE_VERSION, VERIFY_OPS_VERSION);
		*pam_rc = refuse(a, detail);
		return NULL;
	}
	return ops;
}
