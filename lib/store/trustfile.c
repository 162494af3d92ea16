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

/* A folder is safe when only root (or we) can change what it holds:
 * owned by root or us and not writable by group or others, unless sticky
 * (/tmp): there only an entry's owner may rename it, and the entry below
 * is checked in turn. */
static int
folder_ok(const char *folder, const char *name, struct oidc_error *err)
{
	struct stat st;
	uid_t me = geteuid();

	if (stat(folder, &st) != 0 || !S_ISDIR(st.st_mode))
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: cannot check the folder %s", name, folder);
	if ((st.st_uid != 0 && st.st_uid != me) || ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)))
		return oidc_error_set(err, OIDC_E_CONFIG,
		    "%s is in the folder %s, which must be owned by root and not writable by group or others", name,
		    folder);
	return 0;
}

/* A file is only as safe as the folders above it: whoever can write one of
 * them can swap what is below (sshd's StrictModes walks them too). The
 * path is walked one name at a time, as the kernel resolves it: every
 * folder a name is looked up in must be safe (folder_ok), links included
 * (a link in a folder others may write is theirs to point elsewhere; the
 * resolved path alone never names that folder), and every link on the way
 * must be owned by root or us. Where the walk ends must still be the file
 * we opened. */
static int
check_parents(const char *path, const char *name, int fd, struct oidc_error *err)
{
	char resolved[PATH_MAX], pending[2 * PATH_MAX + 2], target[PATH_MAX], next[2 * PATH_MAX + 2], *c, *rest;
	struct stat fst, st;
	uid_t me = geteuid();
	int links = 0;
	size_t len;
	ssize_t n;

	if (path[0] == '/') {
		snprintf(resolved, sizeof(resolved), "/");
	} else if (getcwd(resolved, sizeof(resolved)) == NULL) {
		return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: %s", name, strerror(errno));
	} else {
		/* A relative name: walked from / through the working folder. */
		char *cwd = realpath(resolved, NULL);

		if (cwd == NULL || snprintf(pending, sizeof(pending), "%s/%s", cwd, path) >= (int)sizeof(pending)) {
			free(cwd);
			return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s", name);
		}
		free(cwd);
		snprintf(resolved, sizeof(resolved), "/");
		goto walk;
	}
	if (snprintf(pending, sizeof(pending), "%s", path) >= (int)sizeof(pending))
		return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: name too long", name);
walk:
	rest = pending;
	for (;;) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0')
			break;
		c = rest;
		rest += strcspn(rest, "/");
		if (*rest != '\0')
			*rest++ = '\0';
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash = strrchr(resolved, '/');

			/* The folder above was already walked. */
			slash[slash == resolved ? 1 : 0] = '\0';
			continue;
		}
		/* Who may change what c names here. */
		if (folder_ok(resolved, name, err) != 0)
			return -1;
		len = strlen(resolved);
		if (snprintf(resolved + len, sizeof(resolved) - len, "%s%s", len > 1 ? "/" : "", c) >=
		    (int)(sizeof(resolved) - len))
			return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: name too long", name);
		if (lstat(resolved, &st) != 0)
			return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: %s", name, strerror(errno));
		if (!S_ISLNK(st.st_mode))
			continue;
		if (st.st_uid != 0 && st.st_uid != me)
			return oidc_error_set(err, OIDC_E_CONFIG, "%s is reached through the symbolic link %s owned by "
			    "another user", name, resolved);
		if (++links > 40 || (n = readlink(resolved, target, sizeof(target) - 1)) <= 0)
			return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: too many links", name);
		target[n] = '\0';
		/* The link's target replaces its name; the rest follows. */
		if (snprintf(next, sizeof(next), "%s/%s", target, rest) >= (int)sizeof(next))
			return oidc_error_set(err, OIDC_E_CONFIG, "cannot resolve %s: name too long", name);
		memcpy(pending, next, strlen(next) + 1);
		rest = pending;
		if (target[0] == '/') {
			snprintf(resolved, sizeof(resolved), "/");
		} else {
			char *slash = strrchr(resolved, '/');

			slash[slash == resolved ? 1 : 0] = '\0';
		}
	}
	if (fstat(fd, &fst) != 0 || stat(resolved, &st) != 0 || st.st_dev != fst.st_dev || st.st_ino != fst.st_ino)
		return oidc_error_set(err, OIDC_E_CONFIG, "%s changed while it was checked", name);
	return 0;
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
