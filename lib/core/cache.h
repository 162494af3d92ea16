/* The discovery + JWKS cache under state_dir/cache: root-owned, because
 * whoever can write it can forge logins. Only a root caller uses it. */
#ifndef PAM_OIDC_CACHE_H
#define PAM_OIDC_CACHE_H

#include <stdint.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"

#define CACHE_MAX_BYTES (2u * 1024u * 1024u)
/* Unknown kid: refetch the JWKS at most this often (seconds). */
#define CACHE_KID_REFETCH_INTERVAL 300

/* CACHE_LOAD_OK and *meta = {"issuer","fetched","kid_refetch","discovery",
 * "jwks"} if a cache entry exists for cfg->issuer ("discovery" is absent
 * when the endpoints are configured); CACHE_LOAD_NONE if none (or damaged);
 * CACHE_LOAD_ERROR on an unsafe store. Only a JWKS that verified a token
 * was ever stored. */
enum cache_load { CACHE_LOAD_ERROR = -1, CACHE_LOAD_NONE = 0, CACHE_LOAD_OK = 1 };
enum cache_load cache_load(const struct oidc_config *cfg, json_t **meta, struct oidc_error *err);
/* Atomically replaces the entry (temp file + fsync + rename). */
int cache_store(const struct oidc_config *cfg, const json_t *meta, struct oidc_error *err);

#endif
