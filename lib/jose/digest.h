/* SHA-256 for the layers above, without a crypto header: names of cache
 * entries and flow slots are digests of what they stand for. */
#ifndef PAM_OIDC_DIGEST_H
#define PAM_OIDC_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* SHA-256 of each part followed by its NUL (NULL counts as ""): no two
 * different tuples hash the same input. 0, or -1 when the digest failed. */
int digest_sha256_parts(const char *const *parts, size_t n, unsigned char md[DIGEST_SHA256_LEN]);
/* SHA-256 of len bytes. 0 or -1. */
int digest_sha256(const void *data, size_t len, unsigned char md[DIGEST_SHA256_LEN]);
/* prefix + the first 16 bytes of md in hex + suffix, cut to size. */
void digest_name(const char *prefix, const unsigned char md[DIGEST_SHA256_LEN], const char *suffix, char *out,
    size_t size);

#endif
