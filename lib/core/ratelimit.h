/* Caps on concurrent device flows (issue 12, finding 12): anyone who can
 * reach sshd can start device flows, and each costs a helper and requests
 * to the IdP, which rate-limits the whole client when flooded. A flow
 * holds one slot per cap for its whole duration: an empty file under
 * state_dir/flows locked with flock(); the kernel drops the lock of a
 * crashed or killed caller, so no counter can go stale. Names are hashes,
 * never built from what the remote side sent:
 *   flows/total.<i>  flows/host-<sha256(rhost)>.<i>  flows/user-<sha256(user)>.<i>
 * Also remembers what the last real flow showed, so that an unknown user's
 * made-up flow looks the same without a request to the IdP (finding 11). */
#ifndef PAM_OIDC_RATELIMIT_H
#define PAM_OIDC_RATELIMIT_H

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"

enum ratelimit_cap { RATELIMIT_HOST, RATELIMIT_USER, RATELIMIT_TOTAL, RATELIMIT_NCAPS };

struct flow_slots {
	int dirfd;
	int fd[RATELIMIT_NCAPS];
	char name[RATELIMIT_NCAPS][80];
};

void ratelimit_init(struct flow_slots *s);
/* Takes a slot under each configured cap (max_flows_per_host: only with a
 * remote host; a cap of 0 is no cap). RATELIMIT_HELD: all held (or nothing
 * to hold: not root); RATELIMIT_FULL: *full names the cap that is full,
 * nothing held; RATELIMIT_ERROR: the state directory is unusable (err). */
enum ratelimit_take { RATELIMIT_ERROR = -1, RATELIMIT_HELD = 0, RATELIMIT_FULL = 1 };
enum ratelimit_take ratelimit_take(const struct oidc_config *cfg, const char *rhost, const char *user,
    struct flow_slots *s, enum ratelimit_cap *full, struct oidc_error *err);
/* Frees the slots (safe to call twice, or after a failed take). */
void ratelimit_release(struct flow_slots *s);
/* "host-<sha256>" of a remote host: an IPv4 address, or the /64 of an IPv6
 * one (a client owns at least that), zone ids dropped. */
void ratelimit_host_key(const char *rhost, char *out, size_t size);
/* The config key of a cap, for the log line. */
const char *ratelimit_cap_key(enum ratelimit_cap c);

/* Remembers the shape of a real device event (verification URI, whether a
 * complete URI was sent, the user code's format, interval) or of a CIBA
 * event (interval, lifetime), when, and how long the IdP took to answer.
 * Root only; failures are ignored. */
void ratelimit_remember_device(const struct oidc_config *cfg, const json_t *device, long long latency_ms);
/* A made-up device event in the remembered shape (else the issuer's
 * /device and a XXXX-XXXX code from RFC 8628 §6.1's charset), with a fresh
 * random code, and the latency to imitate. NULL on failure. */
json_t *ratelimit_fake_device(const struct oidc_config *cfg, long long *latency_ms);
/* A CIBA event (remembered with ratelimit_remember_device) as the last
 * verified CIBA sign-in had it: the interval and lifetime the IdP granted
 * (else 5 s and our timeout), and the latency to imitate. NULL on failure. */
json_t *ratelimit_fake_ciba(const struct oidc_config *cfg, long long *latency_ms);
/* 1 if the last verified sign-in with this issuer was a CIBA one. */
int ratelimit_last_was_ciba(const struct oidc_config *cfg);

#endif
