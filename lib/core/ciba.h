/* What a CIBA sign-in (OpenID CIBA Core 1.0, poll mode) needs from the
 * trusted side: whom to ask (login_hint) and the words both screens show
 * (binding_message). */
#ifndef PAM_OIDC_CIBA_H
#define PAM_OIDC_CIBA_H

#include <stddef.h>

#include <jansson.h>

#include "core/conf.h"
#include "core/flow.h"
#include "util/error.h"

/* CIBA Core §7.1: binding_message is short; providers limit it (Keycloak,
 * oidc-provider: 1-20 of [A-Za-z0-9-._+/!?#]). Ours fits every one. */
#define CIBA_BINDING_MAX 20
#define CIBA_HINT_MAX 256

/* "<host>-<service>-<4 random digits>": names this host and service, and
 * no two attempts share it. Letters, digits and '-' only, at most
 * CIBA_BINDING_MAX bytes; host is cut at its first dot. 0, or -1 when no
 * random digits could be drawn. */
int ciba_binding_message(const char *host, const char *service, char *out, size_t size);

/* The login_hint for PAM user: login_hint_template with {user} replaced;
 * else the map_file read in reverse (the first claim value mapped to
 * user); else user itself. user must be a safe login name. */
int ciba_login_hint(const struct oidc_config *cfg, const char *user, char *out, size_t size,
    struct oidc_error *err);

/* Both, for user signing in to service on this host. */
struct ciba_words {
	char login_hint[CIBA_HINT_MAX + 1];
	char binding_message[CIBA_BINDING_MAX + 1];
};
int ciba_words_for(const struct oidc_config *cfg, const char *user, const char *service, struct ciba_words *w,
    struct oidc_error *err);

/* Which sign-in the module asks the helper for: the configured flow, with
 * auto settled by the cached discovery when there is one (CIBA when it
 * advertises a backchannel endpoint with poll mode and a client secret is
 * configured), FLOW_AUTO when only the helper's discovery can tell. */
enum flow_kind ciba_choose(const struct oidc_config *cfg, const json_t *meta);

/* The members a login request carries for the flow ciba_choose() picks
 * (none for the device flow): flow, login_hint, binding_message,
 * requested_expiry, acr_values (required_acr), the backchannel endpoint.
 * 0, or non-zero when out of memory. */
int ciba_request_members(json_t *req, const struct oidc_config *cfg, const json_t *meta, const struct flow_ask *ask);

#endif
