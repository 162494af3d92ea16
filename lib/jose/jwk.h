/* JWK / JWKS (RFC 7517, RFC 7518 §6, RFC 8037 §2) to OpenSSL keys. */
#ifndef PAM_OIDC_JWK_H
#define PAM_OIDC_JWK_H

#include <stddef.h>

#include <jansson.h>

/* The key itself stays behind this opaque type: no crypto header leaks
 * to the layers above (lib/jose/internal.h has the rest). */
struct evp_pkey_st;
struct evp_md_ctx_st;

#include "jose/alg.h"
#include "util/error.h"

#define JWKS_MAX_BYTES (256u * 1024u)
#define JWKS_MAX_KEYS 64
#define JWK_RSA_MIN_BITS 2048
#define JWK_RSA_MAX_BITS 16384

enum jwk_kty { JWK_KTY_RSA, JWK_KTY_EC, JWK_KTY_OKP };

struct jwk {
	char *kid;              /* NULL when the JWK has none */
	enum jwk_kty kty;
	enum jws_alg ec_alg;    /* EC: the one alg its curve allows */
	int okp_ed448;          /* OKP: 0 Ed25519, 1 Ed448 */
	int has_alg;            /* the JWK pins an alg */
	enum jws_alg alg;
	int bits;
	struct evp_pkey_st *pkey;
	/* Per alg the key fits: a verification context prepared once
	 * (NULL: prepared per signature). Never used directly, only copied. */
	struct evp_md_ctx_st *prepared[JWS_ALG_COUNT];
};

struct jwks {
	struct jwk *keys;
	size_t n;
	size_t skipped;         /* members not usable for signature checks */
};

/* One JWK object. Returns 0 and fills *out; on failure -1 with the reason
 * (a key that is well-formed but not for us, e.g. "use":"enc", fails with
 * OIDC_E_KEY_INVALID and a sentence saying why it was skipped). */
int jwk_from_json(const json_t *obj, struct jwk *out, struct oidc_error *err);
void jwk_clear(struct jwk *k);

/* Parses a JWKS document. Keys this validator cannot use are skipped and
 * counted; a set with no usable key is OIDC_E_JWKS_EMPTY. */
int jwks_parse(const char *buf, size_t len, struct jwks **out, struct oidc_error *err);
int jwks_load_file(const char *path, struct jwks **out, struct oidc_error *err);
/* RFC 7638 JWK thumbprint (SHA-256, base64url, 43 characters) of a JWK
 * object: its required members only, sorted, no whitespace. out must hold
 * JWK_THUMBPRINT_LEN + 1 bytes. */
#define JWK_THUMBPRINT_LEN 43
int jwk_thumbprint(const json_t *jwk, char *out, size_t size, struct oidc_error *err);
void jwks_free(struct jwks *set);

/* 1 if alg may be verified with k (kty, crv and the JWK's own alg agree). */
int jwk_fits_alg(const struct jwk *k, enum jws_alg alg);

/* The key for a token's kid (may be NULL) and alg. Without a kid, exactly
 * one usable key must fit the alg. */
const struct jwk *jwks_select(const struct jwks *set, const char *kid,
    enum jws_alg alg, struct oidc_error *err);

#endif
