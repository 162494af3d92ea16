/* The one owner/mode rule for every file that decides who logs in or which
 * server is trusted: the config, client_secret_file, map_file, jwks_file,
 * ca_file and ca_path. Each is opened once and checked on that descriptor; whatever is
 * read comes from the same descriptor, so a rename between the check and
 * the read changes nothing. */
#ifndef PAM_OIDC_TRUSTFILE_H
#define PAM_OIDC_TRUSTFILE_H

#include <stddef.h>

#include "util/error.h"

enum trust_kind {
	TRUST_FILE,     /* regular file, not writable by group or others */
	TRUST_SECRET,   /* the same, and not readable by group or others */
	TRUST_DIR       /* a directory (ca_path), not writable by group or others */
};

/* Opens path (O_RDONLY|O_CLOEXEC|O_NOCTTY) and checks the descriptor: the
 * right type, owned by root or by the caller's euid, and the mode rule of
 * kind. A symbolic link is followed (distributions link their config and CA
 * bundles) only when the link itself is owned by root or the caller, the
 * final name or any on the way, and every folder the path is looked up in
 * (the folder holding a link included) obeys the folder rule. what
 * ("map_file", or "" for the config) names the file in errors (OIDC_E_CONFIG). *fd is set only
 * on success. */
int trusted_open(const char *path, const char *what, enum trust_kind kind, int *fd, struct oidc_error *err);

/* trusted_open, then the whole file (at most max bytes) from that same
 * descriptor into a NUL-terminated malloc'd buffer. */
int trusted_read(const char *path, const char *what, enum trust_kind kind, size_t max, char **out, size_t *len,
    struct oidc_error *err);

/* trusted_open and close: for files another process reads (the helper
 * reads ca_file and ca_path itself). For a directory, every regular file
 * in it (links followed) must also be owned by root or the caller and not
 * writable by group or others. */
int trusted_check(const char *path, const char *what, enum trust_kind kind, struct oidc_error *err);

#endif
