/* The one buffer type for bytes that may be secret: IPC lines, HTTP bodies,
 * request forms, JSON dumps, files read whole. It is bounded (len never
 * exceeds max: growing past it is OIDC_E_TOO_LARGE, never a silent cut),
 * always NUL-terminated once it holds anything, and it wipes every copy it
 * lets go of: growing copies to a new block and wipes the old one (no
 * realloc leaving tokens in freed memory), buf_consume() wipes what it
 * drops, buf_free() wipes the whole block. */
#ifndef PAM_OIDC_BUF_H
#define PAM_OIDC_BUF_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "util/error.h"

struct buf {
	char *data;     /* NULL until something is added */
	size_t len;
	size_t cap;     /* allocated bytes, len + 1 at least once data is set */
	size_t max;     /* the bound on len */
};

#define BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

void buf_init(struct buf *b, size_t max);
/* Wipes and frees the block; b is empty (same max) afterwards. NULL is fine. */
void buf_free(struct buf *b);

/* Room for more bytes after len (plus the NUL): 0, or -1 with err set
 * (OIDC_E_TOO_LARGE past max, OIDC_E_NOMEM). */
int buf_reserve(struct buf *b, size_t more, struct oidc_error *err);
int buf_append(struct buf *b, const void *p, size_t n, struct oidc_error *err);
int buf_append_str(struct buf *b, const char *s, struct oidc_error *err);
int buf_printf(struct buf *b, struct oidc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends v serialised with jansson's flags, written straight into the
 * buffer: no unwiped copy is made on the way. */
int buf_append_json(struct buf *b, const json_t *v, size_t flags, struct oidc_error *err);

/* Drops the first n bytes (n <= len), wiping them. */
void buf_consume(struct buf *b, size_t n);
/* One read(2) of at most want bytes (bounded by max) onto the end: what
 * read returned (0 at end of file), or -1 with errno set (EMSGSIZE when
 * the buffer is full). */
ssize_t buf_read_fd(struct buf *b, int fd, size_t want);

/* Hands the block over (NUL-terminated, *len bytes; "" when empty) and
 * leaves b empty; the caller wipes it (wipe_free) or NULL on no memory. */
char *buf_steal(struct buf *b, size_t *len);

/* Wipes a NUL-terminated string and frees it. NULL is fine. */
void wipe_free(char *s);
/* Wipes n bytes of p and frees it. NULL is fine. */
void wipe_free_n(void *p, size_t n);

#endif
