/* Rejection reasons: a stable code for machines plus a sentence for people. */
#ifndef PAM_OIDC_ERROR_H
#define PAM_OIDC_ERROR_H

#include <stddef.h>

enum oidc_reason {
	OIDC_OK = 0,
	OIDC_E_NOMEM,
	OIDC_E_INTERNAL,
	OIDC_E_IO,
	OIDC_E_TOO_LARGE,          /* token, JWKS or claim over its cap */
	OIDC_E_MALFORMED,          /* not a compact JWS / bad JSON / bad base64url */
	OIDC_E_DUPLICATE_MEMBER,   /* duplicate JSON member name */
	OIDC_E_ALG_FORBIDDEN,      /* none, HS*, or unknown alg */
	OIDC_E_ALG_NOT_ALLOWED,    /* known alg, not in the configured allow-list */
	OIDC_E_HEADER_KEY_REF,     /* jku, x5u, jwk or x5c header */
	OIDC_E_CRIT,               /* crit header names an extension we do not implement */
	OIDC_E_TYP,                /* typ is not JWT */
	OIDC_E_JWKS_INVALID,
	OIDC_E_JWKS_EMPTY,         /* no usable key in the JWKS */
	OIDC_E_KEY_NOT_FOUND,      /* no key for kid+alg */
	OIDC_E_KEY_AMBIGUOUS,      /* no kid and several keys fit */
	OIDC_E_KEY_INVALID,
	OIDC_E_KEY_WEAK,           /* RSA < 2048 bits */
	OIDC_E_BAD_SIGNATURE,
	OIDC_E_ISS,
	OIDC_E_AUD,
	OIDC_E_AZP,
	OIDC_E_EXPIRED,
	OIDC_E_NOT_YET_VALID,      /* nbf in the future */
	OIDC_E_IAT_FUTURE,
	OIDC_E_CLAIM_MISSING,
	OIDC_E_CLAIM_INVALID,
	OIDC_E_CONFIG,
	OIDC_E_USAGE,
	OIDC_E_IDP_UNAVAILABLE,    /* network, TLS, HTTP or protocol trouble at the IdP */
	OIDC_E_DENIED,             /* the person denied the sign-in */
	OIDC_E_LOGIN_EXPIRED,      /* not approved before the code or our time ran out */
	OIDC_E_INVALID_GRANT,      /* refresh token refused: grant revoked or expired */
	OIDC_E_USER_MISMATCH,      /* token maps to another local user */
	OIDC_E_POLICY,             /* a policy rule refused the login */
	OIDC_E_STORE,              /* the state directory or a record is unsafe */
	OIDC_E_IAT_TOO_OLD,        /* iat before this attempt started: a replayed token */
	OIDC_E_HELPER_PROTOCOL,    /* the helper sent what its operation may not (keys in a login, no id_token) */
	OIDC_E_IDP_UNKNOWN_USER,   /* the IdP knows no user for the CIBA login_hint (CIBA Core §13 unknown_user_id) */
	OIDC_E_TOO_MANY_FLOWS,     /* a cap on sign-ins in progress (or on live CIBA requests) is reached */
	OIDC_E_GROUPS_OVERAGE,     /* a group policy, and the token names its groups only by reference (Entra) */
	OIDC_REASON_MAX
};

struct oidc_error {
	enum oidc_reason reason;
	char text[256];
};

/* Stable snake_case code, e.g. "bad_signature". Never NULL. */
const char *oidc_reason_code(enum oidc_reason r);

/* Records the first error only: the innermost cause wins. err may be NULL. */
void oidc_error_record(struct oidc_error *err, enum oidc_reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* oidc_error_set() records and is worth -1, so callers can write
 * `return oidc_error_set(...)`. A macro over a non-variadic inline -1 so
 * that static analysers (which do not inline variadic calls) see the -1. */
static inline int
oidc_failed(void)
{
	return -1;
}
#define oidc_error_set(err, r, ...) (oidc_error_record((err), (r), __VA_ARGS__), oidc_failed())

/* Resets err to OIDC_OK for a fresh attempt (tests, loops that try again). */
void oidc_error_clear(struct oidc_error *err);

/* The one way to give an error a new meaning on its way up: the reason is
 * replaced, and the text becomes "context (inner)", the context formatted
 * from fmt and the inner text the cause recorded below, so the first cause
 * stays readable; bounded to sizeof(err->text), the end cut off first.
 * With no inner text, just the context. Worth -1, like oidc_error_set().
 * err may be NULL. */
void oidc_error_wrap_record(struct oidc_error *err, enum oidc_reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define oidc_error_wrap(err, r, ...) (oidc_error_wrap_record((err), (r), __VA_ARGS__), oidc_failed())

/* A cause dropped on purpose (a damaged cache that is simply refetched, a
 * folder that is skipped with a warning, a retry that gets another
 * chance): says so at the call site, and leaves err free for the next. */
void oidc_error_drop(struct oidc_error *err);

#endif
