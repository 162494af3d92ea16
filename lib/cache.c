#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pam_oidc/cache.h"
#include "pam_oidc/jsonutil.h"

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

int
state_dir_open(const char *path, struct oidc_error *err)
{
	int fd;

	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return oidc_error_set(err, OIDC_E_STORE, "cannot create %s: %s", path, strerror(errno));
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return oidc_error_set(err, OIDC_E_STORE, "cannot open %s: %s", path, strerror(errno));
	if (dir_safe(fd, path, err) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
state_subdir_open(int dirfd, const char *name, struct oidc_error *err)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
		return oidc_error_set(err, OIDC_E_STORE, "cannot create %s: %s", name, strerror(errno));
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return oidc_error_set(err, OIDC_E_STORE, "cannot open %s: %s", name, strerror(errno));
	if (dir_safe(fd, name, err) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
store_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len, struct oidc_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	ssize_t n;
	int fd, r = -1;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return 0;
		return oidc_error_set(err, OIDC_E_STORE, "cannot open %s: %s", name, strerror(errno));
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
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	while (used < (size_t)st.st_size) {
		n = read(fd, buf + used, (size_t)st.st_size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	if (used != (size_t)st.st_size) {
		oidc_error_set(err, OIDC_E_STORE, "short read on %s", name);
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = 1;
out:
	if (buf != NULL) {
		explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
	}
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

/* One entry per issuer AND per way of reaching its keys: a service
 * section with its own jwks_uri, CA or proxy never shares keys with
 * another (what one trusted is no proof for the other). */
static int
cache_name(const struct oidc_config *cfg, char *name, size_t size, struct oidc_error *err)
{
	const char *parts[] = { cfg->issuer, cfg->jwks_uri, cfg->ca_file, cfg->ca_path, cfg->http_proxy };
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i, o;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	/* Each part with its length (NUL-separated, absent = empty): no two
	 * different tuples hash the same input. */
	for (i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *v = parts[i] != NULL ? parts[i] : "";

		ok = EVP_DigestUpdate(ctx, v, strlen(v) + 1) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return oidc_error_set(err, OIDC_E_NOMEM, "cannot name the cache entry (SHA-256 failed)");
	o = (size_t)snprintf(name, size, "meta-");
	for (i = 0; i < 16 && o + 3 < size; i++)
		o += (size_t)snprintf(name + o, size - o, "%02x", md[i]);
	snprintf(name + o, size - o, ".json");
	return 0;
}

static int
cache_dir_open(const struct oidc_config *cfg, struct oidc_error *err)
{
	int top, fd;

	if ((top = state_dir_open(cfg->state_dir, err)) < 0)
		return -1;
	fd = state_subdir_open(top, "cache", err);
	close(top);
	return fd;
}

int
cache_load(const struct oidc_config *cfg, json_t **meta, struct oidc_error *err)
{
	char name[64], *buf = NULL;
	size_t len = 0;
	json_t *m = NULL;
	int dfd, r;

	if (cache_name(cfg, name, sizeof(name), err) != 0 || (dfd = cache_dir_open(cfg, err)) < 0)
		return -1;
	r = store_read_file(dfd, name, CACHE_MAX_BYTES, &buf, &len, err);
	close(dfd);
	if (r <= 0)
		return r;
	/* With configured endpoints there is no discovery: an entry with
	 * only its JWKS is complete. */
	if (json_parse_strict(buf, len, &m, err) != 0 || !json_is_object(m) ||
	    !json_is_string(json_object_get(m, "issuer")) ||
	    strcmp(json_string_value(json_object_get(m, "issuer")), cfg->issuer) != 0 ||
	    !json_is_string(json_object_get(m, "jwks")) ||
	    (json_object_get(m, "discovery") != NULL && !json_is_object(json_object_get(m, "discovery")))) {
		/* A damaged cache is not an attack on us: just refetch. */
		json_decref(m);
		free(buf);
		oidc_error_clear(err);
		return 0;
	}
	free(buf);
	*meta = m;
	return 1;
}

int
cache_store(const struct oidc_config *cfg, const json_t *meta, struct oidc_error *err)
{
	char name[64], *s;
	int dfd, r;

	if ((s = json_dumps(meta, JSON_COMPACT)) == NULL)
		return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
	if (cache_name(cfg, name, sizeof(name), err) != 0 || (dfd = cache_dir_open(cfg, err)) < 0) {
		free(s);
		return -1;
	}
	r = store_write_file(dfd, name, s, strlen(s), err);
	close(dfd);
	free(s);
	return r;
}
