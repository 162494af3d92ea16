#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "jose/b64url.h"
#include "util/jsonutil.h"
#include "jose/jwk.h"
#include "jose/internal.h"
#include "util/fileio.h"

static int
member_b64(const json_t *obj, const char *name, unsigned char **out, size_t *len,
    struct oidc_error *err)
{
	const json_t *v = json_object_get(obj, name);

	if (!json_is_string(v))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "member \"%s\" missing or not a string", name);
	if (b64url_decode(json_string_value(v), json_string_length(v), out, len) != 0)
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "member \"%s\" is not valid base64url", name);
	if (*len == 0) {
		free(*out);
		*out = NULL;
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "member \"%s\" is empty", name);
	}
	return 0;
}

static EVP_PKEY *
pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pkey = NULL, *ret = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	/* Import alone does not prove an EC point lies in the prime-order
	 * subgroup; the public key check does. */
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1)
		goto out;
	ret = pkey;
	pkey = NULL;
out:
	if (ret == NULL)
		ERR_clear_error();
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	return ret;
}

static int
rsa_from_json(const json_t *obj, struct jwk *k, struct oidc_error *err)
{
	unsigned char *n = NULL, *e = NULL;
	size_t nlen = 0, elen = 0;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r = -1;

	if (member_b64(obj, "n", &n, &nlen, err) != 0 || member_b64(obj, "e", &e, &elen, err) != 0)
		goto out;
	if (nlen > JWK_RSA_MAX_BITS / 8 + 1 || elen > 8) {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "RSA modulus or exponent too large");
		goto out;
	}
	if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	k->bits = BN_num_bits(bn_n);
	if (k->bits < JWK_RSA_MIN_BITS) {
		oidc_error_set(err, OIDC_E_KEY_WEAK, "RSA key has %d bits, fewer than %d",
		    k->bits, JWK_RSA_MIN_BITS);
		goto out;
	}
	if (k->bits > JWK_RSA_MAX_BITS || !BN_is_odd(bn_e) || BN_num_bits(bn_e) < 2 ||
	    !BN_is_odd(bn_n)) {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "RSA key parameters out of range");
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	if ((k->pkey = pkey_from_params("RSA", bld)) == NULL) {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "OpenSSL refused the RSA key");
		goto out;
	}
	r = 0;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	free(n);
	free(e);
	return r;
}

static const struct {
	const char *crv;
	const char *group;
	enum jws_alg alg;
	int bits;
} ec_curves[] = {
	{ "P-256", "P-256", JWS_ES256, 256 },
	{ "P-384", "P-384", JWS_ES384, 384 },
	{ "P-521", "P-521", JWS_ES512, 521 },
};

static int
ec_from_json(const json_t *obj, const char *crv, struct jwk *k, struct oidc_error *err)
{
	unsigned char *x = NULL, *y = NULL, *pt = NULL;
	size_t xlen = 0, ylen = 0, clen, i;
	OSSL_PARAM_BLD *bld = NULL;
	int r = -1;

	for (i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
		if (strcmp(crv, ec_curves[i].crv) == 0)
			break;
	if (i == sizeof(ec_curves) / sizeof(ec_curves[0]))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "unsupported EC curve \"%s\"", crv);
	k->ec_alg = ec_curves[i].alg;
	k->bits = ec_curves[i].bits;
	clen = jws_alg_ec_coord_len(k->ec_alg);
	if (member_b64(obj, "x", &x, &xlen, err) != 0 || member_b64(obj, "y", &y, &ylen, err) != 0)
		goto out;
	/* RFC 7518 §6.2.1.2: coordinates are the full field size, never shortened. */
	if (xlen != clen || ylen != clen) {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "EC coordinate length is not %zu bytes", clen);
		goto out;
	}
	if ((pt = malloc(1 + 2 * clen)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	pt[0] = 0x04;
	memcpy(pt + 1, x, clen);
	memcpy(pt + 1 + clen, y, clen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ec_curves[i].group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * clen)) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	if ((k->pkey = pkey_from_params("EC", bld)) == NULL) {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "EC point is not on curve %s", crv);
		goto out;
	}
	r = 0;
out:
	OSSL_PARAM_BLD_free(bld);
	free(pt);
	free(x);
	free(y);
	return r;
}

static int
okp_from_json(const json_t *obj, const char *crv, struct jwk *k, struct oidc_error *err)
{
	unsigned char *x = NULL;
	size_t xlen = 0, want;
	const char *type;
	int r = -1;

	if (strcmp(crv, "Ed25519") == 0) {
		type = "ED25519";
		want = 32;
		k->bits = 256;
	} else if (strcmp(crv, "Ed448") == 0) {
		type = "ED448";
		want = 57;
		k->okp_ed448 = 1;
		k->bits = 456;
	} else {
		/* X25519/X448 are key-agreement curves: never a signature key. */
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "OKP curve \"%s\" is not a signature curve", crv);
	}
	if (member_b64(obj, "x", &x, &xlen, err) != 0)
		goto out;
	if (xlen != want) {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "%s public key is not %zu bytes", crv, want);
		goto out;
	}
	if ((k->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, type, NULL, x, xlen)) == NULL) {
		ERR_clear_error();
		oidc_error_set(err, OIDC_E_KEY_INVALID, "OpenSSL refused the %s key", crv);
		goto out;
	}
	r = 0;
out:
	free(x);
	return r;
}

int
jwk_fits_alg(const struct jwk *k, enum jws_alg alg)
{
	if (k->has_alg && k->alg != alg)
		return 0;
	switch (k->kty) {
	case JWK_KTY_RSA:
		return jws_alg_family(alg) == JWS_FAMILY_RSA || jws_alg_family(alg) == JWS_FAMILY_RSA_PSS;
	case JWK_KTY_EC:
		return alg == k->ec_alg;
	case JWK_KTY_OKP:
		return alg == JWS_EDDSA;
	}
	return 0;
}

static int
key_ops_allow_verify(const json_t *ops)
{
	size_t i;
	const json_t *v;

	json_array_foreach(ops, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), "verify") == 0)
			return 1;
	}
	return 0;
}

int
jwk_from_json(const json_t *obj, struct jwk *out, struct oidc_error *err)
{
	struct jwk k;
	const json_t *kty, *crv, *use, *ops, *alg, *kid;
	const char *kty_s;
	int r = -1;

	memset(&k, 0, sizeof(k));
	if (!json_is_object(obj))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK is not a JSON object");
	kty = json_object_get(obj, "kty");
	crv = json_object_get(obj, "crv");
	use = json_object_get(obj, "use");
	ops = json_object_get(obj, "key_ops");
	alg = json_object_get(obj, "alg");
	kid = json_object_get(obj, "kid");
	if (!json_is_string(kty))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK has no \"kty\"");
	kty_s = json_string_value(kty);
	if (kid != NULL && !json_is_string(kid))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK \"kid\" is not a string");
	if (use != NULL && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK is not a signature key (use)");
	if (ops != NULL && (!json_is_array(ops) || !key_ops_allow_verify(ops)))
		return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK key_ops do not include verify");
	if (alg != NULL) {
		if (!json_is_string(alg) || jws_alg_from_name(json_string_value(alg), &k.alg) != 0)
			return oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK alg is not a supported signature algorithm");
		k.has_alg = 1;
	}
	if (strcmp(kty_s, "RSA") == 0) {
		k.kty = JWK_KTY_RSA;
		if (rsa_from_json(obj, &k, err) != 0)
			goto out;
	} else if (strcmp(kty_s, "EC") == 0 || strcmp(kty_s, "OKP") == 0) {
		if (!json_is_string(crv)) {
			oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK has no \"crv\"");
			goto out;
		}
		k.kty = kty_s[0] == 'E' ? JWK_KTY_EC : JWK_KTY_OKP;
		if ((k.kty == JWK_KTY_EC ? ec_from_json(obj, json_string_value(crv), &k, err)
		    : okp_from_json(obj, json_string_value(crv), &k, err)) != 0)
			goto out;
	} else {
		oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK kty \"%.16s\" is not usable for signatures", kty_s);
		goto out;
	}
	/* A pinned alg must agree with the key type (RFC 8725 §3.1). */
	if (k.has_alg) {
		k.has_alg = 0;
		if (!jwk_fits_alg(&k, k.alg)) {
			oidc_error_set(err, OIDC_E_KEY_INVALID, "JWK alg %s does not match its key type", jws_alg_name(k.alg));
			goto out;
		}
		k.has_alg = 1;
	}
	if (kid != NULL && (k.kid = strdup(json_string_value(kid))) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	/* EdDSA contexts cannot be copied in OpenSSL 3.0: prepared per signature. */
	if (k.kty != JWK_KTY_OKP)
		for (unsigned a = 0; a < JWS_ALG_COUNT; a++)
			if (jwk_fits_alg(&k, (enum jws_alg)a))
				k.prepared[a] = jws_verify_prepare((enum jws_alg)a, k.pkey);
	*out = k;
	memset(&k, 0, sizeof(k));
	r = 0;
out:
	jwk_clear(&k);
	return r;
}

void
jwk_clear(struct jwk *k)
{
	if (k == NULL)
		return;
	free(k->kid);
	for (size_t a = 0; a < JWS_ALG_COUNT; a++)
		EVP_MD_CTX_free(k->prepared[a]);
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}
