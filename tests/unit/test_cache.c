/* The discovery + JWKS cache on its own (lib/core/cache.c): what it keeps, what
 * it refuses, and that an entry serves only the configuration that made it
 * (issue 12: keys reached through another jwks_uri, CA or proxy are no
 * proof for this one). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cache.h"
#include "core/conf.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_cachetest.XXXXXX";
static char state[300];

static void
base_config(struct oidc_config *cfg)
{
	unit_config(cfg);
	unit_set(cfg, "state_dir", state);
}

static json_t *
entry(const char *issuer, const char *kid)
{
	return json_pack("{s:s, s:I, s:s, s:{s:s}}", "issuer", issuer, "fetched", (json_int_t)1700000000, "jwks", kid,
	    "discovery", "jwks_uri", "https://idp.example.test/jwks");
}

/* The one file in state/cache, or "" when there is none. */
static const char *
only_entry(void)
{
	static char name[256];
	char path[400];
	struct dirent *de;
	DIR *d;
	int n = 0;

	name[0] = '\0';
	snprintf(path, sizeof(path), "%s/cache", state);
	if ((d = opendir(path)) == NULL)
		return name;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && n++ == 0)
			snprintf(name, sizeof(name), "%s", de->d_name);
	closedir(d);
	return n == 1 ? name : "(several)";
}

static void
test_round_trip(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	json_t *in = entry("https://idp.example.test", "k1"), *out = NULL;
	struct stat st;
	char path[600];

	(void)s;
	base_config(&cfg);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_NONE);
	assert_null(out);
	assert_int_equal(cache_store(&cfg, in, &err), 0);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_OK);
	assert_true(json_equal(in, out));
	/* Root-only file in a root-only folder. */
	snprintf(path, sizeof(path), "%s/cache/%s", state, only_entry());
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	json_decref(out);
	json_decref(in);
	config_free(&cfg);
}

/* Issue 12 (review of finding 2): one entry per way of reaching the keys. */
static void
test_keyed_by_how_keys_are_reached(void **s)
{
	struct oidc_config a, b;
	struct oidc_error err = { 0 };
	json_t *in = entry("https://idp.example.test", "from-a"), *out = NULL;

	(void)s;
	base_config(&a);
	base_config(&b);
	assert_int_equal(cache_store(&a, in, &err), 0);
	assert_int_equal(config_set(&b, "jwks_uri", "https://lab.example.test/jwks", "t", &err), 0);
	assert_int_equal(cache_load(&b, &out, &err), CACHE_LOAD_NONE);
	assert_null(out);
	config_free(&b);
	base_config(&b);
	assert_int_equal(config_set(&b, "ca_file", "/etc/ssl/other.pem", "t", &err), 0);
	assert_int_equal(cache_load(&b, &out, &err), CACHE_LOAD_NONE);
	config_free(&b);
	base_config(&b);
	assert_int_equal(config_set(&b, "http_proxy", "http://127.0.0.1:3128", "t", &err), 0);
	assert_int_equal(cache_load(&b, &out, &err), CACHE_LOAD_NONE);
	config_free(&b);
	/* The same configuration still finds it. */
	base_config(&b);
	assert_int_equal(cache_load(&b, &out, &err), CACHE_LOAD_OK);
	json_decref(out);
	json_decref(in);
	config_free(&a);
	config_free(&b);
}

/* A damaged, foreign or incomplete entry is not trusted: just refetched. */
static void
test_refuses_what_it_did_not_write(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	json_t *out = NULL, *e;
	char path[600];

	(void)s;
	base_config(&cfg);
	e = entry("https://idp.example.test", "k1");
	assert_int_equal(cache_store(&cfg, e, &err), 0);
	json_decref(e);
	snprintf(path, sizeof(path), "%s/cache/%s", state, only_entry());
	/* Another issuer's entry under this name. */
	e = entry("https://evil.example.test", "k1");
	assert_int_equal(cache_store(&cfg, e, &err), 0);
	json_decref(e);
	/* cache_store names by cfg: rewrite the file by hand instead. */
	unit_write(path, "{\"issuer\":\"https://evil.example.test\",\"jwks\":\"k\"}", 0600);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_NONE);
	assert_null(out);
	/* No JWKS at all. */
	unit_write(path, "{\"issuer\":\"https://idp.example.test\",\"discovery\":{}}", 0600);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_NONE);
	/* Not JSON. */
	unit_write(path, "{garbage", 0600);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_NONE);
	/* With configured endpoints there is no discovery: a JWKS alone is a
	 * complete entry (issue 12, finding 13). */
	unit_write(path, "{\"issuer\":\"https://idp.example.test\",\"jwks\":\"k\"}", 0600);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_OK);
	json_decref(out);
	out = NULL;
	/* Readable by others: not ours, never read. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_ERROR);
	assert_null(out);
	oidc_error_clear(&err);
	unlink(path);
	config_free(&cfg);
}

/* Whoever can write the cache folder can forge logins. */
static void
test_unsafe_state_dir(void **s)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	json_t *out = NULL, *e = entry("https://idp.example.test", "k1");

	(void)s;
	base_config(&cfg);
	assert_int_equal(chmod(state, 0777), 0);
	assert_int_equal(cache_load(&cfg, &out, &err), CACHE_LOAD_ERROR);
	assert_int_equal(err.reason, OIDC_E_STORE);
	oidc_error_clear(&err);
	assert_int_equal(cache_store(&cfg, e, &err), -1);
	oidc_error_clear(&err);
	assert_int_equal(chmod(state, 0700), 0);
	assert_int_equal(cache_store(&cfg, e, &err), 0);
	json_decref(e);
	config_free(&cfg);
}

static int
setup(void **s)
{
	if (unit_scratch(s, dir) != 0)
		return -1;
	snprintf(state, sizeof(state), "%s/state", dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_keyed_by_how_keys_are_reached),
		cmocka_unit_test(test_refuses_what_it_did_not_write),
		cmocka_unit_test(test_unsafe_state_dir),
	};

	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
