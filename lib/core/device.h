/* What a person is shown for a device-flow sign-in (RFC 8628 §3.3), and
 * what an unanswered flow means: the module and pam-oidc login share both. */
#ifndef PAM_OIDC_DEVICE_H
#define PAM_OIDC_DEVICE_H

#include <stddef.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"
#include "core/flow.h"

/* Who is asking, shown first so a person can spot a phishing relay. */
struct device_who {
	const char *user;
	const char *service;
	const char *rhost;     /* may be NULL */
};

/* The lines shown with the "device" event dev: "Sign-in requested for …"
 * (only when who is not NULL), "To sign in, open …", "and enter the code:
 * …", "(or open …)" when the IdP sent a complete URI, then, with qr, the
 * QR code one row per line. Everything the IdP sent is sanitized. Each
 * line is malloc'd; returns how many (at most max). */
int device_lines(const json_t *dev, const struct device_who *who, int qr, char **lines, int max);
void device_lines_free(char **lines, int n);

/* The sanitized user_code of dev (a device event), or its
 * binding_message (a ciba event). */
void device_user_code(const json_t *dev, char *code, size_t size);
/* The line an Enter prompt repeats while nothing is approved (sshd):
 * asprintf's result, *line to free. */
int device_reminder(const json_t *dev, long long left_s, char **line);

/* The outcome of flow_login_wait() for the whole attempt: a flow still
 * pending when our time ran out was not approved in time
 * (OIDC_E_LOGIN_EXPIRED, set in err). */
enum oidc_reason device_outcome(enum flow_state st, const struct oidc_config *cfg, struct oidc_error *err);

#endif
