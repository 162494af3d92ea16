/* The budget of live CIBA requests per person and origin (pushcap.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/pushcap.h"
#include "jose/digest.h"
#include "store/store.h"
#include "util/buf.h"

#define PUSH_PREFIX "push-"
#define PUSH_FILE_MAX 32

/* The expiry a place file holds, or 0 when it is unreadable (it goes). */
static long long
expiry_of(int dfd, const char *name)
{
	struct oidc_error ignored = { 0 };
	char *buf = NULL, *end;
	size_t len = 0;
	long long v = 0;

	if (store_read_file(dfd, name, PUSH_FILE_MAX, &buf, &len, &ignored) == STORE_READ_OK) {
		errno = 0;
		v = strtoll(buf, &end, 10);
		if (errno != 0 || end == buf || v < 0)
			v = 0;
	}
	free(buf);
	return v;
}

/* Counts the live places of prefix; every expired place of anyone goes. */
static long
count_live(int dfd, const char *prefix, long long now)
{
	struct dirent *de;
	size_t plen = strlen(prefix);
	int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	long n = 0;
	DIR *d;

	if (dup < 0 || (d = fdopendir(dup)) == NULL) {
		if (dup >= 0)
			close(dup);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, PUSH_PREFIX, sizeof(PUSH_PREFIX) - 1) != 0)
			continue;
		if (expiry_of(dfd, de->d_name) <= now) {
			(void)unlinkat(dfd, de->d_name, 0);   /* expired: its request can page nobody now */
			continue;
		}
		if (strncmp(de->d_name, prefix, plen) == 0 && de->d_name[plen] == '-')
			n++;
	}
	closedir(d);
	return n;
}

enum ratelimit_take
pushcap_take(const struct oidc_config *cfg, const char *user, const char *rhost, uid_t caller, long ttl_s,
    char name[PUSHCAP_NAME_MAX], struct oidc_error *err)
{
	unsigned char md[DIGEST_SHA256_LEN], rnd[8];
	char origin[80], prefix[64], expiry[32];
	const char *parts[2];
	long long now = (long long)time(NULL);
	enum ratelimit_take r = RATELIMIT_ERROR;
	long live;
	int dfd;

	name[0] = '\0';
	if (geteuid() != 0 || cfg->max_flows_per_user <= 0)
		return RATELIMIT_HELD;
	if (rhost != NULL && rhost[0] != '\0')
		ratelimit_host_key(rhost, origin, sizeof(origin));
	else
		snprintf(origin, sizeof(origin), "uid-%u", (unsigned)caller);
	parts[0] = user;
	parts[1] = origin;
	if (digest_sha256_parts(parts, 2, md) != 0 || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return oidc_error_set(err, OIDC_E_INTERNAL, "cannot name a CIBA request's place"), RATELIMIT_ERROR;
	digest_name(PUSH_PREFIX, md, "", prefix, sizeof(prefix));
	if ((dfd = store_dir_open_sub(cfg->state_dir, "flows", err)) < 0)
		return RATELIMIT_ERROR;
	/* One counter at a time: the folder's own lock. */
	if (flock(dfd, LOCK_EX) != 0) {
		oidc_error_set(err, OIDC_E_STORE, "cannot lock flows/: %s", strerror(errno));
		goto out;
	}
	if ((live = count_live(dfd, prefix, now)) < 0) {
		oidc_error_set(err, OIDC_E_STORE, "cannot read flows/");
		goto out;
	}
	if (live >= cfg->max_flows_per_user) {
		r = RATELIMIT_FULL;
		goto out;
	}
	snprintf(name, PUSHCAP_NAME_MAX, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, rnd[0], rnd[1], rnd[2], rnd[3],
	    rnd[4], rnd[5], rnd[6], rnd[7]);
	snprintf(expiry, sizeof(expiry), "%lld", now + (ttl_s > 0 ? ttl_s : 1));
	if (store_write_file(dfd, name, expiry, strlen(expiry), err) != 0) {
		name[0] = '\0';
		goto out;
	}
	r = RATELIMIT_HELD;
out:
	close(dfd);   /* drops the folder's lock */
	return r;
}

void
pushcap_done(const struct oidc_config *cfg, const char name[PUSHCAP_NAME_MAX])
{
	struct oidc_error ignored = { 0 };
	int dfd;

	if (name[0] == '\0' || geteuid() != 0 || (dfd = store_dir_open_sub(cfg->state_dir, "flows", &ignored)) < 0)
		return;
	(void)unlinkat(dfd, name, 0);   /* already gone (expired and swept) is as good */
	close(dfd);
}
