/* Verifying an ID token against the issuer's keys (lib/core/keys.c). */
#ifndef PAM_OIDC_KEYS_H
#define PAM_OIDC_KEYS_H

#include <stdint.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"

/* Verifies an ID token with the issuer's JWKS: jwks_file if set; else
 * cached when fresh, fetched by a fresh helper otherwise (an unknown kid
 * triggers one refetch, at most once per CACHE_KID_REFETCH_INTERVAL), less
 * the keys jwks_pins does not name. What was fetched is cached only once a
 * token verified against it. min_iat: when this attempt started (a token
 * issued earlier is a replay), 0 for none. On success *claims is owned by
 * the caller. fetches (may be NULL) counts JWKS downloads. */
/* keys_verify_id_token_with: the same, with the discovery + JWKS that a
 * fetch helper of this attempt already brought (prefetched, may be NULL),
 * used instead of a second fetch when the cache has no fresh keys. */
int keys_verify_id_token_with(const struct oidc_config *cfg, int use_cache, const json_t *prefetched,
    const char *id_token, int64_t min_iat, json_t **claims, int *fetches, struct oidc_error *err);
int keys_verify_id_token(const struct oidc_config *cfg, int use_cache, const char *id_token, int64_t min_iat,
    json_t **claims, int *fetches, struct oidc_error *err);

#endif
