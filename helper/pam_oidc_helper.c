/* pam_oidc_helper: reads one request on stdin, talks to the identity
 * provider, writes events on stdout (lib/ipc/ipc.h). It never
 * writes a file and never decides trust. Started as root, it drops to
 * helper_user (and sets no_new_privs) before its first network call. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "ipc/ipc.h"
#include "util/clock.h"
#include "util/jsonutil.h"

/* Set by a closed stdin (the caller's cancel) or by SIGTERM/SIGINT: the
 * operation then stops at its next check (a sleep wakes at once, a
 * transfer within libcurl's progress interval) and exits through the
 * normal path, wiping what it holds. */
static volatile sig_atomic_t cancelled;

static void
on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

int
helper_cancelled(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	if (!cancelled && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
		cancelled = 1;
	return cancelled;
}

int
helper_sleep(long long ms)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	long long end = clock_now_ms() + ms, left;
	int rc;

	while (!cancelled && (left = end - clock_now_ms()) > 0) {
		rc = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
			cancelled = 1;
	}
	return cancelled;
}

int
emit(json_t *event)
{
	int rc = ipc_write(STDOUT_FILENO, event, NULL);

	json_decref(event);
	return rc;
}

int
emit_error(const struct helper_err *e)
{
	enum wire_code code = e->code != WIRE_NONE ? e->code : WIRE_INTERNAL;

	return emit(json_pack("{s:s, s:s, s:s}", "event", "error", "code", wire_code_name(code), "message",
	    e->message));
}

static int
drop_privileges(const char *user, struct helper_err *e)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (geteuid() == 0 || getuid() == 0) {
		if (user == NULL || getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
			return herr(e, WIRE_INTERNAL,
			    "helper_user \"%s\" does not exist; create it with: useradd --system --no-create-home "
			    "--home-dir /nonexistent --shell /usr/sbin/nologin %s", user ? user : "(none)",
			    user ? user : "_pam_oidc");
		if (pw.pw_uid == 0)
			return herr(e, WIRE_INTERNAL, "helper_user must not be root");
		if (setgroups(0, NULL) != 0 || setgid(pw.pw_gid) != 0 || setuid(pw.pw_uid) != 0)
			return herr(e, WIRE_INTERNAL, "cannot switch to helper_user %s: %s", user, strerror(errno));
		/* Paranoia: the switch must be irreversible. */
		if (setuid(0) == 0 || geteuid() == 0)
			return herr(e, WIRE_INTERNAL, "privileges could be regained; refusing to run");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return herr(e, WIRE_INTERNAL, "cannot set no_new_privs: %s", strerror(errno));
	return 0;
}

int
main(void)
{
	struct ipc_reader rd;
	struct oidc_error err = { 0 };
	struct helper_err e = { 0 };
	struct rlimit nocore = { 0, 0 };
	struct http h = { 0 };
	json_t *req = NULL;
	const char *op;
	enum ipc_read got;
	int rc, status = 1;

	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa;

		/* No SA_RESTART: a signal must interrupt poll(). */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	umask(077);
	/* Tokens and secrets live in this process: no core files, and
	 * /proc/PID/{environ,mem} unreadable by the helper user's peers. */
	setrlimit(RLIMIT_CORE, &nocore);
#ifndef PAM_OIDC_SANITIZER_BUILD
	/* (Not in the sanitizer build: LeakSanitizer must ptrace itself.) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
	if (chdir("/") != 0)
		return 2;

	ipc_reader_init(&rd, STDIN_FILENO);
	/* Up to 10 s for the request, in short waits so a signal ends it. */
	for (int waited = 0;
	    (got = ipc_read(&rd, 250, &req, &err)) == IPC_READ_TIMEOUT && !cancelled && waited < 10000;)
		waited += 250;
	if (got != IPC_READ_MESSAGE) {
		herr(&e, WIRE_BAD_REQUEST, "no valid request on stdin: %s",
		    got == IPC_READ_ERROR ? err.text : "timed out");
		if (!cancelled)
			(void)emit_error(&e);   /* exits 2 either way; a caller that is gone hears nothing */
		ipc_reader_clear(&rd);
		return 2;
	}
	/* Extra bytes after the request are a cancel, like EOF. */
	if (rd.in.len > 0)
		cancelled = 1;
	ipc_reader_clear(&rd);
	if (oauth_check_request(req, &e) != 0)
		goto out;
	op = json_string_value(json_object_get(req, "op"));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		herr(&e, WIRE_INTERNAL, "libcurl global initialisation failed");
		goto out;
	}
	/* CA bundle is read inside http_init, before the drop. */
	if (http_init(&h, req, &e) != 0)
		goto out;
	if (drop_privileges(json_string_value(json_object_get(req, "helper_user")), &e) != 0)
		goto out;
	if (strcmp(op, "login") == 0)
		rc = op_login(&h, req, &e);
	else if (strcmp(op, "refresh") == 0)
		rc = op_refresh(&h, req, &e);
	else if (strcmp(op, "fetch") == 0)
		rc = op_fetch(&h, req, &e);
	else
		rc = op_discover(&h, req, &e);
	if (rc == 0)
		status = 0;
out:
	if (status != 0 && e.code != WIRE_CANCELLED)
		(void)emit_error(&e);   /* the exit status says it failed; a caller that is gone hears nothing */
	http_cleanup(&h);
	if (req != NULL) {
		/* Wipe secrets the request carried before freeing it. */
		json_wipe_member(req, "client_secret");
		json_wipe_member(req, "refresh_token");
		json_decref(req);
	}
	curl_global_cleanup();
	return status;
}
