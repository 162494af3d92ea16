/* The state directory layer on its own (lib/store/store.c), linked with
 * lib/util only: the folder rule, private whole-file reads, atomic writes.
 * Every refusal is an attack someone with a foothold on the host could try
 * (a link, a folder others may write, a file with a second name). */
#include "config.h"

#include <errno.h>
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

#include "store/store.h"
#include "unit.h"

static char dir[] = "/tmp/pam_oidc_storetest.XXXXXX";

static void
path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void
write_plain(const char *name, const char *data, mode_t mode)
{
	char p[256];

	path_of(p, sizeof(p), name);
	unit_write(p, data, mode);
}

static void
test_folders(void **state)
{
	struct oidc_error err = { 0 };
	char p[256];
	int top, fd;

	(void)state;
	path_of(p, sizeof(p), "state");
	assert_true((top = store_dir_open(p, &err)) >= 0);
	/* created private */
	{
		struct stat st;

		assert_int_equal(fstat(top, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0700);
	}
	assert_int_equal(store_subdir_open(top, "absent", 0, &err), STORE_MISSING);
	assert_int_equal(err.reason, OIDC_OK);
	assert_true((fd = store_subdir_open(top, "sub", 1, &err)) >= 0);
	close(fd);
	assert_true((fd = store_subdir_open(top, "sub", 0, &err)) >= 0);
	close(fd);

	/* a folder others may write is refused, created or not */
	path_of(p, sizeof(p), "state/sub");
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(store_subdir_open(top, "sub", 0, &err), -1);
	assert_int_equal(err.reason, OIDC_E_STORE);
	assert_non_null(strstr(err.text, "not writable by group or others"));
	oidc_error_clear(&err);
	assert_int_equal(store_dir_open_sub(dir, "state", &err) >= 0, 1);

	/* a link in place of a folder is never followed */
	path_of(p, sizeof(p), "state/link");
	assert_int_equal(symlink("/tmp", p), 0);
	assert_int_equal(store_subdir_open(top, "link", 1, &err), -1);
	assert_int_equal(err.reason, OIDC_E_STORE);
	oidc_error_clear(&err);
	path_of(p, sizeof(p), "state/link");
	assert_int_equal(store_dir_open(p, &err), -1);
	close(top);
}

static void
test_files(void **state)
{
	struct oidc_error err = { 0 };
	char p[256], q[256], *buf = NULL;
	size_t len = 0;
	int top;

	(void)state;
	path_of(p, sizeof(p), "files");
	assert_true((top = store_dir_open(p, &err)) >= 0);

	assert_int_equal(store_read_file(top, "none", 100, &buf, &len, &err), STORE_READ_ABSENT);
	assert_int_equal(store_write_file(top, "rec", "{\"a\":1}", 7, &err), 0);
	assert_int_equal(store_read_file(top, "rec", 100, &buf, &len, &err), STORE_READ_OK);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "{\"a\":1}");
	free(buf);
	buf = NULL;
	/* replaced, never appended, and private */
	assert_int_equal(store_write_file(top, "rec", "x", 1, &err), 0);
	assert_int_equal(store_read_file(top, "rec", 100, &buf, &len, &err), STORE_READ_OK);
	assert_string_equal(buf, "x");
	free(buf);
	buf = NULL;
	{
		struct stat st;

		path_of(p, sizeof(p), "files/rec");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}

	/* over its cap */
	assert_int_equal(store_write_file(top, "big", "0123456789", 10, &err), 0);
	assert_int_equal(store_read_file(top, "big", 9, &buf, &len, &err), STORE_READ_ERROR);
	assert_null(buf);
	assert_non_null(strstr(err.text, "larger than"));
	oidc_error_clear(&err);

	/* readable by others: not ours to trust */
	write_plain("files/open", "{}", 0644);
	assert_int_equal(store_read_file(top, "open", 100, &buf, &len, &err), STORE_READ_ERROR);
	assert_int_equal(err.reason, OIDC_E_STORE);
	oidc_error_clear(&err);

	/* a second name (hard link) to a private file */
	path_of(p, sizeof(p), "files/rec");
	path_of(q, sizeof(q), "files/alias");
	assert_int_equal(link(p, q), 0);
	assert_int_equal(store_read_file(top, "alias", 100, &buf, &len, &err), STORE_READ_ERROR);
	oidc_error_clear(&err);

	/* a link is not followed */
	path_of(q, sizeof(q), "files/sym");
	assert_int_equal(symlink(p, q), 0);
	assert_int_equal(store_read_file(top, "sym", 100, &buf, &len, &err), STORE_READ_ERROR);
	assert_int_equal(err.reason, OIDC_E_STORE);
	assert_null(buf);
	close(top);
}

/* An atomic write that cannot finish leaves neither a partial file nor its
 * temporary behind. */
static void
test_write_fails_clean(void **state)
{
	struct oidc_error err = { 0 };
	char p[256];
	int top, ro;

	(void)state;
	path_of(p, sizeof(p), "ro");
	assert_true((top = store_dir_open(p, &err)) >= 0);
	assert_true((ro = open(p, O_RDONLY | O_DIRECTORY)) >= 0);
	/* a read-only descriptor of a file, not a folder: every openat fails */
	close(top);
	path_of(p, sizeof(p), "ro/notadir");
	write_plain("ro/notadir", "x", 0600);
	top = open(p, O_RDONLY);
	assert_true(top >= 0);
	assert_int_equal(store_write_file(top, "rec", "data", 4, &err), -1);
	assert_int_equal(err.reason, OIDC_E_STORE);
	close(top);
	close(ro);
}

static int
setup(void **state)
{
	return unit_scratch(state, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folders),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_write_fails_clean),
	};

	return cmocka_run_group_tests(tests, setup, unit_teardown);
}
