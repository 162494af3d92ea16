/* The bounded, self-wiping buffer (lib/util/buf.c), linked with lib/util
 * only: the bound holds for every way in, a failed append changes nothing,
 * what is consumed leaves no copy behind in the block. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/buf.h"

static void
test_bound(void **state)
{
	struct oidc_error err = { 0 };
	struct buf b = BUF_INIT(10);

	(void)state;
	assert_int_equal(buf_append_str(&b, "0123456789", &err), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	/* one byte over: refused, nothing changed */
	assert_int_equal(buf_append(&b, "x", 1, &err), -1);
	assert_int_equal(err.reason, OIDC_E_TOO_LARGE);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	oidc_error_clear(&err);
	assert_int_equal(buf_printf(&b, &err, "%d", 1), -1);
	assert_int_equal(b.len, 10);
	oidc_error_clear(&err);
	/* sizes that would wrap around are refused, not wrapped */
	assert_int_equal(buf_reserve(&b, (size_t)-1, &err), -1);
	assert_int_equal(err.reason, OIDC_E_TOO_LARGE);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 10);
	buf_free(NULL);
}

static void
test_text_and_json(void **state)
{
	struct oidc_error err = { 0 };
	struct buf b = BUF_INIT(64);
	json_t *v = json_pack("{s:s}", "a", "b");
	char *s;
	size_t len = 99;

	(void)state;
	/* empty: stealing gives "" */
	s = buf_steal(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	wipe_free(s);
	assert_int_equal(buf_printf(&b, &err, "%s=%d", "k", 7), 0);
	assert_int_equal(buf_append_json(&b, v, JSON_COMPACT, &err), 0);
	assert_string_equal(b.data, "k=7{\"a\":\"b\"}");
	assert_int_equal(b.len, strlen(b.data));
	buf_free(&b);
	/* JSON larger than the bound: refused, nothing half-written */
	b.max = 5;
	assert_int_equal(buf_append_json(&b, v, JSON_COMPACT, &err), -1);
	assert_int_equal(err.reason, OIDC_E_TOO_LARGE);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	json_decref(v);
}

static void
test_consume_leaves_no_copy(void **state)
{
	struct oidc_error err = { 0 };
	struct buf b = BUF_INIT(4096);
	size_t cap;

	(void)state;
	assert_int_equal(buf_append_str(&b, "secret-line\nnext", &err), 0);
	cap = b.cap;
	buf_consume(&b, 12);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "next");
	/* nothing of the consumed line, nor a second copy of "next", past the end */
	for (size_t i = b.len + 1; i < 16 && i < cap; i++)
		assert_int_equal(b.data[i], 0);
	assert_null(memmem(b.data, cap, "secret", 6));
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_null(memmem(b.data, cap, "next", 4));
	buf_free(&b);
}

/* Growth keeps the content; many small appends cross several blocks. */
static void
test_growth(void **state)
{
	struct oidc_error err = { 0 };
	struct buf b = BUF_INIT(100000);

	(void)state;
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_append(&b, "0123456789", i % 10 + 1, &err), 0);
	assert_int_equal(b.len, 55000);
	assert_true(b.cap > b.len && b.cap <= b.max + 1);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + b.len - 10, "0123456789", 10);
	buf_free(&b);
}

static void
test_read_fd(void **state)
{
	struct buf b = BUF_INIT(8);
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	assert_int_equal(buf_read_fd(&b, p[0], 100), 8);
	assert_string_equal(b.data, "01234567");
	/* full: the bound is an error, never a silent cut */
	errno = 0;
	assert_int_equal(buf_read_fd(&b, p[0], 100), -1);
	assert_int_equal(errno, EMSGSIZE);
	buf_consume(&b, 8);
	assert_int_equal(buf_read_fd(&b, p[0], 100), 2);
	assert_int_equal(buf_read_fd(&b, p[0], 100), 0);
	assert_string_equal(b.data, "89");
	close(p[0]);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_text_and_json),
		cmocka_unit_test(test_consume_leaves_no_copy),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_read_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
