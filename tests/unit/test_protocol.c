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
	expect_request("{\"op\":\"discover\",\"issuer\":\"https://op.test\"}", NULL);
	expect_request("{\"op\":\"discover\"," REQ ",\"scope\":\"openid\",\"timeout\":30}", NULL);
	expect_request("{\"op\":\"discover\",\"issuer\":\"http://op.test\"}", "issuer must be an https");
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

#define CIBA REQ ",\"client_secret\":\"s\""

/* The members of issue 14 (CIBA and client_auth): values and bounds. */
static void
test_request_ciba(void **s)
{
	char big[400], req[700];

	(void)s;
	/* flow */
	expect_request("{\"op\":\"login\"," REQ ",\"flow\":\"device\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"alice\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"auto\",\"login_hint\":\"alice@example.test\"}", NULL);
	expect_request("{\"op\":\"login\"," REQ ",\"flow\":\"auto\",\"login_hint\":\"alice\"}", NULL);
	expect_request("{\"op\":\"login\"," REQ ",\"flow\":\"CIBA\"}", "flow must be device, ciba or auto");
	expect_request("{\"op\":\"login\"," REQ ",\"flow\":\"\"}", "flow must be device, ciba or auto");
	expect_request("{\"op\":\"login\"," REQ ",\"flow\":1}", "flow must be a string");
	/* login_hint: required by ciba and auto, 1-256 bytes */
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\"}", "flow ciba needs a login_hint");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"auto\"}", "flow auto needs a login_hint");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"\"}", "login_hint must be 1-256");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":[\"alice\"]}", "login_hint must be a string");
	memset(big, 'a', sizeof(big));
	snprintf(req, sizeof(req), "{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"%.256s\"}", big);
	expect_request(req, NULL);
	snprintf(req, sizeof(req), "{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"%.257s\"}", big);
	expect_request(req, "login_hint must be 1-256");
	/* CIBA needs an authenticated client; auto without one is the device flow */
	expect_request("{\"op\":\"login\"," REQ ",\"flow\":\"ciba\",\"login_hint\":\"alice\"}",
	    "CIBA needs an authenticated client");
	/* binding_message: 1-20 of [A-Za-z0-9-._+/!?#] */
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"web1-sshd-4821\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"aZ09-._+/!?#\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"abcdefghij0123456789\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"abcdefghij0123456789x\"}",
	    "binding_message must be 1-20");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"\"}",
	    "binding_message must be 1-20");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"web1 sshd\"}",
	    "binding_message must be 1-20");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"a\\u001b[2J\"}",
	    "binding_message must be 1-20");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":\"caf\u00e9\"}",
	    "binding_message must be 1-20");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"binding_message\":5}",
	    "binding_message must be a string");
	/* acr_values: 1-256 */
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"acr_values\":\"urn:mace:incommon:iap:silver\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"acr_values\":\"\"}", "acr_values must be 1-256");
	snprintf(req, sizeof(req), "{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"acr_values\":\"%.257s\"}", big);
	expect_request(req, "acr_values must be 1-256");
	/* requested_expiry: an integer 1-3600 */
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"requested_expiry\":1}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"requested_expiry\":3600}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"requested_expiry\":0}", "requested_expiry must be 1-3600");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"requested_expiry\":3601}", "requested_expiry must be 1-3600");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"requested_expiry\":\"60\"}",
	    "requested_expiry must be an integer");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"requested_expiry\":60.5}",
	    "requested_expiry must be an integer");
	/* backchannel_authentication_endpoint: https, like every endpoint */
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\","
	    "\"backchannel_authentication_endpoint\":\"https://op.test/bc\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\","
	    "\"backchannel_authentication_endpoint\":\"http://op.test/bc\"}", "backchannel_authentication_endpoint must be an https");
	expect_request("{\"op\":\"login\"," CIBA ",\"backchannel_authentication_endpoint\":\"https://op.test/b c\"}",
	    "backchannel_authentication_endpoint must be an https");
	/* client_auth: basic or post, for every op that authenticates */
	expect_request("{\"op\":\"login\"," CIBA ",\"client_auth\":\"basic\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"client_auth\":\"post\"}", NULL);
	expect_request("{\"op\":\"refresh\"," CIBA ",\"client_auth\":\"post\",\"refresh_token\":\"rt\"}", NULL);
	expect_request("{\"op\":\"login\"," CIBA ",\"client_auth\":\"jwt\"}", "client_auth must be basic or post");
	expect_request("{\"op\":\"login\"," CIBA ",\"client_auth\":\"Basic\"}", "client_auth must be basic or post");
	expect_request("{\"op\":\"login\"," CIBA ",\"client_auth\":true}", "client_auth must be a string");
	/* unknown members are still refused */
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"login_hint_token\":\"x\"}",
	    "unknown member \"login_hint_token\"");
	expect_request("{\"op\":\"login\"," CIBA ",\"flow\":\"ciba\",\"login_hint\":\"a\",\"auth_req_id\":\"x\"}",
	    "unknown member \"auth_req_id\"");
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
test_discovery_ciba(void **s)
{
	static const struct {
		const char *doc;
		const char *want;
	} cases[] = {
		{ "{\"backchannel_authentication_endpoint\":\"https://op.test/bc\","
		  "\"backchannel_token_delivery_modes_supported\":[\"ping\",\"poll\"]}", "https://op.test/bc" },
		/* No list: not poll-capable. */
		{ "{\"backchannel_authentication_endpoint\":\"https://op.test/bc\"}", NULL },
		{ "{\"backchannel_authentication_endpoint\":\"https://op.test/bc\","
		  "\"backchannel_token_delivery_modes_supported\":[\"ping\",\"push\"]}", NULL },
		{ "{\"backchannel_authentication_endpoint\":\"https://op.test/bc\","
		  "\"backchannel_token_delivery_modes_supported\":\"poll\"}", NULL },
		{ "{\"backchannel_authentication_endpoint\":\"https://op.test/bc\","
		  "\"backchannel_token_delivery_modes_supported\":[\"POLL\",1]}", NULL },
		{ "{\"backchannel_authentication_endpoint\":\"http://op.test/bc\","
		  "\"backchannel_token_delivery_modes_supported\":[\"poll\"]}", NULL },
		{ "{\"backchannel_authentication_endpoint\":[\"https://op.test/bc\"],"
		  "\"backchannel_token_delivery_modes_supported\":[\"poll\"]}", NULL },
		{ "{\"backchannel_token_delivery_modes_supported\":[\"poll\"]}", NULL },
	};

	(void)s;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = parse(cases[i].doc);
		const char *got = oauth_discovery_ciba(j);

		if (cases[i].want == NULL ? got != NULL : got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("discovery %s: want %s, got %s", cases[i].doc, cases[i].want ? cases[i].want : "none",
			    got ? got : "none");
		json_decref(j);
	}
	/* A non-https backchannel endpoint does not spoil the document for
	 * the device flow. */
	expect_discovery("{\"issuer\":\"https://op.test\"," EPS ",\"backchannel_authentication_endpoint\":\"http://op.test/b\"}",
	    WIRE_NONE);
}

static void
test_ciba(void **s)
{
	struct helper_err e = { 0 };
	struct ciba_grant g;
	json_t *j;

	(void)s;
	/* CIBA Core §7.3: interval absent means 5 s. */
	j = parse("{\"auth_req_id\":\"1c266114-a1be-4252-8ad1-04986c5b9ac1\",\"expires_in\":120}");
	assert_int_equal(oauth_parse_ciba(j, &g, &e), 0);
	assert_string_equal(json_string_value(g.auth_req_id), "1c266114-a1be-4252-8ad1-04986c5b9ac1");
	assert_int_equal(g.expires_in, 120);
	assert_int_equal(g.interval, 5);
	json_decref(j);
	/* Clamped: interval 0 -> 1, 3600 -> OAUTH_MAX_INTERVAL, a day -> an hour. */
	j = parse("{\"auth_req_id\":\"x\",\"expires_in\":86400,\"interval\":0}");
	assert_int_equal(oauth_parse_ciba(j, &g, &e), 0);
	assert_int_equal(g.interval, 1);
	assert_int_equal(g.expires_in, IPC_MAX_EXPIRES_IN);
	json_decref(j);
	j = parse("{\"auth_req_id\":\"x\",\"expires_in\":1,\"interval\":3600}");
	assert_int_equal(oauth_parse_ciba(j, &g, &e), 0);
	assert_int_equal(g.interval, OAUTH_MAX_INTERVAL);
	assert_int_equal(g.expires_in, 1);
	json_decref(j);
	j = parse("{\"auth_req_id\":\"x\",\"expires_in\":60,\"interval\":-7}");
	assert_int_equal(oauth_parse_ciba(j, &g, &e), 0);
	assert_int_equal(g.interval, 1);
	json_decref(j);
	{
		char big[OAUTH_MAX_AUTH_REQ_ID + 64];
		static const char *const bad[] = {
			"{\"expires_in\":120}",
			"{\"auth_req_id\":\"\",\"expires_in\":120}",
			"{\"auth_req_id\":42,\"expires_in\":120}",
			"{\"auth_req_id\":null,\"expires_in\":120}",
			"{\"auth_req_id\":\"x\"}",
			"{\"auth_req_id\":\"x\",\"expires_in\":0}",
			"{\"auth_req_id\":\"x\",\"expires_in\":-1}",
			"{\"auth_req_id\":\"x\",\"expires_in\":\"120\"}",
			"{\"auth_req_id\":\"x\",\"expires_in\":120.0}",
			"{\"auth_req_id\":\"x\",\"expires_in\":120,\"interval\":\"5\"}",
			"{\"auth_req_id\":\"x\",\"expires_in\":120,\"interval\":null}",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&e, 0, sizeof(e));
			j = parse(bad[i]);
			if (oauth_parse_ciba(j, &g, &e) != -1 || e.code != WIRE_BAD_RESPONSE)
				fail_msg("backchannel response accepted: %s", bad[i]);
			/* The message never carries the auth_req_id. */
			assert_null(strstr(e.message, "\"x\""));
			json_decref(j);
		}
		/* At most 4096 bytes. */
		j = parse("{\"expires_in\":120}");
		memset(big, 'a', sizeof(big));
		json_object_set_new(j, "auth_req_id", json_stringn(big, OAUTH_MAX_AUTH_REQ_ID));
		memset(&e, 0, sizeof(e));
		assert_int_equal(oauth_parse_ciba(j, &g, &e), 0);
		json_object_set_new(j, "auth_req_id", json_stringn(big, OAUTH_MAX_AUTH_REQ_ID + 1));
		assert_int_equal(oauth_parse_ciba(j, &g, &e), -1);
		assert_int_equal(e.code, WIRE_BAD_RESPONSE);
		/* No NUL inside (a request built other than by our parser). */
		memset(&e, 0, sizeof(e));
		json_object_set_new(j, "auth_req_id", json_stringn("ab\0cd", 5));
		assert_int_equal(oauth_parse_ciba(j, &g, &e), -1);
		json_decref(j);
	}
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
	/* Google: 428 pending, 403 slow_down and access_denied; Entra:
	 * authorization_declined is a denial. */
	expect_answer("{\"error\":\"authorization_pending\",\"error_description\":\"Precondition Required\"}", 428,
	    OAUTH_POLL_PENDING, WIRE_NONE);
	expect_answer("{\"error\":\"slow_down\",\"error_description\":\"Forbidden\"}", 403, OAUTH_POLL_SLOW_DOWN,
	    WIRE_NONE);
	expect_answer("{\"error\":\"access_denied\",\"error_description\":\"Forbidden\"}", 403, OAUTH_POLL_FAILED,
	    WIRE_ACCESS_DENIED);
	expect_answer("{\"error\":\"authorization_declined\",\"error_codes\":[70016]}", 400, OAUTH_POLL_FAILED,
	    WIRE_ACCESS_DENIED);
	expect_answer("{\"error\":\"x\\u0007y\"}", 400, OAUTH_POLL_FAILED, WIRE_OAUTH);
	expect_answer("{}", 502, OAUTH_POLL_FAILED, WIRE_HTTP_STATUS);
}

/* The backchannel endpoint's errors (CIBA Core §13). */
static void
expect_ciba_error(const char *text, long status, enum wire_code code, const char *fragment)
{
	struct helper_err e = { 0 };
	json_t *j = parse(text);

	assert_int_equal(oauth_ciba_error(j, status, &e), -1);
	if (e.code != code || strstr(e.message, fragment) == NULL)
		fail_msg("%s: want %s with \"%s\", got %s: %s", text, wire_code_name(code), fragment, wire_code_name(e.code),
		    e.message);
	for (const char *c = e.message; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			fail_msg("control byte 0x%02x in \"%s\"", (unsigned char)*c, e.message);
	json_decref(j);
}

static void
test_ciba_errors(void **s)
{
	(void)s;
	expect_ciba_error("{\"error\":\"unknown_user_id\"}", 400, WIRE_UNKNOWN_USER, "login_hint");
	expect_ciba_error("{\"error\":\"access_denied\",\"error_description\":\"no\"}", 403, WIRE_ACCESS_DENIED, "(no)");
	expect_ciba_error("{\"error\":\"invalid_client\"}", 401, WIRE_INVALID_CLIENT, "invalid_client");
	/* Everything else names the IdP's error for the admin. */
	expect_ciba_error("{\"error\":\"invalid_binding_message\",\"error_description\":\"bad \\u001b[2J\"}", 400, WIRE_OAUTH,
	    "invalid_binding_message (bad [2J)");
	expect_ciba_error("{\"error\":\"unauthorized_client\"}", 400, WIRE_OAUTH, "unauthorized_client");
	expect_ciba_error("{\"error\":\"invalid_request\"}", 400, WIRE_OAUTH, "invalid_request");
	expect_ciba_error("{\"error\":\"invalid_scope\"}", 400, WIRE_OAUTH, "invalid_scope");
	expect_ciba_error("{\"error\":\"expired_login_hint_token\"}", 400, WIRE_OAUTH, "expired_login_hint_token");
	expect_ciba_error("{\"error\":\"missing_user_code\"}", 400, WIRE_OAUTH, "missing_user_code");
	expect_ciba_error("{\"error\":\"expired_token\"}", 400, WIRE_OAUTH, "expired_token");
	expect_ciba_error("{\"error\":\"x\\u0007y\"}", 400, WIRE_OAUTH, "xy");
	expect_ciba_error("{}", 403, WIRE_HTTP_STATUS, "HTTP 403");
	expect_ciba_error("{\"error\":7}", 400, WIRE_HTTP_STATUS, "HTTP 400");
	/* The token endpoint's answers to a CIBA poll are the device grant's. */
	expect_answer("{\"error\":\"expired_token\"}", 400, OAUTH_POLL_FAILED, WIRE_EXPIRED);
	expect_answer("{\"error\":\"transaction_failed\"}", 400, OAUTH_POLL_FAILED, WIRE_OAUTH);
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
	expect_event("{\"event\":\"error\",\"code\":\"ciba_unsupported\",\"message\":\"no CIBA\"}", "error");
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

/* The "ciba" event (issue 14): expires_in 1..IPC_MAX_EXPIRES_IN and
 * interval 1..3600, nothing else required. */
static void
test_ciba_event(void **s)
{
	(void)s;
	expect_event("{\"event\":\"ciba\",\"expires_in\":600,\"interval\":5}", "ciba");
	expect_event("{\"event\":\"ciba\",\"expires_in\":1,\"interval\":1}", "ciba");
	expect_event("{\"event\":\"ciba\",\"expires_in\":3600,\"interval\":3600}", "ciba");
	expect_event("{\"event\":\"ciba\",\"expires_in\":60,\"interval\":5,\"note\":1}", "ciba");
	expect_event("{\"event\":\"ciba\",\"interval\":5}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":600}", NULL);
	expect_event("{\"event\":\"ciba\"}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":0,\"interval\":5}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":3601,\"interval\":5}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":600,\"interval\":0}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":600,\"interval\":3601}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":\"600\",\"interval\":5}", NULL);
	expect_event("{\"event\":\"ciba\",\"expires_in\":600,\"interval\":5.0}", NULL);
	expect_event("{\"event\":\"CIBA\",\"expires_in\":600,\"interval\":5}", NULL);
}

#define DISC "\"issuer\":\"https://op.test\",\"token_endpoint\":\"https://op.test/t\",\"jwks_uri\":\"https://op.test/j\""

/* The "discovery" event of a probe (op discover): the issuer, https
 * endpoints, bounded lists of strings, nothing else. */
static void
test_discovery_event(void **s)
{
	char big[IPC_MAX_LIST_ITEM + 64];

	(void)s;
	expect_event("{\"event\":\"discovery\"," DISC "}", "discovery");
	expect_event("{\"event\":\"discovery\"," DISC ",\"device_authorization_endpoint\":\"https://op.test/d\","
	    "\"backchannel_authentication_endpoint\":\"https://op.test/b\",\"claims_supported\":[\"sub\"],"
	    "\"scopes_supported\":[],\"unusable\":[\"id_token_signing_alg_values_supported\"]}", "discovery");
	expect_event("{\"event\":\"discovery\",\"token_endpoint\":\"https://op.test/t\",\"jwks_uri\":\"https://op.test/j\"}",
	    NULL);
	expect_event("{\"event\":\"discovery\",\"issuer\":\"https://op.test\",\"jwks_uri\":\"https://op.test/j\"}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"jwks\":\"{}\"}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"device_authorization_endpoint\":\"http://op.test/d\"}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"claims_supported\":\"sub\"}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"claims_supported\":[\"sub\",1]}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"claims_supported\":[\"\"]}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"response_types_supported\":[\"code\"]}", NULL);
	/* unusable names only optional members the event leaves out. */
	expect_event("{\"event\":\"discovery\"," DISC ",\"unusable\":[\"jwks_uri\"]}", NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"claims_supported\":[\"sub\"],\"unusable\":[\"claims_supported\"]}",
	    NULL);
	expect_event("{\"event\":\"discovery\"," DISC ",\"unusable\":\"claims_supported\"}", NULL);
	{
		struct oidc_error err = { 0 };
		json_t *j = parse("{\"event\":\"discovery\"," DISC "}"), *a = json_array();
		size_t i;

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		json_object_set_new(j, "scopes_supported", a);
		json_array_append_new(a, json_string(big));
		assert_null(ipc_event_check(j, &err));
		json_array_clear(a);
		for (i = 0; i <= IPC_MAX_LIST; i++)
			json_array_append_new(a, json_string("s"));
		assert_null(ipc_event_check(j, &err));
		json_array_remove(a, 0);
		assert_string_equal(ipc_event_check(j, &err), "discovery");
		json_decref(j);
	}
}

/* What the helper emits for a checked discovery always passes the
 * caller's check, and what it cannot pass on is named in unusable. */
static void
test_discovery_event_build(void **s)
{
	struct oidc_error err = { 0 };
	struct helper_err e = { 0 };
	json_t *doc, *ev = NULL;

	(void)s;
	doc = parse("{" DISC ",\"device_authorization_endpoint\":\"https://op.test/d\","
	    "\"backchannel_authentication_endpoint\":\"http://op.test/b\",\"claims_supported\":\"sub\","
	    "\"scopes_supported\":[\"openid\"],\"grant_types_supported\":[\"x\",2],\"response_types_supported\":[\"code\"],"
	    "\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
	assert_int_equal(oauth_check_discovery(doc, "https://op.test", &e), 0);
	assert_int_equal(oauth_discovery_event(doc, &ev, &e), 0);
	assert_string_equal(ipc_event_check(ev, &err), "discovery");
	assert_string_equal(json_string_value(json_object_get(ev, "device_authorization_endpoint")), "https://op.test/d");
	assert_null(json_object_get(ev, "backchannel_authentication_endpoint"));
	assert_null(json_object_get(ev, "claims_supported"));
	assert_null(json_object_get(ev, "response_types_supported"));
	assert_int_equal(json_array_size(json_object_get(ev, "scopes_supported")), 1);
	assert_int_equal(json_array_size(json_object_get(ev, "unusable")), 3);
	json_decref(ev);
	json_decref(doc);
	ev = NULL;
	doc = parse("{" DISC "}");
	assert_int_equal(oauth_discovery_event(doc, &ev, &e), 0);
	assert_string_equal(ipc_event_check(ev, &err), "discovery");
	assert_null(json_object_get(ev, "unusable"));
	json_decref(ev);
	json_decref(doc);
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
		cmocka_unit_test(test_request_ciba),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_discovery_ciba),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_ciba),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_ciba_errors),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_ciba_event),
		cmocka_unit_test(test_discovery_event),
		cmocka_unit_test(test_discovery_event_build),
		cmocka_unit_test(test_map_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
