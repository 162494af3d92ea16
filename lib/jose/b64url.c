#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "jose/b64url.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* -1 for every byte outside the URL-safe alphabet. */
static const short values[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int
b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	size_t rem = inlen % 4, olen, i, o = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	if (rem == 1 || inlen > SIZE_MAX / 3)
		return -1;
	olen = inlen / 4 * 3 + (rem ? rem - 1 : 0);
	if ((buf = malloc(olen + 1)) == NULL)
		return -1;
	for (i = 0; i < inlen; i++) {
		if ((v = values[(unsigned char)in[i]]) < 0)
			goto fail;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* RFC 4648 §3.5: the unused low bits of the last character must be
	 * zero, or two different strings would decode to the same bytes. */
	if (acc != 0)
		goto fail;
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
fail:
	free(buf);
	return -1;
}

char *
b64url_encode(const unsigned char *in, size_t len)
{
	char *out, *p;
	size_t i;

	if (len > (SIZE_MAX - 4) / 4 * 3)
		return NULL;
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	p = out;
	for (i = 0; i + 2 < len; i += 3) {
		*p++ = alphabet[in[i] >> 2];
		*p++ = alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = alphabet[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*p++ = alphabet[in[i + 2] & 63];
	}
	if (len - i == 1) {
		*p++ = alphabet[in[i] >> 2];
		*p++ = alphabet[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		*p++ = alphabet[in[i] >> 2];
		*p++ = alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = alphabet[(in[i + 1] & 15) << 2];
	}
	*p = '\0';
	return out;
}
