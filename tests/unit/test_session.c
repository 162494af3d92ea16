/* The session store on its own: atomic records, refusal of everything
 * planted or damaged, writers killed mid-write, 64 concurrent writers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cache.h"
#include "util/procinfo.h"
#include "core/session.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_sesstest.XXXXXX";
static char state[300];
static int warnings;
static char last_warning[512];

static void count_warn(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
count_warn(void *ctx, const char *fmt, ...)
{
	va_list ap;

	warnings++;
	va_start(ap, fmt);
	vsnprintf(last_warning, sizeof(last_warning), fmt, ap);
	va_end(ap);
}

static const struct session_ctx wctx = { count_warn, NULL };

static struct oidc_config cfg;

static json_t *
claims_for(const char *user)
{
	return json_pack("{s:s, s:s, s:[s,s], s:s}", "iss", "https://idp.example.test", "sub", user, "groups",
	    "users", "admins", "preferred_username", user);
}

/* The login session records are bound to below: this test process (the
 * store's gc drops records whose session process is gone), on terminal
 * 136:3. */
static struct proc_id
self_id(void)
{
	struct proc_stat ps;
	struct proc_id id = { 0, 0 };

	if (procinfo_read(0, &ps) == 0) {
		id.pid = ps.pid;
		id.start = ps.start;
	}
	return id;
}
#define ANCHOR_PID (self_id().pid)
#define ANCHOR_START (self_id().start)
#define PTS3 0x8803

static json_t *
new_record(const char *user, uid_t uid, const char *tty)
{
	json_t *c = claims_for(user);
	json_t *rec = session_record_new(&cfg, c, user, uid, "sudo", tty, "127.0.0.1", "rt-secret", (int64_t)time(NULL));
	struct proc_id anchor = self_id();

	assert_int_equal(session_record_bind(rec, &anchor, uid, PTS3), 0);
	json_decref(c);
	return rec;
}

/* A caller with real uid uid on terminal tty, whose parent chain is
 * itself, then (pid, start), then init's child 2. */
static struct proc_caller
caller_at(uid_t uid, uint64_t tty, int64_t pid, int64_t start)
{
	struct proc_caller c = { uid, tty, 3, { { 5000, 900000 }, { pid, start }, { 2, 1 } } };

	return c;
}

static void
open_store(struct session_store *st)
{
	struct oidc_error err = { 0 };

	assert_int_equal(session_store_open(state, st, &err), 0);
}

static int
count_cb(void *arg, uid_t uid, json_t *rec)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_create_load_update_remove(void **s)
{
	struct session_store st;
	struct oidc_error err = { 0 };
	char id[SESSION_ID_LEN + 1], path[512];
	json_t *rec = new_record("alice", 4242, "/dev/pts/3"), *back = NULL;
	struct proc_caller inside = caller_at(4242, PTS3, ANCHOR_PID, ANCHOR_START);
	struct proc_caller pts4 = caller_at(4242, PTS3 + 1, ANCHOR_PID, ANCHOR_START);
	struct stat sb;

	open_store(&st);
	assert_int_equal(session_create(&st, 4242, rec, id, &err), 0);
	assert_true(session_id_ok(id));
	snprintf(path, sizeof(path), "%s/sessions/4242/%s.json", state, id);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/sessions/4242", state);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), SESSION_LOAD_OK);
	assert_string_equal(json_string_value(json_object_get(back, "tty")), "pts/3");
	assert_string_equal(json_string_value(json_object_get(back, "user")), "alice");
	assert_null(session_unusable_reason(&cfg, back, "alice", "sudo", &inside, (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sudo", &pts4, (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "bob", "sudo", &inside, (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sshd", &inside, (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sudo", &inside, (int64_t)time(NULL) + cfg.session_ttl + 1));
	/* A revocation marker (pam-oidc recheck ending its session) and a
	 * record closed at a su's logout (revoke_on_logout) are never reused. */
	json_object_set_new(back, "revoked", json_true());
	assert_string_equal(session_unusable_reason(&cfg, back, "alice", "sudo", &inside, (int64_t)time(NULL)), "record revoked");
	json_object_del(back, "revoked");
	json_object_set_new(back, "logged_out", json_true());
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sudo", &inside, (int64_t)time(NULL)));
	json_object_del(back, "logged_out");
	assert_null(session_unusable_reason(&cfg, back, "alice", "sudo", &inside, (int64_t)time(NULL)));
	json_object_set_new(back, "tty", json_string("pts/7"));
	assert_int_equal(session_update(&st, 4242, back, &err), 0);
	json_decref(back);
	back = NULL;
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), SESSION_LOAD_OK);
	assert_string_equal(json_string_value(json_object_get(back, "tty")), "pts/7");
	assert_int_equal(session_remove(&st, 4242, id), 0);
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), SESSION_LOAD_ABSENT);
	assert_int_equal(warnings, 0);
	json_decref(back);
	json_decref(rec);
	session_store_close(&st);
}

static void
test_policy_on_records(void **s)
{
	json_t *rec = new_record("alice", 4242, "pts/1");
	int64_t now = (int64_t)time(NULL);
	struct proc_caller inside = caller_at(4242, PTS3, ANCHOR_PID, ANCHOR_START);
	struct proc_caller pts9 = caller_at(4242, PTS3 + 6, ANCHOR_PID, ANCHOR_START);

	cfg.max_age = 60;
	json_object_set_new(rec, "auth_time", json_integer((json_int_t)(now - 61)));
	assert_string_equal(session_unusable_reason(&cfg, rec, "alice", "sudo", &inside, now),
	    "authentication older than max_age");
	cfg.max_age = 0;
	cfg.allowed_groups = strdup("wheel");
	assert_string_equal(session_unusable_reason(&cfg, rec, "alice", "sudo", &inside, now),
	    "this service's policy refuses it");
	free(cfg.allowed_groups);
	cfg.allowed_groups = strdup("admins");
	assert_null(session_unusable_reason(&cfg, rec, "alice", "sudo", &inside, now));
	free(cfg.allowed_groups);
	cfg.allowed_groups = NULL;
	cfg.reuse = REUSE_ANY;
	assert_null(session_unusable_reason(&cfg, rec, "alice", "sudo", &pts9, now));
	cfg.reuse = REUSE_DEFAULT;
	assert_null(json_object_get(rec, "refresh_token"));   /* recheck off: not kept */
	json_decref(rec);
}

/* Issue 12 finding 1: a record serves only the login session that earned
 * it, never a terminal name, never another invoking user. */
static void
test_binding_rule(void **s)
{
	json_t *rec = new_record("alice", 4242, "pts/3"), *old;
	int64_t now = (int64_t)time(NULL);
	struct proc_caller inside = caller_at(4242, PTS3, ANCHOR_PID, ANCHOR_START);
	struct proc_caller c;

	assert_null(session_binding_reason(rec, &inside, REUSE_SAME_TTY));
	assert_null(session_unusable_reason(&cfg, rec, "alice", "sudo", &inside, now));
	/* Same pts number in a later session: another session process. */
	c = caller_at(4242, PTS3, 6000, 700000);
	assert_string_equal(session_binding_reason(rec, &c, REUSE_SAME_TTY),
	    "the caller is not inside the login session that earned the record");
	/* The session's pid handed out again to another process. */
	c = caller_at(4242, PTS3, ANCHOR_PID, ANCHOR_START + 1);
	assert_non_null(session_binding_reason(rec, &c, REUSE_SAME_TTY));
	/* reuse = any skips the terminal, never the session. */
	assert_non_null(session_binding_reason(rec, &c, REUSE_ANY));
	/* bob runs su alice inside the very session that earned the record. */
	c = caller_at(4243, PTS3, ANCHOR_PID, ANCHOR_START);
	assert_string_equal(session_binding_reason(rec, &c, REUSE_SAME_TTY), "the invoking user is not the record's user");
	assert_non_null(session_binding_reason(rec, &c, REUSE_ANY));
	/* login and sshd run as root. */
	c = caller_at(0, PTS3, ANCHOR_PID, ANCHOR_START);
	assert_non_null(session_unusable_reason(&cfg, rec, "alice", "login", &c, now));
	/* Another terminal inside the session: only reuse = any. */
	c = caller_at(4242, PTS3 + 1, ANCHOR_PID, ANCHOR_START);
	assert_string_equal(session_binding_reason(rec, &c, REUSE_SAME_TTY), "record belongs to another terminal");
	assert_null(session_binding_reason(rec, &c, REUSE_ANY));
	/* A session earned without a terminal (sshd): its process alone. */
	json_object_set_new(rec, "tty_dev", json_integer(0));
	assert_null(session_binding_reason(rec, &c, REUSE_SAME_TTY));
	c = caller_at(4242, PTS3, 6000, 700000);
	assert_non_null(session_binding_reason(rec, &c, REUSE_SAME_TTY));
	/* No caller facts, or a record bound to nothing (an old record with
	 * only a terminal name): never reused. */
	assert_non_null(session_binding_reason(rec, NULL, REUSE_ANY));
	old = json_deep_copy(rec);
	json_object_del(old, "anchor_pid");
	assert_string_equal(session_binding_reason(old, &inside, REUSE_ANY), "record is not bound to a login session");
	json_decref(old);
	/* Earned by su alice in bob's session (anchored to bob's shell): never
	 * reused, even by alice inside it; root's sessions (login, sshd) are. */
	c = caller_at(4242, PTS3, ANCHOR_PID, ANCHOR_START);
	json_object_set_new(rec, "anchor_uid", json_integer(4243));
	assert_string_equal(session_binding_reason(rec, &c, REUSE_ANY), "record was earned in another user's session");
	json_object_set_new(rec, "anchor_uid", json_integer(0));
	assert_null(session_binding_reason(rec, &c, REUSE_SAME_TTY));
	json_decref(rec);
}

/* Issue 12 finding 13: a per-service session_ttl shorter than the one the
 * record was made under is honoured on reuse. */
static void
test_service_session_ttl(void **s)
{
	json_t *rec = new_record("alice", 4242, "pts/3");
	int64_t now = (int64_t)time(NULL);
	struct proc_caller inside = caller_at(4242, PTS3, ANCHOR_PID, ANCHOR_START);
	long ttl = cfg.session_ttl;

	json_object_set_new(rec, "created", json_integer((json_int_t)(now - 301)));
	json_object_set_new(rec, "auth_time", json_integer((json_int_t)(now - 301)));
	assert_null(session_unusable_reason(&cfg, rec, "alice", "sudo", &inside, now));
	cfg.session_ttl = 300;
	assert_string_equal(session_unusable_reason(&cfg, rec, "alice", "sudo", &inside, now),
	    "record older than this service's session_ttl");
	cfg.session_ttl = ttl;
	json_decref(rec);
}

/* Issue 12 finding 5: a recheck or open_session that loaded a record
 * before pam-oidc revoke removed it must not write it back. */
static void
test_update_never_resurrects(void **s)
{
	struct session_store st;
	struct oidc_error err = { 0 };
	char id[SESSION_ID_LEN + 1], path[512];
	json_t *rec = new_record("alice", 4242, "pts/3"), *loaded = NULL;
	struct stat sb;

	open_store(&st);
	assert_int_equal(session_create(&st, 4242, rec, id, &err), 0);
	assert_int_equal(session_load(&st, &wctx, 4242, id, &loaded, &err), SESSION_LOAD_OK);
	assert_int_equal(session_remove(&st, 4242, id), 0);
	json_object_set_new(loaded, "checked", json_integer((json_int_t)time(NULL)));
	assert_int_equal(session_update(&st, 4242, loaded, &err), -1);
	snprintf(path, sizeof(path), "%s/sessions/4242/%s.json", state, id);
	assert_int_equal(stat(path, &sb), -1);
	json_decref(loaded);
	json_decref(rec);
	session_store_close(&st);
}

/* A record whose session process is gone (or whose pid now belongs to
 * another process) is removed by the store's gc; a live one stays. */
static void
test_gc_ended_session(void **s)
{
	struct session_store st;
	struct oidc_error err = { 0 };
	char live[SESSION_ID_LEN + 1], ended[SESSION_ID_LEN + 1], path[512];
	json_t *rec = new_record("alice", 4250, "pts/3");
	struct stat sb;
	int n = 0;

	open_store(&st);
	assert_int_equal(session_create(&st, 4250, rec, live, &err), 0);
	json_object_set_new(rec, "anchor_start", json_integer((json_int_t)ANCHOR_START + 1));
	assert_int_equal(session_create(&st, 4250, rec, ended, &err), 0);
	assert_int_equal(session_foreach(&st, &wctx, 4250, 1, (int64_t)time(NULL), count_cb, &n, &err), 1);
	assert_int_equal(n, 1);
	snprintf(path, sizeof(path), "%s/sessions/4250/%s.json", state, ended);
	assert_int_equal(stat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/sessions/4250/%s.json", state, live);
	assert_int_equal(stat(path, &sb), 0);
	json_decref(rec);
	session_store_close(&st);
}

/* /proc/PID/stat: the command name may hold spaces and parentheses. */
static void
test_procinfo(void **s)
{
	static const char line[] = "4242 (a) b) (c d) S 17 4242 4200 34817 4242 4194560 1 2 3 4 5 6 7 8 20 0 1 0 "
	    "987654 1000 100 18446744073709551615\n";
	struct proc_stat ps;
	struct proc_caller c;
	struct proc_id self, parent;

	assert_int_equal(procinfo_parse_stat(line, strlen(line), &ps), 0);
	assert_int_equal(ps.pid, 4242);
	assert_int_equal(ps.ppid, 17);
	assert_int_equal(ps.sid, 4200);
	assert_int_equal(ps.tty, 0x8801);   /* 34817: pts (major 136) minor 1 */
	assert_int_equal(ps.start, 987654);
	assert_int_equal(procinfo_parse_stat("4242 (x) S 17", 13, &ps), -1);
	assert_int_equal(procinfo_parse_stat("4242 x S 17 1 2 3", 17, &ps), -1);
	/* This process and its parent are on its chain, with their start times. */
	assert_int_equal(procinfo_caller(&c), 0);
	assert_int_equal(c.uid, getuid());
	assert_int_equal(procinfo_read(0, &ps), 0);
	self.pid = ps.pid;
	self.start = ps.start;
	assert_int_equal(self.pid, getpid());
	assert_true(procinfo_chain_has(&c, &self));
	self.start++;
	assert_false(procinfo_chain_has(&c, &self));
	assert_int_equal(procinfo_read(getppid(), &ps), 0);
	parent.pid = ps.pid;
	parent.start = ps.start;
	assert_true(getppid() <= 1 || procinfo_chain_has(&c, &parent));
}

static void
write_raw(const char *rel, const char *data, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/sessions/%s", state, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	fchmod(fd, mode);
	close(fd);
}

static int
exists(const char *rel)
{
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/sessions/%s", state, rel);
	return lstat(path, &sb) == 0;
}

static void
test_attacks_refused_and_removed(void **s)
{
	struct session_store st;
	struct oidc_error err = { 0 };
	char id[SESSION_ID_LEN + 1], bob_id[SESSION_ID_LEN + 1], rel[128], path[512], target[512];
	json_t *rec, *back = NULL;
	int n = 0;
	FILE *f;

	open_store(&st);
	/* Bob's genuine record... */
	rec = new_record("bob", 4243, "pts/5");
	assert_int_equal(session_create(&st, 4243, rec, bob_id, &err), 0);
	json_decref(rec);
	/* ...copied into alice's folder: its uid betrays it. */
	{
		char from[512], to[512], buf[8192];
		size_t len;

		snprintf(from, sizeof(from), "%s/sessions/4243/%s.json", state, bob_id);
		rec = new_record("alice", 4242, "pts/1");
		assert_int_equal(session_create(&st, 4242, rec, id, &err), 0);
		json_decref(rec);
		snprintf(to, sizeof(to), "%s/sessions/4242/%s.json", state, bob_id);
		f = fopen(from, "r");
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		buf[len] = '\0';
		snprintf(rel, sizeof(rel), "4242/%s.json", bob_id);
		write_raw(rel, buf, 0600);
		(void)to;
	}
	/* A symlink planted under a record name, pointing at a secret. */
	snprintf(target, sizeof(target), "%s/secret", dir);
	f = fopen(target, "w");
	fputs("{\"v\":1}", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sessions/4242/%032d.json", state, 7);
	assert_int_equal(symlink(target, path), 0);
	/* Garbage, a truncated record, a group-readable one, a stray name. */
	write_raw("4242/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json", "\x01\x02garbage", 0600);
	write_raw("4242/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json", "{\"v\":1,\"id\":\"bbbbbbbbbbbbbbbb", 0600);
	write_raw("4242/cccccccccccccccccccccccccccccccc.json", "{}", 0640);
	write_raw("4242/notes.txt", "hello", 0600);

	warnings = 0;
	assert_int_equal(session_foreach(&st, &wctx, 4242, 1, (int64_t)time(NULL), count_cb, &n, &err), 1);
	assert_int_equal(n, 1);                 /* only alice's own record */
	assert_int_equal(warnings, 6);
	snprintf(rel, sizeof(rel), "4242/%s.json", bob_id);
	assert_false(exists(rel));
	snprintf(rel, sizeof(rel), "4242/%032d.json", 7);
	assert_false(exists(rel));              /* the link is gone ... */
	assert_int_equal(access(target, F_OK), 0);   /* ... its target untouched */
	assert_false(exists("4242/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"));
	assert_false(exists("4242/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json"));
	assert_false(exists("4242/cccccccccccccccccccccccccccccccc.json"));
	assert_false(exists("4242/notes.txt"));
	snprintf(rel, sizeof(rel), "4243/%s.json", bob_id);
	assert_true(exists(rel));               /* bob's own is fine */
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), SESSION_LOAD_OK);
	json_decref(back);
	session_store_close(&st);
}

static void
test_unsafe_store_refused(void **s)
{
	struct session_store st;
	struct oidc_error err = { 0 };
	char path[512];

	if (geteuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/sessions", state);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(session_store_open(state, &st, &err), -1);
	assert_int_equal(err.reason, OIDC_E_STORE);
	assert_int_equal(chmod(path, 0700), 0);
	oidc_error_clear(&err);
	assert_int_equal(chown(state, 65534, 65534), 0);
	assert_int_equal(session_store_open(state, &st, &err), -1);
	assert_non_null(strstr(err.text, "owned by uid 0"));
	assert_int_equal(chown(state, 0, 0), 0);
	oidc_error_clear(&err);
	/* A uid folder owned by someone else is never trusted either. */
	snprintf(path, sizeof(path), "%s/sessions/4242", state);
	assert_int_equal(chown(path, 4242, 4242), 0);
	open_store(&st);
	assert_int_equal(session_foreach(&st, &wctx, 4242, 1, (int64_t)time(NULL), count_cb, &(int){ 0 }, &err), -1);
	assert_int_equal(chown(path, 0, 0), 0);
	session_store_close(&st);
}

static int
check_all_parse(uid_t uid, int *n)
{
	struct session_store st;
	struct oidc_error err = { 0 };
	int before = warnings, r;

	open_store(&st);
	*n = 0;
	r = session_foreach(&st, &wctx, uid, 0, (int64_t)time(NULL), count_cb, n, &err);
	session_store_close(&st);
	return r >= 0 && warnings == before ? 0 : -1;
}

static void
test_writer_killed_mid_write(void **s)
{
	int round, n;

	/* A writer SIGKILLed at random points of a large write must never
	 * leave a partial record under a record name. */
	/* Built before the forks: the writers start writing at once, even
	 * under valgrind. */
	json_t *rec = new_record("alice", 4300, "pts/1");
	char *pad = malloc(60000);

	assert_non_null(pad);
	memset(pad, 'x', 59999);
	pad[59999] = '\0';
	json_object_set_new(rec, "pad", json_string(pad));
	free(pad);
	for (round = 0; round < 40; round++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct session_store st;
			struct oidc_error err = { 0 };
			char id[SESSION_ID_LEN + 1];

			session_store_open(state, &st, &err);
			for (;;)
				session_create(&st, 4300, rec, id, &err);
		}
		usleep((useconds_t)(2000 + (round * 7919) % 15000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	json_decref(rec);
	assert_int_equal(check_all_parse(4300, &n), 0);
	assert_true(n > 0);
	print_message("killed 40 writers: %d complete records, none partial\n", n);
}

static void
test_64_concurrent_writers(void **s)
{
	pid_t pids[64];
	int i, n, status;

	for (i = 0; i < 64; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct session_store st;
			struct oidc_error err = { 0 };
			char id[SESSION_ID_LEN + 1];
			int k, ok = 0;

			if (session_store_open(state, &st, &err) != 0)
				_exit(1);
			for (k = 0; k < 10; k++) {
				json_t *rec = new_record(i % 2 ? "carol" : "dave", 5000 + (uid_t)(i % 4), "pts/2");
				json_t *back = NULL;

				ok += session_create(&st, 5000 + (uid_t)(i % 4), rec, id, &err) == 0 &&
				    session_load(&st, NULL, 5000 + (uid_t)(i % 4), id, &back, &err) == SESSION_LOAD_OK;
				json_decref(back);
				json_decref(rec);
			}
			_exit(ok == 10 ? 0 : 1);
		}
	}
	for (i = 0; i < 64; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0, n = 0; i < 4; i++) {
		int k;

		assert_int_equal(check_all_parse(5000 + (uid_t)i, &k), 0);
		n += k;
	}
	assert_int_equal(n, 640);
}

static int
setup(void **s)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(state, sizeof(state), "%s/state", dir);
	unit_config(&cfg);
	return 0;
}

static int
teardown(void **s)
{
	config_free(&cfg);
	unit_rmtree(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_load_update_remove),
		cmocka_unit_test(test_policy_on_records),
		cmocka_unit_test(test_binding_rule),
		cmocka_unit_test(test_service_session_ttl),
		cmocka_unit_test(test_update_never_resurrects),
		cmocka_unit_test(test_gc_ended_session),
		cmocka_unit_test(test_procinfo),
		cmocka_unit_test(test_attacks_refused_and_removed),
		cmocka_unit_test(test_unsafe_store_refused),
		cmocka_unit_test(test_writer_killed_mid_write),
		cmocka_unit_test(test_64_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
