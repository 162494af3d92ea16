#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void
text_sanitize(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (; src != NULL && *src != '\0' && o + 1 < size; src++)
		if ((unsigned char)*src >= 0x20 && (unsigned char)*src < 0x7f)
			dst[o++] = *src;
	dst[o] = '\0';
}

char *
text_copy(const char *text, size_t len, size_t max, const char *name, struct oidc_error *err)
{
	char *buf;

	if (len > max) {
		oidc_error_set(err, OIDC_E_CONFIG, "%s is larger than %zu bytes", name, max);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		oidc_error_set(err, OIDC_E_CONFIG, "%s contains a NUL byte", name);
		return NULL;
	}
	if ((buf = malloc(len + 1)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	return buf;
}

int
text_https_url(const char *s, size_t len, size_t max)
{
	return len > 8 && len <= max && strlen(s) == len && strncmp(s, "https://", 8) == 0 &&
	    strpbrk(s, " \t\r\n") == NULL;
}

const char *
text_or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}
