/* Strict JSON parsing and bounded file reading shared by every parser. */
#ifndef PAM_OIDC_JSONUTIL_H
#define PAM_OIDC_JSONUTIL_H

#include <stddef.h>

#include <jansson.h>

#include "pam_oidc/error.h"

/* Parses exactly len bytes as one JSON value. Duplicate member names are
 * rejected (OIDC_E_DUPLICATE_MEMBER), as is NUL in strings. */
int json_parse_strict(const char *buf, size_t len, json_t **out, struct oidc_error *err);

/* Reads a whole regular file (or "-" for stdin) of at most max bytes into a
 * NUL-terminated malloc'd buffer. */
int file_read_all(const char *path, size_t max, char **out, size_t *len, struct oidc_error *err);
/* The same from an open descriptor (left open); path names it in errors. */
int fd_read_all(int fd, const char *path, size_t max, char **out, size_t *len, struct oidc_error *err);

/* 1 if v is a JSON string of min..max bytes with no NUL inside. */
int json_string_ok(const json_t *v, size_t min, size_t max);

/* 1 if s (len bytes, no NUL inside) is an "https://" URL of at most max
 * bytes with something after the scheme and no blank or line break: the
 * one rule for every URL from the config, the helper's request, the IdP
 * and the helper's events. */
int text_https_url(const char *s, size_t len, size_t max);
/* The same for a JSON string. */
int json_https_url(const json_t *v, size_t max);

/* A NUL-terminated malloc'd copy of len bytes of line-oriented text, which
 * must be at most max bytes and hold no NUL. name (e.g. "map_file /x")
 * names it in errors (OIDC_E_CONFIG). NULL on error. */
char *text_copy(const char *text, size_t len, size_t max, const char *name, struct oidc_error *err);

#endif
