/* Live CIBA requests (issue 14): every request pages a person until it
 * expires at the IdP, whether or not the caller that started it is still
 * there. So unlike the flow caps (ratelimit.h), a request holds its place
 * until its expiry or until this attempt knows its outcome, and local
 * callers count too. The budget is per person and origin: at most
 * max_flows_per_user live requests for one user from one remote host (its
 * /64 for IPv6) or from one local uid (bob's `su alice` never uses up
 * alice's own sudo). One file each under state_dir/flows, named by hashes,
 * holding its expiry: flows/push-<sha256(user, origin)>-<random>. */
#ifndef PAM_OIDC_PUSHCAP_H
#define PAM_OIDC_PUSHCAP_H

#include <stddef.h>
#include <sys/types.h>

#include "core/conf.h"
#include "core/ratelimit.h"
#include "util/error.h"

#define PUSHCAP_NAME_MAX 96

/* RATELIMIT_HELD: a place is taken (name set; "" when nothing is counted:
 * not root, or no cap), it lasts ttl_s seconds unless pushcap_done() ends
 * it; RATELIMIT_FULL: the budget of this user and origin is used up;
 * RATELIMIT_ERROR: the state directory is unusable (err). rhost NULL or
 * "": a local caller, known by its real uid. */
enum ratelimit_take pushcap_take(const struct oidc_config *cfg, const char *user, const char *rhost, uid_t caller,
    long ttl_s, char name[PUSHCAP_NAME_MAX], struct oidc_error *err);
/* The request's outcome is known (or it never went out): its place is free. */
void pushcap_done(const struct oidc_config *cfg, const char name[PUSHCAP_NAME_MAX]);

#endif
