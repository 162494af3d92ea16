/* The reuse and recheck decision (lib/core/reuse.c) without a PAM handle:
 * which record serves, when a recheck is due, and what its answer means. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/conf.h"
#include "core/identity.h"
#include "core/reuse.h"
#include "core/session.h"
#include "jose/b64url.h"
#include "unit.h"

static struct oidc_config cfg;

#define ANCHOR_PID 4242
#define ANCHOR_START 777
#define PTS3 0x8803

/* A record for user earned at auth_time, bound to session (ANCHOR_PID,
 * ANCHOR_START) on pts/3. */
static json_t *
record(const char *user, int64_t auth_time, int64_t checked)
{
	json_t *c = json_pack("{s:s, s:s, s:I}", "iss", "https://idp.example.test", "sub", user, "auth_time",
	    (json_int_t)auth_time);
	json_t *rec = session_record_new(&cfg, c, user, 1000, "sudo", "pts/3", "127.0.0.1", "rt", (int64_t)time(NULL));
	struct proc_id anchor = { ANCHOR_PID, ANCHOR_START };

	assert_non_null(rec);
	assert_int_equal(session_record_bind(rec, &anchor, 1000, PTS3), 0);
	json_object_set_new(rec, "auth_time", json_integer((json_int_t)auth_time));
	json_object_set_new(rec, "checked", json_integer((json_int_t)checked));
	json_decref(c);
	return rec;
}

/* Real uid 1000 on pts/3, a child of the recorded session process. */
static const struct proc_caller inside = {
	1000, PTS3, 3, { { 5000, 900000 }, { ANCHOR_PID, ANCHOR_START }, { 2, 1 } }
};

/* A record keeps what the policy is applied to again on reuse and recheck:
 * Google's hd among them. */
static void
test_record_keeps_policy_claims(void **state)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:[s], s:s}", "iss", "https://accounts.google.com", "sub", "1",
	    "hd", "corp.example", "groups", "g1", "acr", "1");
	json_t *rec, *back;
	struct oidc_config hcfg;
	struct oidc_error err = { 0 };

	(void)state;
	assert_non_null(c);
	unit_config(&hcfg);
	unit_set(&hcfg, "allowed_hd", "corp.example");
	unit_set(&hcfg, "allowed_groups", "g1");
	rec = session_record_new(&hcfg, c, "alice", 1000, "sshd", "pts/3", "127.0.0.1", NULL, (int64_t)time(NULL));
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "hd")), "corp.example");
	back = session_record_claims(&hcfg, rec);
	assert_non_null(back);
	assert_int_equal(identity_check_policy(&hcfg, back, "alice", &err), 0);
	json_decref(back);
	/* Another Workspace's record does not pass. */
	json_object_set_new(rec, "hd", json_string("other.example"));
	back = session_record_claims(&hcfg, rec);
	assert_int_equal(identity_check_policy(&hcfg, back, "alice", &err), -1);
	json_decref(back);
	session_record_free(rec);
	json_decref(c);
	config_free(&hcfg);
}

/* pam-oidc recheck writes what the fresh ID token says into the record
 * (reuse then sees today's claims): hd among them, gone when the fresh
 * token has none, as the groups are. */
static void
test_record_refresh_claims(void **state)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:[s]}", "iss", "https://accounts.google.com", "sub", "1", "hd",
	    "corp.example", "groups", "g1");
	json_t *fresh = json_pack("{s:s, s:s, s:s, s:[s]}", "iss", "https://accounts.google.com", "sub", "1", "hd",
	    "other.example", "groups", "g2");
	json_t *rec;

	(void)state;
	rec = session_record_new(&cfg, c, "alice", 1000, "sshd", "pts/3", "127.0.0.1", NULL, (int64_t)time(NULL));
	assert_non_null(rec);
	session_record_refresh_claims(&cfg, rec, fresh);
	assert_string_equal(json_string_value(json_object_get(rec, "hd")), "other.example");
	assert_string_equal(json_string_value(json_array_get(json_object_get(rec, "groups"), 0)), "g2");
	json_object_del(fresh, "hd");
	json_object_del(fresh, "groups");
	session_record_refresh_claims(&cfg, rec, fresh);
	assert_null(json_object_get(rec, "hd"));
	assert_null(json_object_get(rec, "groups"));
	session_record_free(rec);
	json_decref(c);
	json_decref(fresh);
}

/* A record's groups are the claim the login's service read them from:
 * another service that names another groups_claim (app roles at ssh,
 * groups at sudo) never takes them for its own. */
static void
test_record_groups_claim_is_kept(void **state)
{
	json_t *c = json_pack("{s:s, s:s, s:[s], s:[s]}", "iss", "https://idp.example.test", "sub", "1", "roles",
	    "admins", "groups", "users");
	struct oidc_config ssh, sudo;
	struct oidc_error err = { 0 };
	json_t *rec, *back;

	(void)state;
	unit_config(&ssh);
	unit_set(&ssh, "groups_claim", "roles");
	unit_config(&sudo);
	unit_set(&sudo, "allowed_groups", "admins");
	/* The login itself: not in group admins. */
	assert_int_equal(identity_check_policy(&sudo, c, "alice", &err), -1);
	rec = session_record_new(&ssh, c, "alice", 1000, "sshd", "pts/3", "127.0.0.1", NULL, (int64_t)time(NULL));
	assert_non_null(rec);
	back = session_record_claims(&sudo, rec);
	assert_non_null(back);
	assert_int_equal(identity_check_policy(&sudo, back, "alice", &err), -1);
	json_decref(back);
	/* The same claim name: the groups serve. */
	unit_set(&sudo, "groups_claim", "roles");
	back = session_record_claims(&sudo, rec);
	assert_int_equal(identity_check_policy(&sudo, back, "alice", &err), 0);
	json_decref(back);
	session_record_free(rec);
	json_decref(c);
	config_free(&ssh);
	config_free(&sudo);
}

static void
test_most_recent_usable_wins(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct reuse_search rs = { &cfg, "alice", "sudo", &inside, now, NULL, NULL };
	json_t *older = record("alice", now - 100, now), *newer = record("alice", now - 10, now);
	json_t *bob = record("bob", now - 1, now);

	(void)state;
	assert_int_equal(reuse_consider(&rs, 1000, older), 0);
	assert_ptr_equal(rs.best, older);
	assert_int_equal(reuse_consider(&rs, 1000, newer), 0);
	assert_ptr_equal(rs.best, newer);
	/* An older one seen later does not displace it. */
	assert_int_equal(reuse_consider(&rs, 1000, older), 0);
	assert_ptr_equal(rs.best, newer);
	/* Another user's record never serves, and says why. */
	assert_int_equal(reuse_consider(&rs, 1000, bob), 0);
	assert_ptr_equal(rs.best, newer);
	assert_string_equal(rs.last_reason, "record is for another user");
	session_record_free(rs.best);
	session_record_free(older);
	session_record_free(newer);
	session_record_free(bob);
}

static void
test_outside_the_session_never_serves(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct proc_caller elsewhere = { 1000, PTS3, 2, { { 5000, 900000 }, { 2, 1 } } };
	struct reuse_search rs = { &cfg, "alice", "sudo", &elsewhere, now, NULL, NULL };
	json_t *rec = record("alice", now, now);

	(void)state;
	assert_int_equal(reuse_consider(&rs, 1000, rec), 0);
	assert_null(rs.best);
	assert_non_null(rs.last_reason);
	/* sshd never reuses by default. */
	rs.caller = &inside;
	rs.service = "sshd";
	assert_int_equal(reuse_consider(&rs, 1000, rec), 0);
	assert_null(rs.best);
	session_record_free(rec);
}

static void
test_recheck_due(void **state)
{
	int64_t now = (int64_t)time(NULL);
	json_t *fresh = record("alice", now, now - 10), *old = record("alice", now, now - 3600);

	(void)state;
	cfg.recheck = 0;
	assert_int_equal(reuse_recheck_due(&cfg, old, now), 0);
	cfg.recheck = 600;
	assert_int_equal(reuse_recheck_due(&cfg, fresh, now), 0);
	assert_int_equal(reuse_recheck_due(&cfg, old, now), 1);
	assert_int_equal(reuse_recheck_due(&cfg, fresh, now - 10 + 600), 1);
	cfg.recheck = 0;
	session_record_free(fresh);
	session_record_free(old);
}

static void
test_recheck_outcome(void **state)
{
	(void)state;
	cfg.offline = OFFLINE_DENY;
	assert_int_equal(reuse_recheck_outcome(&cfg, OIDC_OK), RECHECK_OK);
	assert_int_equal(reuse_recheck_outcome(&cfg, OIDC_E_INVALID_GRANT), RECHECK_REVOKED);
	assert_int_equal(reuse_recheck_outcome(&cfg, OIDC_E_IDP_UNAVAILABLE), RECHECK_FAILED);
	assert_int_equal(reuse_recheck_outcome(&cfg, OIDC_E_INTERNAL), RECHECK_FAILED);
	cfg.offline = OFFLINE_GRACE;
	assert_int_equal(reuse_recheck_outcome(&cfg, OIDC_E_IDP_UNAVAILABLE), RECHECK_OFFLINE_GRACE);
	/* A revoked grant is revoked even in offline grace. */
	assert_int_equal(reuse_recheck_outcome(&cfg, OIDC_E_INVALID_GRANT), RECHECK_REVOKED);
	cfg.offline = OFFLINE_DENY;
}

static void
test_refresh_answer(void **state)
{
	json_t *rec = record("alice", (int64_t)time(NULL), 0);
	json_t *none = json_pack("{s:s}", "refresh_token", "x"), *junk = json_pack("{s:s}", "id_token", "not.a.jws");
	struct oidc_error err = { 0 };

	(void)state;
	/* No ID token in the answer: nothing to check. */
	assert_int_equal(reuse_refresh_answer_check(&cfg, rec, none, 0, NULL, &err), 0);
	/* One that does not verify is refused, with the reason. */
	assert_int_equal(reuse_refresh_answer_check(&cfg, rec, junk, 0, NULL, &err), -1);
	assert_int_not_equal(err.reason, OIDC_OK);
	json_decref(none);
	json_decref(junk);
	session_record_free(rec);
}

/* An RS256 ID token over claims (a JSON text), signed with key (kid k1). */
static char *
sign_token(EVP_PKEY *key, const char *claims)
{
	const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
	char *h = b64url_encode((const unsigned char *)hdr, strlen(hdr));
	char *c = b64url_encode((const unsigned char *)claims, strlen(claims));
	char *input = NULL, *sig64, *out = NULL;
	unsigned char sig[512];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	assert_true(asprintf(&input, "%s.%s", h, c) > 0);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, strlen(input)), 1);
	sig64 = b64url_encode(sig, siglen);
	assert_true(asprintf(&out, "%s.%s", input, sig64) > 0);
	EVP_MD_CTX_free(md);
	free(h);
	free(c);
	free(input);
	free(sig64);
	return out;
}

static char *
bn_b64(EVP_PKEY *key, const char *name)
{
	BIGNUM *bn = NULL;
	unsigned char buf[512];
	int n;
	char *r;

	assert_int_equal(EVP_PKEY_get_bn_param(key, name, &bn), 1);
	n = BN_bn2bin(bn, buf);
	r = b64url_encode(buf, (size_t)n);
	BN_free(bn);
	return r;
}

/* The module's recheck (pam/reuse.c) serves a record again only if the
 * refreshed ID token still satisfies this service's policy: a person taken
 * out of allowed_groups, or whose token has lost its hd, at the IdP is not
 * served from a record that says otherwise. */
static void
test_refresh_answer_policy(void **state)
{
	char dir[] = "/tmp/pam_oidc_reusetest.XXXXXX", path[300], *jwks = NULL, *n, *e, *tok, *claims = NULL;
	EVP_PKEY *key = EVP_RSA_gen(2048);
	struct oidc_config pcfg;
	struct oidc_error err = { 0 };
	json_t *rec, *tokens, *fresh;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	static const struct {
		const char *extra;   /* claims beyond iss, aud, sub, iat, exp */
		int want;
	} cases[] = {
		{ "\"groups\":[\"admins\"],\"hd\":\"corp.example\"", 0 },
		/* Out of the group at the IdP since the login. */
		{ "\"groups\":[\"users\"],\"hd\":\"corp.example\"", -1 },
		/* The refreshed token has no hd (or another). */
		{ "\"groups\":[\"admins\"]", -1 },
		{ "\"groups\":[\"admins\"],\"hd\":\"other.example\"", -1 },
		/* Groups only by reference now (overage). */
		{ "\"_claim_names\":{\"groups\":\"src1\"},\"hd\":\"corp.example\"", -1 },
	};

	(void)state;
	assert_non_null(key);
	assert_non_null(mkdtemp(dir));
	n = bn_b64(key, OSSL_PKEY_PARAM_RSA_N);
	e = bn_b64(key, OSSL_PKEY_PARAM_RSA_E);
	assert_true(asprintf(&jwks, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"alg\":\"RS256\",\"use\":\"sig\","
	    "\"n\":\"%s\",\"e\":\"%s\"}]}", n, e) > 0);
	snprintf(path, sizeof(path), "%s/jwks.json", dir);
	unit_write(path, jwks, 0644);
	unit_config(&pcfg);
	unit_set(&pcfg, "jwks_file", path);
	unit_set(&pcfg, "allowed_groups", "admins");
	unit_set(&pcfg, "allowed_hd", "corp.example");
	rec = record("alice", now, 0);
	/* What the login proved: the record passes this service's policy. */
	json_object_set_new(rec, "groups", json_pack("[s]", "admins"));
	json_object_set_new(rec, "hd", json_string("corp.example"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(asprintf(&claims, "{\"iss\":\"https://idp.example.test\",\"aud\":\"pam-oidc\",\"sub\":\"alice\","
		    "\"iat\":%lld,\"exp\":%lld,%s}", (long long)now, (long long)now + 600, cases[i].extra) > 0);
		tok = sign_token(key, claims);
		tokens = json_pack("{s:s, s:s}", "id_token", tok, "refresh_token", "rt2");
		oidc_error_clear(&err);
		fresh = (json_t *)&err;   /* must be overwritten either way */
		if (reuse_refresh_answer_check(&pcfg, rec, tokens, now, &fresh, &err) != cases[i].want)
			fail_msg("case %zu (%s): want %d (%s)", i, cases[i].extra, cases[i].want, err.text);
		if (cases[i].want != 0) {
			assert_true(err.reason == OIDC_E_POLICY || err.reason == OIDC_E_GROUPS_OVERAGE);
			assert_null(fresh);   /* refused claims never reach the record */
		} else {
			/* Accepted: the verified claims, for the record to keep. */
			assert_non_null(fresh);
			assert_string_equal(json_string_value(json_object_get(fresh, "hd")), "corp.example");
			json_decref(fresh);
		}
		json_decref(tokens);
		free(tok);
		free(claims);
	}
	session_record_free(rec);
	config_free(&pcfg);
	EVP_PKEY_free(key);
	free(n);
	free(e);
	free(jwks);
	unit_rmtree(dir);
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
		cmocka_unit_test(test_record_keeps_policy_claims),
		cmocka_unit_test(test_record_refresh_claims),
		cmocka_unit_test(test_record_groups_claim_is_kept),
		cmocka_unit_test(test_most_recent_usable_wins),
		cmocka_unit_test(test_outside_the_session_never_serves),
		cmocka_unit_test(test_recheck_due),
		cmocka_unit_test(test_recheck_outcome),
		cmocka_unit_test(test_refresh_answer),
		cmocka_unit_test(test_refresh_answer_policy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
