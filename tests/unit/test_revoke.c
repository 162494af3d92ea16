/* The recheck run's decision (lib/core/revoke.c) without a network, the
 * rule of whose session may be ended, and the /proc facts it acts on
 * (lib/util/procinfo.c: logind session from a cgroup file, the session's
 * process tree) with real processes. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/revoke.h"
#include "core/session.h"
#include "util/procinfo.h"
#include "unit.h"

static struct oidc_config cfg;

static json_t *
record(int64_t expires, json_int_t anchor_uid, int opened)
{
	json_t *rec = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:[s], s:s}", "user", "alice", "uid",
	    (json_int_t)1000, "iss", "https://idp.example.test", "sub", "alice", "expires", (json_int_t)expires,
	    "anchor_pid", (json_int_t)4242, "anchor_start", (json_int_t)777, "anchor_uid", anchor_uid, "groups",
	    "unix-admins", "acr", "mfa");

	assert_non_null(rec);
	if (opened)
		json_object_set_new(rec, "anchor_opened", json_true());
	return rec;
}

static void
test_outcomes(void **s)
{
	int64_t now = (int64_t)time(NULL);
	json_t *rec = record(now + 3600, 1000, 0), *old = record(now - 1, 1000, 0);
	struct oidc_error none = { 0 }, forged = { 0 };
	struct revoke_verdict v;

	(void)s;
	/* Refreshed, no ID token, policy holds on what the record says. */
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, NULL, now, &v), REVOKE_VALID);
	assert_false(v.remove);
	assert_false(v.end_session);
	/* L1: where the answer would keep a session open (on_revoke is not
	 * keep), a refresh without an ID token confirms nothing: offline
	 * decides (deny: ended; grace: kept until the record's expiry). */
	cfg.on_revoke = ON_REVOKE_TERMINATE;
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, NULL, now, &v), REVOKE_UNKNOWN);
	assert_false(v.remove);
	assert_true(v.end_session);
	assert_non_null(strstr(v.why, "no ID token"));
	cfg.offline = OFFLINE_GRACE;
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, NULL, now, &v), REVOKE_UNKNOWN);
	assert_false(v.end_session);
	assert_int_equal(revoke_decide(&cfg, old, 1, OIDC_OK, &none, NULL, now, &v), REVOKE_UNKNOWN);
	assert_true(v.end_session);
	cfg.offline = OFFLINE_DENY;
	cfg.on_revoke = ON_REVOKE_KEEP;
	/* invalid_grant: the grant ended at the IdP. */
	assert_int_equal(revoke_decide(&cfg, rec, 0, OIDC_E_INVALID_GRANT, &none, NULL, now, &v), REVOKE_REVOKED);
	assert_true(v.remove);
	assert_true(v.end_session);
	/* A refresh answer whose ID token was refused (a lying helper). */
	oidc_error_set(&forged, OIDC_E_USER_MISMATCH, "the refreshed ID token is for another iss/sub");
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &forged, NULL, now, &v), REVOKE_REVOKED);
	assert_true(v.remove);
	/* Unreachable, offline = deny: the session ends, the record stays
	 * (the module refuses it while the IdP is away). */
	assert_int_equal(revoke_decide(&cfg, rec, 0, OIDC_E_IDP_UNAVAILABLE, &none, NULL, now, &v), REVOKE_UNKNOWN);
	assert_false(v.remove);
	assert_true(v.end_session);
	/* offline = grace: kept until the record's own expiry, then ended. */
	cfg.offline = OFFLINE_GRACE;
	assert_int_equal(revoke_decide(&cfg, rec, 0, OIDC_E_IDP_UNAVAILABLE, &none, NULL, now, &v), REVOKE_UNKNOWN);
	assert_false(v.remove);
	assert_false(v.end_session);
	assert_int_equal(revoke_decide(&cfg, old, 0, OIDC_E_IDP_UNAVAILABLE, &none, NULL, now, &v), REVOKE_UNKNOWN);
	assert_true(v.end_session);
	/* Grace never turns invalid_grant into a pass. */
	assert_int_equal(revoke_decide(&cfg, rec, 0, OIDC_E_INVALID_GRANT, &none, NULL, now, &v), REVOKE_REVOKED);
	cfg.offline = OFFLINE_DENY;
	json_decref(rec);
	json_decref(old);
}

static void
test_policy_on_fresh_claims(void **s)
{
	int64_t now = (int64_t)time(NULL);
	json_t *rec = record(now + 3600, 1000, 0);
	json_t *left = json_pack("{s:s, s:s, s:[s], s:s}", "iss", "https://idp.example.test", "sub", "alice",
	    "groups", "staff", "acr", "mfa");
	json_t *still = json_pack("{s:s, s:s, s:[s], s:s}", "iss", "https://idp.example.test", "sub", "alice",
	    "groups", "unix-admins", "acr", "mfa");
	struct oidc_error none = { 0 };
	struct revoke_verdict v;

	(void)s;
	unit_set(&cfg, "allowed_groups", "unix-admins");
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, still, now, &v), REVOKE_VALID);
	/* Removed from the group at the IdP: the fresh claims decide. */
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, left, now, &v), REVOKE_REVOKED);
	assert_true(v.end_session);
	assert_non_null(strstr(v.why, "policy"));
	/* No ID token back: the record's claims against today's policy. */
	unit_set(&cfg, "allowed_groups", "db-admins");
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, NULL, now, &v), REVOKE_REVOKED);
	unit_set(&cfg, "allowed_groups", "unix-admins");
	unit_set(&cfg, "required_acr", "phr");
	assert_int_equal(revoke_decide(&cfg, rec, 1, OIDC_OK, &none, still, now, &v), REVOKE_REVOKED);
	config_free(&cfg);
	unit_config(&cfg);
	json_decref(rec);
	json_decref(left);
	json_decref(still);
}

/* Whose session may be ended: alice's own, or root's that opened it for
 * her (sshd, login); never bob's or root's shell where su alice ran. */
static void
test_session_refusal(void **s)
{
	json_t *own = record(0, 1000, 0), *sshd = record(0, 0, 1), *roots = record(0, 0, 0), *bobs = record(0, 1001, 1);
	json_t *unbound = json_pack("{s:s, s:I}", "user", "alice", "uid", (json_int_t)1000);

	(void)s;
	assert_null(revoke_session_refusal(own));
	assert_null(revoke_session_refusal(sshd));
	assert_non_null(revoke_session_refusal(roots));
	assert_non_null(revoke_session_refusal(bobs));
	assert_non_null(revoke_session_refusal(unbound));
	json_decref(own);
	json_decref(sshd);
	json_decref(roots);
	json_decref(bobs);
	json_decref(unbound);
}

static void
test_cgroup_session(void **s)
{
	char id[PROC_SESSION_ID_MAX + 1];
	const char *v2 = "0::/user.slice/user-1000.slice/session-42.scope\n";
	const char *v1 = "12:pids:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/session-c7.scope\n";
	const char *other = "0::/user.slice/user-1001.slice/session-43.scope\n";
	const char *svc = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n";
	const char *nested = "0::/user.slice/user-1001.slice/user-1000.slice/session-9.scope\n";
	const char *bad = "0::/user.slice/user-1000.slice/session-4;2.scope\n";

	(void)s;
	assert_int_equal(procinfo_parse_cgroup_session(v2, strlen(v2), 1000, id), 0);
	assert_string_equal(id, "42");
	assert_int_equal(procinfo_parse_cgroup_session(v1, strlen(v1), 1000, id), 0);
	assert_string_equal(id, "c7");
	/* Another user's session is never named as this user's. */
	assert_int_equal(procinfo_parse_cgroup_session(other, strlen(other), 1000, id), -1);
	assert_int_equal(procinfo_parse_cgroup_session(v2, strlen(v2), 1001, id), -1);
	assert_int_equal(procinfo_parse_cgroup_session(svc, strlen(svc), 1000, id), -1);
	assert_int_equal(procinfo_parse_cgroup_session(bad, strlen(bad), 1000, id), -1);
	assert_int_equal(procinfo_parse_cgroup_session(nested, strlen(nested), 1001, id), -1);
	assert_int_equal(procinfo_parse_cgroup_session("", 0, 1000, id), -1);
}

/* F1: user@UID.service is delegated to its user, who may create a
 * session-<ID>.scope anywhere below it and move her processes in; only
 * the exact path logind gives a session names one. */
static void
test_cgroup_session_spoof(void **s)
{
	char id[PROC_SESSION_ID_MAX + 1];
	const char *spoof[] = {
		"0::/user.slice/user-1000.slice/user@1000.service/app.slice/session-7.scope\n",
		"0::/user.slice/user-1000.slice/user@1000.service/session-7.scope\n",
		"1:name=systemd:/user.slice/user-1000.slice/user@1000.service/app.slice/session-7.scope\n",
		/* nested scopes, a scope below the session's, a deeper copy */
		"0::/user.slice/user-1000.slice/session-7.scope/session-8.scope\n",
		"0::/user.slice/user-1000.slice/session-7.scope/payload\n",
		"0::/user.slice/user-1000.slice/session-7.scope/\n",
		"0::/x/user.slice/user-1000.slice/session-7.scope\n",
		"0::user.slice/user-1000.slice/session-7.scope\n",
		"0::/user.slice/user-1000.slice/x/session-7.scope\n",
		"0::/system.slice/user-1000.slice/session-7.scope\n",
		"0::/user.slice/user-10000.slice/session-7.scope\n",
		/* two hierarchies naming two sessions name none */
		"1:name=systemd:/user.slice/user-1000.slice/session-7.scope\n0::/user.slice/user-1000.slice/session-8.scope\n",
	};
	const char *hybrid = "1:name=systemd:/user.slice/user-1000.slice/session-7.scope\n"
	    "0::/user.slice/user-1000.slice/session-7.scope\n";
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(spoof) / sizeof(spoof[0]); i++) {
		memset(id, 0, sizeof(id));
		assert_int_equal(procinfo_parse_cgroup_session(spoof[i], strlen(spoof[i]), 1000, id), -1);
		assert_string_equal(id, "");
	}
	assert_int_equal(procinfo_parse_cgroup_session(hybrid, strlen(hybrid), 1000, id), 0);
	assert_string_equal(id, "7");
}

/* logind's own record of a session (/run/systemd/sessions/<ID>). */
static void
test_logind_record(void **s)
{
	const char *ok = "# This is private data. Do not parse.\nUID=1000\nUSER=alice\nACTIVE=1\nLEADER=4242\n";
	const char *noleader = "UID=1001\nUSER=bob\n";
	const char *bad[] = { "USER=alice\nLEADER=4242\n", "UID=1000\nUID=1001\n", "UID=-1\n", "UID=10x\n",
		"UID=1000\nLEADER=1\n", "UID=1000\nLEADER=4242\nLEADER=4243\n", "UID=\n", "UID=4294967295\n" };
	uid_t uid = 0;
	int64_t leader = -1;
	size_t i;

	(void)s;
	assert_int_equal(procinfo_parse_logind_record(ok, strlen(ok), &uid, &leader), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(leader, 4242);
	assert_int_equal(procinfo_parse_logind_record(noleader, strlen(noleader), &uid, &leader), 0);
	assert_int_equal(uid, 1001);
	assert_int_equal(leader, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(procinfo_parse_logind_record(bad[i], strlen(bad[i]), &uid, &leader), -1);
}

/* The tree of a real process: its children and grandchildren, nothing
 * else; a dead identity (same pid, other start time) has no tree. */
static void
test_tree(void **s)
{
	struct proc_id *tree = calloc(PROC_TREE_MAX, sizeof(*tree));
	struct proc_id root, fake;
	struct proc_stat ps;
	int p[2], n, i, found_grandchild = 0;
	pid_t child, outsider;
	char c;

	(void)s;
	assert_non_null(tree);
	assert_int_equal(pipe(p), 0);
	if ((child = fork()) == 0) {
		/* child: one grandchild, then wait to be killed */
		if (fork() == 0) {
			close(p[0]);
			(void)!write(p[1], "g", 1);
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	if ((outsider = fork()) == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(procinfo_read(child, &ps), 0);
	root.pid = child;
	root.start = ps.start;
	n = procinfo_tree(&root, tree, PROC_TREE_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(tree[0].pid, child);
	for (i = 1; i < n; i++) {
		assert_int_not_equal(tree[i].pid, outsider);
		assert_int_not_equal(tree[i].pid, getpid());
		if (procinfo_read(tree[i].pid, &ps) == 0 && ps.ppid == child)
			found_grandchild = 1;
	}
	assert_true(found_grandchild);
	/* The same pid with another start time is not that process. */
	fake = root;
	fake.start++;
	assert_false(procinfo_is(&fake));
	assert_int_equal(procinfo_tree(&fake, tree, PROC_TREE_MAX), -1);
	kill(tree[1].pid, SIGKILL);
	kill(child, SIGKILL);
	kill(outsider, SIGKILL);
	waitpid(child, NULL, 0);
	waitpid(outsider, NULL, 0);
	close(p[0]);
	close(p[1]);
	free(tree);
}

static int
setup(void **s)
{
	(void)s;
	unit_config(&cfg);
	return 0;
}

static int
teardown(void **s)
{
	(void)s;
	config_free(&cfg);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_policy_on_fresh_claims),
		cmocka_unit_test(test_session_refusal),
		cmocka_unit_test(test_cgroup_session),
		cmocka_unit_test(test_cgroup_session_spoof),
		cmocka_unit_test(test_logind_record),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
