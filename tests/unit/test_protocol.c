/* The checks at both ends of the helper protocol and of what the IdP
 * sends: the request the helper accepts, the discovery document, device
 * and token responses, the events the caller accepts, and the map file. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oauth_parse.h"
#include "core/identity.h"
#include "ipc/ipc.h"
#include "util/jsonutil.h"

static json_t *
parse(const char *text)
{
	struct oidc_error err = { 0 };
	json_t *j = NULL;

	if (json_parse_strict(text, strlen(text), &j, &err) != 0)
		fail_msg("bad test JSON: %s (%s)", text, err.text);
	return j;
}

/* Runs check on text; want NULL for acceptance, else the code and a
 * fragment of the message. */
static void
expect_request(const char *text, const char *fragment)
{
	struct helper_err e = { 0 };
	json_t *j = parse(text);
	int rc = oauth_check_request(j, &e);

	if (fragment == NULL) {
		if (rc != 0)
			fail_msg("request %s refused: %s", text, e.message);
	} else if (rc != -1 || e.code != WIRE_BAD_REQUEST ||
	    strstr(e.message, fragment) == NULL) {
		fail_msg("request %s: want bad_request with \"%s\", got rc %d %s", text, fragment, rc, e.message);
	}
	json_decref(j);
}

#define REQ "\"issuer\":\"https://op.test\",\"client_id\":\"c\",\"helper_user\":\"nobody\""

static void
test_request(void **s)
{
	(void)s;
	expect_request("{\"op\":\"login\"," REQ ",\"scope\":\"openid\",\"timeout\":30}", NULL);
	expect_request("{\"op\":\"refresh\"," REQ ",\"refresh_token\":\"rt\"}", NULL);
	expect_request("{\"op\":\"fetch\",\"issuer\":\"https://op.test\",\"jwks_uri\":\"https://op.test/j\"}", NULL);
	expect_request("{\"op\":\"login\"," REQ ",\"LD_PRELOAD\":\"/tmp/x.so\"}", "unknown member \"LD_PRELOAD\"");
	expect_request("{\"op\":\"login\"," REQ ",\"timeout\":\"30\"}", "timeout must be an integer");
	expect_request("{\"op\":\"login\",\"issuer\":\"http://op.test\",\"client_id\":\"c\"}", "issuer must be an https");
	expect_request("{\"op\":\"login\"," REQ ",\"token_endpoint\":\"file:///etc/shadow\"}", "token_endpoint must be");
	expect_request("{\"op\":\"refresh\"," REQ "}", "without refresh_token");
	expect_request("{\"op\":\"login\",\"issuer\":\"https://op.test\"}", "no client_id");
	expect_request("{\"op\":\"exec\"," REQ "}", "unknown op");
	expect_request("{\"issuer\":\"https://op.test\"}", "needs op and issuer");
	expect_request("[1]", "not a JSON object");
	/* Our parser already refuses \u0000; the check still holds for a
	 * request built some other way. */
	{
		struct helper_err e = { 0 };
		json_t *j = parse("{\"op\":\"login\"," REQ "}");

		json_object_set_new(j, "scope", json_stringn("openid\0x", 8));
		assert_int_equal(oauth_check_request(j, &e), -1);
		assert_non_null(strstr(e.message, "scope must be a string without NUL"));
		json_decref(j);
	}
}

static void
expect_discovery(const char *text, enum wire_code code)
{
	struct helper_err e = { 0 };
	json_t *j = parse(text);
	int rc = oauth_check_discovery(j, "https://op.test", &e);

	if (code == WIRE_NONE ? rc != 0 : (rc != -1 || e.code != code))
		fail_msg("discovery %s: want %s, got rc %d %s", text, code != WIRE_NONE ? wire_code_name(code) : "accept",
		    rc, e.message);
	json_decref(j);
}

#define EPS "\"token_endpoint\":\"https://op.test/t\",\"jwks_uri\":\"https://op.test/j\""

static void
test_discovery(void **s)
{
	(void)s;
	expect_discovery("{\"issuer\":\"https://op.test\"," EPS "}", WIRE_NONE);
	expect_discovery("{\"issuer\":\"https://op.test\"," EPS ",\"device_authorization_endpoint\":\"https://op.test/d\"}",
	    WIRE_NONE);
	/* Discovery 1.0 §4.3: exactly equal; no trailing slash, no case folding. */
	expect_discovery("{\"issuer\":\"https://op.test/\"," EPS "}", WIRE_ISSUER);
	expect_discovery("{\"issuer\":\"https://OP.test\"," EPS "}", WIRE_ISSUER);
	expect_discovery("{" EPS "}", WIRE_ISSUER);
	expect_discovery("{\"issuer\":\"https://op.test\",\"jwks_uri\":\"https://op.test/j\"}", WIRE_BAD_RESPONSE);
	expect_discovery("{\"issuer\":\"https://op.test\",\"token_endpoint\":\"https://op.test/t\",\"jwks_uri\":\"http://op.test/j\"}",
	    WIRE_BAD_RESPONSE);
	expect_discovery("{\"issuer\":\"https://op.test\"," EPS ",\"device_authorization_endpoint\":\"http://op.test/d\"}",
	    WIRE_BAD_RESPONSE);
	expect_discovery("{\"issuer\":\"https://op.test\",\"token_endpoint\":\"https://op.test/t x\",\"jwks_uri\":\"https://op.test/j\"}",
	    WIRE_BAD_RESPONSE);
}

static void
test_device(void **s)
{
	struct helper_err e = { 0 };
	struct device_grant g;
	json_t *j;

	(void)s;
	/* RFC 8628 §3.2: interval absent means 5 s. */
	j = parse("{\"device_code\":\"dc\",\"user_code\":\"AB-CD\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":600}");
	assert_int_equal(oauth_parse_device(j, &g, &e), 0);
	assert_int_equal(g.interval, 5);
	assert_int_equal(g.expires_in, 600);
	assert_null(g.verification_uri_complete);
	json_decref(j);
	/* Clamped: interval 0 -> 1, a day -> an hour; Google's spelling. */
	j = parse("{\"device_code\":\"dc\",\"user_code\":\"AB\",\"verification_url\":\"https://g.test/device\","
	    "\"expires_in\":86400,\"interval\":0}");
	assert_int_equal(oauth_parse_device(j, &g, &e), 0);
	assert_int_equal(g.interval, 1);
	assert_int_equal(g.expires_in, IPC_MAX_EXPIRES_IN);
	assert_string_equal(json_string_value(g.verification_uri), "https://g.test/device");
	json_decref(j);
	{
		static const char *const bad[] = {
			"{\"user_code\":\"AB\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":600}",
			"{\"device_code\":\"dc\",\"user_code\":\"\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":600}",
			"{\"device_code\":\"dc\",\"user_code\":\"AB\",\"verification_uri\":\"http://op.test/d\",\"expires_in\":600}",
			"{\"device_code\":\"dc\",\"user_code\":\"AB\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":0}",
			"{\"device_code\":\"dc\",\"user_code\":\"AB\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":\"600\"}",
			"{\"device_code\":\"dc\",\"user_code\":\"AB\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":600,\"interval\":\"5\"}",
			("{\"device_code\":\"dc\",\"user_code\":\"AB\",\"verification_uri\":\"https://op.test/d\",\"expires_in\":600,"
			 "\"verification_uri_complete\":\"javascript:x\"}"),
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&e, 0, sizeof(e));
			j = parse(bad[i]);
			if (oauth_parse_device(j, &g, &e) != -1 || e.code != WIRE_BAD_RESPONSE)
				fail_msg("device response accepted: %s", bad[i]);
			json_decref(j);
		}
	}
}

/* A non-200 token-endpoint answer: what the poll loop makes of it and,
 * when it fails, the error code, with a printable message. */
static void
expect_answer(const char *text, long status, enum oauth_poll poll, enum wire_code code)
{
	struct helper_err e = { 0 };
	json_t *j = parse(text);

	assert_int_equal(oauth_poll_answer(j), poll);
	if (code != WIRE_NONE) {
		assert_int_equal(oauth_error(j, status, "token endpoint", &e), -1);
		assert_int_equal(e.code, code);
		for (const char *c = e.message; *c != '\0'; c++)
			if (*c < 0x20 || *c > 0x7e)
				fail_msg("control byte 0x%02x in \"%s\"", (unsigned char)*c, e.message);
	}
	json_decref(j);
}

static void
test_tokens(void **s)
{
	struct helper_err e = { 0 };
	json_t *j, *ev = NULL;

	(void)s;
	j = parse("{\"access_token\":\"AT\",\"id_token\":\"a.b.c\",\"refresh_token\":\"RT\",\"expires_in\":300}");
	assert_int_equal(oauth_token_event(j, 1, &ev, &e), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "tokens");
	assert_null(json_object_get(ev, "access_token"));
	assert_string_equal(json_string_value(json_object_get(ev, "refresh_token")), "RT");
	json_decref(ev);
	json_decref(j);
	/* The device grant needs an id_token; a refresh may lack one. */
	j = parse("{\"access_token\":\"AT\",\"refresh_token\":\"RT\"}");
	assert_int_equal(oauth_token_event(j, 1, &ev, &e), -1);
	assert_int_equal(e.code, WIRE_BAD_RESPONSE);
	assert_null(ev);
	memset(&e, 0, sizeof(e));
	assert_int_equal(oauth_token_event(j, 0, &ev, &e), 0);
	json_decref(ev);
	json_decref(j);
	j = parse("{\"id_token\":[\"a.b.c\"]}");
	assert_int_equal(oauth_token_event(j, 0, &ev, &e), -1);
	json_decref(j);

	/* Polls (RFC 8628 §3.5) and errors (RFC 6749 §5.2); IdP text loses
	 * its control bytes. */
	expect_answer("{\"error\":\"authorization_pending\"}", 400, OAUTH_POLL_PENDING, WIRE_NONE);
	expect_answer("{\"error\":\"slow_down\"}", 400, OAUTH_POLL_SLOW_DOWN, WIRE_NONE);
	expect_answer("{\"error\":\"access_denied\",\"error_description\":\"no \\u001b[31mway\"}", 400,
	    OAUTH_POLL_FAILED, WIRE_ACCESS_DENIED);
	expect_answer("{\"error\":\"x\\u0007y\"}", 400, OAUTH_POLL_FAILED, WIRE_OAUTH);
	expect_answer("{}", 502, OAUTH_POLL_FAILED, WIRE_HTTP_STATUS);
}

static void
expect_event(const char *text, const char *kind)
{
	struct oidc_error err = { 0 };
	json_t *j = parse(text);
	const char *got = ipc_event_check(j, &err);

	if (kind == NULL ? got != NULL || err.reason != OIDC_E_MALFORMED : got == NULL || strcmp(got, kind) != 0)
		fail_msg("event %s: want %s, got %s (%s)", text, kind ? kind : "refusal", got ? got : "refusal", err.text);
	json_decref(j);
}

#define DEV "\"verification_uri\":\"https://op.test/d\",\"user_code\":\"AB\",\"expires_in\":600,\"interval\":5"

static void
test_events(void **s)
{
	(void)s;
	expect_event("{\"event\":\"device\"," DEV "}", "device");
	expect_event("{\"event\":\"device\"," DEV ",\"verification_uri_complete\":\"https://op.test/d?c=AB\"}", "device");
	expect_event("{\"event\":\"pending\",\"interval\":5,\"polls\":3}", "pending");
	expect_event("{\"event\":\"tokens\",\"id_token\":\"a.b.c\",\"refresh_token\":\"r\",\"expires_in\":60}", "tokens");
	expect_event("{\"event\":\"tokens\"}", "tokens");
	expect_event("{\"event\":\"metadata\",\"jwks\":\"{}\"}", "metadata");
	expect_event("{\"event\":\"metadata\",\"discovery\":{\"issuer\":\"x\"}}", "metadata");
	expect_event("{\"event\":\"error\",\"code\":\"timeout\",\"message\":\"\"}", "error");
	/* Refused: unknown kinds, missing or mistyped members, bounds. */
	expect_event("{\"event\":\"exec\"}", NULL);
	expect_event("{\"kind\":\"device\"}", NULL);
	expect_event("{\"event\":\"device\",\"verification_uri\":\"http://op.test/d\",\"user_code\":\"AB\","
	    "\"expires_in\":600,\"interval\":5}", NULL);
	expect_event("{\"event\":\"device\"," DEV ",\"verification_uri_complete\":\"ftp://x\"}", NULL);
	expect_event("{\"event\":\"device\",\"verification_uri\":\"https://op.test/d\",\"user_code\":\"\","
	    "\"expires_in\":600,\"interval\":5}", NULL);
	expect_event("{\"event\":\"device\",\"verification_uri\":\"https://op.test/d\",\"user_code\":\"AB\","
	    "\"expires_in\":600}", NULL);
	expect_event("{\"event\":\"device\",\"verification_uri\":\"https://op.test/d\",\"user_code\":\"AB\","
	    "\"expires_in\":99999,\"interval\":5}", NULL);
	expect_event("{\"event\":\"pending\",\"interval\":5,\"polls\":-1}", NULL);
	expect_event("{\"event\":\"tokens\",\"id_token\":42}", NULL);
	expect_event("{\"event\":\"tokens\",\"id_token\":\"\"}", NULL);
	expect_event("{\"event\":\"metadata\"}", NULL);
	expect_event("{\"event\":\"metadata\",\"discovery\":\"{}\"}", NULL);
	expect_event("{\"event\":\"error\",\"code\":\"timeout\"}", NULL);
}

static enum identity_map_found
map(const char *text, const char *value, char *user, size_t size, struct oidc_error *err)
{
	oidc_error_clear(err);
	user[0] = '\0';
	return identity_map_parse(text, strlen(text), "/etc/security/pam_oidc.map", value, user, size, err);
}

static void
test_map_file(void **s)
{
	struct oidc_error err = { 0 };
	char user[IDENTITY_MAX_USER + 1];

	(void)s;
	assert_int_equal(map("# comment\nalice@x.test alice\nalice@x.test root\n", "alice@x.test", user, sizeof(user), &err),
	    IDENTITY_MAP_FOUND);
	assert_string_equal(user, "alice");
	assert_int_equal(map("\t bob@x.test\t bob.ops  \r\n", "bob@x.test", user, sizeof(user), &err),
	    IDENTITY_MAP_FOUND);
	assert_string_equal(user, "bob.ops");
	assert_int_equal(map("alice@x.test alice\n", "carol@x.test", user, sizeof(user), &err),
	    IDENTITY_MAP_ABSENT);
	/* A malformed line before the match stops the lookup. */
	assert_int_equal(map("carol@x.test\ncarol@x.test carol\n", "carol@x.test", user, sizeof(user), &err),
	    IDENTITY_MAP_ERROR);
	assert_non_null(strstr(err.text, "pam_oidc.map:1: expected"));
	assert_int_equal(map("evil@x.test ../root\n", "evil@x.test", user, sizeof(user), &err),
	    IDENTITY_MAP_ERROR);
	assert_non_null(strstr(err.text, "is not a valid user name"));
	oidc_error_clear(&err);
	assert_int_equal(identity_map_parse("a b\0c d\n", 8, "/m", "c", user, sizeof(user), &err),
	    IDENTITY_MAP_ERROR);
	assert_non_null(strstr(err.text, "contains a NUL byte"));
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	assert_string_equal(user, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_map_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
