/* Issue 12, findings 6, 9 and 10 as attacks on the library: mapping from
 * unverified or foreign-domain claims and onto system accounts; files that
 * decide trust with a loose owner or mode; helper error codes that must not
 * read as "IdP unavailable". */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/conf.h"
#include "core/flow.h"
#include "core/identity.h"
#include "util/jsonutil.h"
#include "store/trustfile.h"
#include "util/fileio.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_idtest.XXXXXX";

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unit_write(p, text, mode);
	return p;
}

/* The account CLAIMS_JSON maps to under CFG, or NULL with the reason in *err. */
static const char *
map(struct oidc_config *cfg, const char *claims_json, struct oidc_error *err)
{
	static char user[IDENTITY_MAX_USER + 1];
	json_t *claims = json_loads(claims_json, 0, NULL);
	int r;

	assert_non_null(claims);
	oidc_error_clear(err);
	r = identity_map(cfg, claims, user, sizeof(user), err);
	json_decref(claims);
	return r == 0 ? user : NULL;
}

/* The reported attack: email root@attacker.example, email_verified false. */
static void
test_email_must_be_verified(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	(void)s;
	unit_config(&cfg);
	unit_set(&cfg, "username_claim", "email");
	unit_set(&cfg, "username_strip_domain", "yes");
	unit_set(&cfg, "allowed_domains", "attacker.example example.test");
	assert_int_equal(config_finish(&cfg, &err), 0);
	assert_null(map(&cfg, "{\"email\":\"root@attacker.example\",\"email_verified\":false}", &err));
	assert_non_null(strstr(err.text, "not verified"));
	assert_null(map(&cfg, "{\"email\":\"root@attacker.example\"}", &err));
	assert_null(map(&cfg, "{\"email\":\"root@attacker.example\",\"email_verified\":\"true\"}", &err));
	assert_string_equal(map(&cfg, "{\"email\":\"alice@example.test\",\"email_verified\":true}", &err),
	    "alice");
	config_free(&cfg);
}

/* map_file is keyed on username_claim: an email key needs verification too. */
static void
test_map_on_email_must_be_verified(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	(void)s;
	unit_config(&cfg);
	unit_set(&cfg, "username_claim", "email");
	unit_set(&cfg, "map_file", write_file("map", "boss@example.test alice\n", 0644));
	assert_null(map(&cfg, "{\"email\":\"boss@example.test\",\"email_verified\":false}", &err));
	assert_int_equal(err.reason, OIDC_E_CLAIM_INVALID);
	assert_string_equal(map(&cfg, "{\"email\":\"boss@example.test\",\"email_verified\":true}", &err),
	    "alice");
	config_free(&cfg);
}

static void
test_strip_domain_needs_allowed_domains(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	(void)s;
	unit_config(&cfg);
	unit_set(&cfg, "username_strip_domain", "yes");
	assert_int_equal(config_finish(&cfg, &err), -1);
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	assert_non_null(strstr(err.text, "username_strip_domain needs allowed_domains"));
	oidc_error_clear(&err);
	unit_set(&cfg, "allowed_domains", "example.test");
	assert_int_equal(config_finish(&cfg, &err), 0);
	/* preferred_username (the default claim) carries the domain here. */
	assert_null(map(&cfg, "{\"preferred_username\":\"root@attacker.example\"}", &err));
	assert_non_null(strstr(err.text, "not in allowed_domains"));
	assert_null(map(&cfg, "{\"preferred_username\":\"root@example.test.attacker.example\"}", &err));
	assert_null(map(&cfg, "{\"preferred_username\":\"root\"}", &err));
	assert_string_equal(map(&cfg, "{\"preferred_username\":\"bob@EXAMPLE.test\"}", &err), "bob");
	config_free(&cfg);
}

/* identity_check_policy on CLAIMS_JSON for alice: 0, or -1 and the reason. */
static int
policy(struct oidc_config *cfg, const char *claims_json, struct oidc_error *err)
{
	json_t *claims = json_loads(claims_json, JSON_ALLOW_NUL, NULL);
	int r;

	assert_non_null(claims);
	oidc_error_clear(err);
	r = identity_check_policy(cfg, claims, "alice", err);
	json_decref(claims);
	return r;
}

/* Google's hd: one of allowed_hd, exactly (any case); missing, another
 * type, another domain or a look-alike is refused. */
static void
test_policy_hd(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	(void)s;
	unit_config(&cfg);
	assert_int_equal(policy(&cfg, "{}", &err), 0);
	unit_set(&cfg, "allowed_hd", "corp.example, lab.example");
	assert_int_equal(policy(&cfg, "{\"hd\":\"corp.example\"}", &err), 0);
	assert_int_equal(policy(&cfg, "{\"hd\":\"LAB.example\"}", &err), 0);
	assert_int_equal(policy(&cfg, "{}", &err), -1);
	assert_int_equal(err.reason, OIDC_E_POLICY);
	assert_non_null(strstr(err.text, "no string claim \"hd\""));
	assert_int_equal(policy(&cfg, "{\"hd\":[\"corp.example\"]}", &err), -1);
	assert_int_equal(policy(&cfg, "{\"hd\":true}", &err), -1);
	assert_int_equal(policy(&cfg, "{\"hd\":\"other.example\"}", &err), -1);
	assert_non_null(strstr(err.text, "hd \"other.example\" of alice is not listed"));
	assert_int_equal(policy(&cfg, "{\"hd\":\"corp.example.evil.example\"}", &err), -1);
	assert_int_equal(policy(&cfg, "{\"hd\":\"evil.corp.example\"}", &err), -1);
	assert_int_equal(policy(&cfg, "{\"hd\":\"\"}", &err), -1);
	assert_int_equal(policy(&cfg, "{\"hd\":\"corp.example\\u0000x\"}", &err), -1);
	config_free(&cfg);
}

/* Entra's groups overage: groups named by reference under a group policy
 * refuse with their own reason; without a group policy nothing changes. */
static void
test_policy_groups_overage(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	const char *overage = "{\"_claim_names\":{\"groups\":\"src1\"},\"_claim_sources\":{\"src1\":"
	    "{\"endpoint\":\"https://graph.microsoft.com/v1.0/users/x/getMemberObjects\"}}}";

	(void)s;
	unit_config(&cfg);
	assert_int_equal(policy(&cfg, overage, &err), 0);
	unit_set(&cfg, "allowed_groups", "0b6ad3e4-1a37-4c5b-9b0e-2b2c5e7a1f00");
	assert_int_equal(policy(&cfg, overage, &err), -1);
	assert_int_equal(err.reason, OIDC_E_GROUPS_OVERAGE);
	assert_string_equal(oidc_reason_code(err.reason), "groups_overage");
	assert_non_null(strstr(err.text, "groups overage"));
	assert_int_equal(policy(&cfg, "{\"groups\":[\"0b6ad3e4-1a37-4c5b-9b0e-2b2c5e7a1f00\"]}", &err), 0);
	assert_int_equal(policy(&cfg, "{}", &err), -1);
	assert_int_equal(err.reason, OIDC_E_POLICY);
	assert_int_equal(policy(&cfg, "{\"hasgroups\":true}", &err), -1);
	assert_int_equal(err.reason, OIDC_E_GROUPS_OVERAGE);
	assert_int_equal(policy(&cfg, "{\"hasgroups\":false}", &err), -1);
	assert_int_equal(err.reason, OIDC_E_POLICY);
	/* Another claim by reference is not the groups. */
	assert_int_equal(policy(&cfg, "{\"_claim_names\":{\"roles\":\"src1\"}}", &err), -1);
	assert_int_equal(err.reason, OIDC_E_POLICY);
	config_free(&cfg);
}

static void
test_system_accounts(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };

	(void)s;
	unit_config(&cfg);
	assert_int_equal(identity_check_target(&cfg, "root", 1, 0, 1000, 60000, &err), -1);
	assert_int_equal(err.reason, OIDC_E_POLICY);
	assert_non_null(strstr(err.text, "allowed_system_users"));
	oidc_error_clear(&err);
	assert_int_equal(identity_check_target(&cfg, "daemon", 1, 1, 1000, 60000, &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(identity_check_target(&cfg, "backup", 1, 999, 1000, 60000, &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(identity_check_target(&cfg, "alice", 1, 1000, 1000, 60000, &err), 0);
	assert_int_equal(identity_check_target(&cfg, "ghost", 0, 0, 1000, 60000, &err), 0);
	unit_set(&cfg, "allowed_system_users", "backup root");
	assert_int_equal(identity_check_target(&cfg, "root", 1, 0, 1000, 60000, &err), 0);
	assert_int_equal(identity_check_target(&cfg, "backup", 1, 999, 1000, 60000, &err), 0);
	assert_int_equal(identity_check_target(&cfg, "daemon", 1, 1, 1000, 60000, &err), -1);
	oidc_error_clear(&err);
	/* Above UID_MAX: nobody, systemd's dynamic users. */
	assert_int_equal(identity_check_target(&cfg, "nobody", 1, 65534, 1000, 60000, &err), -1);
	assert_non_null(strstr(err.text, "system account"));
	oidc_error_clear(&err);
	assert_int_equal(identity_check_target(&cfg, "dyn", 1, 61184, 1000, 60000, &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(identity_check_target(&cfg, "bigsite", 1, 65534, 1000, 100000, &err), 0);
	config_free(&cfg);
}

static void
test_uid_min(void **s)
{
	(void)s;
	assert_int_equal(identity_uid_min("/nonexistent/login.defs"), IDENTITY_DEFAULT_UID_MIN);
	assert_int_equal(identity_uid_min(write_file("defs1", "# UID_MIN 5\nUID_MAX 60000\nUID_MIN\t\t 500\n", 0644)),
	    500);
	assert_int_equal(identity_uid_min(write_file("defs2", "UID_MIN_X 5\nUID_MIN junk\n", 0644)),
	    IDENTITY_DEFAULT_UID_MIN);
	assert_int_equal(identity_uid_min(write_file("defs3", "#UID_MIN 5\n", 0644)), IDENTITY_DEFAULT_UID_MIN);
	/* A site with high uids keeps them: never silently lowered to 1000. */
	assert_int_equal(identity_uid_min(write_file("defs4", "UID_MIN 100000\nUID_MAX 200000\n", 0644)), 100000);
	assert_int_equal(identity_uid_max(write_file("defs5", "UID_MIN 100000\nUID_MAX 200000\n", 0644)), 200000);
	assert_int_equal(identity_uid_max("/nonexistent/login.defs"), IDENTITY_DEFAULT_UID_MAX);
	assert_int_equal(identity_uid_max(write_file("defs6", "UID_MAX 0x10\n", 0644)), IDENTITY_DEFAULT_UID_MAX);
}

/* Finding 9: every file that decides trust, with a loose mode. */
static void
test_trusted_files(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char cadir[300], cert[320], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)s;
	unit_config(&cfg);
	unit_set(&cfg, "map_file", write_file("map", "carol alice\n", 0664));
	assert_null(map(&cfg, "{\"preferred_username\":\"carol\"}", &err));
	assert_int_equal(err.reason, OIDC_E_CONFIG);
	assert_non_null(strstr(err.text, "map_file /tmp/pam_oidc_idtest."));
	assert_non_null(strstr(err.text, "not writable by group or others"));
	write_file("map", "carol alice\n", 0644);
	assert_non_null(map(&cfg, "{\"preferred_username\":\"carol\"}", &err));
	config_free(&cfg);

	unit_config(&cfg);
	unit_set(&cfg, "ca_file", write_file("ca.pem", "x\n", 0646));
	assert_int_equal(config_finish(&cfg, &err), 0);
	assert_int_equal(config_check_files(&cfg, &err), -1);
	assert_non_null(strstr(err.text, "ca_file /tmp/pam_oidc_idtest."));
	oidc_error_clear(&err);
	write_file("ca.pem", "x\n", 0644);
	assert_int_equal(config_check_files(&cfg, &err), 0);
	snprintf(cadir, sizeof(cadir), "%s/certs", dir);
	assert_int_equal(mkdir(cadir, 0777), 0);
	assert_int_equal(chmod(cadir, 0777), 0);
	unit_set(&cfg, "ca_path", cadir);
	assert_int_equal(config_check_files(&cfg, &err), -1);
	assert_non_null(strstr(err.text, "ca_path /tmp/pam_oidc_idtest."));
	oidc_error_clear(&err);
	assert_int_equal(chmod(cadir, 0755), 0);
	assert_int_equal(config_check_files(&cfg, &err), 0);
	/* A loose certificate inside a safe ca_path. */
	snprintf(cert, sizeof(cert), "%s/certs/ab12cd34.0", dir);
	f = fopen(cert, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(cert, 0666), 0);
	assert_int_equal(config_check_files(&cfg, &err), -1);
	assert_non_null(strstr(err.text, "/certs/ab12cd34.0 must be owned by root and not writable"));
	oidc_error_clear(&err);
	assert_int_equal(chmod(cert, 0644), 0);
	assert_int_equal(config_check_files(&cfg, &err), 0);
	unlink(cert);
	/* ca_path must be a directory, ca_file a file. */
	unit_set(&cfg, "ca_path", write_file("notdir", "x\n", 0644));
	assert_int_equal(config_check_files(&cfg, &err), -1);
	oidc_error_clear(&err);
	config_free(&cfg);
	rmdir(cadir);

	/* A FIFO at the path is refused at once, not waited on. */
	snprintf(cadir, sizeof(cadir), "%s/fifo", dir);
	assert_int_equal(mkfifo(cadir, 0644), 0);
	assert_int_equal(trusted_check(cadir, "map_file", TRUST_FILE, &err), -1);
	assert_non_null(strstr(err.text, "not a regular file"));
	oidc_error_clear(&err);
	unlink(cadir);

	/* A secret readable by group is refused, 0600 read. */
	assert_int_equal(trusted_read(write_file("secret", "s3cret\n", 0640), "client_secret_file", TRUST_SECRET,
	    4096, &buf, &len, &err), -1);
	assert_non_null(strstr(err.text, "mode 0600 or 0400"));
	oidc_error_clear(&err);
	assert_int_equal(trusted_read(write_file("secret", "s3cret\n", 0600), "client_secret_file", TRUST_SECRET,
	    4096, &buf, &len, &err), 0);
	assert_int_equal(len, 7);
	free(buf);
	buf = NULL;

	/* Another owner (only root can make such a file). */
	if (geteuid() == 0) {
		const char *p = write_file("theirs", "carol alice\n", 0644);

		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(trusted_check(p, "map_file", TRUST_FILE, &err), -1);
		assert_non_null(strstr(err.text, "owned by root"));
		oidc_error_clear(&err);
	}
}

/* The check and the read use one descriptor: a file swapped in by name
 * after the check is never what gets read. */
static void
test_read_from_checked_descriptor(void **s)
{
	struct oidc_error err = { 0 };
	char good[512], *buf = NULL;
	const char *bad;
	size_t len = 0;
	int fd = -1;

	(void)s;
	snprintf(good, sizeof(good), "%s", write_file("conf", "trusted\n", 0644));
	assert_int_equal(trusted_open(good, "", TRUST_FILE, &fd, &err), 0);
	bad = write_file("evil", "planted\n", 0666);
	assert_int_equal(rename(bad, good), 0);
	assert_int_equal(fd_read_all(fd, good, 4096, &buf, &len, &err), 0);
	assert_string_equal(buf, "trusted\n");
	free(buf);
	close(fd);
	unlink(good);
}

/* A safe file in an unsafe folder is not safe: the folder's writer can
 * swap it (review of finding 9). Sticky folders (/tmp) are fine. */
static void
test_trusted_parents(void **s)
{
	struct oidc_error err = { 0 };
	char loose[400], file[450], link[450];
	int fd = -1;

	(void)s;
	snprintf(loose, sizeof(loose), "%s/loose", dir);
	snprintf(file, sizeof(file), "%s/loose/map", dir);
	snprintf(link, sizeof(link), "%s/maplink", dir);
	assert_int_equal(mkdir(loose, 0755), 0);
	assert_int_equal(chmod(loose, 0777), 0);
	write_file("loose/map", "carol alice\n", 0644);
	assert_int_equal(trusted_open(file, "map_file", TRUST_FILE, &fd, &err), -1);
	assert_non_null(strstr(err.text, "is in the folder"));
	assert_non_null(strstr(err.text, "/loose, which must be owned by root"));
	oidc_error_clear(&err);
	/* Reached through a link from a safe folder: the real folder counts. */
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(trusted_open(link, "map_file", TRUST_FILE, &fd, &err), -1);
	assert_non_null(strstr(err.text, "is in the folder"));
	oidc_error_clear(&err);
	assert_int_equal(chmod(loose, 01777), 0);
	assert_int_equal(trusted_open(file, "map_file", TRUST_FILE, &fd, &err), 0);
	close(fd);
	if (geteuid() == 0) {
		assert_int_equal(chmod(loose, 0755), 0);
		assert_int_equal(chown(loose, 4242, 4242), 0);
		assert_int_equal(trusted_open(link, "map_file", TRUST_FILE, &fd, &err), -1);
		assert_non_null(strstr(err.text, "is in the folder"));
		oidc_error_clear(&err);
		assert_int_equal(chown(loose, 0, 0), 0);
	}
	unlink(link);
	unlink(file);
	rmdir(loose);
}

/* A link on the way is as good as the folder that holds it: whoever can
 * write that folder points the link at another folder, and the resolved
 * path (all the parent walk saw) never names it. Review 2: a loose folder
 * holding a link to a safe folder passed. */
static void
test_trusted_link_in_loose_folder(void **s)
{
	struct oidc_error err = { 0 };
	char loose[400], safe[400], link[450], via[500], file[450], nested[450], via2[500];
	int fd = -1;

	(void)s;
	snprintf(loose, sizeof(loose), "%s/loose2", dir);
	snprintf(safe, sizeof(safe), "%s/safe2", dir);
	snprintf(link, sizeof(link), "%s/loose2/sub", dir);
	snprintf(via, sizeof(via), "%s/loose2/sub/map", dir);
	snprintf(file, sizeof(file), "%s/safe2/map", dir);
	assert_int_equal(mkdir(loose, 0755), 0);
	assert_int_equal(chmod(loose, 0777), 0);
	assert_int_equal(mkdir(safe, 0755), 0);
	write_file("safe2/map", "carol alice\n", 0644);
	assert_int_equal(symlink(safe, link), 0);
	/* The file as reached directly is fine. */
	assert_int_equal(trusted_open(file, "map_file", TRUST_FILE, &fd, &err), 0);
	close(fd);
	/* Through a link that anyone may replace: refused. */
	assert_int_equal(trusted_open(via, "map_file", TRUST_FILE, &fd, &err), -1);
	assert_non_null(strstr(err.text, "loose2"));
	oidc_error_clear(&err);
	/* A link in a safe folder whose own target path crosses the loose one. */
	snprintf(nested, sizeof(nested), "%s/nested", dir);
	snprintf(via2, sizeof(via2), "%s/nested/map", dir);
	assert_int_equal(symlink(link, nested), 0);
	assert_int_equal(trusted_open(via2, "map_file", TRUST_FILE, &fd, &err), -1);
	oidc_error_clear(&err);
	/* Sticky (as /tmp): only the link's owner may replace it. */
	assert_int_equal(chmod(loose, 01777), 0);
	assert_int_equal(trusted_open(via, "map_file", TRUST_FILE, &fd, &err), 0);
	close(fd);
	if (geteuid() == 0) {
		/* ...but a link another user planted there is theirs to swap. */
		assert_int_equal(lchown(link, 4242, 4242), 0);
		assert_int_equal(trusted_open(via, "map_file", TRUST_FILE, &fd, &err), -1);
		oidc_error_clear(&err);
	}
	unlink(nested);
	unlink(link);
	unlink(file);
	rmdir(loose);
	rmdir(safe);
}

/* Finding 10: only reachability is "unavailable" (the password fallback).
 * The names as they arrive on the wire; tests/unit/test_wire checks the table. */
static void
test_helper_code_table(void **s)
{
	(void)s;
	assert_int_equal(flow_reason_for("idp_unreachable", 0), OIDC_E_IDP_UNAVAILABLE);
	assert_int_equal(flow_reason_for("timeout", 0), OIDC_E_IDP_UNAVAILABLE);
	assert_int_equal(flow_reason_for("timeout", 1), OIDC_E_LOGIN_EXPIRED);
	assert_int_equal(flow_reason_for("http_status", 0), OIDC_E_IDP_UNAVAILABLE);
	assert_int_equal(flow_reason_for("bad_response", 0), OIDC_E_IDP_UNAVAILABLE);
	/* A helper that died or broke the protocol: a user can cause it. */
	assert_int_equal(flow_reason_for("helper_failed", 1), OIDC_E_INTERNAL);
	assert_int_equal(flow_reason_for("tls_error", 0), OIDC_E_CONFIG);
	assert_int_equal(flow_reason_for("issuer_mismatch", 0), OIDC_E_CONFIG);
	assert_int_equal(flow_reason_for("too_large", 0), OIDC_E_CONFIG);
	assert_int_equal(flow_reason_for("invalid_client", 0), OIDC_E_CONFIG);
	assert_int_equal(flow_reason_for("oauth_error", 0), OIDC_E_CONFIG);
	assert_int_equal(flow_reason_for("bad_request", 0), OIDC_E_INTERNAL);
	assert_int_equal(flow_reason_for("internal_error", 0), OIDC_E_INTERNAL);
	assert_int_equal(flow_reason_for("cancelled", 0), OIDC_E_INTERNAL);
	assert_int_equal(flow_reason_for("access_denied", 1), OIDC_E_DENIED);
	assert_int_equal(flow_reason_for("expired_token", 1), OIDC_E_LOGIN_EXPIRED);
	assert_int_equal(flow_reason_for("invalid_grant", 0), OIDC_E_INVALID_GRANT);
	assert_int_equal(flow_reason_for("something_new", 0), OIDC_E_INTERNAL);
	assert_int_equal(flow_reason_for("", 0), OIDC_E_INTERNAL);
	assert_int_equal(flow_reason_for(NULL, 0), OIDC_E_INTERNAL);
}

static void
test_default_helper_user(void **s)
{
	struct oidc_config cfg;

	(void)s;
	assert_int_equal(config_init(&cfg), 0);
	assert_string_equal(cfg.helper_user, "_pam_oidc");
	config_free(&cfg);
}

static int
setup(void **s)
{
	return unit_scratch(s, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_must_be_verified),
		cmocka_unit_test(test_map_on_email_must_be_verified),
		cmocka_unit_test(test_strip_domain_needs_allowed_domains),
		cmocka_unit_test(test_policy_hd),
		cmocka_unit_test(test_policy_groups_overage),
		cmocka_unit_test(test_system_accounts),
		cmocka_unit_test(test_uid_min),
		cmocka_unit_test(test_trusted_files),
		cmocka_unit_test(test_read_from_checked_descriptor),
		cmocka_unit_test(test_trusted_parents),
		cmocka_unit_test(test_trusted_link_in_loose_folder),
		cmocka_unit_test(test_helper_code_table),
		cmocka_unit_test(test_default_helper_user),
	};

	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
