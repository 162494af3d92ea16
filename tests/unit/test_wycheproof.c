/* Google Wycheproof signature vectors through jwk_from_json() and
 * jws_verify_signature(): every "valid" must verify, every "invalid" must
 * not; "acceptable" ones are counted and reported with the way we went. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "jose/jws.h"
#include "jose/internal.h"

struct vector_file {
	const char *name;
	enum jws_alg alg;     /* JWS_ALG_COUNT: from the group's "sha" */
};

static const struct vector_file files[] = {
	{ "rsa_signature_2048_sha256_test.json", JWS_RS256 },
	{ "rsa_signature_2048_sha384_test.json", JWS_RS384 },
	{ "rsa_signature_2048_sha512_test.json", JWS_RS512 },
	{ "rsa_signature_3072_sha256_test.json", JWS_RS256 },
	{ "rsa_signature_3072_sha384_test.json", JWS_RS384 },
	{ "rsa_signature_3072_sha512_test.json", JWS_RS512 },
	{ "rsa_signature_4096_sha256_test.json", JWS_RS256 },
	{ "rsa_signature_4096_sha384_test.json", JWS_RS384 },
	{ "rsa_signature_4096_sha512_test.json", JWS_RS512 },
	{ "rsa_pss_2048_sha256_mgf1_32_test.json", JWS_PS256 },
	{ "rsa_pss_3072_sha256_mgf1_32_test.json", JWS_PS256 },
	{ "rsa_pss_2048_sha384_mgf1_48_test.json", JWS_PS384 },
	{ "rsa_pss_4096_sha384_mgf1_48_test.json", JWS_PS384 },
	{ "rsa_pss_4096_sha512_mgf1_64_test.json", JWS_PS512 },
	{ "ecdsa_secp256r1_sha256_p1363_test.json", JWS_ES256 },
	{ "ecdsa_secp384r1_sha384_p1363_test.json", JWS_ES384 },
	{ "ecdsa_secp521r1_sha512_p1363_test.json", JWS_ES512 },
	{ "ed25519_test.json", JWS_EDDSA },
	{ "ed448_test.json", JWS_EDDSA },
};

static const char *vector_dir;

static unsigned char *
hex_decode(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i;
	unsigned char *out = malloc(n / 2 + 1);
	unsigned int b;

	assert_non_null(out);
	assert_int_equal(n % 2, 0);
	for (i = 0; i < n / 2; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (unsigned char)b;
	}
	*len = n / 2;
	return out;
}

/* The JWK form goes through our own importer; groups without one (a few
 * ECDSA groups) use the DER SubjectPublicKeyInfo. */
static EVP_PKEY *
group_key(const json_t *g, int *via_jwk)
{
	const json_t *jwk = json_object_get(g, "publicKeyJwk");
	struct oidc_error err = { 0 };
	struct jwk k;
	EVP_PKEY *pkey;
	unsigned char *der;
	const unsigned char *p;
	size_t len;

	if (jwk == NULL)
		jwk = json_object_get(g, "keyJwk");
	if (jwk != NULL) {
		json_t *pub = json_deep_copy(jwk);

		/* Wycheproof keys carry "kid":"none" and sometimes a private "d". */
		json_object_del(pub, "d");
		*via_jwk = 1;
		if (jwk_from_json(pub, &k, &err) != 0) {
			json_decref(pub);
			print_message("  key import refused: %s: %s\n", oidc_reason_code(err.reason), err.text);
			return NULL;
		}
		json_decref(pub);
		pkey = k.pkey;
		k.pkey = NULL;
		jwk_clear(&k);
		return pkey;
	}
	*via_jwk = 0;
	der = hex_decode(json_string_value(json_object_get(g, "publicKeyDer")), &len);
	p = der;
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	free(der);
	return pkey;
}

static void
run_file(void **state)
{
	const struct vector_file *vf = *state;
	char path[4096];
	json_t *doc, *g, *t;
	json_error_t jerr;
	size_t gi, ti, valid_ok = 0, invalid_ok = 0, acc_yes = 0, acc_no = 0, failures = 0, jwk_groups = 0;

	snprintf(path, sizeof(path), "%s/%s", vector_dir, vf->name);
	doc = json_load_file(path, 0, &jerr);
	if (doc == NULL)
		fail_msg("%s: %s", path, jerr.text);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g) {
		int via_jwk = 0;
		EVP_PKEY *pkey = group_key(g, &via_jwk);

		jwk_groups += via_jwk;
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			const char *result = json_string_value(json_object_get(t, "result"));
			size_t mlen, slen;
			unsigned char *msg = hex_decode(json_string_value(json_object_get(t, "msg")), &mlen);
			unsigned char *sig = hex_decode(json_string_value(json_object_get(t, "sig")), &slen);
			enum jws_sig v = pkey == NULL ? JWS_SIG_INVALID :
			    jws_verify_signature(vf->alg, pkey, msg, mlen, sig, slen);

			if (strcmp(result, "valid") == 0) {
				if (v == JWS_SIG_VALID)
					valid_ok++;
				else {
					failures++;
					print_message("  tcId %lld valid but rejected\n",
					    (long long)json_integer_value(json_object_get(t, "tcId")));
				}
			} else if (strcmp(result, "invalid") == 0) {
				if (v == JWS_SIG_INVALID)
					invalid_ok++;
				else {
					failures++;
					print_message("  tcId %lld invalid but accepted\n",
					    (long long)json_integer_value(json_object_get(t, "tcId")));
				}
			} else {
				if (v == JWS_SIG_VALID)
					acc_yes++;
				else
					acc_no++;
				print_message("  tcId %lld acceptable (%s): %s\n",
				    (long long)json_integer_value(json_object_get(t, "tcId")),
				    json_string_value(json_object_get(t, "comment")),
				    v == JWS_SIG_VALID ? "accepted" : "rejected");
			}
			free(msg);
			free(sig);
		}
		EVP_PKEY_free(pkey);
	}
	print_message("%s: %zu valid verified, %zu invalid rejected, acceptable: %zu accepted %zu rejected; "
	    "%zu groups via JWK\n", vf->name, valid_ok, invalid_ok, acc_yes, acc_no, jwk_groups);
	json_decref(doc);
	assert_int_equal(failures, 0);
	assert_true(valid_ok > 0 && invalid_ok > 0);
}

int
main(void)
{
	struct CMUnitTest tests[sizeof(files) / sizeof(files[0])];
	size_t i;

	vector_dir = getenv("WYCHEPROOF_DIR");
	if (vector_dir == NULL || access(vector_dir, R_OK) != 0) {
		/* The vectors are vendored (tests/vectors/wycheproof): missing
		 * only if WYCHEPROOF_DIR points elsewhere; CI sets
		 * WYCHEPROOF_REQUIRED. */
		fprintf(stderr, "Wycheproof vectors not found at %s\n", vector_dir ? vector_dir : "(unset)");
		return getenv("WYCHEPROOF_REQUIRED") != NULL ? 1 : 77;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		tests[i].name = files[i].name;
		tests[i].test_func = run_file;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)&files[i];
	}
	return _cmocka_run_group_tests("wycheproof", tests, sizeof(files) / sizeof(files[0]), NULL, NULL);
}
