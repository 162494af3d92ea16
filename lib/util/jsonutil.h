/* Strict JSON parsing and the checks every JSON reader shares. */
#ifndef PAM_OIDC_JSONUTIL_H
#define PAM_OIDC_JSONUTIL_H

#include <stddef.h>

#include <jansson.h>

#include "util/error.h"
#include "util/text.h"

/* Parses exactly len bytes as one JSON value. Duplicate member names are
 * rejected (OIDC_E_DUPLICATE_MEMBER), as is NUL in strings. */
int json_parse_strict(const char *buf, size_t len, json_t **out, struct oidc_error *err);

/* 1 if v is a JSON string of min..max bytes with no NUL inside. */
int json_string_ok(const json_t *v, size_t min, size_t max);

/* text_https_url() for a JSON string. */
int json_https_url(const json_t *v, size_t max);

/* Wipes, in place, the string value of obj[key] (if it is a string), or of
 * every string member of obj: tokens and secrets in a JSON object are
 * wiped before the object is let go. */
void json_wipe_member(json_t *obj, const char *key);
void json_wipe_strings(json_t *obj);

#endif
