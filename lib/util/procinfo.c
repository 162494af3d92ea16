#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/procinfo.h"

/* proc(5): tty_nr keeps the minor in bits 0-7 and 20-31, the major in 8-19. */
static uint64_t
tty_nr_dev(unsigned long long nr)
{
	if (nr == 0)
		return 0;
	return (uint64_t)makedev((unsigned)((nr >> 8) & 0xfff), (unsigned)((nr & 0xff) | ((nr >> 12) & 0xfff00)));
}

int
procinfo_parse_stat(const char *buf, size_t len, struct proc_stat *ps)
{
	char tmp[1024], *p, *end;
	long long v[20];
	int i;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if ((p = strrchr(tmp, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	/* Fields 3 (state) to 22 (starttime). */
	if (*p == '\0' || *p == ' ')
		return -1;
	ps->state = *p;
	p++;
	for (i = 1; i < 20; i++) {
		if (*p != ' ')
			return -1;
		p++;
		errno = 0;
		v[i] = strtoll(p, &end, 10);
		if (errno != 0 || end == p)
			return -1;
		p = end;
	}
	if (*p != ' ' && *p != '\n' && *p != '\0')
		return -1;
	/* v[1] is field 4 (ppid), v[3] field 6 (session), v[4] field 7
	 * (tty_nr), v[19] field 22 (starttime). */
	if (v[1] < 0 || v[3] < 0 || v[19] < 0)
		return -1;
	errno = 0;
	ps->pid = strtoll(tmp, &end, 10);
	if (errno != 0 || end == tmp || *end != ' ' || ps->pid <= 0)
		return -1;
	ps->ppid = v[1];
	ps->sid = v[3];
	ps->tty = tty_nr_dev((unsigned long long)(unsigned int)v[4]);
	ps->start = v[19];
	return 0;
}

/* The start of /proc/<pid>/<name> (pid 0: self), NUL-terminated; its
 * length, or -1. */
static ssize_t
proc_file(int64_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	size_t len = 0;
	int fd;

	if (pid < 0 || size == 0)
		return -1;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	else
		snprintf(path, sizeof(path), "/proc/%lld/%s", (long long)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

int
procinfo_read(int64_t pid, struct proc_stat *ps)
{
	char buf[1024];
	ssize_t len = proc_file(pid, "stat", buf, sizeof(buf));

	/* A full buffer may be a truncated line: refuse it. */
	if (len <= 0 || (size_t)len >= sizeof(buf) - 1)
		return -1;
	return procinfo_parse_stat(buf, (size_t)len, ps);
}

int
procinfo_caller(struct proc_caller *c)
{
	struct proc_stat ps, child, again;
	int64_t pid = 0;

	memset(c, 0, sizeof(*c));
	c->uid = getuid();
	if (procinfo_read(0, &ps) != 0)
		return -1;
	c->tty = ps.tty;
	/* Up the parents until init (or a reaper outside our view). */
	for (;;) {
		c->chain[c->n].pid = ps.pid;
		c->chain[c->n].start = ps.start;
		c->n++;
		child = ps;
		pid = ps.ppid;
		if (pid <= 1 || c->n == PROC_MAX_DEPTH || procinfo_read(pid, &ps) != 0)
			break;
		/* The parent may have died after we read its pid, and the pid
		 * gone to a process inside someone's session: what we just read
		 * is its parent only if the child still names it now (a child
		 * whose parent dies is moved to a reaper at once). Otherwise the
		 * chain ends here, which can only refuse a reuse. */
		if (procinfo_read(c->n == 1 ? 0 : child.pid, &again) != 0 || again.pid != child.pid ||
		    again.start != child.start || again.ppid != pid)
			break;
	}
	return 0;
}

int
procinfo_chain_has(const struct proc_caller *c, const struct proc_id *id)
{
	size_t i;

	if (id->pid <= 1)
		return 0;
	for (i = 0; i < c->n; i++)
		if (c->chain[i].pid == id->pid && c->chain[i].start == id->start)
			return 1;
	return 0;
}

int
procinfo_uid(int64_t pid, uid_t *uid)
{
	char buf[4096], *line, *next, *end;
	unsigned long v;

	if (pid <= 0 || proc_file(pid, "status", buf, sizeof(buf)) <= 0)
		return -1;
	/* "Uid:\t<real>\t<effective>\t<saved>\t<fs>" */
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			next++;
		if (strncmp(line, "Uid:", 4) != 0)
			continue;
		errno = 0;
		v = strtoul(line + 4, &end, 10);
		if (errno != 0 || end == line + 4 || v > (unsigned long)(uid_t)-1)
			return -1;
		*uid = (uid_t)v;
		return 0;
	}
	return -1;
}

int
procinfo_is(const struct proc_id *id)
{
	struct proc_stat ps;

	/* A zombie has ended: only its parent's wait is left. */
	return id->pid > 1 && procinfo_read(id->pid, &ps) == 0 && ps.pid == id->pid && ps.start == id->start &&
	    ps.state != 'Z' && ps.state != 'X';
}

/* "session-<ID>.scope" -> ID (logind ids are short alphanumerics). */
static int
scope_id(const char *comp, size_t len, char id[PROC_SESSION_ID_MAX + 1])
{
	size_t i, n;

	if (len <= 14 || strncmp(comp, "session-", 8) != 0 || strncmp(comp + len - 6, ".scope", 6) != 0)
		return -1;
	n = len - 14;
	if (n > PROC_SESSION_ID_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (!((comp[8 + i] >= '0' && comp[8 + i] <= '9') || (comp[8 + i] >= 'a' && comp[8 + i] <= 'z') ||
		    (comp[8 + i] >= 'A' && comp[8 + i] <= 'Z')))
			return -1;
	memcpy(id, comp + 8, n);
	id[n] = '\0';
	return 0;
}

/* One hierarchy's path, exactly /user.slice/user-<uid>.slice/session-<ID>.scope:
 * what logind makes, and root's alone. Anything deeper or elsewhere is not
 * taken: user@<uid>.service is delegated to its user, who may create a
 * "session-7.scope" below it and move her processes in (F1). */
static int
path_session(const char *p, size_t len, uid_t uid, char id[PROC_SESSION_ID_MAX + 1])
{
	char want[64];
	int wlen = snprintf(want, sizeof(want), "/user.slice/user-%u.slice/", (unsigned)uid);

	if (wlen <= 0 || (size_t)wlen >= sizeof(want) || len <= (size_t)wlen || memcmp(p, want, (size_t)wlen) != 0)
		return -1;
	p += wlen;
	len -= (size_t)wlen;
	if (memchr(p, '/', len) != NULL)
		return -1;
	return scope_id(p, len, id);
}

int
procinfo_parse_cgroup_session(const char *buf, size_t len, uid_t uid, char id[PROC_SESSION_ID_MAX + 1])
{
	char tmp[PROC_SESSION_ID_MAX + 1], found[PROC_SESSION_ID_MAX + 1] = "";
	size_t i = 0, n;

	while (i < len) {
		const char *line = buf + i, *path, *colon;

		for (n = 0; i + n < len && buf[i + n] != '\n'; n++)
			;
		i += n + 1;
		/* "hierarchy-ID:controllers:path" */
		if (n > 3 && strncmp(line, "0::", 3) == 0)
			path = line + 3;
		else if ((colon = memchr(line, ':', n)) != NULL && (size_t)(colon - line) + 14 < n &&
		    strncmp(colon, ":name=systemd:", 14) == 0)
			path = colon + 14;
		else
			continue;
		if (path_session(path, n - (size_t)(path - line), uid, tmp) != 0)
			continue;
		/* Two hierarchies that name two sessions name none. */
		if (found[0] != '\0' && strcmp(found, tmp) != 0)
			return -1;
		memcpy(found, tmp, sizeof(tmp));
	}
	if (found[0] == '\0')
		return -1;
	memcpy(id, found, sizeof(found));
	return 0;
}

int
procinfo_parse_logind_record(const char *buf, size_t len, uid_t *uid, int64_t *leader)
{
	size_t i = 0, n;
	int have_uid = 0;
	int64_t l = 0;
	uid_t u = 0;

	while (i < len) {
		const char *line = buf + i;
		char val[32], *end;
		unsigned long long v;
		size_t klen;

		for (n = 0; i + n < len && buf[i + n] != '\n'; n++)
			;
		i += n + 1;
		if (n > 4 && strncmp(line, "UID=", 4) == 0)
			klen = 4;
		else if (n > 7 && strncmp(line, "LEADER=", 7) == 0)
			klen = 7;
		else
			continue;
		if (n - klen >= sizeof(val) || line[klen] < '0' || line[klen] > '9')
			return -1;
		memcpy(val, line + klen, n - klen);
		val[n - klen] = '\0';
		errno = 0;
		v = strtoull(val, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		if (klen == 4) {
			if (have_uid || v >= (unsigned long long)(uid_t)-1)
				return -1;
			u = (uid_t)v;
			have_uid = 1;
		} else {
			if (l != 0 || v <= 1 || v > INT32_MAX)
				return -1;
			l = (int64_t)v;
		}
	}
	if (!have_uid)
		return -1;
	*uid = u;
	*leader = l;
	return 0;
}

int
procinfo_logind_session(int64_t pid, uid_t uid, char id[PROC_SESSION_ID_MAX + 1])
{
	char buf[4096];
	ssize_t len;

	if (pid <= 1 || (len = proc_file(pid, "cgroup", buf, sizeof(buf))) <= 0 || (size_t)len >= sizeof(buf) - 1)
		return -1;
	return procinfo_parse_cgroup_session(buf, (size_t)len, uid, id);
}

/* child (read once as c) still has parent p, and p is still itself. */
static int
link_ok(const struct proc_id *p, const struct proc_stat *c)
{
	struct proc_stat again;

	if (procinfo_read(c->pid, &again) != 0 || again.start != c->start || again.ppid != p->pid)
		return 0;
	return procinfo_is(p);
}

int
procinfo_forest(const struct proc_id *roots, size_t nroots, struct proc_id *out, size_t max)
{
	struct proc_stat *all = NULL, ps;
	size_t nall = 0, cap = 0, n = 0, head = 0, i, r;
	struct dirent *de;
	DIR *d;
	int rc = -1;

	if (max == 0)
		return -1;
	for (r = 0; r < nroots && n < max; r++) {
		for (i = 0; i < n; i++)
			if (out[i].pid == roots[r].pid)
				break;
		if (i == n && procinfo_is(&roots[r]))
			out[n++] = roots[r];
	}
	if (n == 0)
		return -1;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long pid;

		errno = 0;
		pid = strtoll(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || pid <= 1 || procinfo_read(pid, &ps) != 0)
			continue;
		if (nall == cap) {
			struct proc_stat *na;

			if (cap >= 1u << 20)
				break;
			cap = cap ? cap * 2 : 256;
			if ((na = realloc(all, cap * sizeof(*all))) == NULL)
				goto out;
			all = na;
		}
		all[nall++] = ps;
	}
	/* Breadth first from the roots; each step re-checked against pid reuse. */
	while (head < n && n < max) {
		struct proc_id parent = out[head++];

		for (i = 0; i < nall && n < max; i++) {
			size_t k;
			int seen = 0;

			if (all[i].ppid != parent.pid)
				continue;
			for (k = 0; k < n; k++)
				if (out[k].pid == all[i].pid)
					seen = 1;
			if (seen || !link_ok(&parent, &all[i]))
				continue;
			out[n].pid = all[i].pid;
			out[n].start = all[i].start;
			n++;
		}
	}
	rc = (int)n;
out:
	closedir(d);
	free(all);
	return rc;
}

int
procinfo_tree(const struct proc_id *id, struct proc_id *out, size_t max)
{
	if (max == 0 || !procinfo_is(id))
		return -1;
	return procinfo_forest(id, 1, out, max);
}
