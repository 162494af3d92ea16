#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "jose/b64url.h"
#include "util/jsonutil.h"
#include "jose/jws.h"
#include "jose/internal.h"

void
jws_free(struct jws *jws)
{
	if (jws == NULL)
		return;
	json_decref(jws->header);
	free(jws->payload);
	free(jws->sig);
	free(jws->token);
	free(jws);
}

static int
header_check(struct jws *jws, struct oidc_error *err)
{
	static const char *const key_refs[] = { "jku", "x5u", "jwk", "x5c" };
	const json_t *h = jws->header, *alg, *kid;
	const char *name;
	size_t i;

	if (!json_is_object(h))
		return oidc_error_set(err, OIDC_E_MALFORMED, "JWS header is not a JSON object");
	alg = json_object_get(h, "alg");
	if (!json_is_string(alg))
		return oidc_error_set(err, OIDC_E_MALFORMED, "JWS header has no \"alg\"");
	name = json_string_value(alg);
	if (jws_alg_from_name(name, &jws->alg) != 0)
		return oidc_error_set(err, OIDC_E_ALG_FORBIDDEN,
		    "algorithm \"%.32s\" is never accepted (only asymmetric signatures are)", name);
	/* RFC 7515 §4.1.11: a recipient must reject crit extensions it does
	 * not understand, and we implement none. */
	if (json_object_get(h, "crit") != NULL)
		return oidc_error_set(err, OIDC_E_CRIT, "JWS header has a \"crit\" extension this verifier does not implement");
	/* RFC 8725 §3.10: keys come from the issuer's JWKS only, never from
	 * the token itself. */
	for (i = 0; i < sizeof(key_refs) / sizeof(key_refs[0]); i++)
		if (json_object_get(h, key_refs[i]) != NULL)
			return oidc_error_set(err, OIDC_E_HEADER_KEY_REF,
			    "JWS header carries a key reference \"%s\", which is never trusted", key_refs[i]);
	kid = json_object_get(h, "kid");
	if (kid != NULL && !json_is_string(kid))
		return oidc_error_set(err, OIDC_E_MALFORMED, "JWS header \"kid\" is not a string");
	jws->kid = kid != NULL ? json_string_value(kid) : NULL;
	return 0;
}

int
jws_parse(const char *token, size_t len, size_t max_len, struct jws **out, struct oidc_error *err)
{
	struct jws *jws = NULL;
	const char *d1, *d2;
	unsigned char *hdr = NULL;
	size_t hdr_len = 0;
	int r = -1;

	if (len > max_len)
		return oidc_error_set(err, OIDC_E_TOO_LARGE, "token is %zu bytes, more than %zu", len, max_len);
	if ((d1 = memchr(token, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		return oidc_error_set(err, OIDC_E_MALFORMED, "not a compact JWS (three dot-separated parts)");
	if ((jws = calloc(1, sizeof(*jws))) == NULL || (jws->token = malloc(len + 1)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(jws->token, token, len);
	jws->token[len] = '\0';
	jws->signing_input = jws->token;
	jws->signing_input_len = (size_t)(d2 - token);
	d1 = jws->token + (d1 - token);
	d2 = jws->token + (d2 - token);
	if (b64url_decode(jws->token, (size_t)(d1 - jws->token), &hdr, &hdr_len) != 0 ||
	    b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &jws->payload, &jws->payload_len) != 0 ||
	    b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - jws->token), &jws->sig, &jws->sig_len) != 0) {
		oidc_error_set(err, OIDC_E_MALFORMED, "JWS part is not canonical base64url");
		goto out;
	}
	if (json_parse_strict((const char *)hdr, hdr_len, &jws->header, err) != 0 ||
	    header_check(jws, err) != 0)
		goto out;
	if (jws->sig_len == 0) {
		oidc_error_set(err, OIDC_E_MALFORMED, "JWS has an empty signature");
		goto out;
	}
	*out = jws;
	jws = NULL;
	r = 0;
out:
	free(hdr);
	jws_free(jws);
	return r;
}

/* JWS ECDSA signatures are r||s, each exactly the coordinate size
 * (RFC 7518 §3.4); OpenSSL wants a DER ECDSA-Sig-Value. */
static int
ec_raw_to_der(const unsigned char *sig, size_t sig_len, size_t coord,
    unsigned char **der, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *p = NULL;
	int n, r = -1;

	if (sig_len != 2 * coord)
		return -1;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (br = BN_bin2bn(sig, (int)coord, NULL)) == NULL ||
	    (bs = BN_bin2bn(sig + coord, (int)coord, NULL)) == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, br, bs) != 1)
		goto out;
	br = bs = NULL;
	if ((n = i2d_ECDSA_SIG(es, &p)) <= 0)
		goto out;
	*der = p;
	*der_len = (size_t)n;
	r = 0;
out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	return r;
}

static int
key_matches_alg(enum jws_alg alg, EVP_PKEY *pkey)
{
	/* Integer type ids: EVP_PKEY_is_a() would look the name up per call. */
	switch (jws_alg_family(alg)) {
	case JWS_FAMILY_RSA:
	case JWS_FAMILY_RSA_PSS:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(pkey) >= JWK_RSA_MIN_BITS;
	case JWS_FAMILY_EC:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
		    (size_t)(EVP_PKEY_get_bits(pkey) + 7) / 8 == jws_alg_ec_coord_len(alg);
	case JWS_FAMILY_OKP:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 ||
		    EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED448;
	}
	return 0;
}

/* The verification context for one key and algorithm, initialised once
 * (digest fetch, key binding, PSS parameters): each verification then
 * copies it instead of initialising again (make bench: a third of the
 * non-signature cost of an RS256 validation). */
static EVP_MD_CTX *
verify_ctx_new(enum jws_alg alg, EVP_PKEY *pkey)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const char *digest = jws_alg_digest(alg);

	if (md == NULL || EVP_DigestVerifyInit_ex(md, &pctx, digest, NULL, NULL, pkey, NULL) != 1)
		goto fail;
	/* RFC 7518 §3.5: MGF1 with the same hash, salt = hash length. */
	if (jws_alg_family(alg) == JWS_FAMILY_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, digest, NULL) != 1))
		goto fail;
	return md;
fail:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return NULL;
}

EVP_MD_CTX *
jws_verify_prepare(enum jws_alg alg, EVP_PKEY *pkey)
{
	if ((unsigned)alg >= JWS_ALG_COUNT || pkey == NULL || !key_matches_alg(alg, pkey))
		return NULL;
	return verify_ctx_new(alg, pkey);
}

enum jws_sig
jws_verify_signature_prepared(enum jws_alg alg, EVP_PKEY *pkey, const EVP_MD_CTX *prepared,
    const unsigned char *msg, size_t msg_len, const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	enum jws_sig r = JWS_SIG_ERROR;

	if ((unsigned)alg >= JWS_ALG_COUNT || pkey == NULL || !key_matches_alg(alg, pkey))
		return JWS_SIG_INVALID;
	switch (jws_alg_family(alg)) {
	case JWS_FAMILY_EC:
		if (ec_raw_to_der(sig, sig_len, jws_alg_ec_coord_len(alg), &der, &sig_len) != 0)
			return JWS_SIG_INVALID;
		sig = der;
		break;
	case JWS_FAMILY_RSA:
	case JWS_FAMILY_RSA_PSS:
		if (sig_len != (size_t)EVP_PKEY_get_size(pkey))
			return JWS_SIG_INVALID;
		break;
	case JWS_FAMILY_OKP:
		break;
	}
	/* A copy, never the prepared context itself: the key set may serve
	 * several threads of the caller at once. */
	if (prepared != NULL) {
		if ((md = EVP_MD_CTX_new()) == NULL || EVP_MD_CTX_copy_ex(md, prepared) != 1)
			goto out;
	} else if ((md = verify_ctx_new(alg, pkey)) == NULL) {
		goto out;
	}
	r = EVP_DigestVerify(md, sig, sig_len, msg, msg_len) == 1 ? JWS_SIG_VALID : JWS_SIG_INVALID;
out:
	/* Leave no error on the caller's (sshd's, sudo's) OpenSSL queue. */
	if (r != JWS_SIG_VALID)
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return r;
}

enum jws_sig
jws_verify_signature(enum jws_alg alg, EVP_PKEY *pkey, const unsigned char *msg,
    size_t msg_len, const unsigned char *sig, size_t sig_len)
{
	return jws_verify_signature_prepared(alg, pkey, NULL, msg, msg_len, sig, sig_len);
}

int
jws_verify(const struct jws *jws, const struct jwks *set, unsigned alg_mask, struct oidc_error *err)
{
	const struct jwk *key;
	enum jws_sig v;

	if (!(alg_mask & JWS_ALG_BIT(jws->alg)))
		return oidc_error_set(err, OIDC_E_ALG_NOT_ALLOWED, "algorithm %s is not in the allowed list",
		    jws_alg_name(jws->alg));
	if ((key = jwks_select(set, jws->kid, jws->alg, err)) == NULL)
		return -1;
	v = jws_verify_signature_prepared(jws->alg, key->pkey, key->prepared[jws->alg],
	    (const unsigned char *)jws->signing_input,
	    jws->signing_input_len, jws->sig, jws->sig_len);
	if (v == JWS_SIG_ERROR)
		return oidc_error_set(err, OIDC_E_INTERNAL, "signature check could not run");
	if (v == JWS_SIG_INVALID)
		return oidc_error_set(err, OIDC_E_BAD_SIGNATURE, "%s signature does not verify with key \"%.64s\"",
		    jws_alg_name(jws->alg), key->kid ? key->kid : "(no kid)");
	return 0;
}
