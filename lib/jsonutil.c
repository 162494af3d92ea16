#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_oidc/jsonutil.h"

int
json_parse_strict(const char *buf, size_t len, json_t **out, struct oidc_error *err)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			return oidc_error_set(err, OIDC_E_DUPLICATE_MEMBER, "duplicate JSON member name");
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		return oidc_error_set(err, OIDC_E_MALFORMED, "invalid JSON at byte %d: %s",
		    jerr.position, jerr.text);
	}
	*out = v;
	return 0;
}

int
fd_read_all(int fd, const char *path, size_t max, char **out, size_t *len, struct oidc_error *err)
{
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t cap = 4096, used = 0;
	ssize_t n;
	int r = -1;

	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		oidc_error_set(err, OIDC_E_IO, "%s is not a readable file", path);
		goto out;
	}
	if ((buf = malloc(cap)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		if (used + 1 >= cap) {
			if (cap > max + 1) {
				oidc_error_set(err, OIDC_E_TOO_LARGE, "%s is larger than %zu bytes", path, max);
				goto out;
			}
			if ((nbuf = realloc(buf, cap * 2)) == NULL) {
				oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
				goto out;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			oidc_error_set(err, OIDC_E_IO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			oidc_error_set(err, OIDC_E_TOO_LARGE, "%s is larger than %zu bytes", path, max);
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL)
		explicit_bzero(buf, cap);
	free(buf);
	return r;
}

int
file_read_all(const char *path, size_t max, char **out, size_t *len, struct oidc_error *err)
{
	int fd, r;

	if (strcmp(path, "-") == 0)
		return fd_read_all(STDIN_FILENO, path, max, out, len, err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return oidc_error_set(err, OIDC_E_IO, "cannot open %s: %s", path, strerror(errno));
	r = fd_read_all(fd, path, max, out, len, err);
	close(fd);
	return r;
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
json_string_ok(const json_t *v, size_t min, size_t max)
{
	return json_is_string(v) && json_string_length(v) >= min && json_string_length(v) <= max &&
	    strlen(json_string_value(v)) == json_string_length(v);
}

int
text_https_url(const char *s, size_t len, size_t max)
{
	return len > 8 && len <= max && strlen(s) == len && strncmp(s, "https://", 8) == 0 &&
	    strpbrk(s, " \t\r\n") == NULL;
}

int
json_https_url(const json_t *v, size_t max)
{
	return json_is_string(v) && text_https_url(json_string_value(v), json_string_length(v), max);
}
