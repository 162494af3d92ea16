/* The helper's error codes on the wire ({"event":"error","code":...},
 * doc/helper-protocol.md) and what each means for the login: one table,
 * lib/ipc/wire.c, shared by the helper, which emits a code only through
 * enum wire_code, and the module, which maps a received name to a reason
 * only through it. */
#ifndef PAM_OIDC_WIRE_H
#define PAM_OIDC_WIRE_H

#include "util/error.h"

enum wire_code {
	WIRE_NONE = 0,          /* no error (yet); never sent */
	WIRE_UNREACHABLE,       /* idp_unreachable */
	WIRE_TIMEOUT,           /* timeout */
	WIRE_HTTP_STATUS,       /* http_status */
	WIRE_BAD_RESPONSE,      /* bad_response */
	WIRE_HELPER_FAILED,     /* helper_failed: never sent, the module's own code */
	WIRE_TLS,               /* tls_error */
	WIRE_ISSUER,            /* issuer_mismatch */
	WIRE_TOO_LARGE,         /* too_large */
	WIRE_INVALID_CLIENT,    /* invalid_client */
	WIRE_OAUTH,             /* oauth_error */
	WIRE_BAD_REQUEST,       /* bad_request */
	WIRE_INTERNAL,          /* internal_error */
	WIRE_CANCELLED,         /* cancelled */
	WIRE_ACCESS_DENIED,     /* access_denied */
	WIRE_EXPIRED,           /* expired_token */
	WIRE_INVALID_GRANT,     /* invalid_grant */
	WIRE_UNKNOWN_USER,      /* unknown_user */
	WIRE_CIBA_UNSUPPORTED,  /* ciba_unsupported */
	WIRE_CODE_MAX
};

/* The code's name on the wire, e.g. "idp_unreachable"; "unknown" for
 * WIRE_NONE and anything out of range. Never NULL. */
const char *wire_code_name(enum wire_code c);
/* The code a received name stands for; WIRE_NONE for NULL, "" or a name
 * not in the table. */
enum wire_code wire_code_from_name(const char *name);
/* What the code means for the login (the table's comments say why);
 * OIDC_E_INTERNAL for WIRE_NONE and anything out of range: a code we do
 * not know is not proof that the IdP is down. */
enum oidc_reason wire_code_reason(enum wire_code c);

#endif
