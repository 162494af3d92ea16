/* Verified claims -> local user name, and the per-service policy. */
#ifndef PAM_OIDC_IDENTITY_H
#define PAM_OIDC_IDENTITY_H

#include <stddef.h>

#include <jansson.h>

#include "pam_oidc/config.h"
#include "pam_oidc/error.h"

#define IDENTITY_MAX_USER 32
#define MAP_MAX_BYTES (1024 * 1024)

/* 1 if name is a safe POSIX-ish login name: [A-Za-z0-9_][A-Za-z0-9_.-]*
 * (optionally ending in $), at most IDENTITY_MAX_USER bytes, never "." or
 * "..". Such a name may be used as a path component. */
int identity_name_ok(const char *name);

/* Maps verified claims to a local user name per username_claim,
 * username_strip_domain and map_file. */
int identity_map(const struct oidc_config *cfg, const json_t *claims, char *user, size_t size,
    struct oidc_error *err);

/* The map_file parser: len bytes of "claim-value local-user" lines, #
 * comments; the first line whose value equals value wins. 1 found (user
 * set), 0 not found, -1 error (a malformed line before the match, a bad
 * user name, a NUL byte). path only names the file in errors. */
int identity_map_parse(const char *text, size_t len, const char *path, const char *value, char *user, size_t size,
    struct oidc_error *err);

/* allowed_users, allowed_groups (groups_claim), required_acr (any of),
 * required_amr (all of). Each refusal names its rule. */
int identity_check_policy(const struct oidc_config *cfg, const json_t *claims, const char *user,
    struct oidc_error *err);

#endif
