/* Bounded whole-file reading. */
#ifndef PAM_OIDC_FILEIO_H
#define PAM_OIDC_FILEIO_H

#include <stddef.h>

#include "util/error.h"

/* Reads a whole regular file (or "-" for stdin) of at most max bytes into a
 * NUL-terminated malloc'd buffer. */
int file_read_all(const char *path, size_t max, char **out, size_t *len, struct oidc_error *err);
/* The same from an open descriptor (left open); path names it in errors. */
int fd_read_all(int fd, const char *path, size_t max, char **out, size_t *len, struct oidc_error *err);

#endif
