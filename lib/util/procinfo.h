/* What /proc says about a process: enough to tell one login session from
 * another the way sudo binds its timestamp (tty device, session process,
 * that process's start time). A pid alone is not an identity: pids are
 * handed out again, a (pid, start time) pair is not. */
#ifndef PAM_OIDC_PROCINFO_H
#define PAM_OIDC_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How far up the parent chain a caller may be from its session process. */
#define PROC_MAX_DEPTH 64

struct proc_id {
	int64_t pid;
	int64_t start;  /* field 22 of /proc/PID/stat, clock ticks since boot */
};

struct proc_stat {
	int64_t pid, ppid, sid;
	uint64_t tty;   /* controlling terminal as a dev_t; 0 = none */
	int64_t start;
	char state;     /* field 3: R, S, D, T (stopped), t, Z, ... */
};

/* The facts a reuse decision needs about the process asking. */
struct proc_caller {
	uid_t uid;      /* real uid: the person who ran su/sudo */
	uint64_t tty;   /* its controlling terminal (dev_t), 0 = none */
	size_t n;       /* chain[0] is the caller, then its parents */
	struct proc_id chain[PROC_MAX_DEPTH];
};

/* Parses the text of /proc/PID/stat (the name in parentheses may hold
 * anything, so fields are counted after the last ')'). */
int procinfo_parse_stat(const char *buf, size_t len, struct proc_stat *ps);
/* pid 0 means this process. */
int procinfo_read(int64_t pid, struct proc_stat *ps);
/* The calling process: real uid, controlling tty, parent chain. */
int procinfo_caller(struct proc_caller *c);
/* The real uid of a process (the first Uid: field of /proc/PID/status). */
int procinfo_uid(int64_t pid, uid_t *uid);
/* 1 if id (pid and start time) is the caller or one of its parents. */
int procinfo_chain_has(const struct proc_caller *c, const struct proc_id *id);

/* 1 if the process is id (same pid, same start time) right now. */
int procinfo_is(const struct proc_id *id);

#define PROC_SESSION_ID_MAX 64
/* The logind session a process belongs to, from the text of
 * /proc/PID/cgroup: the unified (0::) or name=systemd hierarchy path,
 * exactly /user.slice/user-<UID>.slice/session-<ID>.scope, only when <UID>
 * is uid (a session of another user is never named for this one; a
 * session-<ID>.scope anywhere else, such as below the user's own,
 * delegated user@<UID>.service, is hers to name and never taken). 0 and
 * id, or -1 (also when two hierarchies name two sessions). */
int procinfo_parse_cgroup_session(const char *buf, size_t len, uid_t uid, char id[PROC_SESSION_ID_MAX + 1]);
/* The same, read from /proc/<pid>/cgroup. */
int procinfo_logind_session(int64_t pid, uid_t uid, char id[PROC_SESSION_ID_MAX + 1]);
/* logind's own record of a session (/run/systemd/sessions/<ID>, KEY=VALUE
 * lines): its UID= (required) and LEADER= (0 when absent). 0, or -1 when
 * it has no UID, a field twice or a value that is not a number. */
int procinfo_parse_logind_record(const char *buf, size_t len, uid_t *uid, int64_t *leader);

/* The process id and its descendants as they are now, id first: each
 * parent link is re-checked (the child still names the parent, and the
 * parent is still the same process, after the child was read), so a pid
 * handed out again never joins the tree. At most max entries; -1 if id
 * is not alive as itself, else the count. */
#define PROC_TREE_MAX 4096
int procinfo_tree(const struct proc_id *id, struct proc_id *out, size_t max);
/* The same from several roots at once (those alive as themselves come
 * first, each once), in one pass over /proc: -1 if none is alive. */
int procinfo_forest(const struct proc_id *roots, size_t nroots, struct proc_id *out, size_t max);

#endif
