/* The helper as a child process: spawn it with nothing of its caller's,
 * and end it with its whole process group (spawn.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc/spawn.h"
#include "util/clock.h"

static void
close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0) == 0)
		return;
#endif
	for (long fd = lowfd, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 ? max : 65536); fd++)
		close((int)fd);
}

/* The helper's resource limits, whatever its caller had. */
static const struct {
	int resource;
	struct rlimit lim;
} helper_limits[] = {
	{ RLIMIT_CPU, { RLIM_INFINITY, RLIM_INFINITY } },
	{ RLIMIT_FSIZE, { RLIM_INFINITY, RLIM_INFINITY } },
	{ RLIMIT_DATA, { RLIM_INFINITY, RLIM_INFINITY } },
	{ RLIMIT_AS, { RLIM_INFINITY, RLIM_INFINITY } },
	{ RLIMIT_STACK, { 8u * 1024u * 1024u, RLIM_INFINITY } },
	{ RLIMIT_NOFILE, { 1024, 4096 } },
	{ RLIMIT_NPROC, { RLIM_INFINITY, RLIM_INFINITY } },
};

int
helper_spawn(const char *path, struct helper_proc *h, struct oidc_error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, devnull;
	char *const argv[] = { (char *)"pam_oidc_helper", NULL };
	char *const envp[] = { NULL };
	sigset_t all;
	pid_t pid;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->to = -1;
	ipc_reader_init(&h->from, -1);
	if (path[0] != '/')
		return oidc_error_set(err, OIDC_E_CONFIG, "helper path %s is not absolute", path);
	if (access(path, X_OK) != 0)
		return oidc_error_set(err, OIDC_E_CONFIG, "helper %s is not executable: %s", path, strerror(errno));
	/* Its stdin is a socket so that ipc_write() can send with MSG_NOSIGNAL;
	 * a closed socket reads as EOF, the helper's cancel, like a pipe. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		oidc_error_set(err, OIDC_E_IO, "socketpair/pipe: %s", strerror(errno));
		goto fail;
	}
	/* SIGCHLD stays as the caller set it (sshd and sudo rely on their
	 * handler, and may be threaded): helper_finish() copes with a handler
	 * that reaps our child first. */
	pid = fork();
	if (pid < 0) {
		oidc_error_set(err, OIDC_E_IO, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* Child: async-signal-safe calls only. A session of its own: no
		 * controlling terminal (a taken-over helper must never reach the
		 * caller's terminal, e.g. TIOCSTI into the shell that follows)
		 * and a process group of its own that helper_finish() kills. */
		if (setsid() < 0)
			_exit(127);
		/* Limits a user set before running su would otherwise starve the
		 * helper into "IdP unreachable", the password fallback. */
		for (size_t i = 0; i < sizeof(helper_limits) / sizeof(helper_limits[0]); i++)
			(void)setrlimit(helper_limits[i].resource, &helper_limits[i].lim);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		if (dup2(in[1], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		devnull = open("/dev/null", O_WRONLY | O_NOCTTY);
		if (devnull < 0 || dup2(devnull, 2) < 0)
			_exit(127);
		close_from(3);
		execve(path, argv, envp);
		_exit(127);
	}
	close(in[1]);
	close(out[1]);
	h->pid = pid;
	h->to = in[0];
	ipc_reader_init(&h->from, out[0]);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}

/* Ends the helper's whole process group, then reaps the helper.
 *
 * The group id is the helper's pid (setsid() in helper_spawn()). It is
 * ours to signal only while the helper is alive or an unreaped zombie:
 * then no other process can have that pid, so no other group can have
 * that id. waitid(WNOWAIT) sees the exit without reaping; the group is
 * killed while we still hold the zombie, and only then reaped.
 *
 * If the caller's SIGCHLD handler (or SIGCHLD set to SIG_IGN) reaped the
 * helper first, waitid() fails with ECHILD: the pid, and with it the
 * group id, may already belong to someone else, so nothing is signalled.
 * What the group still held then lives on, but without a controlling
 * terminal (setsid()) and as the unprivileged helper user. */
int
helper_finish(struct helper_proc *h, int grace_ms)
{
	long long deadline = clock_now_ms() + grace_ms;
	int status = -1, killed = 0;
	siginfo_t si;
	pid_t w;

	if (h->to >= 0) {
		close(h->to);
		h->to = -1;
	}
	if (h->pid > 0) {
		for (;;) {
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)h->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0) {
				if (errno == EINTR)
					continue;
				break;   /* ECHILD: reaped by the caller's handler; never signal it */
			}
			if (si.si_pid == h->pid) {
				/* A zombie we hold: the group id is still ours. */
				kill(-h->pid, SIGKILL);
				while ((w = waitpid(h->pid, &status, 0)) < 0 && errno == EINTR)
					;
				if (w != h->pid)
					status = -1;
				break;
			}
			if (!killed && clock_now_ms() >= deadline) {
				/* Alive: the group id is ours. */
				kill(-h->pid, SIGKILL);
				killed = 1;
			}
			{
				struct timespec ts = { 0, 10 * 1000 * 1000 };

				nanosleep(&ts, NULL);
			}
		}
		h->pid = -1;
	}
	if (h->from.fd >= 0) {
		close(h->from.fd);
		h->from.fd = -1;
	}
	ipc_reader_clear(&h->from);
	if (status >= 0 && WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}
