/* ID token validation: OpenID Connect Core 1.0 §3.1.3.7 and RFC 8725. */
#ifndef PAM_OIDC_IDTOKEN_H
#define PAM_OIDC_IDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/error.h"
#include "jose/jwk.h"

#define IDTOKEN_DEFAULT_LEEWAY 60
#define IDTOKEN_MAX_LEEWAY 300
/* NumericDate sanity range: 1970 .. 9999-12-31. */
#define IDTOKEN_MAX_TIME INT64_C(253402300799)
#define IDTOKEN_MAX_SUB 255

struct idtoken_policy {
	const char *issuer;     /* exact string match (OIDC Core §3.1.3.7 item 2) */
	const char *client_id;
	unsigned alg_mask;
	long leeway;            /* seconds, 0..IDTOKEN_MAX_LEEWAY */
	size_t max_token_len;
	int64_t now;            /* the clock, injected so tests can move it */
	int64_t min_iat;        /* when this attempt started; 0: no replay check */
};

/* Defaults: every implemented alg, 60 s leeway, 16 KiB cap, now = time(). */
void idtoken_policy_init(struct idtoken_policy *p);

/* Signature first (JWS layer), then typ and claims. On success *claims owns
 * the verified claim set. */
int idtoken_verify(const char *token, size_t len, const struct jwks *set,
    const struct idtoken_policy *p, json_t **claims, struct oidc_error *err);

/* iss (len bytes) names the configured issuer: the same bytes, or the bare
 * "accounts.google.com" when issuer is exactly "https://accounts.google.com". */
int idtoken_iss_matches(const char *iss, size_t len, const char *issuer);

/* A verified claim set's iss (idtoken_iss_matches) becomes issuer itself;
 * -1 when it does not match or memory runs out. */
int idtoken_canonical_iss(json_t *claims, const char *issuer);

/* The claim rules alone, on an already verified claim set. */
int idtoken_check_claims(const json_t *claims, const struct idtoken_policy *p, struct oidc_error *err);

/* A NumericDate claim (integer or real within the sane range), 0 on success. */
int idtoken_claim_time(const json_t *claims, const char *name, int64_t *out);

#endif
