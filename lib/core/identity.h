/* Verified claims -> local user name, and the per-service policy. */
#ifndef PAM_OIDC_IDENTITY_H
#define PAM_OIDC_IDENTITY_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"

#define IDENTITY_MAX_USER 32
#define MAP_MAX_BYTES (1024 * 1024)
#define IDENTITY_LOGIN_DEFS "/etc/login.defs"
/* login.defs(5): UID_MIN when the file does not say. */
#define IDENTITY_DEFAULT_UID_MIN 1000
#define IDENTITY_DEFAULT_UID_MAX 60000
/* Sane upper bound of a login.defs UID value (2^31 - 1). */
#define IDENTITY_MAX_UID 2147483647UL

/* 1 if name is a safe POSIX-ish login name: [A-Za-z0-9_][A-Za-z0-9_.-]*
 * (optionally ending in $), at most IDENTITY_MAX_USER bytes, never "." or
 * "..". Such a name may be used as a path component. */
int identity_name_ok(const char *name);

/* Maps verified claims to a local user name per username_claim,
 * username_strip_domain and map_file. Mapping on email (the map_file too
 * is keyed on username_claim) needs email_verified true; stripping a
 * domain needs it to be in allowed_domains. */
int identity_map(const struct oidc_config *cfg, const json_t *claims, char *user, size_t size,
    struct oidc_error *err);

/* The map_file parser: len bytes of "claim-value local-user" lines, #
 * comments; the first line whose value equals value wins. IDENTITY_MAP_FOUND
 * (user set), IDENTITY_MAP_ABSENT, IDENTITY_MAP_ERROR (a malformed line
 * before the match, a bad user name, a NUL byte). path only names the file
 * in errors. */
enum identity_map_found { IDENTITY_MAP_ERROR = -1, IDENTITY_MAP_ABSENT = 0, IDENTITY_MAP_FOUND = 1 };
enum identity_map_found identity_map_parse(const char *text, size_t len, const char *path, const char *value,
    char *user, size_t size, struct oidc_error *err);

/* map_file read the other way: the first claim value mapped to user (for
 * a CIBA login_hint). The file passes the same trust rule. */
enum identity_map_found identity_map_reverse(const char *path, const char *user, char *value, size_t size,
    struct oidc_error *err);

/* A system account (uid below uid_min, root included, or above uid_max:
 * nobody, systemd's dynamic users) is never a mapping target unless
 * allowed_system_users names it. known: the caller found user in the
 * passwd database (uid is its uid); an unknown user passes here, since
 * nothing can log into it. */
int identity_check_target(const struct oidc_config *cfg, const char *user, int known, uid_t uid, uid_t uid_min,
    uid_t uid_max, struct oidc_error *err);

/* UID_MIN and UID_MAX from login_defs (login.defs(5));
 * IDENTITY_DEFAULT_UID_MIN/MAX when the file or the line is missing or
 * unreadable. */
uid_t identity_uid_min(const char *login_defs);
uid_t identity_uid_max(const char *login_defs);

/* allowed_users, allowed_groups (groups_claim), required_acr (any of),
 * required_amr (all of). Each refusal names its rule. */
int identity_check_policy(const struct oidc_config *cfg, const json_t *claims, const char *user,
    struct oidc_error *err);

#endif
