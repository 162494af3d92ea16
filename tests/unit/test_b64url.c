#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jose/b64url.h"

static int
dec(const char *in, unsigned char **out, size_t *len)
{
	return b64url_decode(in, strlen(in), out, len);
}

static void
test_rfc4648_vectors(void **state)
{
	/* RFC 4648 §10, without padding, in the URL-safe alphabet. */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	unsigned char *out;
	size_t len, i;
	char *e;

	for (i = 0; i < 7; i++) {
		assert_int_equal(dec(coded[i], &out, &len), 0);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(out, plain[i], len);
		free(out);
		e = b64url_encode((const unsigned char *)plain[i], strlen(plain[i]));
		assert_string_equal(e, coded[i]);
		free(e);
	}
}

static void
test_url_alphabet(void **state)
{
	const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
	unsigned char *out;
	size_t len;
	char *e = b64url_encode(bytes, 3);

	assert_string_equal(e, "-_-_");
	free(e);
	assert_int_equal(dec("-_-_", &out, &len), 0);
	assert_memory_equal(out, bytes, 3);
	free(out);
}

static void
test_rejects(void **state)
{
	/* Padding, the standard alphabet, whitespace, impossible lengths, and
	 * non-canonical tails ("Zh", "Zm9", "Zm9vYmF": unused bits set; the
	 * canonical forms are "Zg", "Zm8", "Zm9vYmE"). */
	static const char *const bad[] = {
		"Zg==", "Zg=", "Zm9v+", "Zm9v/", "Zm 9v", "Zm9v\n", "Z", "Zm9vY",
		"Zh", "Zm9", "Zm9vYmF", "Zm+v",
	};
	unsigned char *out = (unsigned char *)"untouched";
	size_t len = 42, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dec(bad[i], &out, &len), -1);
		assert_string_equal((char *)out, "untouched");
		assert_int_equal(len, 42);
	}
	/* An embedded NUL is not part of the alphabet. */
	assert_int_equal(b64url_decode("Zm\0v", 4, &out, &len), -1);
}

static void
test_roundtrip_all_lengths(void **state)
{
	unsigned char buf[300], *out;
	size_t i, len;
	char *e;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (i = 0; i <= sizeof(buf); i++) {
		e = b64url_encode(buf, i);
		assert_non_null(e);
		assert_int_equal(dec(e, &out, &len), 0);
		assert_int_equal(len, i);
		assert_memory_equal(out, buf, i);
		free(out);
		free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_url_alphabet),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_roundtrip_all_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
