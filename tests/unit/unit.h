/* What the unit suites share: files written into a suite's scratch folder,
 * the folder's removal, and the configuration most tests start from.
 * Included after <cmocka.h> and the suite's own headers: the configuration
 * helpers are there only when core/conf.h came first. */
#ifndef PAM_OIDC_TESTS_UNIT_H
#define PAM_OIDC_TESTS_UNIT_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* PATH becomes a new file holding TEXT, with MODE. */
static inline void
unit_write(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static inline int
unit_remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* A suite's scratch folder and all in it, depth first; links are removed,
 * never followed. */
static inline int
unit_rmtree(const char *dir)
{
	return nftw(dir, unit_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The body of a cmocka group setup: the scratch folder DIR (a mkdtemp
 * template) is made, and its name left in *state for unit_teardown. */
static inline int
unit_scratch(void **state, char *dir)
{
	*state = dir;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* A cmocka group teardown for a suite whose group setup left its scratch
 * folder's name in *state. */
static inline int
unit_teardown(void **state)
{
	return unit_rmtree(*state);
}

#ifdef PAM_OIDC_CONFIG_H
/* config_set, which must succeed. */
static inline void
unit_set(struct oidc_config *cfg, const char *key, const char *value)
{
	struct oidc_error err = { 0 };

	assert_int_equal(config_set(cfg, key, value, "t", &err), 0);
}

/* The configuration most tests start from: an issuer and a client. */
static inline void
unit_config(struct oidc_config *cfg)
{
	assert_int_equal(config_init(cfg), 0);
	unit_set(cfg, "issuer", "https://idp.example.test");
	unit_set(cfg, "client_id", "pam-oidc");
}
#endif

#endif
