/* Loads pam_oidc_verify.so (pam/verify.h) when an authentication needs a
 * sign-in or a recheck. The object runs inside sshd, sudo and login as
 * root: whoever can replace it owns every login, so it obeys the rule of
 * every file that decides trust (lib/store/trustfile.c: a regular file
 * owned by root, not writable by group or others, nor is any folder above
 * it) at a path fixed at build time, and what is loaded is the very file
 * that was checked: dlopen() goes through /proc/self/fd of the checked
 * descriptor, so a rename between check and load changes nothing, under a
 * name no earlier load used (glibc would hand back that object), and a
 * file already accepted in this process is not loaded again. */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sys/stat.h>

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

/* The objects this process loaded and accepted, by file (never freed:
 * they stay mapped, nodelete). A caller that authenticates many times (an
 * auth daemon) finds the file it checked here and loads nothing again. */
struct accepted {
	dev_t dev;
	ino_t ino;
	const struct verify_ops *ops;
	struct accepted *next;
};
static struct accepted *accepted;

static const struct verify_ops *
accepted_find(const struct stat *st)
{
	const struct accepted *l;

	for (l = __atomic_load_n(&accepted, __ATOMIC_ACQUIRE); l != NULL; l = l->next)
		if (l->dev == st->st_dev && l->ino == st->st_ino)
			return l->ops;
	return NULL;
}

static void
accepted_add(const struct stat *st, const struct verify_ops *ops)
{
	struct accepted *l = malloc(sizeof(*l));

	if (l == NULL)
		return;   /* found again by dlopen next time */
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	l->ops = ops;
	l->next = __atomic_load_n(&accepted, __ATOMIC_ACQUIRE);
	while (!__atomic_compare_exchange_n(&accepted, &l->next, l, 0, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		;
}

/* glibc knows a loaded object by the name it was loaded under, and
 * /proc/self/fd/N names whatever descriptor N is now: a name that an
 * earlier load used (another file, refused, at the same number) gives
 * that object back without opening anything. The descriptor moves until
 * its name is unknown, or two of its names give one object: glibc found
 * this very file (same device and inode), loaded before. Returns the
 * descriptor (*fdp may change), -1 (closed) when no such name is found. */
static int
fresh_name(int *fdp, char *fdpath, size_t size)
{
	void *prev = NULL, *hit;
	int tries, nfd;

	for (tries = 0; tries < 16; tries++) {
		snprintf(fdpath, size, "/proc/self/fd/%d", *fdp);
		if ((hit = dlopen(fdpath, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD)) == NULL)
			return 0;
		(void)dlclose(hit);   /* NOLOAD counted a reference */
		if (hit == prev)
			return 0;
		prev = hit;
		nfd = fcntl(*fdp, F_DUPFD_CLOEXEC, *fdp + 1);
		close(*fdp);
		if ((*fdp = nfd) < 0)
			return -1;
	}
	close(*fdp);
	*fdp = -1;
	return -1;
}

const struct verify_ops *
verify_ops_load(struct attempt *a, int *pam_rc)
{
	struct oidc_error err = { 0 };
	const struct verify_ops *ops;
	char fdpath[64], detail[512];
	struct stat st;
	void *h;
	int fd;

	if (trusted_open(PAM_OIDC_VERIFY_PATH, "verification module", TRUST_FILE, &fd, &err) != 0) {
		*pam_rc = refuse(a, err.text);
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		*pam_rc = refuse(a, "cannot check the verification module");
		return NULL;
	}
	if ((ops = accepted_find(&st)) != NULL) {
		close(fd);
		return ops;
	}
	if (fresh_name(&fd, fdpath, sizeof(fdpath)) != 0) {
		snprintf(detail, sizeof(detail), "cannot load %s: no unused descriptor name", PAM_OIDC_VERIFY_PATH);
		*pam_rc = refuse(a, detail);
		return NULL;
	}
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
	accepted_add(&st, ops);
	return ops;
}
