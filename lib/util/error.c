#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/error.h"

static const char *const reason_codes[OIDC_REASON_MAX] = {
	[OIDC_OK] = "ok",
	[OIDC_E_NOMEM] = "out_of_memory",
	[OIDC_E_INTERNAL] = "internal_error",
	[OIDC_E_IO] = "io_error",
	[OIDC_E_TOO_LARGE] = "too_large",
	[OIDC_E_MALFORMED] = "malformed",
	[OIDC_E_DUPLICATE_MEMBER] = "duplicate_member",
	[OIDC_E_ALG_FORBIDDEN] = "alg_forbidden",
	[OIDC_E_ALG_NOT_ALLOWED] = "alg_not_allowed",
	[OIDC_E_HEADER_KEY_REF] = "header_key_reference",
	[OIDC_E_CRIT] = "crit_unsupported",
	[OIDC_E_TYP] = "typ_not_jwt",
	[OIDC_E_JWKS_INVALID] = "jwks_invalid",
	[OIDC_E_JWKS_EMPTY] = "jwks_empty",
	[OIDC_E_KEY_NOT_FOUND] = "key_not_found",
	[OIDC_E_KEY_AMBIGUOUS] = "key_ambiguous",
	[OIDC_E_KEY_INVALID] = "key_invalid",
	[OIDC_E_KEY_WEAK] = "key_weak",
	[OIDC_E_BAD_SIGNATURE] = "bad_signature",
	[OIDC_E_ISS] = "iss_mismatch",
	[OIDC_E_AUD] = "aud_mismatch",
	[OIDC_E_AZP] = "azp_mismatch",
	[OIDC_E_EXPIRED] = "expired",
	[OIDC_E_NOT_YET_VALID] = "not_yet_valid",
	[OIDC_E_IAT_FUTURE] = "iat_in_future",
	[OIDC_E_CLAIM_MISSING] = "claim_missing",
	[OIDC_E_CLAIM_INVALID] = "claim_invalid",
	[OIDC_E_CONFIG] = "config_error",
	[OIDC_E_USAGE] = "usage",
	[OIDC_E_IDP_UNAVAILABLE] = "idp_unavailable",
	[OIDC_E_DENIED] = "access_denied",
	[OIDC_E_LOGIN_EXPIRED] = "login_expired",
	[OIDC_E_INVALID_GRANT] = "invalid_grant",
	[OIDC_E_USER_MISMATCH] = "user_mismatch",
	[OIDC_E_POLICY] = "policy_denied",
	[OIDC_E_STORE] = "unsafe_state",
	[OIDC_E_IAT_TOO_OLD] = "token_too_old",
	[OIDC_E_HELPER_PROTOCOL] = "helper_protocol_violation",
	[OIDC_E_IDP_UNKNOWN_USER] = "idp_unknown_user",
	[OIDC_E_TOO_MANY_FLOWS] = "too_many_flows",
	[OIDC_E_GROUPS_OVERAGE] = "groups_overage",
};

const char *
oidc_reason_code(enum oidc_reason r)
{
	if ((unsigned)r >= OIDC_REASON_MAX || reason_codes[r] == NULL)
		return "unknown";
	return reason_codes[r];
}

void
oidc_error_record(struct oidc_error *err, enum oidc_reason r, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->reason != OIDC_OK)
		return;
	err->reason = r;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

void
oidc_error_clear(struct oidc_error *err)
{
	if (err == NULL)
		return;
	err->reason = OIDC_OK;
	err->text[0] = '\0';
}

/* Appends s to dst (size bytes, *n used), cutting it off at the end. */
static void
text_append(char *dst, size_t size, size_t *n, const char *s)
{
	while (*s != '\0' && *n + 1 < size)
		dst[(*n)++] = *s++;
	dst[*n] = '\0';
}

void
oidc_error_wrap_record(struct oidc_error *err, enum oidc_reason r, const char *fmt, ...)
{
	char inner[sizeof(err->text)];
	char context[sizeof(err->text)];
	va_list ap;
	size_t n = 0;

	if (err == NULL)
		return;
	/* Copied first: the arguments may point into err->text. */
	snprintf(inner, sizeof(inner), "%s", err->reason != OIDC_OK ? err->text : "");
	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	err->reason = r;
	err->text[0] = '\0';
	text_append(err->text, sizeof(err->text), &n, context);
	if (inner[0] != '\0') {
		text_append(err->text, sizeof(err->text), &n, " (");
		text_append(err->text, sizeof(err->text), &n, inner);
		text_append(err->text, sizeof(err->text), &n, ")");
	}
}

void
oidc_error_drop(struct oidc_error *err)
{
	oidc_error_clear(err);
}
