/* The one implementation of the state directory (store.h): folders checked
 * on their descriptor, whole private files read and replaced atomically.
 * The cache, the session records and the flow slots are its clients. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/buf.h"

static int
dir_safe(int fd, const char *what, struct oidc_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return oidc_error_set(err, OIDC_E_STORE, "%s: %s", what, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return oidc_error_set(err, OIDC_E_STORE,
		    "%s must be a directory owned by uid %u and not writable by group or others",
		    what, (unsigned)geteuid());
	return 0;
}

/* One opening rule for every folder of the store: created 0700 if asked,
 * opened without following a link, then checked on the open descriptor. */
static int
dir_open(int at, const char *name, int create, struct oidc_error *err)
{
	int fd;

	if (create && mkdirat(at, name, 0700) != 0 && errno != EEXIST)
		return oidc_error_set(err, OIDC_E_STORE, "cannot create %s: %s", name, strerror(errno));
	if ((fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (!create && errno == ENOENT)
			return STORE_MISSING;
		return oidc_error_set(err, OIDC_E_STORE, "cannot open %s: %s", name, strerror(errno));
	}
	if (dir_safe(fd, name, err) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
store_dir_open(const char *path, struct oidc_error *err)
{
	return dir_open(AT_FDCWD, path, 1, err);
}

int
store_subdir_open(int dirfd, const char *name, int create, struct oidc_error *err)
{
	return dir_open(dirfd, name, create, err);
}

int
store_dir_open_sub(const char *path, const char *name, struct oidc_error *err)
{
	int top, fd;

	if ((top = store_dir_open(path, err)) < 0)
		return -1;
	fd = store_subdir_open(top, name, 1, err);
	close(top);
	return fd;
}

enum store_read
store_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len, struct oidc_error *err)
{
	struct buf b = BUF_INIT(max);
	struct stat st;
	ssize_t n;
	enum store_read r = STORE_READ_ERROR;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return STORE_READ_ABSENT;
		oidc_error_set(err, OIDC_E_STORE, "cannot open %s: %s", name, strerror(errno));
		return STORE_READ_ERROR;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) || st.st_nlink != 1) {
		oidc_error_set(err, OIDC_E_STORE, "%s is not a private regular file of ours", name);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		oidc_error_set(err, OIDC_E_STORE, "%s is larger than %zu bytes", name, max);
		goto out;
	}
	b.max = (size_t)st.st_size;
	while (b.len < b.max) {
		n = buf_read_fd(&b, fd, b.max - b.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	if (b.len != (size_t)st.st_size) {
		oidc_error_set(err, OIDC_E_STORE, "short read on %s", name);
		goto out;
	}
	if ((*out = buf_steal(&b, len)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	r = STORE_READ_OK;
out:
	buf_free(&b);
	close(fd);
	return r;
}

int
store_write_file(int dirfd, const char *name, const char *data, size_t len, struct oidc_error *err)
{
	unsigned char rnd[8];
	char tmp[64];
	size_t off = 0;
	ssize_t n;
	int fd, i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return oidc_error_set(err, OIDC_E_STORE, "getrandom failed");
	i = snprintf(tmp, sizeof(tmp), ".tmp.");
	for (size_t k = 0; k < sizeof(rnd); k++)
		i += snprintf(tmp + i, sizeof(tmp) - (size_t)i, "%02x", rnd[k]);
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return oidc_error_set(err, OIDC_E_STORE, "cannot create %s: %s", tmp, strerror(errno));
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	/* Data on disk before the name: a crash never leaves a partial record
	 * under the final name. */
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0)
		goto fail;
	return 0;
fail:
	oidc_error_set(err, OIDC_E_STORE, "cannot write %s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return -1;
}

int
store_write_json(int dirfd, const char *name, const json_t *v, size_t max, struct oidc_error *err)
{
	struct buf b = BUF_INIT(max);
	struct oidc_error berr = { 0 };
	int r;

	if (buf_append_json(&b, v, JSON_COMPACT, &berr) != 0) {
		buf_free(&b);
		if (berr.reason == OIDC_E_TOO_LARGE)
			return oidc_error_set(err, OIDC_E_STORE, "%s would be larger than %zu bytes", name, max);
		return oidc_error_set(err, berr.reason, "%s: %s", name, berr.text);
	}
	r = store_write_file(dirfd, name, b.data, b.len, err);
	buf_free(&b);
	return r;
}
