/* The helper's wire codes (lib/ipc/wire.c), linked with lib/ipc and
 * lib/util only, and the error wrap both ends use (lib/util/error.c). The
 * mapping is a trust decision: only reachability may become
 * idp_unavailable, the password fallback of the documented stack. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/wire.h"
#include "util/error.h"

static void
test_names_distinct_and_round_trip(void **s)
{
	(void)s;
	for (int a = WIRE_NONE + 1; a < WIRE_CODE_MAX; a++) {
		const char *name = wire_code_name((enum wire_code)a);

		assert_string_not_equal(name, "unknown");
		assert_true(name[0] != '\0');
		assert_int_equal(wire_code_from_name(name), a);
		for (int b = a + 1; b < WIRE_CODE_MAX; b++)
			assert_string_not_equal(name, wire_code_name((enum wire_code)b));
	}
}

static void
test_unknown(void **s)
{
	(void)s;
	assert_string_equal(wire_code_name(WIRE_NONE), "unknown");
	assert_string_equal(wire_code_name(WIRE_CODE_MAX), "unknown");
	assert_string_equal(wire_code_name((enum wire_code)-1), "unknown");
	assert_int_equal(wire_code_from_name(NULL), WIRE_NONE);
	assert_int_equal(wire_code_from_name(""), WIRE_NONE);
	assert_int_equal(wire_code_from_name("something_new"), WIRE_NONE);
	assert_int_equal(wire_code_from_name("unknown"), WIRE_NONE);
	assert_int_equal(wire_code_from_name("TIMEOUT"), WIRE_NONE);
	assert_int_equal(wire_code_from_name("timeout "), WIRE_NONE);
	/* A code we do not know is not proof that the IdP is down. */
	assert_int_equal(wire_code_reason(WIRE_NONE), OIDC_E_INTERNAL);
	assert_int_equal(wire_code_reason(WIRE_CODE_MAX), OIDC_E_INTERNAL);
}

/* The documented table (doc/helper-protocol.md), name by name. */
static void
test_table(void **s)
{
	static const struct {
		enum wire_code code;
		const char *name;
		enum oidc_reason reason;
	} want[] = {
		{ WIRE_UNREACHABLE, "idp_unreachable", OIDC_E_IDP_UNAVAILABLE },
		{ WIRE_TIMEOUT, "timeout", OIDC_E_IDP_UNAVAILABLE },
		{ WIRE_HTTP_STATUS, "http_status", OIDC_E_IDP_UNAVAILABLE },
		{ WIRE_BAD_RESPONSE, "bad_response", OIDC_E_IDP_UNAVAILABLE },
		{ WIRE_HELPER_FAILED, "helper_failed", OIDC_E_INTERNAL },
		{ WIRE_TLS, "tls_error", OIDC_E_CONFIG },
		{ WIRE_ISSUER, "issuer_mismatch", OIDC_E_CONFIG },
		{ WIRE_TOO_LARGE, "too_large", OIDC_E_CONFIG },
		{ WIRE_INVALID_CLIENT, "invalid_client", OIDC_E_CONFIG },
		{ WIRE_OAUTH, "oauth_error", OIDC_E_CONFIG },
		{ WIRE_BAD_REQUEST, "bad_request", OIDC_E_INTERNAL },
		{ WIRE_INTERNAL, "internal_error", OIDC_E_INTERNAL },
		{ WIRE_CANCELLED, "cancelled", OIDC_E_INTERNAL },
		{ WIRE_ACCESS_DENIED, "access_denied", OIDC_E_DENIED },
		{ WIRE_EXPIRED, "expired_token", OIDC_E_LOGIN_EXPIRED },
		{ WIRE_INVALID_GRANT, "invalid_grant", OIDC_E_INVALID_GRANT },
		{ WIRE_UNKNOWN_USER, "unknown_user", OIDC_E_IDP_UNKNOWN_USER },
		{ WIRE_CIBA_UNSUPPORTED, "ciba_unsupported", OIDC_E_CONFIG },
	};
	int seen[WIRE_CODE_MAX] = { 0 };

	(void)s;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(wire_code_name(want[i].code), want[i].name);
		assert_int_equal(wire_code_reason(want[i].code), want[i].reason);
		seen[want[i].code]++;
	}
	/* Every code is in the documented table, once. */
	for (int c = WIRE_NONE + 1; c < WIRE_CODE_MAX; c++)
		assert_int_equal(seen[c], 1);
	/* Nothing but reachability is the password fallback. */
	for (int c = WIRE_NONE + 1; c < WIRE_CODE_MAX; c++)
		if (wire_code_reason((enum wire_code)c) == OIDC_E_IDP_UNAVAILABLE)
			assert_true(c == WIRE_UNREACHABLE || c == WIRE_TIMEOUT || c == WIRE_HTTP_STATUS ||
			    c == WIRE_BAD_RESPONSE);
}

/* CIBA (issue 14): an IdP that knows nobody by the login_hint, and one
 * that offers no CIBA in poll mode, are never the password fallback; the
 * first has a reason of its own for the module to decide on. */
static void
test_ciba_codes(void **s)
{
	(void)s;
	assert_int_equal(wire_code_from_name("unknown_user"), WIRE_UNKNOWN_USER);
	assert_int_equal(wire_code_from_name("ciba_unsupported"), WIRE_CIBA_UNSUPPORTED);
	assert_int_equal(wire_code_from_name("unknown_user_id"), WIRE_NONE);   /* the IdP's name, not ours */
	assert_int_equal(wire_code_reason(WIRE_UNKNOWN_USER), OIDC_E_IDP_UNKNOWN_USER);
	assert_string_equal(oidc_reason_code(OIDC_E_IDP_UNKNOWN_USER), "idp_unknown_user");
	assert_int_equal(wire_code_reason(WIRE_CIBA_UNSUPPORTED), OIDC_E_CONFIG);
	/* Every reason has a code string of its own. */
	for (int a = OIDC_OK; a < OIDC_REASON_MAX; a++) {
		assert_string_not_equal(oidc_reason_code((enum oidc_reason)a), "unknown");
		for (int b = a + 1; b < OIDC_REASON_MAX; b++)
			assert_string_not_equal(oidc_reason_code((enum oidc_reason)a), oidc_reason_code((enum oidc_reason)b));
	}
}

static void
test_wrap(void **s)
{
	struct oidc_error err = { 0 };
	char big[400];

	(void)s;
	/* The first cause stays in the text; the reason is the new one. */
	assert_int_equal(oidc_error_set(&err, OIDC_E_IO, "the other side closed the pipe"), -1);
	assert_int_equal(oidc_error_wrap(&err, OIDC_E_INTERNAL, "the helper %s without an answer", "stopped"), -1);
	assert_int_equal(err.reason, OIDC_E_INTERNAL);
	assert_string_equal(err.text, "the helper stopped without an answer (the other side closed the pipe)");
	/* Wrapped again: the innermost cause is still there. */
	oidc_error_wrap(&err, OIDC_E_CONFIG, "outer");
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	assert_string_equal(err.text,
	    "outer (the helper stopped without an answer (the other side closed the pipe))");
	/* The arguments may be the old text itself. */
	oidc_error_wrap(&err, OIDC_E_STORE, "%.5s", err.text);
	assert_string_equal(err.text,
	    "outer (outer (the helper stopped without an answer (the other side closed the pipe)))");
	/* No cause: just the context. */
	oidc_error_clear(&err);
	oidc_error_wrap(&err, OIDC_E_INTERNAL, "context only");
	assert_int_equal(err.reason, OIDC_E_INTERNAL);
	assert_string_equal(err.text, "context only");
	/* Bounded: a long cause and a long context fit the text, cut at the end. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	oidc_error_clear(&err);
	oidc_error_set(&err, OIDC_E_TOO_LARGE, "%s", big);
	oidc_error_wrap(&err, OIDC_E_INTERNAL, "ctx");
	assert_int_equal(strlen(err.text), sizeof(err.text) - 1);
	assert_memory_equal(err.text, "ctx (xxx", 8);
	oidc_error_wrap(&err, OIDC_E_CONFIG, "%s", big);
	assert_int_equal(strlen(err.text), sizeof(err.text) - 1);
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	/* NULL is allowed, as everywhere. */
	assert_int_equal(oidc_error_wrap(NULL, OIDC_E_INTERNAL, "nothing"), -1);
	/* A dropped cause leaves err free for the next one. */
	oidc_error_drop(&err);
	assert_int_equal(err.reason, OIDC_OK);
	oidc_error_set(&err, OIDC_E_IO, "next");
	assert_string_equal(err.text, "next");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_distinct_and_round_trip),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_ciba_codes),
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
