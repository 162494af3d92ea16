/* Driving the helper (lib/core/flow.c) with fake helpers that say exactly what
 * each case needs: what the trusted side accepts from a login helper, and
 * what every kind of failure becomes (issue 12: findings 2, 7, 10). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/flow.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_flowtest.XXXXXX";
static char helper[300], state[300];

#define DEVICE "{\"event\":\"device\",\"verification_uri\":\"https://idp.example.test/device\"," \
	"\"user_code\":\"BCDF-GHJK\",\"expires_in\":600,\"interval\":1}"

/* A helper that reads its request, then prints lines and stays until
 * its stdin closes (as the real one does). */
static void
fake_helper(const char *lines)
{
	char *text = NULL;

	/* The shell keeps stdout open while it waits for stdin to close. */
	assert_true(asprintf(&text, "#!/bin/sh\nread -r req\ncat <<'EOF'\n%sEOF\nwhile read -r line; do :; done\n",
	    lines) > 0);
	unit_write(helper, text, 0755);
	free(text);
}

/* A helper that reads its request and exits without a word. */
static void
dying_helper(void)
{
	unit_write(helper, "#!/bin/sh\nread -r req\nexit 0\n", 0755);
}

static void
base_config(struct oidc_config *cfg)
{
	unit_config(cfg);
	unit_set(cfg, "state_dir", state);
	unit_set(cfg, "helper", helper);
	unit_set(cfg, "timeout", "10");
	unit_set(cfg, "connect_timeout", "1");
	/* Pinned keys: no key fetch before the login (flow_login_start
	 * fetches first only without fresh keys), so each fake helper here
	 * plays the login helper alone. The prefetch runs end to end in
	 * tests/integration/test_login.sh and make bench (discovery 1). */
	unit_set(cfg, "jwks_file", "/nonexistent/jwks.json");
}

/* One login with the current fake helper: the reason it ended with
 * (OIDC_OK when the tokens arrived), and the tokens event if any. */
static enum oidc_reason
login(json_t **tokens)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	struct oidc_flow f;
	enum oidc_reason r = OIDC_OK;

	base_config(&cfg);
	if (flow_login_start(&f, &cfg, NULL, &err) != 0) {
		r = err.reason;
	} else {
		switch (flow_login_wait(&f, 5000, &err)) {
		case FLOW_DONE:
			if (tokens != NULL) {
				*tokens = f.tokens;
				f.tokens = NULL;
			}
			break;
		case FLOW_PENDING:
			r = OIDC_E_LOGIN_EXPIRED;
			break;
		default:
			r = err.reason;
		}
	}
	flow_end(&f);
	config_free(&cfg);
	return r;
}

static void
test_tokens_arrive(void **s)
{
	json_t *tokens = NULL;

	(void)s;
	fake_helper(DEVICE "\n{\"event\":\"pending\",\"interval\":1,\"polls\":1}\n"
		"{\"event\":\"tokens\",\"id_token\":\"a.b.c\"}\n");
	assert_int_equal(login(&tokens), OIDC_OK);
	assert_string_equal(json_string_value(json_object_get(tokens, "id_token")), "a.b.c");
	flow_tokens_free(tokens);
}

/* Finding 2: keys come only from a fetch in a helper of its own. */
static void
test_keys_in_a_login_are_a_violation(void **s)
{
	char path[400];
	DIR *d;

	(void)s;
	fake_helper("{\"event\":\"metadata\",\"jwks\":\"{\\\"keys\\\":[]}\"}\n" DEVICE "\n"
		"{\"event\":\"tokens\",\"id_token\":\"a.b.c\"}\n");
	assert_int_equal(login(NULL), OIDC_E_HELPER_PROTOCOL);
	fake_helper(DEVICE "\n{\"event\":\"metadata\",\"jwks\":\"{\\\"keys\\\":[]}\"}\n");
	assert_int_equal(login(NULL), OIDC_E_HELPER_PROTOCOL);
	/* A login's discovery is dropped, and nothing is cached. */
	fake_helper("{\"event\":\"metadata\",\"discovery\":{\"jwks_uri\":\"https://attacker.example/jwks\"}}\n" DEVICE
		"\n{\"event\":\"tokens\",\"id_token\":\"a.b.c\"}\n");
	assert_int_equal(login(NULL), OIDC_OK);
	snprintf(path, sizeof(path), "%s/cache", state);
	if ((d = opendir(path)) != NULL) {
		struct dirent *de;

		while ((de = readdir(d)) != NULL)
			assert_true(de->d_name[0] == '.');
		closedir(d);
	}
}

/* A "discovery" event answers only a discover (a probe): in a login it
 * is a protocol violation, never dropped and waited past. */
static void
test_discovery_event_in_a_login_is_a_violation(void **s)
{
	static const char disc[] = "{\"event\":\"discovery\",\"issuer\":\"https://idp.example.test\","
	    "\"token_endpoint\":\"https://attacker.example/t\",\"jwks_uri\":\"https://attacker.example/j\"}\n";
	char lines[1024];

	(void)s;
	snprintf(lines, sizeof(lines), "%s%s\n{\"event\":\"tokens\",\"id_token\":\"a.b.c\"}\n", disc, DEVICE);
	fake_helper(lines);
	assert_int_equal(login(NULL), OIDC_E_HELPER_PROTOCOL);
	snprintf(lines, sizeof(lines), "%s\n%s{\"event\":\"tokens\",\"id_token\":\"a.b.c\"}\n", DEVICE, disc);
	fake_helper(lines);
	assert_int_equal(login(NULL), OIDC_E_HELPER_PROTOCOL);
}

/* Finding 7: a login without an ID token. */
static void
test_login_needs_an_id_token(void **s)
{
	(void)s;
	fake_helper(DEVICE "\n{\"event\":\"tokens\",\"refresh_token\":\"r\"}\n");
	assert_int_equal(login(NULL), OIDC_E_HELPER_PROTOCOL);
}

/* Finding 10: only reachability is "unavailable" (the password fallback). */
static void
test_failures(void **s)
{
	static const struct {
		const char *lines; /* NULL: the helper dies without a word */
		enum oidc_reason want;
	} cases[] = {
		{ "{\"event\":\"error\",\"code\":\"idp_unreachable\",\"message\":\"down\"}\n", OIDC_E_IDP_UNAVAILABLE },
		{ "{\"event\":\"error\",\"code\":\"tls_error\",\"message\":\"bad cert\"}\n", OIDC_E_CONFIG },
		{ "{\"event\":\"error\",\"code\":\"never_heard_of_it\",\"message\":\"x\"}\n", OIDC_E_INTERNAL },
		{ DEVICE "\n{\"event\":\"error\",\"code\":\"access_denied\",\"message\":\"no\"}\n", OIDC_E_DENIED },
		/* Dies, or says something that is not the protocol. */
		{ NULL, OIDC_E_INTERNAL },
		{ "this is not json\n", OIDC_E_INTERNAL },
		{ "{\"event\":\"shell\",\"cmd\":\"id\"}\n", OIDC_E_INTERNAL },
		/* The code is shown, then nobody approves in time. */
		{ DEVICE "\n", OIDC_E_LOGIN_EXPIRED },
	};
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].lines != NULL)
			fake_helper(cases[i].lines);
		else
			dying_helper();
		assert_int_equal(login(NULL), cases[i].want);
	}
}

static int
setup(void **s)
{
	if (unit_scratch(s, dir) != 0)
		return -1;
	snprintf(helper, sizeof(helper), "%s/helper", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_arrive),
		cmocka_unit_test(test_keys_in_a_login_are_a_violation),
		cmocka_unit_test(test_discovery_event_in_a_login_is_a_violation),
		cmocka_unit_test(test_login_needs_an_id_token),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
