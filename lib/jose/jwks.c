/* A JWK Set (RFC 7517 §5): parsing with its caps, choosing the key for a
 * token, RFC 7638 thumbprints (jwk.h). One key at a time is jwk.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jose/b64url.h"
#include "jose/digest.h"
#include "util/jsonutil.h"
#include "jose/jwk.h"
#include "util/fileio.h"

int
jwks_parse(const char *buf, size_t len, struct jwks **out, struct oidc_error *err)
{
	struct jwks *set = NULL;
	json_t *doc = NULL, *keys;
	struct oidc_error kerr;
	size_t i, nkeys;
	int r = -1;

	if (len > JWKS_MAX_BYTES)
		return oidc_error_set(err, OIDC_E_TOO_LARGE, "JWKS is %zu bytes, more than %u", len, JWKS_MAX_BYTES);
	if (json_parse_strict(buf, len, &doc, err) != 0)
		goto out;
	keys = json_object_get(doc, "keys");
	if (!json_is_object(doc) || !json_is_array(keys)) {
		oidc_error_set(err, OIDC_E_JWKS_INVALID, "JWKS has no \"keys\" array");
		goto out;
	}
	nkeys = json_array_size(keys);
	if (nkeys > JWKS_MAX_KEYS) {
		oidc_error_set(err, OIDC_E_TOO_LARGE, "JWKS has %zu keys, more than %d", nkeys, JWKS_MAX_KEYS);
		goto out;
	}
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (nkeys > 0 && (set->keys = calloc(nkeys, sizeof(*set->keys))) == NULL)) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		oidc_error_drop(&kerr);   /* the previous key's cause: it was counted as skipped */
		if (jwk_from_json(json_array_get(keys, i), &set->keys[set->n], &kerr) == 0)
			set->n++;
		else if (kerr.reason == OIDC_E_NOMEM) {
			oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
			goto out;
		} else
			set->skipped++;
	}
	if (set->n == 0) {
		oidc_error_set(err, OIDC_E_JWKS_EMPTY, "JWKS has no usable signature key (%zu skipped)", set->skipped);
		goto out;
	}
	*out = set;
	set = NULL;
	r = 0;
out:
	jwks_free(set);
	json_decref(doc);
	return r;
}

int
jwks_load_file(const char *path, struct jwks **out, struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (file_read_all(path, JWKS_MAX_BYTES, &buf, &len, err) != 0)
		return -1;
	r = jwks_parse(buf, len, out, err);
	free(buf);
	return r;
}

int
jwk_thumbprint(const json_t *jwk, char *out, size_t size, struct oidc_error *err)
{
	/* RFC 7638 §3.2 (RSA, EC) and RFC 8037 §2 (OKP): the required
	 * members, already in lexicographic order. */
	static const char *const rsa[] = { "e", "kty", "n", NULL };
	static const char *const ec[] = { "crv", "kty", "x", "y", NULL };
	static const char *const okp[] = { "crv", "kty", "x", NULL };
	const char *const *names;
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	unsigned char md[DIGEST_SHA256_LEN];
	json_t *req = NULL;
	char *s = NULL, *enc = NULL;
	int r = -1;

	if (kty == NULL)
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK has no kty");
	if (strcmp(kty, "RSA") == 0)
		names = rsa;
	else if (strcmp(kty, "EC") == 0)
		names = ec;
	else if (strcmp(kty, "OKP") == 0)
		names = okp;
	else
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "no thumbprint for kty %.16s", kty);
	if ((req = json_object()) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; names[i] != NULL; i++) {
		json_t *v = json_object_get(jwk, names[i]);

		if (!json_is_string(v)) {
			oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK member \"%s\" missing or not a string", names[i]);
			goto out;
		}
		if (json_object_set(req, names[i], v) != 0) {
			oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
			goto out;
		}
	}
	/* Compact (no whitespace), sorted, UTF-8 as is. */
	if ((s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    digest_sha256(s, strlen(s), md) != 0 ||
	    (enc = b64url_encode(md, sizeof(md))) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "cannot compute a JWK thumbprint");
		goto out;
	}
	if (strlen(enc) >= size) {
		oidc_error_set(err, OIDC_E_INTERNAL, "thumbprint buffer too small");
		goto out;
	}
	memcpy(out, enc, strlen(enc) + 1);
	r = 0;
out:
	free(enc);
	free(s);
	json_decref(req);
	return r;
}

void
jwks_free(struct jwks *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		jwk_clear(&set->keys[i]);
	free(set->keys);
	free(set);
}

const struct jwk *
jwks_select(const struct jwks *set, const char *kid, enum jws_alg alg, struct oidc_error *err)
{
	const struct jwk *found = NULL;
	size_t i, hits = 0;

	for (i = 0; i < set->n; i++) {
		const struct jwk *k = &set->keys[i];

		if (kid != NULL && (k->kid == NULL || strcmp(k->kid, kid) != 0))
			continue;
		if (!jwk_fits_alg(k, alg))
			continue;
		if (found == NULL)
			found = k;
		hits++;
	}
	if (hits == 0) {
		if (kid != NULL)
			oidc_error_set(err, OIDC_E_KEY_NOT_FOUND, "no %s key with kid \"%.64s\" in the JWKS",
			    jws_alg_name(alg), kid);
		else
			oidc_error_set(err, OIDC_E_KEY_NOT_FOUND, "no %s key in the JWKS", jws_alg_name(alg));
		return NULL;
	}
	if (hits > 1) {
		if (kid != NULL)
			oidc_error_set(err, OIDC_E_KEY_AMBIGUOUS, "%zu %s keys share kid \"%.64s\"",
			    hits, jws_alg_name(alg), kid);
		else
			oidc_error_set(err, OIDC_E_KEY_AMBIGUOUS, "token has no kid and %zu %s keys fit",
			    hits, jws_alg_name(alg));
		return NULL;
	}
	return found;
}
