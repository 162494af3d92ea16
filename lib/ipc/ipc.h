/* The module <-> helper protocol: one JSON object per line (doc/helper-protocol.md).
 *
 * Requests (caller -> helper, exactly one, first line on stdin):
 *   {"op":"login"|"refresh"|"fetch"|"discover", "issuer", "client_id", "client_secret"?,
 *    "scope", "ca_file"?, "ca_path"?, "proxy"?, "connect_timeout", "timeout",
 *    "max_response", "helper_user", "device_authorization_endpoint"?,
 *    "token_endpoint"?, "jwks_uri"?, "refresh_token"? (refresh),
 *    "client_auth"? ("basic"|"post"), login: "flow"? ("device"|"ciba"|"auto"),
 *    "login_hint"? (ciba, auto), "binding_message"?, "acr_values"?,
 *    "requested_expiry"?, "backchannel_authentication_endpoint"?}
 * Events (helper -> caller, one per line on stdout):
 *   {"event":"metadata", "discovery":{...}, "jwks":"raw JWKS text"?}
 *   {"event":"discovery", "issuer", "token_endpoint", "jwks_uri",
 *    "device_authorization_endpoint"?, "backchannel_authentication_endpoint"?,
 *    IPC_DISCOVERY_LISTS?, "unusable"?}   (discover only: what a probe needs)
 *   {"event":"device", "verification_uri", "verification_uri_complete"?,
 *    "user_code", "expires_in", "interval"}
 *   {"event":"ciba", "expires_in", "interval"}      (never the auth_req_id)
 *   {"event":"pending", "interval", "polls"}
 *   {"event":"tokens", "id_token"?, "refresh_token"?, "expires_in"?}
 *   {"event":"error", "code", "message"}
 * Closing the helper's stdin cancels whatever it is doing. */
#ifndef PAM_OIDC_IPC_H
#define PAM_OIDC_IPC_H

#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/error.h"

#define IPC_MAX_LINE (4u * 1024u * 1024u)
/* Bounds of event members, shared by the helper (which emits) and the
 * caller (which checks). */
#define IPC_MAX_URI 2048
#define IPC_MAX_USER_CODE 64
#define IPC_MAX_TOKEN (64 * 1024)
#define IPC_MAX_EXPIRES_IN 3600
/* A "discovery" event's lists: at most IPC_MAX_LIST strings of 1 to
 * IPC_MAX_LIST_ITEM bytes each. */
#define IPC_MAX_LIST 256
#define IPC_MAX_LIST_ITEM 256

/* The members of discovery (OpenID Connect Discovery 1.0 §3, CIBA Core
 * §4) a "discovery" event may carry as lists of strings; NULL-terminated. */
extern const char *const ipc_discovery_lists[];
/* 1 if v is an array of at most max strings of 1..item_max bytes, no NUL. */
int ipc_string_list_ok(const json_t *v, size_t max, size_t item_max);

/* Bytes asked of one read(2). */
#define IPC_READ_CHUNK 8192u

struct ipc_reader {
	int fd;
	struct buf in;          /* wiped as lines are taken: they may carry tokens */
};

void ipc_reader_init(struct ipc_reader *r, int fd);
/* Wipes: lines may carry tokens. */
void ipc_reader_clear(struct ipc_reader *r);

/* IPC_READ_MESSAGE: *out holds the next message; IPC_READ_TIMEOUT: nothing
 * within timeout_ms (-1 waits forever); IPC_READ_ERROR: EOF, I/O error,
 * oversized or non-JSON line (err says). */
enum ipc_read { IPC_READ_ERROR = -1, IPC_READ_TIMEOUT = 0, IPC_READ_MESSAGE = 1 };
enum ipc_read ipc_read(struct ipc_reader *r, int timeout_ms, json_t **out, struct oidc_error *err);

/* Writes one message and its newline; the serialised copy is wiped. On a
 * socket (the helper's stdin) with MSG_NOSIGNAL: a peer that is gone is an
 * error (EPIPE), never a SIGPIPE. */
int ipc_write(int fd, const json_t *msg, struct oidc_error *err);

/* Checks an event from the helper before anything in it is used: a known
 * kind, and every member it needs present with the right type and within
 * bounds (doc/helper-protocol.md). Returns the kind, or NULL with err set.
 * The helper runs unprivileged and talks to the network: its output is
 * input like any other. */
const char *ipc_event_check(const json_t *ev, struct oidc_error *err);

#endif
