#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"

int
fd_read_all(int fd, const char *path, size_t max, char **out, size_t *len, struct oidc_error *err)
{
	struct buf b = BUF_INIT(max);
	struct stat st;
	ssize_t n;
	int r = -1;

	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		oidc_error_set(err, OIDC_E_IO, "%s is not a readable file", path);
		goto out;
	}
	for (;;) {
		n = buf_read_fd(&b, fd, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EMSGSIZE) {
			/* full: one byte more says whether there is more */
			char c;

			while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
				;
			if (n == 0)
				break;
			oidc_error_set(err, OIDC_E_TOO_LARGE, "%s is larger than %zu bytes", path, max);
			goto out;
		}
		if (n < 0 && errno == ENOMEM) {
			oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
			goto out;
		}
		if (n < 0) {
			oidc_error_set(err, OIDC_E_IO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
	}
	if ((*out = buf_steal(&b, len)) == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	buf_free(&b);
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
