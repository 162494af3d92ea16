#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jose/digest.h"
#include "store/store.h"
#include "ipc/ipc.h"
#include "util/jsonutil.h"
#include "core/ratelimit.h"

#define DEVICE_MAX_BYTES 8192
/* A slot file another caller released (and unlinked) under us: retry. */
#define SLOT_RETRIES 8

void
ratelimit_init(struct flow_slots *s)
{
	s->dirfd = -1;
	for (int i = 0; i < RATELIMIT_NCAPS; i++) {
		s->fd[i] = -1;
		s->name[i][0] = '\0';
	}
}

const char *
ratelimit_cap_key(enum ratelimit_cap c)
{
	switch (c) {
	case RATELIMIT_HOST:
		return "max_flows_per_host";
	case RATELIMIT_USER:
		return "max_flows_per_user";
	default:
		return "max_flows";
	}
}

/* prefix + 32 hex digits of SHA-256(data). */
static void
hashed_name(const char *prefix, const void *data, size_t len, char *out, size_t size)
{
	unsigned char md[DIGEST_SHA256_LEN];

	if (digest_sha256(data, len, md) != 0)
		memset(md, 0, sizeof(md));
	digest_name(prefix, md, "", out, size);
}

/* An IPv6 client owns at least a /64: one host, or it would dodge the cap
 * by changing its address. */
void
ratelimit_host_key(const char *rhost, char *out, size_t size)
{
	struct in6_addr a6;
	char addr[INET6_ADDRSTRLEN + 1];

	/* fe80::1%eth0: the zone id names our interface, not the client. */
	if (strchr(rhost, '%') != NULL && strcspn(rhost, "%") < sizeof(addr)) {
		snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(rhost, "%"), rhost);
		rhost = addr;
	}
	if (inet_pton(AF_INET6, rhost, &a6) == 1 && !IN6_IS_ADDR_V4MAPPED(&a6)) {
		memset(a6.s6_addr + 8, 0, 8);
		hashed_name("host-", a6.s6_addr, sizeof(a6.s6_addr), out, size);
	} else if (inet_pton(AF_INET6, rhost, &a6) == 1) {
		hashed_name("host-", a6.s6_addr + 12, 4, out, size);
	} else {
		struct in_addr a4;

		if (inet_pton(AF_INET, rhost, &a4) == 1)
			hashed_name("host-", &a4, 4, out, size);
		else
			hashed_name("host-", rhost, strlen(rhost), out, size);
	}
}

/* RATELIMIT_HELD: slot held in *fdp; RATELIMIT_FULL: all cap slots busy;
 * RATELIMIT_ERROR: err says why. */
static enum ratelimit_take
take_one(int dfd, const char *prefix, long cap, int *fdp, char *name, size_t nsize, struct oidc_error *err)
{
	struct stat st, now;
	int fd, retries = 0;

	for (long i = 0; i < cap; i++) {
		snprintf(name, nsize, "%s.%ld", prefix, i);
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0) {
			oidc_error_set(err, OIDC_E_STORE, "cannot open flows/%s: %s", name, strerror(errno));
			return RATELIMIT_ERROR;
		}
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & (S_IRWXG | S_IRWXO))) {
			close(fd);
			oidc_error_set(err, OIDC_E_STORE, "flows/%s is not a private regular file of ours", name);
			return RATELIMIT_ERROR;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				continue;
			oidc_error_set(err, OIDC_E_STORE, "cannot lock flows/%s: %s", name, strerror(e));
			return RATELIMIT_ERROR;
		}
		/* A releaser unlinks its file before it unlocks: a lock on a
		 * file that no longer has this name is no slot. */
		if (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
		    now.st_dev != st.st_dev) {
			close(fd);
			if (++retries < SLOT_RETRIES)
				i--;
			continue;
		}
		*fdp = fd;
		return RATELIMIT_HELD;
	}
	return RATELIMIT_FULL;
}

/* Slots of callers that died without releasing them (sshd kills its PAM
 * child with SIGTERM when the client hangs up) are files nobody holds: any
 * file we can lock is no one's and goes, so the folder never grows past
 * the live flows. The same unlink-while-locked rule as a release. */
static void
sweep(int dfd)
{
	struct dirent *de;
	struct stat st, now;
	DIR *d;
	int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0), fd;

	if (dup < 0 || (d = fdopendir(dup)) == NULL) {
		if (dup >= 0)
			close(dup);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "total.", 6) != 0 && strncmp(de->d_name, "host-", 5) != 0 &&
		    strncmp(de->d_name, "user-", 5) != 0)
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    fstatat(dfd, de->d_name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == st.st_ino &&
		    now.st_dev == st.st_dev)
			unlinkat(dfd, de->d_name, 0);
		close(fd);
	}
	closedir(d);
}

enum ratelimit_take
ratelimit_take(const struct oidc_config *cfg, const char *rhost, const char *user, struct flow_slots *s,
    enum ratelimit_cap *full, struct oidc_error *err)
{
	char prefix[RATELIMIT_NCAPS][64];
	long cap[RATELIMIT_NCAPS] = { cfg->max_flows_per_host, cfg->max_flows_per_user, cfg->max_flows };
	enum ratelimit_take r;

	ratelimit_init(s);
	/* Only root can keep the slots safe from tampering; an unprivileged
	 * caller (a test, pamtester as a user) has no state to share. */
	if (geteuid() != 0)
		return RATELIMIT_HELD;
	/* The caps guard the pre-authentication surface (sshd). Local callers
	 * (su, sudo, console) are never counted, so that no remote flood can
	 * lock a person out of their own terminal. */
	if (rhost == NULL || rhost[0] == '\0')
		return RATELIMIT_HELD;
	ratelimit_host_key(rhost, prefix[RATELIMIT_HOST], sizeof(prefix[0]));
	hashed_name("user-", user, strlen(user), prefix[RATELIMIT_USER], sizeof(prefix[0]));
	snprintf(prefix[RATELIMIT_TOTAL], sizeof(prefix[0]), "total");
	if ((s->dirfd = store_dir_open_sub(cfg->state_dir, "flows", err)) < 0)
		return RATELIMIT_ERROR;
	sweep(s->dirfd);
	for (int i = 0; i < RATELIMIT_NCAPS; i++) {
		if (cap[i] <= 0)
			continue;
		r = take_one(s->dirfd, prefix[i], cap[i], &s->fd[i], s->name[i], sizeof(s->name[i]), err);
		if (r != RATELIMIT_HELD) {
			s->name[i][0] = '\0';
			if (r == RATELIMIT_FULL)
				*full = (enum ratelimit_cap)i;
			ratelimit_release(s);
			return r;
		}
	}
	return RATELIMIT_HELD;
}

void
ratelimit_release(struct flow_slots *s)
{
	for (int i = 0; i < RATELIMIT_NCAPS; i++) {
		if (s->fd[i] < 0)
			continue;
		/* Unlinked while still locked, so the files do not pile up; a
		 * waiter that locked the old file sees the name is gone. */
		if (s->dirfd >= 0 && s->name[i][0] != '\0')
			unlinkat(s->dirfd, s->name[i], 0);
		close(s->fd[i]);
		s->fd[i] = -1;
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	ratelimit_init(s);
}

static int
flows_dir_open(const struct oidc_config *cfg)
{
	struct oidc_error ignored = { 0 };

	if (geteuid() != 0)
		return -1;
	return store_dir_open_sub(cfg->state_dir, "flows", &ignored);
}

/* What a verified CIBA sign-in looked like from outside: how long the IdP
 * took to take the request, the interval and lifetime it granted. */
static void
remember_ciba(const struct oidc_config *cfg, const json_t *ev, long long latency_ms)
{
	struct oidc_error ignored = { 0 };
	char name[64];
	json_t *rec;
	int dfd;

	if ((dfd = flows_dir_open(cfg)) < 0)
		return;
	rec = json_pack("{s:s, s:I, s:I, s:I, s:I}", "issuer", cfg->issuer, "interval",
	    json_integer_value(json_object_get(ev, "interval")), "expires_in",
	    json_integer_value(json_object_get(ev, "expires_in")), "latency_ms",
	    (json_int_t)(latency_ms < 0 ? 0 : latency_ms > 10000 ? 10000 : latency_ms), "at", (json_int_t)time(NULL));
	if (rec != NULL) {
		hashed_name("ciba-", cfg->issuer, strlen(cfg->issuer), name, sizeof(name));
		(void)store_write_json(dfd, name, rec, DEVICE_MAX_BYTES, &ignored);   /* a memory, not a duty */
	}
	json_decref(rec);
	close(dfd);
}

/* The remembered record of prefix for this issuer, or NULL. */
static json_t *
remembered(const struct oidc_config *cfg, const char *prefix)
{
	struct oidc_error ignored = { 0 };
	char name[64], *buf = NULL;
	const char *s;
	size_t len = 0;
	json_t *rec = NULL;
	int dfd;

	if ((dfd = flows_dir_open(cfg)) < 0)
		return NULL;
	hashed_name(prefix, cfg->issuer, strlen(cfg->issuer), name, sizeof(name));
	if (store_read_file(dfd, name, DEVICE_MAX_BYTES, &buf, &len, &ignored) != STORE_READ_OK ||
	    json_parse_strict(buf, len, &rec, &ignored) != 0 || !json_is_object(rec) ||
	    (s = json_string_value(json_object_get(rec, "issuer"))) == NULL || strcmp(s, cfg->issuer) != 0) {
		json_decref(rec);
		rec = NULL;
	}
	free(buf);
	close(dfd);
	return rec;
}

int
ratelimit_last_was_ciba(const struct oidc_config *cfg)
{
	json_t *c = remembered(cfg, "ciba-"), *d = remembered(cfg, "device-");
	int r = c != NULL && (d == NULL || json_integer_value(json_object_get(c, "at")) >
	    json_integer_value(json_object_get(d, "at")));

	json_decref(c);
	json_decref(d);
	return r;
}

json_t *
ratelimit_fake_ciba(const struct oidc_config *cfg, long long *latency_ms)
{
	json_t *rec = remembered(cfg, "ciba-");
	json_int_t interval = 5, expires_in = cfg->timeout, v;

	*latency_ms = 0;
	if (rec != NULL) {
		if ((v = json_integer_value(json_object_get(rec, "interval"))) >= 1 && v <= 3600)
			interval = v;
		if ((v = json_integer_value(json_object_get(rec, "expires_in"))) >= 1 && v <= IPC_MAX_EXPIRES_IN)
			expires_in = v;
		if ((v = json_integer_value(json_object_get(rec, "latency_ms"))) > 0 && v <= 10000)
			*latency_ms = v;
	}
	json_decref(rec);
	return json_pack("{s:s, s:I, s:I}", "event", "ciba", "interval", interval, "expires_in", expires_in);
}

void
ratelimit_remember_device(const struct oidc_config *cfg, const json_t *device, long long latency_ms)
{
	struct oidc_error ignored = { 0 };
	const char *uri = json_string_value(json_object_get(device, "verification_uri"));
	const char *code = json_string_value(json_object_get(device, "user_code"));
	const char *complete = json_string_value(json_object_get(device, "verification_uri_complete"));
	char shape[IPC_MAX_USER_CODE + 1], name[64], *want = NULL;
	json_t *rec = NULL;
	size_t i;
	int dfd;

	if (json_is_string(json_object_get(device, "event")) &&
	    strcmp(json_string_value(json_object_get(device, "event")), "ciba") == 0) {
		remember_ciba(cfg, device, latency_ms);
		return;
	}
	if (uri == NULL || code == NULL || strlen(code) > IPC_MAX_USER_CODE || (dfd = flows_dir_open(cfg)) < 0)
		return;
	/* The format of the code, never the code itself. */
	for (i = 0; code[i] != '\0'; i++) {
		if (code[i] >= '0' && code[i] <= '9')
			shape[i] = '9';
		else if (code[i] == '-' || code[i] == ' ')
			shape[i] = code[i];
		else
			shape[i] = 'X';
	}
	shape[i] = '\0';
	if (complete != NULL && asprintf(&want, "%s?user_code=%s", uri, code) < 0)
		want = NULL;
	rec = json_pack("{s:s, s:s, s:b, s:s, s:I, s:I, s:I}", "issuer", cfg->issuer, "verification_uri", uri, "complete",
	    want != NULL && strcmp(want, complete) == 0, "code_shape", shape, "interval",
	    json_integer_value(json_object_get(device, "interval")), "latency_ms",
	    (json_int_t)(latency_ms < 0 ? 0 : latency_ms > 10000 ? 10000 : latency_ms), "at", (json_int_t)time(NULL));
	if (rec != NULL) {
		hashed_name("device-", cfg->issuer, strlen(cfg->issuer), name, sizeof(name));
		(void)store_write_json(dfd, name, rec, DEVICE_MAX_BYTES, &ignored);
	}
	free(want);
	json_decref(rec);
	close(dfd);
}

/* Uniform over charset: bytes beyond the last whole multiple are redrawn. */
static int
random_from(const char *charset, char *out)
{
	size_t n = strlen(charset), limit = 256 - 256 % n;
	unsigned char b;

	do {
		if (getrandom(&b, 1, 0) != 1)
			return -1;
	} while (b >= limit);
	*out = charset[b % n];
	return 0;
}

json_t *
ratelimit_fake_device(const struct oidc_config *cfg, long long *latency_ms)
{
	/* RFC 8628 §6.1: upper-case consonants, no vowels. */
	static const char letters[] = "BCDFGHJKLMNPQRSTVWXZ", digits[] = "0123456789";
	struct oidc_error ignored = { 0 };
	char name[64], code[IPC_MAX_USER_CODE + 1], *buf = NULL, *uri = NULL, *complete = NULL;
	const char *shape = "XXXX-XXXX", *s;
	json_t *rec = NULL, *dev = NULL;
	json_int_t interval = 5;
	size_t len = 0, i;
	int dfd;

	*latency_ms = 0;
	if ((dfd = flows_dir_open(cfg)) >= 0) {
		hashed_name("device-", cfg->issuer, strlen(cfg->issuer), name, sizeof(name));
		if (store_read_file(dfd, name, DEVICE_MAX_BYTES, &buf, &len, &ignored) == STORE_READ_OK &&
		    json_parse_strict(buf, len, &rec, &ignored) == 0 && json_is_object(rec) &&
		    (s = json_string_value(json_object_get(rec, "issuer"))) != NULL && strcmp(s, cfg->issuer) == 0 &&
		    json_https_url(json_object_get(rec, "verification_uri"), IPC_MAX_URI) &&
		    json_string_ok(json_object_get(rec, "code_shape"), 1, IPC_MAX_USER_CODE)) {
			uri = strdup(json_string_value(json_object_get(rec, "verification_uri")));
			shape = json_string_value(json_object_get(rec, "code_shape"));
			if (json_integer_value(json_object_get(rec, "interval")) > 0)
				interval = json_integer_value(json_object_get(rec, "interval"));
			*latency_ms = json_integer_value(json_object_get(rec, "latency_ms"));
		}
		close(dfd);
	}
	/* Nothing remembered yet: where most IdPs put it. */
	if (uri == NULL && asprintf(&uri, "%s%sdevice", cfg->issuer,
	    cfg->issuer[0] && cfg->issuer[strlen(cfg->issuer) - 1] == '/' ? "" : "/") < 0)
		uri = NULL;
	if (uri == NULL)
		goto out;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'X' || shape[i] == '9') {
			if (random_from(shape[i] == 'X' ? letters : digits, &code[i]) != 0)
				goto out;
		} else {
			code[i] = shape[i] == '-' ? '-' : ' ';
		}
	}
	code[i] = '\0';
	/* Nothing remembered: most IdPs send the complete link, so show one. */
	if ((rec == NULL || json_is_true(json_object_get(rec, "complete"))) &&
	    asprintf(&complete, "%s?user_code=%s", uri, code) < 0)
		complete = NULL;
	dev = json_pack("{s:s, s:s, s:I, s:I}", "verification_uri", uri, "user_code", code, "interval", interval,
	    "expires_in", (json_int_t)cfg->timeout);
	if (dev != NULL && complete != NULL)
		json_object_set_new(dev, "verification_uri_complete", json_string(complete));
out:
	free(complete);
	free(uri);
	free(buf);
	json_decref(rec);
	return dev;
}
