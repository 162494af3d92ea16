/* The interface between pam_oidc.so and pam_oidc_verify.so: one table of
 * functions, the only symbol the verification object exports. Both halves
 * are built from the same tree and share struct attempt, struct
 * oidc_config and struct session_store by pointer, so the table carries
 * their sizes and the package version besides its own version: a
 * verification object from another build is refused, never called. */
#ifndef PAM_OIDC_VERIFY_H
#define PAM_OIDC_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"
#include "core/reuse.h"

/* Set by the build (Makefile.am: $(pkglibdir)); never by configuration,
 * argv or the environment. */
#ifndef PAM_OIDC_VERIFY_PATH
#define PAM_OIDC_VERIFY_PATH "/usr/lib/pam_oidc/pam_oidc_verify.so"
#endif

#define VERIFY_OPS_VERSION 1
#define VERIFY_OPS_SYMBOL "pam_oidc_verify_ops"

struct verify_ops {
	unsigned version;              /* VERIFY_OPS_VERSION */
	const char *package_version;   /* PACKAGE_VERSION of the build */
	size_t attempt_size, config_size, store_size, ops_size;
	/* What follows a missed reuse: the sign-in, the verdict, the record.
	 * Logs its own outcome; returns the PAM code. */
	int (*authenticate)(struct attempt *a, const struct oidc_config *cfg, struct session_store *st,
	    int have_store, uid_t uid);
	/* A user unknown to this host: the made-up flow (finding 11). */
	int (*unknown_user)(struct attempt *a, const struct oidc_config *cfg);
	/* A record due for recheck, refreshed at the IdP under the uid's lock
	 * (*recp may be replaced by a fresh load). */
	enum reuse_recheck (*recheck)(struct attempt *a, const struct oidc_config *cfg, struct session_store *st,
	    uid_t uid, json_t **recp, int64_t now);
};

/* pam/loader.c: the table of the verification object at
 * PAM_OIDC_VERIFY_PATH, once it passed the checks of a trusted file
 * (root-owned, not writable by group or others, nor are its folders) and
 * the version check; NULL after logging why (syslog) with *pam_rc set. */
const struct verify_ops *verify_ops_load(struct attempt *a, int *pam_rc);

#endif
