/* Published JWS vectors: RFC 7515 A.1-A.5 and RFC 8037 A.4, run through the
 * same jws_parse()/jws_verify() the module uses. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jose/idtoken.h"
#include "jose/jws.h"

#define JOE_PAYLOAD "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

/* RFC 7515 A.2.1 */
static const char rfc7515_a2_jwks[] =
	"{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQo"
	"Tbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b3"
	"2690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665"
	"xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk"
	"2PAcDTW9gb54h4FRWyuXpoQ\"}]}";
static const char rfc7515_a2_token[] =
	"eyJhbGciOiJSUzI1NiJ9." JOE_PAYLOAD "."
	"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
	"jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1"
	"L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYE"
	"UipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

/* RFC 7515 A.3.1 */
static const char rfc7515_a3_jwks[] =
	"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
static const char rfc7515_a3_token[] =
	"eyJhbGciOiJFUzI1NiJ9." JOE_PAYLOAD "."
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* RFC 7515 A.4.1 */
static const char rfc7515_a4_jwks[] =
	"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-521\","
	"\"x\":\"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\","
	"\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}]}";
static const char rfc7515_a4_token[] =
	"eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA."
	"AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8G"
	"aSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

/* RFC 8037 A.2 (public key) and A.4 */
static const char rfc8037_jwks[] =
	"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";
static const char rfc8037_a4_token[] =
	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
	"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

/* RFC 7515 A.1 (HS256) and A.5 (unsecured): must never verify. */
static const char rfc7515_a1_token[] =
	"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." JOE_PAYLOAD ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char rfc7515_a5_token[] = "eyJhbGciOiJub25lIn0." JOE_PAYLOAD ".";

static int
verify(const char *jwks_json, const char *token, enum oidc_reason *reason)
{
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;
	struct jws *jws = NULL;
	int r;

	assert_int_equal(jwks_parse(jwks_json, strlen(jwks_json), &set, &err), 0);
	r = jws_parse(token, strlen(token), JWS_DEFAULT_MAX_LEN, &jws, &err);
	if (r == 0)
		r = jws_verify(jws, set, JWS_ALG_ALL, &err);
	*reason = err.reason;
	jws_free(jws);
	jwks_free(set);
	return r;
}

static void
check_vector(const char *jwks_json, const char *token)
{
	enum oidc_reason reason;
	char *bad;
	size_t n = strlen(token);

	assert_int_equal(verify(jwks_json, token, &reason), 0);
	/* The same token with one signature character changed must fail. */
	bad = strdup(token);
	bad[n - 5] = bad[n - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(jwks_json, bad, &reason), -1);
	assert_int_equal(reason, OIDC_E_BAD_SIGNATURE);
	free(bad);
}

static void test_rfc7515_a2_rs256(void **s) { check_vector(rfc7515_a2_jwks, rfc7515_a2_token); }
static void test_rfc7515_a3_es256(void **s) { check_vector(rfc7515_a3_jwks, rfc7515_a3_token); }
static void test_rfc7515_a4_es512(void **s) { check_vector(rfc7515_a4_jwks, rfc7515_a4_token); }
static void test_rfc8037_a4_ed25519(void **s) { check_vector(rfc8037_jwks, rfc8037_a4_token); }

static void
test_rfc7515_a1_hs256_rejected(void **s)
{
	enum oidc_reason reason;

	assert_int_equal(verify(rfc7515_a2_jwks, rfc7515_a1_token, &reason), -1);
	assert_int_equal(reason, OIDC_E_ALG_FORBIDDEN);
}

static void
test_rfc7515_a5_none_rejected(void **s)
{
	enum oidc_reason reason;

	assert_int_equal(verify(rfc7515_a2_jwks, rfc7515_a5_token, &reason), -1);
	assert_int_equal(reason, OIDC_E_ALG_FORBIDDEN);
}

/* Why idtoken_verify refuses TOKEN, under POL, with the keys of JWKS. */
static enum oidc_reason
idtoken_refusal(const char *jwks, const char *token, const struct idtoken_policy *pol, struct oidc_error *err)
{
	struct jwks *set = NULL;
	json_t *claims = NULL;

	assert_int_equal(jwks_parse(jwks, strlen(jwks), &set, err), 0);
	assert_int_equal(idtoken_verify(token, strlen(token), set, pol, &claims, err), -1);
	assert_null(claims);
	jwks_free(set);
	return err->reason;
}

/* A verified RFC token is still not an ID token: the claim layer runs after
 * the signature and stops at the first missing claim. */
static void
test_rfc7515_a2_claims_checked_after_signature(void **s)
{
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };

	idtoken_policy_init(&pol);
	pol.issuer = "joe";
	pol.client_id = "pam-oidc";
	pol.now = 1300819380 - 100;
	assert_int_equal(idtoken_refusal(rfc7515_a2_jwks, rfc7515_a2_token, &pol, &err), OIDC_E_CLAIM_MISSING);
	assert_non_null(strstr(err.text, "aud"));
}

/* The payload of an EdDSA vector is not JSON: jws layer accepts, idtoken
 * layer refuses as malformed, never as a bad signature. */
static void
test_rfc8037_payload_not_idtoken(void **s)
{
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };

	idtoken_policy_init(&pol);
	pol.issuer = "x";
	pol.client_id = "y";
	assert_int_equal(idtoken_refusal(rfc8037_jwks, rfc8037_a4_token, &pol, &err), OIDC_E_MALFORMED);
}

static void
test_alg_list(void **s)
{
	struct oidc_error err = { 0 };
	unsigned mask = 0;
	char buf[128];

	assert_int_equal(jws_alg_list_parse("RS256, ES256", &mask, &err), 0);
	assert_int_equal(mask, JWS_ALG_BIT(JWS_RS256) | JWS_ALG_BIT(JWS_ES256));
	assert_int_equal(jws_alg_list_format(mask, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "RS256,ES256");
	assert_int_equal(jws_alg_list_format(JWS_ALG_ALL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA");
	assert_int_equal(jws_alg_list_format(JWS_ALG_ALL, buf, 10), -1);
	oidc_error_clear(&err);
	assert_int_equal(jws_alg_list_parse("RS256,none", &mask, &err), -1);
	assert_non_null(strstr(err.text, "never"));
	oidc_error_clear(&err);
	assert_int_equal(jws_alg_list_parse("HS256", &mask, &err), -1);
	assert_non_null(strstr(err.text, "never"));
	oidc_error_clear(&err);
	assert_int_equal(jws_alg_list_parse("rs256", &mask, &err), -1);
	assert_non_null(strstr(err.text, "unknown"));
	oidc_error_clear(&err);
	assert_int_equal(jws_alg_list_parse(" , ", &mask, &err), -1);
	assert_int_equal(err.reason, OIDC_E_CONFIG);
}

static void
test_error_first_wins(void **s)
{
	struct oidc_error err = { 0 };

	assert_int_equal(oidc_error_set(&err, OIDC_E_EXPIRED, "inner %d", 1), -1);
	oidc_error_set(&err, OIDC_E_INTERNAL, "outer");
	assert_int_equal(err.reason, OIDC_E_EXPIRED);
	assert_string_equal(err.text, "inner 1");
	assert_string_equal(oidc_reason_code(OIDC_E_BAD_SIGNATURE), "bad_signature");
	assert_string_equal(oidc_reason_code((enum oidc_reason)999), "unknown");
	assert_int_equal(oidc_error_set(NULL, OIDC_E_IO, "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7515_a2_rs256),
		cmocka_unit_test(test_rfc7515_a3_es256),
		cmocka_unit_test(test_rfc7515_a4_es512),
		cmocka_unit_test(test_rfc8037_a4_ed25519),
		cmocka_unit_test(test_rfc7515_a1_hs256_rejected),
		cmocka_unit_test(test_rfc7515_a5_none_rejected),
		cmocka_unit_test(test_rfc7515_a2_claims_checked_after_signature),
		cmocka_unit_test(test_rfc8037_payload_not_idtoken),
		cmocka_unit_test(test_alg_list),
		cmocka_unit_test(test_error_first_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
