/* pam_oidc.conf parsing: sections, argv overrides, every kind of bad input
 * (each a clear error naming file and line, and nothing half-applied). */
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

#include "core/conf.h"
#include "core/identity.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_cfgtest.XXXXXX";
static char path[256];

static const char *
write_conf(const char *text, mode_t mode)
{
	snprintf(path, sizeof(path), "%s/pam_oidc.conf", dir);
	unit_write(path, text, mode);
	return path;
}

static int
load(const char *text, const char *service, struct oidc_config *cfg, struct oidc_error *err)
{
	oidc_error_clear(err);
	assert_int_equal(config_init(cfg), 0);
	if (config_load(cfg, write_conf(text, 0644), service, err) != 0)
		return -1;
	return config_finish(cfg, err);
}

#define BASE "issuer = https://idp.example.test\nclient_id = pam-oidc\n"

static void
test_defaults_and_sections(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	assert_int_equal(load(BASE "# comment\n\n[sudo]\nmax_age = 15m\nreuse = same_tty\n[sshd]\nprompt = enter\n",
	    "sudo", &cfg, &err), 0);
	assert_string_equal(cfg.username_claim, "preferred_username");
	assert_int_equal(cfg.timeout, 110);
	assert_int_equal(cfg.leeway, 60);
	assert_int_equal(cfg.max_age, 900);
	assert_int_equal(cfg.reuse, REUSE_SAME_TTY);
	config_free(&cfg);
	assert_int_equal(load(BASE "[sudo]\nmax_age = 15m\n", "sshd", &cfg, &err), 0);
	assert_int_equal(cfg.max_age, 0);
	/* argv overrides the file */
	assert_int_equal(config_set_arg(&cfg, "timeout=30", &err), 0);
	assert_int_equal(cfg.timeout, 30);
	assert_int_equal(config_set_arg(&cfg, "debug", &err), 0);
	assert_int_equal(cfg.debug, 1);
	config_free(&cfg);
}

static void
expect_error(const char *text, const char *needle)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	assert_int_equal(load(text, "sshd", &cfg, &err), -1);
	if (strstr(err.text, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err.text, needle);
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	config_free(&cfg);
}

static void
test_bad_input(void **s)
{
	static const struct {
		const char *text, *needle;
	} cases[] = {
		{ BASE "frobnicate = 1\n", "pam_oidc.conf:3: unknown key \"frobnicate\"" },
		{ BASE "timeout = 30\ntimeout = 40\n", ":4: timeout is set twice" },
		{ BASE "scopes =\n", ":3: scopes has an empty value" },
		{ BASE "timeout = 5\n", "timeout must be" },
		{ BASE "timeout = 99999\n", "timeout must be" },
		{ BASE "timeout = 10x\n", "timeout must be" },
		{ BASE "leeway = -1\n", "leeway must be" },
		{ BASE "qr = maybe\n", "qr must be yes or no" },
		{ BASE "reuse = sometimes\n", "reuse has no value" },
		{ BASE "algorithms = RS256,none\n", ":3: algorithms: algorithm none can never be allowed" },
		{ BASE "ca_file = relative.pem\n", "absolute path" },
		{ BASE "username_claim = a b\n", "username_claim may contain only" },
		{ "issuer = http://idp.example.test\nclient_id = x\n", "issuer must be an https:// URL" },
		{ BASE "scopes = openid \xff\xfe\n", "not UTF-8" },
		{ BASE "scopes = openid\x01\n", "control characters" },
		{ BASE "just some words\n", "expected key = value" },
		{ BASE "[sudo\n", "malformed section" },
		{ BASE "[su do]\n", "bad section name" },
		/* Sections of other services are validated too. */
		{ BASE "[login]\ntimout = 30\n", "unknown key \"timout\"" },
		{ "client_id = x\n", "issuer is not set" },
		{ "issuer = https://x.test\n", "client_id is not set" },
		{ BASE "scopes = profile email\n", "scopes must include openid" },
	};
	char huge[3000];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, cases[i].needle);
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	{
		char *text = malloc(sizeof(huge) + 256);

		snprintf(text, sizeof(huge) + 256, BASE "scopes = openid %s\n", huge);
		expect_error(text, "longer than");
		free(text);
	}
}

static void
test_file_checks(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char link[300];

	config_init(&cfg);
	assert_int_equal(config_load(&cfg, write_conf(BASE, 0666), NULL, &err), -1);
	assert_non_null(strstr(err.text, "not writable by group or others"));
	oidc_error_clear(&err);
	assert_int_equal(config_load(&cfg, write_conf(BASE, 0620), NULL, &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(config_load(&cfg, "/nonexistent/pam_oidc.conf", NULL, &err), -1);
	assert_non_null(strstr(err.text, "cannot open /nonexistent/pam_oidc.conf"));
	oidc_error_clear(&err);
	assert_int_equal(config_load(&cfg, dir, NULL, &err), -1);
	assert_non_null(strstr(err.text, "not a regular file"));
	oidc_error_clear(&err);
	/* A symlink owned by another user is refused (only as root can we
	 * make one). */
	if (geteuid() == 0) {
		write_conf(BASE, 0644);
		snprintf(link, sizeof(link), "%s/link.conf", dir);
		assert_int_equal(symlink(path, link), 0);
		assert_int_equal(lchown(link, 65534, 65534), 0);
		assert_int_equal(config_load(&cfg, link, NULL, &err), -1);
		assert_non_null(strstr(err.text, "symbolic link owned by another user"));
		unlink(link);
		oidc_error_clear(&err);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(config_load(&cfg, path, NULL, &err), -1);
		assert_non_null(strstr(err.text, "owned by root"));
	}
	config_free(&cfg);
}

static void
test_args(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	config_init(&cfg);
	assert_int_equal(config_set_arg(&cfg, "nonsense", &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(config_set_arg(&cfg, "=x", &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(config_set_arg(&cfg, "timeout=", &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(config_set_arg(&cfg, "nokey=1", &err), -1);
	assert_non_null(strstr(err.text, "argument: unknown key"));
	config_free(&cfg);
}

static void
test_durations_and_lists(void **s)
{
	long v;

	assert_int_equal(config_parse_duration("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(config_parse_duration("15m", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(config_parse_duration("8h", &v), 0);
	assert_int_equal(v, 28800);
	assert_int_equal(config_parse_duration("2d", &v), 0);
	assert_int_equal(v, 172800);
	assert_int_equal(config_parse_duration("1w", &v), -1);
	assert_int_equal(config_parse_duration("5mm", &v), -1);
	assert_int_equal(config_parse_duration("-5", &v), -1);
	assert_int_equal(config_parse_duration("99999999999999999999", &v), -1);
	assert_true(config_list_contains("alice, bob carol", "bob"));
	assert_false(config_list_contains("alice, bobby", "bob"));
	assert_false(config_list_contains(NULL, "bob"));
}

static void
test_user_names(void **s)
{
	static const char *const good[] = { "alice", "a", "svc-backup", "john.doe", "_apt", "host$", "A1" };
	static const char *const bad[] = { "", ".", "..", "../root", "a/b", "-rf", ".hidden", "a b", "a\nb",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "al$ce", "\xc3\xa9" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(identity_name_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (identity_name_ok(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
}

static int
setup(void **s)
{
	return unit_scratch(s, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_sections),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_file_checks),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_durations_and_lists),
		cmocka_unit_test(test_user_names),
	};
	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
