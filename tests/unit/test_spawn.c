/* helper_spawn()/helper_finish() as a taken-over helper would test them
 * (issue 12, findings 4 and 8): the helper has no controlling terminal and
 * leads its own session; a grandchild it left behind dies with it; the
 * caller's SIGCHLD disposition is never touched; writing to a helper that
 * already exited is an error, not a SIGPIPE that kills the caller. The
 * helpers are small shell scripts written to a temporary folder. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ipc/spawn.h"
#include "unit.h"

static char dir[64];

static const char wait_sh[] = "#!/bin/sh\nexec /bin/cat > /dev/null\n";
static const char exit_sh[] = "#!/bin/sh\nexit 0\n";
/* Leaves a grandchild behind, in the helper's process group. */
static const char grandchild_sh[] =
    "#!/bin/sh\n/bin/sleep 1000 < /dev/null > /dev/null 2>&1 &\necho \"{\\\"gc\\\":$!}\"\nexec /bin/cat > /dev/null\n";
/* Reports whether it can open the controlling terminal. */
static const char tty_sh[] =
    "#!/bin/sh\nif (exec 3< /dev/tty) 2> /dev/null; then t=1; else t=0; fi\necho \"{\\\"tty\\\":$t}\"\n"
    "exec /bin/cat > /dev/null\n";

static void
script(const char *name, const char *text, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	unit_write(path, text, 0755);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_spawn.XXXXXX");
	return unit_scratch(state, dir);
}

static void
on_chld(int sig)
{
	(void)sig;
}

static void
test_sigchld_untouched(void **state)
{
	struct oidc_error err = { 0 };
	struct helper_proc h;
	struct sigaction sa, cur;
	char path[128];

	(void)state;
	script("wait.sh", wait_sh, path, sizeof(path));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, NULL), 0);

	assert_int_equal(helper_spawn(path, &h, &err), 0);
	assert_int_equal(sigaction(SIGCHLD, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_handler, on_chld);
	assert_int_equal(helper_finish(&h, 5000), 0);
	assert_int_equal(sigaction(SIGCHLD, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_handler, on_chld);

	/* SIGCHLD ignored: the kernel reaps the helper before we can. That
	 * is no error of ours, and nothing is signalled. */
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGCHLD, &sa, NULL), 0);
	assert_int_equal(helper_spawn(path, &h, &err), 0);
	assert_int_equal(helper_finish(&h, 5000), -1);
	assert_int_equal(sigaction(SIGCHLD, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_handler, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
}

/* Gone, a zombie, or SIGKILL already pending (it dies on its next way
 * through the kernel): no wait on the clock needed. */
static int
dead_or_dying(pid_t pid)
{
	char path[64], line[256];
	int dying = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "State:", 6) == 0 && strchr(line, 'Z') != NULL)
			dying = 1;
		if ((strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0) &&
		    (strtoull(line + 7, NULL, 16) & (1ULL << (SIGKILL - 1))))
			dying = 1;
	}
	fclose(f);
	return dying;
}

static void
test_grandchild_killed(void **state)
{
	struct oidc_error err = { 0 };
	struct helper_proc h;
	char path[128];
	json_t *msg = NULL;
	pid_t gc, pgid, hpid;
	int dead;

	(void)state;
	script("grandchild.sh", grandchild_sh, path, sizeof(path));
	/* The orphaned grandchild comes to us, so we can reap it. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	assert_int_equal(helper_spawn(path, &h, &err), 0);
	assert_int_equal(ipc_read(&h.from, 10000, &msg, &err), IPC_READ_MESSAGE);
	gc = (pid_t)json_integer_value(json_object_get(msg, "gc"));
	json_decref(msg);
	assert_true(gc > 0);
	pgid = getpgid(gc);
	hpid = h.pid;
	helper_finish(&h, 5000);
	dead = dead_or_dying(gc);
	if (!dead)
		kill(gc, SIGKILL);
	waitpid(gc, NULL, 0);
	assert_int_equal(pgid, hpid);   /* in the helper's own group */
	assert_true(dead);
}

/* In a session of our own with a pty as controlling terminal, as sshd's,
 * su's or sudo's session would be. Exit bits: 1 the helper opened
 * /dev/tty, 2 it does not lead its own session, 4 it has a controlling
 * terminal in /proc; 77 no pty here. */
static int
tty_child(const char *path)
{
	struct oidc_error err = { 0 };
	struct helper_proc h;
	char *slave, stat_path[64], buf[512], *p;
	int master, fd, sid = 0, tty_nr = -1, bits = 0;
	json_t *msg = NULL;
	ssize_t n;

	if ((master = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
	    (slave = ptsname(master)) == NULL || setsid() < 0 || open(slave, O_RDWR) < 0)
		return 77;
	if (open("/dev/tty", O_RDWR) < 0)
		return 77;
	if (helper_spawn(path, &h, &err) != 0 || ipc_read(&h.from, 10000, &msg, &err) != IPC_READ_MESSAGE)
		return 99;
	if (json_integer_value(json_object_get(msg, "tty")) != 0)
		bits |= 1;
	json_decref(msg);
	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)h.pid);
	if ((fd = open(stat_path, O_RDONLY)) < 0)
		return 98;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 98;
	buf[n] = '\0';
	/* pid (comm) state ppid pgrp session tty_nr: comm may hold spaces. */
	if ((p = strrchr(buf, ')')) == NULL || strlen(p) < 4)
		return 97;
	p += 4;
	(void)strtol(p, &p, 10);   /* ppid */
	(void)strtol(p, &p, 10);   /* pgrp */
	sid = (int)strtol(p, &p, 10);
	tty_nr = (int)strtol(p, &p, 10);
	if (sid != h.pid)
		bits |= 2;
	if (tty_nr != 0)
		bits |= 4;
	fprintf(stderr, "helper pid %d sid %d tty_nr %d\n", (int)h.pid, sid, tty_nr);
	helper_finish(&h, 5000);
	return bits;
}

static void
test_no_controlling_tty(void **state)
{
	char path[128];
	pid_t pid;
	int status;

	(void)state;
	script("tty.sh", tty_sh, path, sizeof(path));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(tty_child(path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_write_to_exited_helper(void **state)
{
	struct oidc_error err = { 0 };
	struct helper_proc h;
	char path[128];
	siginfo_t si;
	json_t *req;

	(void)state;
	/* The default disposition, as in login: a SIGPIPE would end us. */
	signal(SIGPIPE, SIG_DFL);
	script("exit.sh", exit_sh, path, sizeof(path));
	assert_int_equal(helper_spawn(path, &h, &err), 0);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)h.pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(si.si_pid, h.pid);
	req = json_pack("{s:s}", "op", "login");
	assert_int_equal(ipc_write(h.to, req, &err), -1);
	json_decref(req);
	assert_int_equal(err.reason, OIDC_E_IO);
	assert_int_equal(helper_finish(&h, 5000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigchld_untouched),
		cmocka_unit_test(test_grandchild_killed),
		cmocka_unit_test(test_no_controlling_tty),
		cmocka_unit_test(test_write_to_exited_helper),
	};

	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
