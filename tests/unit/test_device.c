/* What the person is told (lib/core/device.c, issue 17): where the
 * sign-in comes from (a remote host, else a terminal, else neither; NULL
 * and "" alike), and when an unanswered flow means the IdP is gone. */
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

#include "core/device.h"
#include "util/clock.h"
#include "util/text.h"

static char *
first_line(const char *rhost, const char *tty)
{
	json_t *dev = json_pack("{s:s, s:s, s:s, s:i}", "event", "device", "verification_uri",
	    "https://idp.example/device", "user_code", "ABCD-EFGH", "expires_in", 600);
	struct device_who who = { "alice", "login", rhost, tty };
	char *lines[8];
	int n = device_lines(dev, &who, 0, lines, 8);
	char *first;

	assert_int_equal(n, 3);
	assert_string_equal(lines[1], "To sign in, open https://idp.example/device");
	assert_string_equal(lines[2], "and enter the code: ABCD-EFGH");
	first = lines[0];
	device_lines_free(lines + 1, n - 1);
	json_decref(dev);
	return first;
}

static void
check_first(const char *rhost, const char *tty, const char *where)
{
	char host[256] = "", want[600];
	char *got = first_line(rhost, tty);

	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "this host");
	snprintf(want, sizeof(want), "Sign-in requested for alice on %s (service login%s)", host, where);
	assert_string_equal(got, want);
	assert_null(strstr(got, "from )"));
	free(got);
}

static void
test_where(void **s)
{
	(void)s;
	check_first("192.0.2.7", "ssh", ", from 192.0.2.7");
	check_first("192.0.2.7", NULL, ", from 192.0.2.7");
	check_first(NULL, "/dev/pts/0", ", on /dev/pts/0");
	check_first("", "/dev/pts/0", ", on /dev/pts/0");
	check_first(NULL, "pts/3", ", on /dev/pts/3");
	check_first(NULL, "tty1", ", on /dev/tty1");
	check_first(NULL, NULL, "");
	check_first("", "", "");
	check_first(NULL, "", "");
	check_first("", NULL, "");
	/* Control characters never reach the screen. */
	check_first("evil\033[2Jhost", NULL, ", from evil[2Jhost");
}

static void
test_waiting_lines(void **s)
{
	char *l = NULL;

	(void)s;
	assert_true(device_countdown_line(80, &l) > 0);
	assert_string_equal(l, "Still waiting for approval (80 s left).");
	free(l);
	assert_true(device_waiting_line(0, 110, &l) > 0);
	assert_non_null(strstr(l, "Waiting for approval until "));
	assert_non_null(strstr(l, " (110 s)."));
	free(l);
}

static void
test_outcome(void **s)
{
	struct oidc_config cfg;
	struct oidc_flow f;
	struct oidc_error err = { 0 };

	(void)s;
	memset(&cfg, 0, sizeof(cfg));
	memset(&f, 0, sizeof(f));
	cfg.timeout = 110;
	assert_int_equal(device_outcome(FLOW_DONE, &cfg, &f, &err), OIDC_OK);
	/* Heard from the IdP a moment ago: nobody approved. */
	f.interval = 5;
	f.heard_ms = clock_now_ms() - 1000;
	assert_int_equal(device_outcome(FLOW_PENDING, &cfg, &f, &err), OIDC_E_LOGIN_EXPIRED);
	assert_string_equal(err.text, "not approved within 110 s");
	oidc_error_drop(&err);
	/* Silent for longer than two intervals and a slow_down step. */
	f.heard_ms = clock_now_ms() - device_silence_limit_ms(5) - 1000;
	assert_true(device_idp_silent(&f));
	assert_int_equal(device_outcome(FLOW_PENDING, &cfg, &f, &err), OIDC_E_IDP_UNAVAILABLE);
	assert_non_null(strstr(err.text, "stopped answering"));
	oidc_error_drop(&err);
	/* A made-up flow (no helper) never counts as an IdP gone. */
	assert_false(device_idp_silent(NULL));
	assert_int_equal(device_outcome(FLOW_PENDING, &cfg, NULL, &err), OIDC_E_LOGIN_EXPIRED);
	oidc_error_drop(&err);
	assert_true(device_silence_limit_ms(0) == device_silence_limit_ms(5));
}

static void
test_dash(void **s)
{
	(void)s;
	assert_string_equal(text_or_dash(NULL), "-");
	assert_string_equal(text_or_dash(""), "-");
	assert_string_equal(text_or_dash("x"), "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_waiting_lines),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_dash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
