/* Text rules shared by every layer: what may be shown, copied or called a URL. */
#ifndef PAM_OIDC_TEXT_H
#define PAM_OIDC_TEXT_H

#include <stddef.h>

#include "util/error.h"

/* Copies src into dst (size bytes, always terminated), keeping printable
 * ASCII only: what came from the IdP or the helper is shown or logged
 * only through this. src may be NULL (empty result). */
void text_sanitize(char *dst, size_t size, const char *src);

/* s, or "-" when s is NULL or empty: how every log line writes an empty
 * value (key=-, never key=). */
const char *text_or_dash(const char *s);

/* 1 if s (len bytes, no NUL inside) is an "https://" URL of at most max
 * bytes with something after the scheme and no blank or line break: the
 * one rule for every URL from the config, the helper's request, the IdP
 * and the helper's events. */
int text_https_url(const char *s, size_t len, size_t max);

/* A NUL-terminated malloc'd copy of len bytes of line-oriented text, which
 * must be at most max bytes and hold no NUL. name (e.g. "map_file /x")
 * names it in errors (OIDC_E_CONFIG). NULL on error. */
char *text_copy(const char *text, size_t len, size_t max, const char *name, struct oidc_error *err);

#endif
