#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_oidc/ipc.h"
#include "pam_oidc/jsonutil.h"

long long
ipc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ipc_reader_init(struct ipc_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
}

void
ipc_reader_clear(struct ipc_reader *r)
{
	if (r->buf != NULL) {
		explicit_bzero(r->buf, r->cap);
		free(r->buf);
	}
	r->buf = NULL;
	r->len = r->cap = 0;
}

static int
take_line(struct ipc_reader *r, json_t **out, struct oidc_error *err)
{
	char *nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
	size_t n;
	int rc;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - r->buf);
	rc = json_parse_strict(r->buf, n, out, err);
	explicit_bzero(r->buf, n + 1);
	memmove(r->buf, nl + 1, r->len - n - 1);
	r->len -= n + 1;
	if (rc != 0)
		return -1;
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return oidc_error_set(err, OIDC_E_MALFORMED, "message is not a JSON object");
	}
	return 1;
}

int
ipc_read(struct ipc_reader *r, int timeout_ms, json_t **out, struct oidc_error *err)
{
	long long deadline = timeout_ms < 0 ? -1 : ipc_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char *nbuf;
	ssize_t n;
	int rc, wait;

	for (;;) {
		if ((rc = take_line(r, out, err)) != 0)
			return rc;
		if (r->len >= IPC_MAX_LINE)
			return oidc_error_set(err, OIDC_E_TOO_LARGE, "message longer than %u bytes", IPC_MAX_LINE);
		wait = -1;
		if (deadline >= 0) {
			long long left = deadline - ipc_now_ms();

			if (left <= 0)
				return 0;
			wait = left > 60000 ? 60000 : (int)left;
		}
		rc = poll(&pfd, 1, wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return oidc_error_set(err, OIDC_E_IO, "poll: %s", strerror(errno));
		if (rc == 0)
			continue;
		if (r->cap - r->len < 4096) {
			size_t ncap = r->cap ? r->cap * 2 : 8192;

			if ((nbuf = malloc(ncap)) == NULL)
				return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
			if (r->buf != NULL) {
				memcpy(nbuf, r->buf, r->len);
				explicit_bzero(r->buf, r->cap);
				free(r->buf);
			}
			r->buf = nbuf;
			r->cap = ncap;
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return oidc_error_set(err, OIDC_E_IO, "read: %s", strerror(errno));
		if (n == 0)
			return oidc_error_set(err, OIDC_E_IO, "the other side closed the pipe");
		r->len += (size_t)n;
	}
}

int
ipc_write(int fd, const json_t *msg, struct oidc_error *err)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t len, off = 0;
	ssize_t n;
	int r = -1;

	if (s == NULL)
		return oidc_error_set(err, OIDC_E_NOMEM, "cannot serialise message");
	len = strlen(s);
	s[len] = '\n';   /* json_dumps leaves room for the NUL we replace */
	while (off < len + 1) {
		/* To the helper (a socket): MSG_NOSIGNAL, so a helper that has
		 * already exited costs an EPIPE, never a SIGPIPE that would kill
		 * sshd, sudo or login. The helper writes to its stdout pipe and
		 * ignores SIGPIPE itself. */
		n = send(fd, s + off, len + 1 - off, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, s + off, len + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			oidc_error_set(err, OIDC_E_IO, "write: %s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	r = 0;
out:
	explicit_bzero(s, len + 1);
	free(s);
	return r;
}

static int
ev_string(const json_t *ev, const char *key, size_t min, size_t max, int optional)
{
	const json_t *v = json_object_get(ev, key);

	return v == NULL ? optional : json_string_ok(v, min, max);
}

static int
ev_url(const json_t *ev, const char *key, int optional)
{
	const json_t *v = json_object_get(ev, key);

	return v == NULL ? optional : json_https_url(v, IPC_MAX_URI);
}

static int
ev_int(const json_t *ev, const char *key, json_int_t min, json_int_t max, int optional)
{
	const json_t *v = json_object_get(ev, key);

	if (v == NULL)
		return optional;
	return json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max;
}

const char *
ipc_event_check(const json_t *ev, struct oidc_error *err)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	const json_t *disc;
	int ok;

	if (!json_is_object(ev) || kind == NULL) {
		oidc_error_set(err, OIDC_E_MALFORMED, "helper message without an event kind");
		return NULL;
	}
	if (strcmp(kind, "metadata") == 0) {
		disc = json_object_get(ev, "discovery");
		ok = (disc == NULL || json_is_object(disc)) && ev_string(ev, "jwks", 2, IPC_MAX_LINE, 1) &&
		    (disc != NULL || json_object_get(ev, "jwks") != NULL);
	} else if (strcmp(kind, "device") == 0) {
		ok = ev_url(ev, "verification_uri", 0) && ev_url(ev, "verification_uri_complete", 1) &&
		    ev_string(ev, "user_code", 1, IPC_MAX_USER_CODE, 0) &&
		    ev_int(ev, "expires_in", 1, IPC_MAX_EXPIRES_IN, 0) && ev_int(ev, "interval", 1, 3600, 0);
	} else if (strcmp(kind, "pending") == 0) {
		ok = ev_int(ev, "interval", 1, 3600, 0) && ev_int(ev, "polls", 0, 1000000, 0);
	} else if (strcmp(kind, "tokens") == 0) {
		ok = ev_string(ev, "id_token", 1, IPC_MAX_TOKEN, 1) && ev_string(ev, "refresh_token", 1, IPC_MAX_TOKEN, 1) &&
		    ev_int(ev, "expires_in", 0, INT64_MAX, 1);
	} else if (strcmp(kind, "error") == 0) {
		ok = ev_string(ev, "code", 1, 64, 0) && ev_string(ev, "message", 0, 4096, 0);
	} else {
		oidc_error_set(err, OIDC_E_MALFORMED, "helper sent an unknown event");
		return NULL;
	}
	if (!ok) {
		oidc_error_set(err, OIDC_E_MALFORMED, "helper sent a malformed %s event", kind);
		return NULL;
	}
	return kind;
}

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
	long long deadline = ipc_now_ms() + grace_ms;
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
			if (!killed && ipc_now_ms() >= deadline) {
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
