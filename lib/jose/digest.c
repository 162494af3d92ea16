/* SHA-256 behind digest.h (OpenSSL stays inside lib/jose). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "jose/digest.h"

int
digest_sha256_parts(const char *const *parts, size_t n, unsigned char md[DIGEST_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++) {
		const char *v = parts[i] != NULL ? parts[i] : "";

		ok = EVP_DigestUpdate(ctx, v, strlen(v) + 1) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == DIGEST_SHA256_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
digest_sha256(const void *data, size_t len, unsigned char md[DIGEST_SHA256_LEN])
{
	unsigned int mdlen = 0;

	return EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == DIGEST_SHA256_LEN ? 0 : -1;
}

void
digest_name(const char *prefix, const unsigned char md[DIGEST_SHA256_LEN], const char *suffix, char *out,
    size_t size)
{
	size_t o;

	if (size == 0)
		return;
	o = (size_t)snprintf(out, size, "%s", prefix);
	for (size_t i = 0; i < 16 && o + 3 <= size; i++)
		o += (size_t)snprintf(out + o, size - o, "%02x", md[i]);
	if (o < size)
		snprintf(out + o, size - o, "%s", suffix);
}
