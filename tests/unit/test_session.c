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

#include "pam_oidc/cache.h"
#include "pam_oidc/session.h"

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

static json_t *
new_record(const char *user, uid_t uid, const char *tty)
{
	json_t *c = claims_for(user);
	json_t *rec = session_record_new(&cfg, c, user, uid, "sudo", tty, "127.0.0.1", "rt-secret", (int64_t)time(NULL));

	json_decref(c);
	return rec;
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
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), 1);
	assert_string_equal(json_string_value(json_object_get(back, "tty")), "pts/3");
	assert_string_equal(json_string_value(json_object_get(back, "user")), "alice");
	assert_null(session_unusable_reason(&cfg, back, "alice", "sudo", "pts/3", (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sudo", "pts/4", (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "bob", "sudo", "pts/3", (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sshd", "pts/3", (int64_t)time(NULL)));
	assert_non_null(session_unusable_reason(&cfg, back, "alice", "sudo", "pts/3", (int64_t)time(NULL) + cfg.session_ttl + 1));
	json_object_set_new(back, "tty", json_string("pts/7"));
	assert_int_equal(session_update(&st, 4242, back, &err), 0);
	json_decref(back);
	back = NULL;
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), 1);
	assert_string_equal(json_string_value(json_object_get(back, "tty")), "pts/7");
	assert_int_equal(session_remove(&st, 4242, id), 0);
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), 0);
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

	cfg.max_age = 60;
	json_object_set_new(rec, "auth_time", json_integer((json_int_t)(now - 61)));
	assert_string_equal(session_unusable_reason(&cfg, rec, "alice", "sudo", "pts/1", now),
	    "authentication older than max_age");
	cfg.max_age = 0;
	cfg.allowed_groups = strdup("wheel");
	assert_string_equal(session_unusable_reason(&cfg, rec, "alice", "sudo", "pts/1", now),
	    "this service's policy refuses it");
	free(cfg.allowed_groups);
	cfg.allowed_groups = strdup("admins");
	assert_null(session_unusable_reason(&cfg, rec, "alice", "sudo", "pts/1", now));
	free(cfg.allowed_groups);
	cfg.allowed_groups = NULL;
	cfg.reuse = REUSE_ANY;
	assert_null(session_unusable_reason(&cfg, rec, "alice", "sudo", "pts/9", now));
	cfg.reuse = REUSE_DEFAULT;
	assert_null(json_object_get(rec, "refresh_token"));   /* recheck off: not kept */
	json_decref(rec);
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
	assert_int_equal(session_load(&st, &wctx, 4242, id, &back, &err), 1);
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
	for (round = 0; round < 40; round++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct session_store st;
			struct oidc_error err = { 0 };
			char id[SESSION_ID_LEN + 1];
			json_t *rec = new_record("alice", 4300, "pts/1");
			char *pad = malloc(60000);

			memset(pad, 'x', 59999);
			pad[59999] = '\0';
			json_object_set_new(rec, "pad", json_string(pad));
			session_store_open(state, &st, &err);
			for (;;)
				session_create(&st, 4300, rec, id, &err);
		}
		usleep((useconds_t)(2000 + (round * 7919) % 15000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
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
				    session_load(&st, NULL, 5000 + (uid_t)(i % 4), id, &back, &err) == 1;
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
	if (config_init(&cfg) != 0)
		return -1;
	cfg.issuer = strdup("https://idp.example.test");
	cfg.client_id = strdup("pam-oidc");
	return 0;
}

static int
teardown(void **s)
{
	char cmd[400];

	config_free(&cfg);
	/* The test's own scratch folder only. */
	snprintf(cmd, sizeof(cmd), "%s", dir);
	{
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", cmd, (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_load_update_remove),
		cmocka_unit_test(test_policy_on_records),
		cmocka_unit_test(test_attacks_refused_and_removed),
		cmocka_unit_test(test_unsafe_store_refused),
		cmocka_unit_test(test_writer_killed_mid_write),
		cmocka_unit_test(test_64_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
