/* Every generated fixture case (tests/fixtures/gen-fixtures.mjs) through
 * idtoken_verify(): one cmocka test per case, asserting the exact reason. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "util/fileio.h"

struct fixture_case {
	char name[96];
	char expect[48];
	char token[128];
	char jwks[64];
	char issuer[128];
	char audience[64];
	char algs[64];
	long long now;
	long leeway;
};

static const char *fixtures_dir;

static char *
fixture_path(const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", fixtures_dir, name);
	return buf;
}

static void
run_case(void **state)
{
	const struct fixture_case *c = *state;
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;
	json_t *claims = NULL;
	char *tok = NULL;
	size_t len = 0;
	int r;

	idtoken_policy_init(&pol);
	pol.issuer = c->issuer;
	pol.client_id = c->audience;
	pol.now = c->now;
	pol.leeway = c->leeway;
	if (c->algs[0] != '\0')
		assert_int_equal(jws_alg_list_parse(c->algs, &pol.alg_mask, &err), 0);

	r = jwks_load_file(fixture_path(c->jwks), &set, &err);
	if (r != 0) {
		/* Only the set-level cases may fail here, with their own reason. */
		assert_string_equal(oidc_reason_code(err.reason), c->expect);
		return;
	}
	assert_int_equal(file_read_all(fixture_path(c->token), 1 << 20, &tok, &len, &err), 0);
	while (len > 0 && tok[len - 1] == '\n')
		tok[--len] = '\0';
	r = idtoken_verify(tok, len, set, &pol, &claims, &err);
	if (strcmp(c->expect, "ok") == 0) {
		if (r != 0)
			fail_msg("%s: expected ok, got %s: %s", c->name, oidc_reason_code(err.reason), err.text);
		assert_non_null(claims);
		assert_string_equal(json_string_value(json_object_get(claims, "preferred_username")), "alice");
	} else {
		if (r == 0)
			fail_msg("%s: accepted, expected %s", c->name, c->expect);
		assert_null(claims);
		if (strcmp(oidc_reason_code(err.reason), c->expect) != 0)
			fail_msg("%s: expected %s, got %s: %s", c->name, c->expect,
			    oidc_reason_code(err.reason), err.text);
		assert_true(err.text[0] != '\0');
	}
	json_decref(claims);
	jwks_free(set);
	free(tok);
}

/* Finding 3 (replay): a validly signed token issued long before this
 * attempt, with an exp far ahead, is refused once min_iat is set. */
static int
replay_case(int64_t iat, int64_t min_iat, struct oidc_error *err)
{
	struct idtoken_policy pol;
	json_t *c;
	int r;

	idtoken_policy_init(&pol);
	pol.issuer = "https://idp.example";
	pol.client_id = "pam-oidc";
	pol.now = 1800000000;
	pol.min_iat = min_iat;
	c = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", "https://idp.example", "aud", "pam-oidc", "sub", "alice",
	    "iat", (json_int_t)iat, "exp", (json_int_t)pol.now + (json_int_t)10 * 365 * 86400);
	assert_non_null(c);
	r = idtoken_check_claims(c, &pol, err);
	json_decref(c);
	return r;
}

/* The claims of a fresh token from iss, checked against issuer. */
static int
iss_case(const char *iss, size_t iss_len, const char *issuer)
{
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };
	json_t *c;
	int r;

	idtoken_policy_init(&pol);
	pol.issuer = issuer;
	pol.client_id = "pam-oidc";
	pol.now = 1800000000;
	c = json_pack("{s:s%, s:s, s:s, s:I, s:I}", "iss", iss, iss_len, "aud", "pam-oidc", "sub", "alice",
	    "iat", (json_int_t)pol.now, "exp", (json_int_t)pol.now + 600);
	assert_non_null(c);
	r = idtoken_check_claims(c, &pol, &err);
	if (r != 0)
		assert_string_equal(oidc_reason_code(err.reason), "iss_mismatch");
	json_decref(c);
	return r;
}

#define ISS(s) s, sizeof(s) - 1

/* Google's bare iss: accepted for that one configured issuer, and no other
 * issuer, spelling or trick gets an alias. */
static void
test_google_bare_iss(void **state)
{
	(void)state;
	assert_int_equal(iss_case(ISS("https://accounts.google.com"), "https://accounts.google.com"), 0);
	assert_int_equal(iss_case(ISS("accounts.google.com"), "https://accounts.google.com"), 0);
	/* Other issuers: byte for byte only. */
	assert_int_equal(iss_case(ISS("idp.example"), "https://idp.example"), -1);
	assert_int_equal(iss_case(ISS("accounts.google.com"), "https://idp.example"), -1);
	assert_int_equal(iss_case(ISS("login.microsoftonline.com/t/v2.0"), "https://login.microsoftonline.com/t/v2.0"),
	    -1);
	/* The configured issuer must be Google's exactly: no slash, case,
	 * port, path or scheme variant turns the alias on. */
	assert_int_equal(iss_case(ISS("accounts.google.com"), "https://accounts.google.com/"), -1);
	assert_int_equal(iss_case(ISS("accounts.google.com"), "https://Accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS("accounts.google.com"), "https://accounts.google.com:443"), -1);
	assert_int_equal(iss_case(ISS("accounts.google.com"), "https://accounts.google.com.evil.example"), -1);
	assert_int_equal(iss_case(ISS("accounts.google.com"), "http://accounts.google.com"), -1);
	/* The token's side: only the exact bare name. */
	assert_int_equal(iss_case(ISS("accounts.google.com.evil.example"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS("evil.example/accounts.google.com"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS("Accounts.Google.Com"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS("accounts.google.com/"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS("http://accounts.google.com"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS(" accounts.google.com"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS(""), "https://accounts.google.com"), -1);
	/* An embedded NUL never matches a prefix. */
	assert_int_equal(iss_case(ISS("accounts.google.com\0.evil"), "https://accounts.google.com"), -1);
	assert_int_equal(iss_case(ISS("https://idp.example\0evil"), "https://idp.example"), -1);
}

/* After verification the alias is the configured issuer: records, reuse
 * and rechecks compare iss with it. */
static void
test_canonical_iss(void **state)
{
	json_t *c = json_pack("{s:s}", "iss", "accounts.google.com");

	(void)state;
	assert_non_null(c);
	assert_int_equal(idtoken_canonical_iss(c, "https://accounts.google.com"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "https://accounts.google.com");
	assert_int_equal(idtoken_canonical_iss(c, "https://accounts.google.com"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "https://accounts.google.com");
	assert_int_equal(idtoken_canonical_iss(c, "https://idp.example"), -1);
	json_object_set_new(c, "iss", json_string("accounts.google.com"));
	assert_int_equal(idtoken_canonical_iss(c, "https://accounts.google.com/"), -1);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "accounts.google.com");
	json_decref(c);
}

static void
test_replay_year_old_refused(void **state)
{
	struct oidc_error err = { 0 };

	(void)state;
	assert_int_equal(replay_case(1800000000 - 365L * 86400, 1800000000 - 5, &err), -1);
	assert_string_equal(oidc_reason_code(err.reason), "token_too_old");
	assert_non_null(strstr(err.text, "before this sign-in started"));
}

static void
test_replay_leeway_bound(void **state)
{
	struct oidc_error err = { 0 };

	(void)state;
	/* The IdP's clock may run up to leeway (60 s) behind ours. */
	assert_int_equal(replay_case(1800000000 - 100 - 60, 1800000000 - 100, &err), 0);
	assert_int_equal(replay_case(1800000000 - 100 - 61, 1800000000 - 100, &err), -1);
	assert_string_equal(oidc_reason_code(err.reason), "token_too_old");
}

static void
test_replay_check_off_without_min_iat(void **state)
{
	struct oidc_error err = { 0 };

	(void)state;
	/* verify-token without --not-before: offline checks keep working. */
	assert_int_equal(replay_case(1800000000 - 365L * 86400, 0, &err), 0);
}

static void
copy_str(char *dst, size_t size, const json_t *v)
{
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int
main(void)
{
	struct CMUnitTest *tests;
	struct fixture_case *cases;
	json_t *man, *arr, *c;
	json_error_t jerr;
	size_t i, n;
	int rc;

	if ((fixtures_dir = getenv("FIXTURES_DIR")) == NULL) {
		fprintf(stderr, "FIXTURES_DIR not set\n");
		return 1;
	}
	man = json_load_file(fixture_path("manifest.json"), 0, &jerr);
	arr = json_object_get(man, "cases");
	if (!json_is_array(arr) || (n = json_array_size(arr)) == 0) {
		fprintf(stderr, "no fixture cases: %s\n", jerr.text);
		return 1;
	}
	cases = calloc(n, sizeof(*cases));
	tests = calloc(n, sizeof(*tests));
	if (cases == NULL || tests == NULL)
		return 1;
	json_array_foreach(arr, i, c) {
		struct fixture_case *fc = &cases[i];

		copy_str(fc->name, sizeof(fc->name), json_object_get(c, "name"));
		copy_str(fc->expect, sizeof(fc->expect), json_object_get(c, "expect"));
		copy_str(fc->token, sizeof(fc->token), json_object_get(c, "token"));
		copy_str(fc->jwks, sizeof(fc->jwks), json_object_get(c, "jwks"));
		copy_str(fc->issuer, sizeof(fc->issuer), json_object_get(c, "issuer"));
		copy_str(fc->audience, sizeof(fc->audience), json_object_get(c, "audience"));
		copy_str(fc->algs, sizeof(fc->algs), json_object_get(c, "algs"));
		fc->now = json_integer_value(json_object_get(c, "now"));
		fc->leeway = (long)json_integer_value(json_object_get(c, "leeway"));
		tests[i].name = fc->name;
		tests[i].test_func = run_case;
		tests[i].initial_state = fc;
	}
	rc = _cmocka_run_group_tests("idtoken_fixtures", tests, n, NULL, NULL);
	{
		const struct CMUnitTest replay[] = {
			cmocka_unit_test(test_google_bare_iss),
			cmocka_unit_test(test_canonical_iss),
			cmocka_unit_test(test_replay_year_old_refused),
			cmocka_unit_test(test_replay_leeway_bound),
			cmocka_unit_test(test_replay_check_off_without_min_iat),
		};

		rc |= cmocka_run_group_tests_name("idtoken_replay", replay, NULL, NULL);
	}
	free(tests);
	free(cases);
	json_decref(man);
	return rc;
}
