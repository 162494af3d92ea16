#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
