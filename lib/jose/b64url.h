/* Strict base64url without padding (RFC 7515 §2, RFC 4648 §5). */
#ifndef PAM_OIDC_B64URL_H
#define PAM_OIDC_B64URL_H

#include <stddef.h>

/* Decodes exactly inlen characters. Rejects padding, '+', '/', whitespace,
 * a length of 1 mod 4 and non-zero trailing bits (non-canonical input).
 * On success *out is malloc'd (NUL-terminated for convenience, not counted
 * in *outlen) and 0 is returned; on failure -1 and *out is untouched. */
int b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);

/* Returns a malloc'd NUL-terminated string, or NULL on allocation failure. */
char *b64url_encode(const unsigned char *in, size_t len);

#endif
