/* JWK import and JWKS parsing: each kind of unusable key, and each way a
 * JWKS file can be wrong (unreadable, malformed, empty, oversized). */
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

#include "jose/jwk.h"

static json_t *fixture_jwks;
static char path_buf[4096];

static const char *
fixture(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", getenv("FIXTURES_DIR"), name);
	return path_buf;
}

static json_t *
key_by_kid(const char *kid)
{
	size_t i;
	json_t *k;

	json_array_foreach(json_object_get(fixture_jwks, "keys"), i, k)
		if (strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0)
			return json_deep_copy(k);
	fail_msg("no fixture key %s", kid);
	return NULL;
}

static enum oidc_reason
import(json_t *k)
{
	struct oidc_error err = { 0 };
	struct jwk out;
	int r = jwk_from_json(k, &out, &err);

	json_decref(k);
	if (r == 0) {
		jwk_clear(&out);
		return OIDC_OK;
	}
	assert_true(err.text[0] != '\0');
	return err.reason;
}

/* import() of fixture key KID with its member NAME set to VALUE. */
static enum oidc_reason
import_with(const char *kid, const char *name, json_t *value)
{
	json_t *k = key_by_kid(kid);

	json_object_set_new(k, name, value);
	return import(k);
}

static void
test_usable_kinds(void **s)
{
	static const char *const kids[] = { "rsa1", "rsa2", "rsa-rs256", "ec1", "ec2", "ec3", "ed1", "ed2" };
	size_t i;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		assert_int_equal(import(key_by_kid(kids[i])), OIDC_OK);
}

static void
test_unusable_kinds(void **s)
{
	json_t *k;

	assert_int_equal(import(key_by_kid("weak")), OIDC_E_KEY_WEAK);
	assert_int_equal(import(key_by_kid("enc1")), OIDC_E_KEY_INVALID);
	assert_int_equal(import(key_by_kid("x1")), OIDC_E_KEY_INVALID);
	assert_int_equal(import(key_by_kid("hmac")), OIDC_E_KEY_INVALID);

	assert_int_equal(import_with("rsa1", "key_ops", json_pack("[s]", "encrypt")), OIDC_E_KEY_INVALID);
	assert_int_equal(import_with("rsa1", "key_ops", json_pack("[s]", "verify")), OIDC_OK);
	assert_int_equal(import_with("rsa1", "alg", json_string("ES256")), OIDC_E_KEY_INVALID);
	assert_int_equal(import_with("rsa1", "alg", json_string("RSA-OAEP")), OIDC_E_KEY_INVALID);
	assert_int_equal(import_with("rsa1", "e", json_string("AAE")), OIDC_E_KEY_INVALID);  /* e = 1 */
	assert_int_equal(import_with("rsa1", "n", json_string("AQAB==")), OIDC_E_KEY_INVALID);
	k = key_by_kid("rsa1");
	json_object_del(k, "n");
	assert_int_equal(import(k), OIDC_E_KEY_INVALID);
	assert_int_equal(import_with("rsa1", "kid", json_integer(1)), OIDC_E_KEY_INVALID);
	assert_int_equal(import(json_string("not an object")), OIDC_E_KEY_INVALID);
}

static void
test_ec_point_checks(void **s)
{
	json_t *k;
	char *y;

	/* Flip one bit of y: the point leaves the curve. */
	k = key_by_kid("ec1");
	y = strdup(json_string_value(json_object_get(k, "y")));
	y[5] = y[5] == 'A' ? 'B' : 'A';
	json_object_set_new(k, "y", json_string(y));
	free(y);
	assert_int_equal(import(k), OIDC_E_KEY_INVALID);
	/* A shortened coordinate (RFC 7518 §6.2.1.2 forbids it). */
	assert_int_equal(import_with("ec1", "x", json_string("AAAA")), OIDC_E_KEY_INVALID);
	/* An unsupported curve. */
	assert_int_equal(import_with("ec1", "crv", json_string("secp256k1")), OIDC_E_KEY_INVALID);
	/* The P-256 key claimed as P-384. */
	assert_int_equal(import_with("ec1", "crv", json_string("P-384")), OIDC_E_KEY_INVALID);
	/* Ed25519 key of the wrong length. */
	assert_int_equal(import_with("ed1", "x", json_string("AAAA")), OIDC_E_KEY_INVALID);
}

static void
test_fixture_set_counts(void **s)
{
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;

	assert_int_equal(jwks_load_file(fixture("jwks.json"), &set, &err), 0);
	assert_int_equal(set->n, 8);
	assert_int_equal(set->skipped, 4);
	jwks_free(set);
}

static enum oidc_reason
load_reason(const char *path)
{
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;

	assert_int_equal(jwks_load_file(path, &set, &err), -1);
	assert_null(set);
	assert_true(err.text[0] != '\0');
	return err.reason;
}

static enum oidc_reason
parse_reason(const char *doc, size_t len)
{
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;

	assert_int_equal(jwks_parse(doc, len, &set, &err), -1);
	assert_null(set);
	return err.reason;
}

static void
test_set_errors(void **s)
{
	char *big;
	size_t i, used;
	json_t *many, *keys;

	assert_int_equal(load_reason("/nonexistent/jwks.json"), OIDC_E_IO);
	assert_int_equal(load_reason("/"), OIDC_E_IO);
	assert_int_equal(load_reason(fixture("jwks-empty.json")), OIDC_E_JWKS_EMPTY);
	assert_int_equal(load_reason(fixture("jwks-unusable.json")), OIDC_E_JWKS_EMPTY);
	assert_int_equal(load_reason(fixture("jwks-malformed.json")), OIDC_E_MALFORMED);
	assert_int_equal(load_reason(fixture("jwks-dup.json")), OIDC_E_DUPLICATE_MEMBER);
	assert_int_equal(parse_reason("", 0), OIDC_E_MALFORMED);
	assert_int_equal(parse_reason("[]", 2), OIDC_E_JWKS_INVALID);
	assert_int_equal(parse_reason("{\"keys\":{}}", 11), OIDC_E_JWKS_INVALID);
	assert_int_equal(parse_reason("{\"keys\":[]} trailing", 20), OIDC_E_MALFORMED);

	/* More than JWKS_MAX_KEYS members. */
	many = json_object();
	keys = json_array();
	for (i = 0; i < JWKS_MAX_KEYS + 1; i++)
		json_array_append_new(keys, key_by_kid("ed1"));
	json_object_set_new(many, "keys", keys);
	big = json_dumps(many, JSON_COMPACT);
	assert_int_equal(parse_reason(big, strlen(big)), OIDC_E_TOO_LARGE);
	free(big);
	json_decref(many);

	/* Over the byte cap, even if it were valid. */
	big = malloc(JWKS_MAX_BYTES + 64);
	used = (size_t)snprintf(big, 32, "{\"keys\":[],\"x\":\"");
	memset(big + used, 'a', JWKS_MAX_BYTES);
	memcpy(big + used + JWKS_MAX_BYTES, "\"}", 3);
	assert_int_equal(parse_reason(big, strlen(big)), OIDC_E_TOO_LARGE);
	free(big);
}

/* RFC 7638 §3.1 and RFC 8037 Appendix A.3: the published thumbprints;
 * optional members (alg, kid, use) do not change them. */
static void
test_thumbprint_rfc(void **state)
{
	static const char rsa[] = "{\"kty\":\"RSA\",\"kid\":\"2011-04-29\",\"alg\":\"RS256\",\"e\":\"AQAB\","
	    "\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWK"
	    "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8"
	    "KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBn"
	    "iIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}";
	static const char okp[] = "{\"use\":\"sig\",\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
	struct oidc_error err = { 0 };
	char tp[JWK_THUMBPRINT_LEN + 1];
	json_t *k;

	(void)state;
	k = json_loads(rsa, 0, NULL);
	assert_int_equal(jwk_thumbprint(k, tp, sizeof(tp), &err), 0);
	assert_string_equal(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	json_decref(k);
	k = json_loads(okp, 0, NULL);
	assert_int_equal(jwk_thumbprint(k, tp, sizeof(tp), &err), 0);
	assert_string_equal(tp, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
	json_decref(k);
	/* A required member missing: no thumbprint, so never pinned. */
	k = json_loads("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\"}", 0, NULL);
	assert_int_equal(jwk_thumbprint(k, tp, sizeof(tp), &err), -1);
	assert_int_equal(err.reason, OIDC_E_KEY_INVALID);
	json_decref(k);
}

int
main(void)
{
	json_error_t jerr;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usable_kinds),
		cmocka_unit_test(test_unusable_kinds),
		cmocka_unit_test(test_ec_point_checks),
		cmocka_unit_test(test_fixture_set_counts),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_thumbprint_rfc),
	};
	int rc;

	if (getenv("FIXTURES_DIR") == NULL ||
	    (fixture_jwks = json_load_file(fixture("jwks.json"), 0, &jerr)) == NULL) {
		fprintf(stderr, "cannot load fixtures: set FIXTURES_DIR\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	json_decref(fixture_jwks);
	return rc;
}
