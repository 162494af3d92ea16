#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"

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
