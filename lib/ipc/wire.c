#include "config.h"

#include <string.h>

#include "ipc/wire.h"

/* Each code's name and what it means for the login. Only a genuine
 * failure to reach the IdP is "unavailable": the documented stack turns
 * that into a password fallback, so anything a network attacker can cause
 * (a TLS failure) or that is our own fault must be a service error
 * instead. (A timeout after the device code was shown is decided in
 * lib/core/flow.c flow_reason_for: nobody approved.) */
static const struct {
	const char *name;
	enum oidc_reason reason;
} wire_codes[WIRE_CODE_MAX] = {
	/* Nothing answered: the network or the IdP is down. */
	[WIRE_UNREACHABLE] = { "idp_unreachable", OIDC_E_IDP_UNAVAILABLE },
	/* Slow or silent IdP (after the code was shown: nobody approved). */
	[WIRE_TIMEOUT] = { "timeout", OIDC_E_IDP_UNAVAILABLE },
	/* The IdP, over verified TLS, answered with an error status. */
	[WIRE_HTTP_STATUS] = { "http_status", OIDC_E_IDP_UNAVAILABLE },
	/* The IdP, over verified TLS, answered something unusable (an
	 * outage page): only the IdP itself can cause it. */
	[WIRE_BAD_RESPONSE] = { "bad_response", OIDC_E_IDP_UNAVAILABLE },
	/* The helper died or broke the protocol (lib/core/flow.c helper_failed):
	 * a user can kill it with tight rlimits, a taken-over helper can
	 * do it on purpose. Not proof that the IdP is down. */
	[WIRE_HELPER_FAILED] = { "helper_failed", OIDC_E_INTERNAL },
	/* Whoever sits on the path can cause it: never a fallback. */
	[WIRE_TLS] = { "tls_error", OIDC_E_CONFIG },
	/* Discovery names another issuer: misconfigured or hijacked. */
	[WIRE_ISSUER] = { "issuer_mismatch", OIDC_E_CONFIG },
	/* An answer over max_response_bytes: the admin must raise it. */
	[WIRE_TOO_LARGE] = { "too_large", OIDC_E_CONFIG },
	/* The IdP does not accept our client_id or secret. */
	[WIRE_INVALID_CLIENT] = { "invalid_client", OIDC_E_CONFIG },
	/* Another OAuth error (invalid_scope, unauthorized_client, ...). */
	[WIRE_OAUTH] = { "oauth_error", OIDC_E_CONFIG },
	/* We sent the helper something it refused: our bug. */
	[WIRE_BAD_REQUEST] = { "bad_request", OIDC_E_INTERNAL },
	/* The helper cannot run (e.g. helper_user missing): our side. */
	[WIRE_INTERNAL] = { "internal_error", OIDC_E_INTERNAL },
	/* We never cancel a flow we still read from. */
	[WIRE_CANCELLED] = { "cancelled", OIDC_E_INTERNAL },
	/* The person's answer at the IdP. */
	[WIRE_ACCESS_DENIED] = { "access_denied", OIDC_E_DENIED },
	[WIRE_EXPIRED] = { "expired_token", OIDC_E_LOGIN_EXPIRED },
	/* A refresh token the IdP no longer honours. */
	[WIRE_INVALID_GRANT] = { "invalid_grant", OIDC_E_INVALID_GRANT },
	/* CIBA Core §13 unknown_user_id: the IdP has no account for the
	 * login_hint. A fact about the person, not about the network or our
	 * setup; its own reason, so the module decides what an unknown user
	 * means for the login (never the password fallback). */
	[WIRE_UNKNOWN_USER] = { "unknown_user", OIDC_E_IDP_UNKNOWN_USER },
	/* flow = ciba, but the IdP offers no backchannel endpoint in poll
	 * mode: the configuration asks for what this IdP cannot do. */
	[WIRE_CIBA_UNSUPPORTED] = { "ciba_unsupported", OIDC_E_CONFIG },
};

const char *
wire_code_name(enum wire_code c)
{
	if (c <= WIRE_NONE || c >= WIRE_CODE_MAX || wire_codes[c].name == NULL)
		return "unknown";
	return wire_codes[c].name;
}

enum wire_code
wire_code_from_name(const char *name)
{
	int c;

	if (name == NULL)
		return WIRE_NONE;
	for (c = WIRE_NONE + 1; c < WIRE_CODE_MAX; c++)
		if (wire_codes[c].name != NULL && strcmp(name, wire_codes[c].name) == 0)
			return (enum wire_code)c;
	return WIRE_NONE;
}

enum oidc_reason
wire_code_reason(enum wire_code c)
{
	if (c <= WIRE_NONE || c >= WIRE_CODE_MAX || wire_codes[c].name == NULL)
		return OIDC_E_INTERNAL;
	return wire_codes[c].reason;
}
