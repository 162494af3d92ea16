/* The discovery + JWKS cache under state_dir/cache: root-owned, because
 * whoever can write it can forge logins. Only a root caller uses it. */
#ifndef PAM_OIDC_CACHE_H
#define PAM_OIDC_CACHE_H

#include <stdint.h>

#include <jansson.h>

#include "pam_oidc/config.h"
#include "pam_oidc/error.h"

#define CACHE_MAX_BYTES (2u * 1024u * 1024u)
/* Unknown kid: refetch the JWKS at most this often (seconds). */
#define CACHE_KID_REFETCH_INTERVAL 300

/* Opens (creating if missing) state_dir, refusing one not owned by us or
 * writable by group/others. Returns an O_DIRECTORY fd or -1. */
int state_dir_open(const char *path, struct oidc_error *err);
/* Opens (creating) a subdirectory of dirfd with the same checks. */
int state_subdir_open(int dirfd, const char *name, struct oidc_error *err);

/* 1 and *meta = {"issuer","fetched","kid_refetch","discovery","jwks"} if a
 * cache entry exists for cfg->issuer ("discovery" is absent when the
 * endpoints are configured); 0 if none; -1 on an unsafe store. Only a
 * JWKS that verified a token was ever stored. */
int cache_load(const struct oidc_config *cfg, json_t **meta, struct oidc_error *err);
/* Atomically replaces the entry (temp file + fsync + rename). */
int cache_store(const struct oidc_config *cfg, const json_t *meta, struct oidc_error *err);

/* Whole-file helpers used by the cache and the session store: */
int store_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len, struct oidc_error *err);
int store_write_file(int dirfd, const char *name, const char *data, size_t len, struct oidc_error *err);

#endif
