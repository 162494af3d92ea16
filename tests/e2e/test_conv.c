/* The exact conversation pam_oidc holds, asserted through libpamtest's
 * _pamtest_conv(): the device code and the Enter prompt must travel in
 * ONE conversation call (that is what makes sshd show them), in this order
 * and wording. Runs inside the private namespace (tests/e2e/test_conv.sh);
 * argv: approve.sh CA ISSUER. */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

static const char *approve_sh, *ca, *issuer;
static int calls, failures;
static int first_call_msgs;
static char last_info[512];

#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); } } while (0)

static int
run_approver(const char *code)
{
	char uri[512];
	pid_t pid;
	int status = -1;

	snprintf(uri, sizeof(uri), "%s/device", issuer);
	pid = fork();
	if (pid == 0) {
		execl(approve_sh, approve_sh, ca, uri, code, "alice", (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int
matches(const char *re, const char *s)
{
	regex_t r;
	int ok;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	char want[512], host[256], code[64] = "";
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	calls++;
	if (calls == 1) {
		first_call_msgs = n;
		gethostname(host, sizeof(host));
		CHECK(n == 5, "first call carries %d messages, want 5 (4 info + prompt)", n);
		if (n == 5) {
			snprintf(want, sizeof(want), "Sign-in requested for alice on %s (service oidc-conv)", host);
			CHECK(msg[0]->msg_style == PAM_TEXT_INFO && strcmp(msg[0]->msg, want) == 0, "msg0 [%s]", msg[0]->msg);
			snprintf(want, sizeof(want), "To sign in, open %s/device", issuer);
			CHECK(msg[1]->msg_style == PAM_TEXT_INFO && strcmp(msg[1]->msg, want) == 0, "msg1 [%s]", msg[1]->msg);
			CHECK(msg[2]->msg_style == PAM_TEXT_INFO &&
			    matches("^and enter the code: [BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$", msg[2]->msg),
			    "msg2 [%s]", msg[2]->msg);
			sscanf(msg[2]->msg, "and enter the code: %63s", code);
			snprintf(want, sizeof(want), "(or open %s/device?user_code=%s)", issuer, code);
			CHECK(msg[3]->msg_style == PAM_TEXT_INFO && strcmp(msg[3]->msg, want) == 0, "msg3 [%s]", msg[3]->msg);
			CHECK(msg[4]->msg_style == PAM_PROMPT_ECHO_OFF &&
			    strcmp(msg[4]->msg, "Press Enter after you have approved the sign-in: ") == 0, "msg4 [%s]", msg[4]->msg);
			CHECK(run_approver(code) == 0, "approval driver failed");
		}
	}
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_TEXT_INFO || msg[i]->msg_style == PAM_ERROR_MSG)
			snprintf(last_info, sizeof(last_info), "%s", msg[i]->msg);
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup("");
	}
	*resp = r;
	return PAM_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct pam_testcase tests[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err e;

	if (argc != 4) {
		fprintf(stderr, "usage: test_conv APPROVE_SH CA ISSUER\n");
		return 2;
	}
	approve_sh = argv[1];
	ca = argv[2];
	issuer = argv[3];
	/* libpamtest 1.1.4's run_pamtest_conv() macro misplaces a parenthesis;
	 * call the function it wraps. */
	e = _pamtest_conv("oidc-conv", "alice", conv, NULL, tests, sizeof(tests) / sizeof(tests[0]), NULL);
	CHECK(e == PAMTEST_ERR_OK, "pam_authenticate: %s", pamtest_strerror(e));
	CHECK(strcmp(last_info, "Signed in as alice.") == 0, "last message [%s]", last_info);
	CHECK(calls == 2, "%d conversation calls, want 2 (the prompt, then the welcome)", calls);
	printf("conversation: %d calls, first with %d messages; %d failures\n", calls, first_call_msgs, failures);
	return failures ? 1 : 0;
}
