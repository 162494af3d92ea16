/* What a person is shown for a device-flow sign-in (RFC 8628 §3.3), and
 * what an unanswered flow means: the module and pam-oidc login share both. */
#ifndef PAM_OIDC_DEVICE_H
#define PAM_OIDC_DEVICE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"
#include "core/flow.h"

/* Who is asking, shown first so a person can spot a phishing relay. */
struct device_who {
	const char *user;
	const char *service;
	const char *rhost;     /* may be NULL or empty: none */
	const char *tty;       /* may be NULL or empty: none */
};

/* The lines shown with the "device" event dev: "Sign-in requested for …
 * (service S, from RHOST)", or "(service S, on TTY)" with no remote host,
 * or "(service S)" with neither (only when who is not NULL), "To sign in, open …", "and enter the code:
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
 * (OIDC_E_LOGIN_EXPIRED, set in err) — unless the helper reported no
 * answer from the IdP for longer than device_silence_limit_ms() before
 * that: then the IdP stopped answering (OIDC_E_IDP_UNAVAILABLE). */
enum oidc_reason device_outcome(enum flow_state st, const struct oidc_config *cfg, const struct oidc_flow *f,
    struct oidc_error *err);
/* How long a polled IdP may be silent (ms) before it counts as gone: two
 * poll intervals and the RFC 8628 §3.5 slow_down step, plus a poll's own
 * time on the wire. */
long long device_silence_limit_ms(long interval_s);
/* 1 if f (may be NULL: a made-up flow) has heard nothing from the IdP for
 * longer than that. */
int device_idp_silent(const struct oidc_flow *f);

/* "Waiting for approval until HH:MM:SS (N s)." for a wait that ends at
 * the wall-clock time end (seconds) after left_s seconds. */
int device_waiting_line(time_t end, long long left_s, char **line);
/* "Still waiting for approval (N s left)." */
int device_countdown_line(long long left_s, char **line);

#endif
