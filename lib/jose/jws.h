/* Compact JWS (RFC 7515 §7.1) parsing and signature verification. */
#ifndef PAM_OIDC_JWS_H
#define PAM_OIDC_JWS_H

#include <stddef.h>

#include <jansson.h>

#include "jose/alg.h"
#include "util/error.h"
#include "jose/jwk.h"

#define JWS_DEFAULT_MAX_LEN 16384

struct jws {
	json_t *header;
	enum jws_alg alg;
	const char *kid;                /* borrowed from header, may be NULL */
	const char *signing_input;      /* the token's "header.payload" bytes */
	size_t signing_input_len;
	unsigned char *payload;         /* decoded, untrusted until verified */
	size_t payload_len;
	unsigned char *sig;
	size_t sig_len;
	char *token;                    /* private copy of the token */
};

/* Splits and decodes a compact JWS of at most max_len bytes and checks its
 * protected header: alg must be implemented (never none/HS*), no crit
 * extension, no key reference (jku, x5u, jwk, x5c). The payload is NOT
 * trusted until jws_verify() succeeds. */
int jws_parse(const char *token, size_t len, size_t max_len, struct jws **out, struct oidc_error *err);

/* Checks alg against the allow-list, selects the key and verifies. */
int jws_verify(const struct jws *jws, const struct jwks *set, unsigned alg_mask, struct oidc_error *err);

void jws_free(struct jws *jws);

#endif
