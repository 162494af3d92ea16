/* What a CIBA sign-in asks (lib/core/ciba.c): the binding message every
 * IdP accepts and no two attempts share, the login_hint from a template or
 * the map file read in reverse, and which flow the module asks for. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ciba.h"
#include "core/conf.h"
#include "core/flow.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_cibatest.XXXXXX";

/* oidc-provider's and Keycloak's rule: 1-20 of [A-Za-z0-9-._+/!?#]. */
static int
binding_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 20)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._+/!?#") == n;
}

static void
test_binding_message(void **state)
{
	static const char *const hosts[] = { "web1.corp.example", "a-very-long-host-name-indeed", "", "x y\tz",
		"\x1b[2Jevil", "h\xc3\xa9llo", NULL };
	static const char *const services[] = { "sshd", "sudo", "", "a-service-name-longer", "su\n", NULL };
	char a[CIBA_BINDING_MAX + 1], b[CIBA_BINDING_MAX + 1];
	int same = 0;

	(void)state;
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++) {
			assert_int_equal(ciba_binding_message(hosts[h], services[s], a, sizeof(a)), 0);
			if (!binding_ok(a))
				fail_msg("binding message \"%s\" breaks the IdPs' rule", a);
		}
	}
	assert_int_equal(ciba_binding_message("web1.corp.example", "sshd", a, sizeof(a)), 0);
	assert_int_equal(strncmp(a, "web1-sshd-", 10), 0);
	assert_int_equal(strlen(a), 14);
	/* random digits: twenty attempts do not all say the same */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(ciba_binding_message("web1", "sshd", b, sizeof(b)), 0);
		same += strcmp(a, b) == 0;
	}
	assert_true(same < 20);
	/* too small a buffer is refused, not cut */
	assert_int_equal(ciba_binding_message("web1", "sshd", b, 10), -1);
}

static void
test_login_hint(void **state)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char hint[CIBA_HINT_MAX + 1], p[300];

	(void)state;
	unit_config(&cfg);
	assert_int_equal(ciba_login_hint(&cfg, "alice", hint, sizeof(hint), &err), 0);
	assert_string_equal(hint, "alice");
	unit_set(&cfg, "login_hint_template", "{user}@corp.example");
	assert_int_equal(ciba_login_hint(&cfg, "alice", hint, sizeof(hint), &err), 0);
	assert_string_equal(hint, "alice@corp.example");
	/* a user name that is not a safe login name never becomes a hint */
	assert_int_equal(ciba_login_hint(&cfg, "al ice", hint, sizeof(hint), &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(ciba_login_hint(&cfg, "../root", hint, sizeof(hint), &err), -1);
	oidc_error_clear(&err);
	/* longer than the buffer: refused with a config error */
	assert_int_equal(ciba_login_hint(&cfg, "alice", hint, 8, &err), -1);
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	oidc_error_clear(&err);
	config_free(&cfg);

	/* the map file read in reverse: the first claim value mapped to the user */
	snprintf(p, sizeof(p), "%s/users.map", dir);
	unit_write(p, "# claim local\nbob@corp.example bob\nalice@corp.example alice\nali@other.example alice\n", 0644);
	unit_config(&cfg);
	unit_set(&cfg, "map_file", p);
	assert_int_equal(ciba_login_hint(&cfg, "alice", hint, sizeof(hint), &err), 0);
	assert_string_equal(hint, "alice@corp.example");
	/* not in the map: the user name itself */
	assert_int_equal(ciba_login_hint(&cfg, "carol", hint, sizeof(hint), &err), 0);
	assert_string_equal(hint, "carol");
	/* the template wins over the map */
	unit_set(&cfg, "login_hint_template", "{user}");
	assert_int_equal(ciba_login_hint(&cfg, "alice", hint, sizeof(hint), &err), 0);
	assert_string_equal(hint, "alice");
	config_free(&cfg);

	/* a map others may write decides nothing, in this direction either */
	assert_int_equal(chmod(p, 0666), 0);
	unit_config(&cfg);
	unit_set(&cfg, "map_file", p);
	assert_int_equal(ciba_login_hint(&cfg, "alice", hint, sizeof(hint), &err), -1);
	assert_non_null(strstr(err.text, "not writable by group or others"));
	config_free(&cfg);
}

static void
test_config_rules(void **state)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	(void)state;
	unit_config(&cfg);
	unit_set(&cfg, "flow", "ciba");
	assert_int_equal(config_finish(&cfg, &err), -1);
	assert_non_null(strstr(err.text, "client_secret_file"));
	oidc_error_clear(&err);
	unit_set(&cfg, "client_secret_file", "/etc/security/pam_oidc.secret");
	assert_int_equal(config_finish(&cfg, &err), 0);
	unit_set(&cfg, "login_hint_template", "corp.example");
	assert_int_equal(config_finish(&cfg, &err), -1);
	assert_non_null(strstr(err.text, "{user}"));
	oidc_error_clear(&err);
	assert_int_equal(config_set(&cfg, "flow", "push", "t", &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(config_set(&cfg, "client_auth", "client_secret_jwt", "t", &err), -1);
	config_free(&cfg);
}

/* flow = auto: the cached discovery decides when there is one. */
static void
test_ciba_choose(void **state)
{
	struct oidc_config cfg;
	json_t *with = json_pack("{s:{s:s, s:[s]}}", "discovery", "backchannel_authentication_endpoint",
	    "https://idp.example.test/bc", "backchannel_token_delivery_modes_supported", "poll");
	json_t *push_only = json_pack("{s:{s:s, s:[s]}}", "discovery", "backchannel_authentication_endpoint",
	    "https://idp.example.test/bc", "backchannel_token_delivery_modes_supported", "push");
	json_t *without = json_pack("{s:{s:s}}", "discovery", "token_endpoint", "https://idp.example.test/token");

	(void)state;
	unit_config(&cfg);
	assert_int_equal(ciba_choose(&cfg, with), FLOW_DEVICE);
	unit_set(&cfg, "flow", "ciba");
	assert_int_equal(ciba_choose(&cfg, without), FLOW_CIBA);
	unit_set(&cfg, "flow", "auto");
	/* a public client never asks for CIBA */
	assert_int_equal(ciba_choose(&cfg, with), FLOW_DEVICE);
	unit_set(&cfg, "client_secret_file", "/etc/security/pam_oidc.secret");
	assert_int_equal(ciba_choose(&cfg, with), FLOW_CIBA);
	assert_int_equal(ciba_choose(&cfg, push_only), FLOW_DEVICE);
	assert_int_equal(ciba_choose(&cfg, without), FLOW_DEVICE);
	/* no discovery of ours: the helper's decides */
	assert_int_equal(ciba_choose(&cfg, NULL), FLOW_AUTO);
	unit_set(&cfg, "backchannel_authentication_endpoint", "https://idp.example.test/bc");
	assert_int_equal(ciba_choose(&cfg, without), FLOW_CIBA);
	config_free(&cfg);
	json_decref(with);
	json_decref(push_only);
	json_decref(without);
}

static int
setup(void **state)
{
	return unit_scratch(state, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binding_message),
		cmocka_unit_test(test_login_hint),
		cmocka_unit_test(test_config_rules),
		cmocka_unit_test(test_ciba_choose),
	};

	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
