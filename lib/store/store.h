/* The state directory (state_dir, /run/pam_oidc by default): root-owned
 * folders and private files, the only place the module writes. Folders
 * are created 0700, opened without following links and refused unless
 * owned by our euid and not writable by group or others; files are read
 * only when private regular files of ours with one link, and replaced
 * atomically (temp file + fsync + rename), so a crash never leaves a
 * partial file under its final name. */
#ifndef PAM_OIDC_STORE_H
#define PAM_OIDC_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "util/error.h"

/* The failures of the folder openers (else a descriptor): STORE_MISSING
 * from store_subdir_open() without create when the folder does not exist
 * (err untouched); STORE_DIR_ERROR with err set. */
enum store_dir { STORE_MISSING = -2, STORE_DIR_ERROR = -1 };

/* Opens (creating if missing) the folder at path: a descriptor or -1. */
int store_dir_open(const char *path, struct oidc_error *err);
/* Opens the folder name under dirfd with the same checks, creating it when
 * create is set; STORE_MISSING when it is not and the folder is absent. */
int store_subdir_open(int dirfd, const char *name, int create, struct oidc_error *err);
/* path/name, both created if missing: a descriptor of name or -1. */
int store_dir_open_sub(const char *path, const char *name, struct oidc_error *err);

/* STORE_READ_OK and a NUL-terminated *out of *len bytes; STORE_READ_ABSENT
 * when the file does not exist; STORE_READ_ERROR when it is not a private
 * regular file of ours, is over max bytes or cannot be read (a failed read
 * is wiped before it is freed). */
enum store_read { STORE_READ_ERROR = -1, STORE_READ_ABSENT = 0, STORE_READ_OK = 1 };
enum store_read store_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len,
    struct oidc_error *err);
/* Replaces name atomically with len bytes of data (mode 0600). */
int store_write_file(int dirfd, const char *name, const char *data, size_t len, struct oidc_error *err);
/* Replaces name with v as compact JSON of at most max bytes (OIDC_E_STORE
 * when larger): serialised into a wiping buffer, so no copy of a record's
 * refresh token is left in freed memory. */
int store_write_json(int dirfd, const char *name, const json_t *v, size_t max, struct oidc_error *err);

#endif
