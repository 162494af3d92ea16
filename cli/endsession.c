/* Ending login sessions (cli/endsession.h). Who controls what we act on:
 * the record is root's (the store is root-only); the pid is checked with
 * its start time through a pidfd, so a pid handed out again is never
 * signalled; the tree is walked with each parent link re-checked; the
 * logind session comes from the kernel's cgroup file of that verified
 * process and must be under this user's slice. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "endsession.h"
#include "core/revoke.h"

#ifndef LOGINCTL_PATH
#define LOGINCTL_PATH "/usr/bin/loginctl"
#endif

struct victim {
	int fd;              /* pidfd, or -1 */
	struct proc_id id;
};

struct end_state {
	struct victim *v;
	size_t n;
	int signalled;
};

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "-");
}

int
end_target_init(struct end_target *t, const json_t *rec, enum on_revoke how, long grace, const char *why)
{
	const char *refusal = revoke_session_refusal(rec);
	const char *ls = json_string_value(json_object_get(rec, "logind_session"));

	memset(t, 0, sizeof(*t));
	copy_str(t->id, sizeof(t->id), json_string_value(json_object_get(rec, "id")));
	copy_str(t->user, sizeof(t->user), json_string_value(json_object_get(rec, "user")));
	copy_str(t->service, sizeof(t->service), json_string_value(json_object_get(rec, "service")));
	t->uid = (uid_t)json_integer_value(json_object_get(rec, "uid"));
	t->anchor.pid = (int64_t)json_integer_value(json_object_get(rec, "anchor_pid"));
	t->anchor.start = (int64_t)json_integer_value(json_object_get(rec, "anchor_start"));
	if (ls != NULL && strlen(ls) <= PROC_SESSION_ID_MAX)
		copy_str(t->logind, sizeof(t->logind), ls);
	t->how = how;
	t->grace = grace;
	copy_str(t->why, sizeof(t->why), why);
	if (refusal != NULL) {
		t->how = ON_REVOKE_KEEP;
		snprintf(t->done, sizeof(t->done), "not ended: %s", refusal);
		return -1;
	}
	return 0;
}

/* A pidfd for exactly id, or -1: the start time is read after the pidfd
 * pins the process, so a recycled pid never matches. */
static int
pidfd_for(const struct proc_id *id)
{
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)id->pid, 0);

	if (fd < 0)
		return -1;
	if (!procinfo_is(id)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
pidfd_alive(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 0;
}

static void
add_victims(struct end_state *s, const struct proc_id *anchor)
{
	struct proc_id *tree = calloc(PROC_TREE_MAX, sizeof(*tree));
	int n, i;
	size_t k;

	if (tree == NULL)
		return;
	n = procinfo_tree(anchor, tree, PROC_TREE_MAX);
	for (i = 0; i < n; i++) {
		struct victim *nv;
		int seen = 0, fd;

		for (k = 0; k < s->n; k++)
			if (s->v[k].id.pid == tree[i].pid && s->v[k].id.start == tree[i].start)
				seen = 1;
		if (seen || (fd = pidfd_for(&tree[i])) < 0)
			continue;
		if ((nv = realloc(s->v, (s->n + 1) * sizeof(*nv))) == NULL) {
			close(fd);
			break;
		}
		s->v = nv;
		s->v[s->n].fd = fd;
		s->v[s->n].id = tree[i];
		s->n++;
	}
	free(tree);
}

static void
signal_all(struct end_state *s, int sig)
{
	size_t k;

	for (k = 0; k < s->n; k++)
		if (s->v[k].fd >= 0 && pidfd_alive(s->v[k].fd) &&
		    syscall(SYS_pidfd_send_signal, s->v[k].fd, sig, NULL, 0) == 0) {
			s->signalled++;
			/* A stopped process acts on SIGHUP only once continued. */
			if (sig == SIGHUP)
				(void)syscall(SYS_pidfd_send_signal, s->v[k].fd, SIGCONT, NULL, 0);
		}
}

static size_t
alive_count(const struct end_state *s)
{
	size_t k, n = 0;

	for (k = 0; k < s->n; k++)
		if (s->v[k].fd >= 0 && pidfd_alive(s->v[k].fd))
			n++;
	return n;
}

/* loginctl VERB ID with an empty environment; 0 when it succeeded. */
static int
loginctl(const char *verb, const char *id)
{
	char *const argv[] = { (char *)LOGINCTL_PATH, (char *)verb, (char *)id, NULL };
	char *const envp[] = { NULL };
	int status;
	pid_t pid;

	if (access(LOGINCTL_PATH, X_OK) != 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execve(LOGINCTL_PATH, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The logind session of the verified session process, as this user's,
 * when logind runs and knows it; "" otherwise. A recorded id that differs
 * from the live one is not trusted either way. */
static int
live_logind(const struct end_target *t, char id[PROC_SESSION_ID_MAX + 1])
{
	char path[128];
	struct stat sb;

	if (procinfo_logind_session(t->anchor.pid, t->uid, id) != 0 || !procinfo_is(&t->anchor))
		return -1;
	if (t->logind[0] != '\0' && strcmp(t->logind, id) != 0)
		return -1;
	snprintf(path, sizeof(path), "/run/systemd/sessions/%s", id);
	return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? 0 : -1;
}

static void
pid_list(const struct end_state *s, char *buf, size_t size)
{
	size_t k, len = 0;

	buf[0] = '\0';
	for (k = 0; k < s->n && len + 24 < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s%lld", k ? "," : "", (long long)s->v[k].id.pid);
	if (k < s->n)
		snprintf(buf + len, size - len, ",...");
}

static void
log_end(const struct end_target *t, const char *lid, const char *pids)
{
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "session %.8s of %s (service %s, logind session %s, pids %s): %s; %s", t->id,
	    t->user, t->service, lid[0] ? lid : "-", pids[0] ? pids : "-", t->done, t->why);
}

void
end_sessions(struct end_target *t, size_t n)
{
	struct end_state *st = calloc(n ? n : 1, sizeof(*st));
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	char lid[PROC_SESSION_ID_MAX + 1], pids[256];
	long grace = 0, waited;
	size_t i;

	if (st == NULL)
		return;
	openlog("pam-oidc", LOG_PID, LOG_AUTHPRIV);
	for (i = 0; i < n; i++) {
		lid[0] = '\0';
		if (t[i].how == ON_REVOKE_KEEP)
			continue;
		if (!procinfo_is(&t[i].anchor)) {
			snprintf(t[i].done, sizeof(t[i].done), "session already ended");
			continue;
		}
		if (live_logind(&t[i], lid) != 0)
			lid[0] = '\0';
		if (t[i].how == ON_REVOKE_LOCK) {
			if (lid[0] != '\0' && loginctl("lock-session", lid) == 0)
				snprintf(t[i].done, sizeof(t[i].done), "locked through logind");
			else
				snprintf(t[i].done, sizeof(t[i].done), "kept: on_revoke = lock needs logind");
			log_end(&t[i], lid, "");
			continue;
		}
		if (lid[0] != '\0' && loginctl("terminate-session", lid) == 0) {
			snprintf(t[i].done, sizeof(t[i].done), "terminated through logind");
			log_end(&t[i], lid, "");
			continue;
		}
		add_victims(&st[i], &t[i].anchor);
		signal_all(&st[i], SIGHUP);
		if (t[i].grace > grace)
			grace = t[i].grace;
		snprintf(t[i].done, sizeof(t[i].done), "terminated (SIGHUP)");
	}
	/* One grace for all: the longest, cut short once all are gone. */
	for (waited = 0; waited < grace * 10; waited++) {
		size_t left = 0;

		for (i = 0; i < n; i++)
			left += alive_count(&st[i]);
		if (left == 0)
			break;
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < n; i++) {
		if (st[i].n == 0)
			continue;
		/* Children forked during the grace, then whatever is left. */
		if (procinfo_is(&t[i].anchor))
			add_victims(&st[i], &t[i].anchor);
		if (alive_count(&st[i]) > 0) {
			signal_all(&st[i], SIGKILL);
			snprintf(t[i].done, sizeof(t[i].done), "terminated (SIGHUP, then SIGKILL after the grace)");
		}
		pid_list(&st[i], pids, sizeof(pids));
		log_end(&t[i], "", pids);
	}
	for (i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < st[i].n; k++)
			if (st[i].v[k].fd >= 0)
				close(st[i].v[k].fd);
		free(st[i].v);
	}
	free(st);
	closelog();
}
