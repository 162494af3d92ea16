/* The keys a token is verified with (keys.h): jwks_file, or the cached or
 * freshly fetched JWKS less what jwks_pins does not name; what was fetched
 * reaches the cache only once a token verified against it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cache.h"
#include "core/flow.h"
#include "core/keys.h"
#include "jose/idtoken.h"
#include "jose/jwk.h"
#include "store/trustfile.h"
#include "util/buf.h"
#include "util/jsonutil.h"

/* jwks_pins: only the keys whose RFC 7638 thumbprint is listed survive
 * into *out; keys without a thumbprint of ours are dropped too. */
static int
pin_filter(const char *raw, const char *pins, char **out, struct oidc_error *err)
{
	char tp[JWK_THUMBPRINT_LEN + 1];
	json_t *doc = NULL, *keys, *kept = NULL, *k;
	size_t i;
	int r = -1;

	if (json_parse_strict(raw, strlen(raw), &doc, err) != 0)
		goto out;
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys) || json_array_size(keys) > JWKS_MAX_KEYS) {
		oidc_error_set(err, OIDC_E_JWKS_INVALID, "JWKS has no usable \"keys\" array");
		goto out;
	}
	if ((kept = json_array()) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(keys, i, k) {
		struct oidc_error kerr = { 0 };

		if (jwk_thumbprint(k, tp, sizeof(tp), &kerr) == 0 && config_list_contains(pins, tp))
			json_array_append(kept, k);
	}
	if (json_array_size(kept) == 0) {
		oidc_error_set(err, OIDC_E_KEY_NOT_FOUND, "no key of the JWKS matches jwks_pins");
		goto out;
	}
	json_object_set(doc, "keys", kept);
	if ((*out = json_dumps(doc, JSON_COMPACT)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	json_decref(kept);
	json_decref(doc);
	return r;
}

/* The key set to verify with: jwks_file as is, else the cached or fetched
 * JWKS less any key jwks_pins does not name. */
static int
jwks_for(const struct oidc_config *cfg, const char *raw, struct jwks **set, struct oidc_error *err)
{
	char *pinned = NULL;
	int r;

	*set = NULL;
	if (raw == NULL)
		return oidc_error_set(err, OIDC_E_JWKS_INVALID, "no JWKS for %s", cfg->issuer);
	if (cfg->jwks_pins != NULL && pin_filter(raw, cfg->jwks_pins, &pinned, err) != 0)
		return -1;
	if (pinned != NULL)
		raw = pinned;
	r = jwks_parse(raw, strlen(raw), set, err);
	free(pinned);
	return r;
}

/* Nothing reaches the cache before a token verified against it; a failed
 * kid refetch only stamps the rate limit on the entry we already trusted. */
static void
cache_after_verify(const struct oidc_config *cfg, json_t *meta, int verified, int64_t stamp)
{
	struct oidc_error ignored = { 0 };
	json_t *old = NULL;

	if (verified) {
		(void)cache_store(cfg, meta, &ignored);
		return;
	}
	if (stamp == 0 || cache_load(cfg, &old, &ignored) != CACHE_LOAD_OK)
		return;
	json_object_set_new(old, "kid_refetch", json_integer((json_int_t)stamp));
	(void)cache_store(cfg, old, &ignored);
	json_decref(old);
}

int
keys_verify_id_token(const struct oidc_config *cfg, int use_cache, const char *id_token, int64_t min_iat,
    json_t **claims, int *fetches, struct oidc_error *err)
{
	return keys_verify_id_token_with(cfg, use_cache, NULL, id_token, min_iat, claims, fetches, err);
}

int
keys_verify_id_token_with(const struct oidc_config *cfg, int use_cache, const json_t *prefetched,
    const char *id_token, int64_t min_iat, json_t **claims, int *fetches, struct oidc_error *err)
{
	struct idtoken_policy pol;
	struct jwks *set = NULL;
	json_t *meta = NULL;
	char *file = NULL;
	const char *raw;
	size_t flen = 0;
	char *before = NULL;   /* the cached JWKS, when a refetch replaced it */
	int dirty = 0, fetched = 0, refetched = 0, rc = -1;
	long long now = (long long)time(NULL);
	json_int_t t;

	if (fetches)
		*fetches = 0;
	if (id_token == NULL)
		return oidc_error_set(err, OIDC_E_CLAIM_MISSING, "no ID token to verify");
	idtoken_policy_init(&pol);
	pol.issuer = cfg->issuer;
	pol.client_id = cfg->client_id;
	pol.alg_mask = cfg->algorithms;
	pol.leeway = cfg->leeway;
	pol.min_iat = min_iat;
	if (cfg->jwks_file != NULL) {
		/* Pinned keys: nothing fetched, nothing cached. */
		if (trusted_read(cfg->jwks_file, "jwks_file", TRUST_FILE, JWKS_MAX_BYTES, &file, &flen, err) == 0 &&
		    jwks_for(cfg, file, &set, err) == 0 &&
		    idtoken_verify(id_token, strlen(id_token), set, &pol, claims, err) == 0)
			rc = 0;
		goto out;
	}
	if (flow_load_meta(cfg, use_cache, &meta, err) != 0)
		return -1;
	if (!flow_meta_keys_fresh(cfg, meta)) {
		if (prefetched != NULL && flow_meta_keys_fresh(cfg, prefetched)) {
			/* This attempt's own fetch (flow_login_start). */
			json_decref(meta);
			if ((meta = json_deep_copy(prefetched)) == NULL) {
				oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
				goto out;
			}
			dirty = 1;
		} else if (flow_fetch(cfg, &meta, &dirty, err) != 0) {
			goto out;
		}
		fetched = 1;
	}
	for (;;) {
		raw = json_string_value(json_object_get(meta, "jwks"));
		jwks_free(set);
		if (jwks_for(cfg, raw, &set, err) != 0 && err->reason != OIDC_E_KEY_NOT_FOUND)
			goto out;
		if (set != NULL && idtoken_verify(id_token, strlen(id_token), set, &pol, claims, err) == 0) {
			rc = 0;
			break;
		}
		/* Key rotation: a kid we have not seen, or a known kid whose
		 * key no longer verifies (an IdP that reuses kids), may be newer
		 * than our copy of the JWKS. Refetch once, and not more often
		 * than CACHE_KID_REFETCH_INTERVAL, so junk tokens cannot make us
		 * hammer the IdP. The retry verifies with the new set or fails. */
		if ((err->reason != OIDC_E_KEY_NOT_FOUND && err->reason != OIDC_E_BAD_SIGNATURE) || fetched)
			goto out;
		t = json_integer_value(json_object_get(meta, "kid_refetch"));
		if (t != 0 && now - t < CACHE_KID_REFETCH_INTERVAL && now >= t)
			goto out;
		/* The retry below decides: its error, if any, is the one to report. */
		oidc_error_drop(err);
		if ((before = strdup(raw != NULL ? raw : "")) == NULL) {
			oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
			goto out;
		}
		if (flow_fetch(cfg, &meta, &dirty, err) != 0)
			goto out;
		fetched = 1;
		refetched = 1;
	}
out:
	if (fetches)
		*fetches = fetched;
	/* Only a refetch that brought nothing new counts against the rate
	 * limit: junk costs at most one fetch per interval, and a junk token
	 * that happens to arrive during a real rotation (the IdP's set did
	 * change) cannot lock the new keys out until the interval ends. */
	if (use_cache && meta != NULL && (dirty || refetched)) {
		const char *after = json_string_value(json_object_get(meta, "jwks"));
		int stale = refetched && rc != 0 && before != NULL && after != NULL && strcmp(before, after) == 0;

		cache_after_verify(cfg, meta, rc == 0 && dirty, stale ? (int64_t)now : 0);
	}
	jwks_free(set);
	json_decref(meta);
	free(before);
	free(file);
	return rc;
}
