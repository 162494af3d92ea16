#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jsonutil.h"
#include "store/trustfile.h"
#include "util/fileio.h"

/* Whoever can write one of these files decides who logs in, or which
 * server's keys are believed. */
static int
check_fd(const char *path, const char *name, enum trust_kind kind, int fd, struct oidc_error *err)
{
	struct stat st, lst;
	uid_t me = geteuid();

	if (fstat(fd, &st) != 0)
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s", name, strerror(errno));
	if (kind == TRUST_DIR ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return oidc_error_set(err, OIDC_E_CONFIG, "%s is not a %s", name,
		    kind == TRUST_DIR ? "directory" : "regular file");
	if ((st.st_uid != 0 && st.st_uid != me) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return oidc_error_set(err, OIDC_E_CONFIG,
		    "%s must be owned by root and not writable by group or others", name);
	if (kind == TRUST_SECRET && (st.st_mode & (S_IRWXG | S_IRWXO)))
		return oidc_error_set(err, OIDC_E_CONFIG, "%s must be owned by root with mode 0600 or 0400", name);
	/* The content is the descriptor's; a link planted by another user is
	 * still refused, as it always was. */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && lst.st_uid != 0 && lst.st_uid != me)
		return oidc_error_set(err, OIDC_E_CONFIG, "%s is a symbolic link owned by another user", name);
	return 0;
}

/* A file is only as safe as the folders above it: whoever can write one of
 * them can swap what is below (sshd's StrictModes walks them too). Each
 * folder of the resolved path must be owned by root (or us) and not
 * writable by group or others, unless it is sticky (/tmp): there only an
 * entry's owner may rename it, and the entry below is checked in turn. The
 * resolved path must still name the file we opened. */
static int
check_parents(const char *path, const char *name, int fd, struct oidc_error *err)
{
	struct stat fst, st;
	uid_t me = geteuid();
	char *real = realpath(path, NULL), *slash;
	int r = -1;

	if (real == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: %s", name, strerror(errno));
	if (fstat(fd, &fst) != 0 || stat(real, &st) != 0 || st.st_dev != fst.st_dev || st.st_ino != fst.st_ino) {
		oidc_error_set(err, OIDC_E_CONFIG, "%s changed while it was checked", name);
		goto out;
	}
	while ((slash = strrchr(real, '/')) != NULL) {
		/* The parent of /x is /. */
		slash[slash == real ? 1 : 0] = '\0';
		if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
			oidc_error_set(err, OIDC_E_CONFIG, "%s: cannot check the folder %s", name, real);
			goto out;
		}
		if ((st.st_uid != 0 && st.st_uid != me) ||
		    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
			oidc_error_set(err, OIDC_E_CONFIG,
			    "%s is in the folder %s, which must be owned by root and not writable by group or others", name,
			    real);
			goto out;
		}
		if (slash == real)
			break;
	}
	r = 0;
out:
	free(real);
	return r;
}

int
trusted_open(const char *path, const char *what, enum trust_kind kind, int *fd, struct oidc_error *err)
{
	/* O_NONBLOCK: a FIFO planted at the path must not hang the login; it
	 * is then refused as not a regular file. */
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (kind == TRUST_DIR ? O_DIRECTORY : 0), f;
	char name[PATH_MAX + 64];

	snprintf(name, sizeof(name), "%s%s%s", what, what[0] != '\0' ? " " : "", path);
	if ((f = open(path, flags)) < 0)
		return oidc_error_set(err, OIDC_E_CONFIG, "cannot open %s: %s", name, strerror(errno));
	if (check_fd(path, name, kind, f, err) != 0 || check_parents(path, name, f, err) != 0) {
		close(f);
		return -1;
	}
	*fd = f;
	return 0;
}

int
trusted_read(const char *path, const char *what, enum trust_kind kind, size_t max, char **out, size_t *len,
    struct oidc_error *err)
{
	int fd = -1, r;

	if (kind == TRUST_DIR)
		return oidc_error_set(err, OIDC_E_INTERNAL, "%s: a directory cannot be read", path);
	if (trusted_open(path, what, kind, &fd, err) != 0)
		return -1;
	r = fd_read_all(fd, path, max, out, len, err);
	close(fd);
	if (r != 0)
		return oidc_error_set(err, OIDC_E_CONFIG, "cannot read %s%s%s", what, what[0] != '\0' ? " " : "", path);
	return 0;
}

/* ca_path: every certificate in it decides which server is believed, so
 * each (a link followed, as the TLS library will) obeys the file rule. */
static int
check_dir_entries(int fd, const char *path, const char *what, struct oidc_error *err)
{
	const struct dirent *de;
	struct stat st;
	uid_t me = geteuid();
	DIR *d;
	int dfd, r = 0;

	if ((dfd = dup(fd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return oidc_error_set(err, OIDC_E_CONFIG, "cannot list %s %s: %s", what, path, strerror(errno));
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		/* A dangling link or a vanished entry is unreadable for the
		 * TLS library too. */
		if (de->d_name[0] == '.' || fstatat(fd, de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((st.st_uid != 0 && st.st_uid != me) || (st.st_mode & (S_IWGRP | S_IWOTH)))
			r = oidc_error_set(err, OIDC_E_CONFIG,
			    "%s %s/%.64s must be owned by root and not writable by group or others", what, path,
			    de->d_name);
	}
	closedir(d);
	return r;
}

int
trusted_check(const char *path, const char *what, enum trust_kind kind, struct oidc_error *err)
{
	int fd = -1, r = 0;

	if (trusted_open(path, what, kind, &fd, err) != 0)
		return -1;
	if (kind == TRUST_DIR)
		r = check_dir_entries(fd, path, what, err);
	close(fd);
	return r;
}
