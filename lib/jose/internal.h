/* What the JOSE layer shares inside itself and with its own tests: the
 * OpenSSL side of keys and signatures. Nothing above lib/jose includes it. */
#ifndef PAM_OIDC_JOSE_INTERNAL_H
#define PAM_OIDC_JOSE_INTERNAL_H

#include <stddef.h>

#include <openssl/evp.h>

#include "jose/alg.h"

/* The signature primitive alone: JWS_SIG_VALID, JWS_SIG_INVALID (wrong key
 * type, bad length, bad signature), JWS_SIG_ERROR (internal error). EC
 * signatures are raw r||s. */
enum jws_sig { JWS_SIG_ERROR = -1, JWS_SIG_INVALID = 0, JWS_SIG_VALID = 1 };
enum jws_sig jws_verify_signature(enum jws_alg alg, EVP_PKEY *pkey, const unsigned char *msg,
    size_t msg_len, const unsigned char *sig, size_t sig_len);
/* The same with a context from jws_verify_prepare() (NULL: none). */
enum jws_sig jws_verify_signature_prepared(enum jws_alg alg, EVP_PKEY *pkey, const EVP_MD_CTX *prepared,
    const unsigned char *msg, size_t msg_len, const unsigned char *sig, size_t sig_len);
/* A verification context for pkey and alg, ready to be copied per
 * signature; NULL when the key does not fit the alg or on error. */
EVP_MD_CTX *jws_verify_prepare(enum jws_alg alg, EVP_PKEY *pkey);

#endif
