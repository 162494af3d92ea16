/* Ending login sessions (cli/endsession.h). Who controls what we act on:
 * the record is root's (the store is root-only); the pid is checked with
 * its start time through a pidfd, so a pid handed out again is never
 * signalled; the tree is walked with each parent link re-checked; the
 * logind session comes from the kernel's cgroup file of that verified
 * process, at exactly the path logind gives this user's sessions, and
 * logind's own record of it must name this user (and this process as its
 * leader when it names one). The user controls every process of her
 * session: none of them is given a signal it can catch before the whole
 * tree is stopped (a SIGHUP handler that forks into a new session is
 * reparented to init, out of reach of any later walk). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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
#include "util/text.h"

#ifndef LOGINCTL_PATH
#define LOGINCTL_PATH "/usr/bin/loginctl"
#endif

struct victim {
	int fd;              /* pidfd, or -1 */
	struct proc_id id;
	int stopped;         /* SIGSTOP sent */
	int gone;            /* seen exited before we killed it */
	int resumed;         /* seen running again after its SIGSTOP */
};

struct end_state {
	struct victim *v;
	size_t n;
	int active;          /* terminate: the tree is ours to end */
	int logind;          /* logind was asked to terminate it too */
	int spare;           /* the session process is root's own (sshd, login): it may close the session */
	size_t killed;
	size_t left;         /* victims that exited by themselves while being stopped */
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
	t->anchor_root = json_integer_value(json_object_get(rec, "anchor_uid")) == 0 &&
	    json_is_true(json_object_get(rec, "anchor_opened"));
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

	return fd >= 0 && poll(&p, 1, 0) == 0;
}

static int
send_sig(const struct victim *v, int sig)
{
	return v->fd >= 0 && pidfd_alive(v->fd) && syscall(SYS_pidfd_send_signal, v->fd, sig, NULL, 0) == 0;
}

/* Adds the live victims' descendants (and roots, the first time) not yet
 * known; the number added. */
static size_t
add_victims(struct end_state *s, const struct proc_id *roots, size_t nroots)
{
	struct proc_id *tree = calloc(PROC_TREE_MAX, sizeof(*tree));
	size_t added = 0;
	int n, i;

	if (tree == NULL)
		return 0;
	n = procinfo_forest(roots, nroots, tree, PROC_TREE_MAX);
	for (i = 0; i < n; i++) {
		struct victim *nv;
		size_t k;
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
		memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
		s->v[s->n].fd = fd;
		s->v[s->n].id = tree[i];
		s->n++;
		added++;
	}
	free(tree);
	return added;
}

static size_t
alive_count(const struct end_state *s, int skip_anchor)
{
	size_t k, n = 0;

	for (k = skip_anchor ? 1 : 0; k < s->n; k++)
		if (pidfd_alive(s->v[k].fd))
			n++;
	return n;
}

/* 1 once a victim can no longer run: stopped (T), or gone. */
static int
settled(const struct victim *v)
{
	struct proc_stat ps;

	if (!pidfd_alive(v->fd) || procinfo_read(v->id.pid, &ps) != 0 || ps.start != v->id.start)
		return 1;
	return ps.state == 'T' || ps.state == 'Z' || ps.state == 'X';
}

/* Stops the world of one session: SIGSTOP to every victim (the spared
 * root session process excepted, v[0]), waits until each is stopped, then
 * walks again from every live victim (a child forked before its parent
 * stopped is still its child: a stopped parent cannot exit) until a walk
 * finds nobody new. A stopped process forks nothing and catches nothing;
 * SIGKILL then ends them all. */
static void
freeze(struct end_state *s, int spare_anchor)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct proc_id *roots;
	size_t k, nroots;
	int pass, wait;

	for (pass = 0; pass < 64; pass++) {
		/* Every pass stops every live victim again: one victim can send
		 * another SIGCONT (which also drops a pending SIGSTOP), so a stop
		 * sent once is no proof. One seen running after it had stopped
		 * ran code of its own meanwhile (a fork that init adopts is out
		 * of the tree): without logind that is counted, and the session
		 * is not reported as ended. */
		for (k = spare_anchor ? 1 : 0; k < s->n; k++) {
			if (pass > 0 && s->v[k].stopped && !s->v[k].resumed && !settled(&s->v[k])) {
				s->v[k].resumed = 1;
				if (!s->logind)
					s->left++;
			}
			if (send_sig(&s->v[k], SIGSTOP))
				s->v[k].stopped = 1;
		}
		for (wait = 0; wait < 100; wait++) {
			int all = 1;

			for (k = spare_anchor ? 1 : 0; k < s->n && all; k++)
				all = settled(&s->v[k]);
			if (all)
				break;
			nanosleep(&tick, NULL);
		}
		/* One that exited by itself meanwhile may have left children
		 * that init adopted: out of the tree, out of our reach. Without
		 * logind (which ends the whole scope) that is counted, and the
		 * session is not reported as ended. */
		for (k = spare_anchor || s->spare ? 1 : 0; k < s->n; k++)
			if (!s->v[k].gone && s->v[k].stopped && !pidfd_alive(s->v[k].fd)) {
				s->v[k].gone = 1;
				if (!s->logind)
					s->left++;
			}
		if ((roots = calloc(s->n ? s->n : 1, sizeof(*roots))) == NULL)
			return;
		for (k = 0, nroots = 0; k < s->n; k++)
			if (pidfd_alive(s->v[k].fd))
				roots[nroots++] = s->v[k].id;
		k = nroots > 0 ? add_victims(s, roots, nroots) : 0;
		free(roots);
		if (k == 0 && wait < 100)
			return;
	}
}

static void
kill_all(struct end_state *s, int skip_anchor)
{
	size_t k;

	for (k = skip_anchor ? 1 : 0; k < s->n; k++)
		if (send_sig(&s->v[k], SIGKILL))
			s->killed++;
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

/* logind's own record of session id (root's file, /run/systemd/sessions)
 * names t's user and, when it names a leader, t's session process. */
static int
logind_record_ok(const struct end_target *t, const char *id)
{
	char path[128], buf[8192];
	struct stat sb;
	int64_t leader;
	ssize_t len;
	uid_t uid;
	int fd;

	snprintf(path, sizeof(path), "/run/systemd/sessions/%s", id);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022) != 0 ||
	    (len = read(fd, buf, sizeof(buf))) <= 0 || (size_t)len >= sizeof(buf)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (procinfo_parse_logind_record(buf, (size_t)len, &uid, &leader) != 0 || uid != t->uid)
		return -1;
	return leader == 0 || leader == t->anchor.pid ? 0 : -1;
}

/* The logind session of the verified session process, as this user's,
 * when logind runs and knows it as hers; "" otherwise. A recorded id that
 * differs from the live one is not trusted either way. */
static int
live_logind(const struct end_target *t, char id[PROC_SESSION_ID_MAX + 1])
{
	if (procinfo_logind_session(t->anchor.pid, t->uid, id) != 0 || !procinfo_is(&t->anchor))
		return -1;
	if (t->logind[0] != '\0' && strcmp(t->logind, id) != 0)
		return -1;
	return logind_record_ok(t, id);
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
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "session %.8s of %s (service %s, logind session %s, pids %s): %s; %s",
	    text_or_dash(t->id), text_or_dash(t->user), text_or_dash(t->service), text_or_dash(lid), text_or_dash(pids),
	    text_or_dash(t->done), text_or_dash(t->why));
}

/* Waits up to grace seconds while any target (those that want pred)
 * still has a live process. */
static void
wait_grace(struct end_state *st, const struct end_target *t, size_t n, int want_logind)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	long grace = 0, waited;
	size_t i;

	for (i = 0; i < n; i++)
		if (st[i].active && (want_logind ? st[i].logind : st[i].spare) && t[i].grace > grace)
			grace = t[i].grace;
	for (waited = 0; waited < grace * 10; waited++) {
		size_t left = 0;

		for (i = 0; i < n; i++)
			if (st[i].active && (want_logind ? st[i].logind : st[i].spare))
				left += want_logind ? alive_count(&st[i], 0) : (size_t)pidfd_alive(st[i].v[0].fd);
		if (left == 0)
			break;
		nanosleep(&tick, NULL);
	}
}

void
end_sessions(struct end_target *t, size_t n)
{
	struct end_state *st = calloc(n ? n : 1, sizeof(*st));
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	char lid[PROC_SESSION_ID_MAX + 1], pids[256];
	size_t i;
	int w;

	if (st == NULL)
		return;
	openlog("pam-oidc", LOG_PID, LOG_AUTHPRIV);
	for (i = 0; i < n; i++) {
		uid_t owner;

		lid[0] = '\0';
		if (t[i].how == ON_REVOKE_KEEP) {
			t[i].dealt = 1;
			continue;
		}
		if (!procinfo_is(&t[i].anchor)) {
			snprintf(t[i].done, sizeof(t[i].done), "session already ended");
			t[i].dealt = 1;
			continue;
		}
		if (live_logind(&t[i], lid) != 0)
			lid[0] = '\0';
		if (t[i].how == ON_REVOKE_LOCK) {
			if (lid[0] != '\0' && loginctl("lock-session", lid) == 0)
				snprintf(t[i].done, sizeof(t[i].done), "locked through logind");
			else
				snprintf(t[i].done, sizeof(t[i].done), "kept: on_revoke = lock needs logind");
			t[i].dealt = 1;
			log_end(&t[i], lid, "");
			continue;
		}
		/* The tree before logind touches it: the anchor is v[0]. */
		(void)add_victims(&st[i], &t[i].anchor, 1);
		if (st[i].n == 0 || st[i].v[0].id.pid != t[i].anchor.pid) {
			snprintf(t[i].done, sizeof(t[i].done), "session already ended");
			t[i].dealt = 1;
			continue;
		}
		st[i].active = 1;
		st[i].spare = t[i].anchor_root && procinfo_uid(t[i].anchor.pid, &owner) == 0 && owner == 0;
		if (lid[0] != '\0' && loginctl("terminate-session", lid) == 0) {
			st[i].logind = 1;
			snprintf(t[i].logind, sizeof(t[i].logind), "%s", lid);
		}
	}
	/* logind's own terminate (SIGTERM to the whole scope) gets the grace;
	 * what it left is then stopped and killed like any other session. */
	wait_grace(st, t, n, 1);
	for (i = 0; i < n; i++) {
		if (!st[i].active)
			continue;
		if (st[i].logind)
			st[i].spare = 0;
		freeze(&st[i], st[i].spare);
		kill_all(&st[i], st[i].spare);
	}
	/* A root session process (sshd's, login's) whose user processes were
	 * killed closes the session itself (PAM close_session, utmp); it has
	 * the grace for that, then it is stopped and killed as well. */
	wait_grace(st, t, n, 0);
	for (i = 0; i < n; i++)
		if (st[i].active && st[i].spare && pidfd_alive(st[i].v[0].fd)) {
			st[i].spare = 2;
			freeze(&st[i], 0);
			kill_all(&st[i], 0);
		}
	/* SIGKILL takes effect at once for a stopped process; give the kernel
	 * a moment before counting what is left. */
	for (w = 0; w < 20; w++) {
		size_t left = 0;

		for (i = 0; i < n; i++)
			if (st[i].active)
				left += alive_count(&st[i], 0);
		if (left == 0)
			break;
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < n; i++) {
		size_t left;

		if (!st[i].active)
			continue;
		left = alive_count(&st[i], 0);
		if (left > 0)
			snprintf(t[i].done, sizeof(t[i].done), "NOT ended: %zu of %zu processes still run", left, st[i].n);
		else if (st[i].left > 0)
			snprintf(t[i].done, sizeof(t[i].done), "NOT ended for sure: %zu processes ran or exited while the "
			    "session was being stopped, and what they started may still run (logind ends a whole session)",
			    st[i].left);
		else
			snprintf(t[i].done, sizeof(t[i].done), "terminated%s: %zu processes stopped and killed%s",
			    st[i].logind ? " through logind, then" : "", st[i].killed,
			    st[i].spare == 1 ? ", then its session process closed it" :
			    st[i].spare == 2 ? ", its session process after the grace" : "");
		t[i].dealt = left == 0 && st[i].left == 0;
		pid_list(&st[i], pids, sizeof(pids));
		log_end(&t[i], st[i].logind ? t[i].logind : "", pids);
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
