/* The JWS algorithms pam_oidc verifies (RFC 7518 §3, RFC 8037 §3.1). */
#ifndef PAM_OIDC_ALG_H
#define PAM_OIDC_ALG_H

#include <stddef.h>

#include "util/error.h"

enum jws_alg {
	JWS_RS256, JWS_RS384, JWS_RS512,
	JWS_PS256, JWS_PS384, JWS_PS512,
	JWS_ES256, JWS_ES384, JWS_ES512,
	JWS_EDDSA,
	JWS_ALG_COUNT
};

#define JWS_ALG_BIT(a) (1u << (a))
#define JWS_ALG_ALL ((1u << JWS_ALG_COUNT) - 1)

enum jws_family { JWS_FAMILY_RSA, JWS_FAMILY_RSA_PSS, JWS_FAMILY_EC, JWS_FAMILY_OKP };

/* 0 and *out set for an implemented asymmetric alg; -1 for anything else,
 * including "none" and HS*: those never reach a verifier. */
int jws_alg_from_name(const char *name, enum jws_alg *out);
const char *jws_alg_name(enum jws_alg alg);
enum jws_family jws_alg_family(enum jws_alg alg);
/* Digest name for EVP ("SHA256"...), NULL for EdDSA (no pre-hash). */
const char *jws_alg_digest(enum jws_alg alg);
/* EC: byte length of r and of s in the JWS signature, 0 otherwise. */
size_t jws_alg_ec_coord_len(enum jws_alg alg);

/* Parses a comma/space separated allow-list. "none" and HS* are refused
 * with a sentence saying they can never be allowed. */
int jws_alg_list_parse(const char *list, unsigned *mask, struct oidc_error *err);
/* Writes "RS256,ES256,..." into buf; returns 0, or -1 if it does not fit. */
int jws_alg_list_format(unsigned mask, char *buf, size_t size);

#endif
