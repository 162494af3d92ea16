#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "jose/digest.h"
#include "store/store.h"
#include "util/jsonutil.h"

/* One entry per issuer AND per way of reaching its keys: a service
 * section with its own jwks_uri, CA or proxy never shares keys with
 * another (what one trusted is no proof for the other). */
static int
cache_name(const struct oidc_config *cfg, char *name, size_t size, struct oidc_error *err)
{
	const char *parts[] = { cfg->issuer, cfg->jwks_uri, cfg->ca_file, cfg->ca_path, cfg->http_proxy };
	unsigned char md[DIGEST_SHA256_LEN];

	if (digest_sha256_parts(parts, sizeof(parts) / sizeof(parts[0]), md) != 0)
		return oidc_error_set(err, OIDC_E_NOMEM, "cannot name the cache entry (SHA-256 failed)");
	digest_name("meta-", md, ".json", name, size);
	return 0;
}

static int
cache_dir_open(const struct oidc_config *cfg, struct oidc_error *err)
{
	return store_dir_open_sub(cfg->state_dir, "cache", err);
}

enum cache_load
cache_load(const struct oidc_config *cfg, json_t **meta, struct oidc_error *err)
{
	char name[64], *buf = NULL;
	size_t len = 0;
	json_t *m = NULL;
	enum store_read r;
	int dfd;

	if (cache_name(cfg, name, sizeof(name), err) != 0 || (dfd = cache_dir_open(cfg, err)) < 0)
		return CACHE_LOAD_ERROR;
	r = store_read_file(dfd, name, CACHE_MAX_BYTES, &buf, &len, err);
	close(dfd);
	if (r == STORE_READ_ABSENT)
		return CACHE_LOAD_NONE;
	if (r == STORE_READ_ERROR)
		return CACHE_LOAD_ERROR;
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
		oidc_error_drop(err);
		return CACHE_LOAD_NONE;
	}
	free(buf);
	*meta = m;
	return CACHE_LOAD_OK;
}

int
cache_store(const struct oidc_config *cfg, const json_t *meta, struct oidc_error *err)
{
	char name[64];
	int dfd, r;

	if (cache_name(cfg, name, sizeof(name), err) != 0 || (dfd = cache_dir_open(cfg, err)) < 0)
		return -1;
	r = store_write_json(dfd, name, meta, CACHE_MAX_BYTES, err);
	close(dfd);
	return r;
}
