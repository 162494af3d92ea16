/* The bounded, self-wiping buffer (buf.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void
wipe_free_n(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

void
wipe_free(char *s)
{
	if (s != NULL)
		wipe_free_n(s, strlen(s));
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	wipe_free_n(b->data, b->cap);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
buf_reserve(struct buf *b, size_t more, struct oidc_error *err)
{
	size_t need, ncap;
	char *nd;

	if (more > b->max || b->len > b->max - more)
		return oidc_error_set(err, OIDC_E_TOO_LARGE, "more than %zu bytes", b->max);
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1 > need ? b->max + 1 : need;
	/* Zeroed: no byte of the block is ever undefined, not even past len. */
	if ((nd = calloc(1, ncap)) == NULL)
		return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
	if (b->data != NULL)
		memcpy(nd, b->data, b->len);
	nd[b->len] = '\0';
	wipe_free_n(b->data, b->cap);
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n, struct oidc_error *err)
{
	if (buf_reserve(b, n, err) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_append_str(struct buf *b, const char *s, struct oidc_error *err)
{
	return buf_append(b, s, strlen(s), err);
}

int
buf_printf(struct buf *b, struct oidc_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return oidc_error_set(err, OIDC_E_INTERNAL, "cannot format text");
	if (buf_reserve(b, (size_t)n, err) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

struct json_sink {
	struct buf *b;
	struct oidc_error *err;
};

static int
json_sink_write(const char *part, size_t len, void *ctx)
{
	struct json_sink *sink = ctx;

	return buf_append(sink->b, part, len, sink->err) == 0 ? 0 : -1;
}

int
buf_append_json(struct buf *b, const json_t *v, size_t flags, struct oidc_error *err)
{
	struct json_sink sink = { b, err };
	size_t start = b->len;

	/* One pass, straight into the buffer: no copy of its own. */
	if (json_dump_callback(v, json_sink_write, &sink, flags) != 0) {
		/* Nothing half-written stays: what this call added is wiped. */
		if (b->data != NULL) {
			explicit_bzero(b->data + start, b->len - start);
			b->len = start;
			b->data[b->len] = '\0';
		}
		return oidc_error_set(err, OIDC_E_NOMEM, "cannot serialise JSON");
	}
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	if (n == 0)
		return;
	explicit_bzero(b->data, n);
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	/* the tail the move left behind is a second copy of what stays */
	explicit_bzero(b->data + b->len, n);
	b->data[b->len] = '\0';
}

ssize_t
buf_read_fd(struct buf *b, int fd, size_t want)
{
	ssize_t n;

	if (b->len >= b->max) {
		errno = EMSGSIZE;
		return -1;
	}
	if (want > b->max - b->len)
		want = b->max - b->len;
	if (buf_reserve(b, want, NULL) != 0) {
		errno = ENOMEM;
		return -1;
	}
	n = read(fd, b->data + b->len, want);
	if (n > 0) {
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
	return n;
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char *s;

	if (b->data == NULL && buf_reserve(b, 0, NULL) != 0)
		return NULL;
	s = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
