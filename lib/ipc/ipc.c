#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc/ipc.h"
#include "util/jsonutil.h"
#include "util/clock.h"

void
ipc_reader_init(struct ipc_reader *r, int fd)
{
	r->fd = fd;
	/* a line of IPC_MAX_LINE plus what one read may bring after it */
	buf_init(&r->in, IPC_MAX_LINE + IPC_READ_CHUNK);
}

void
ipc_reader_clear(struct ipc_reader *r)
{
	buf_free(&r->in);
}

/* IPC_READ_TIMEOUT here: no whole line yet. */
static enum ipc_read
take_line(struct ipc_reader *r, json_t **out, struct oidc_error *err)
{
	char *nl = r->in.len ? memchr(r->in.data, '\n', r->in.len) : NULL;
	size_t n;
	int rc;

	if (nl == NULL)
		return IPC_READ_TIMEOUT;
	n = (size_t)(nl - r->in.data);
	rc = json_parse_strict(r->in.data, n, out, err);
	buf_consume(&r->in, n + 1);
	if (rc != 0)
		return IPC_READ_ERROR;
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		oidc_error_set(err, OIDC_E_MALFORMED, "message is not a JSON object");
		return IPC_READ_ERROR;
	}
	return IPC_READ_MESSAGE;
}

enum ipc_read
ipc_read(struct ipc_reader *r, int timeout_ms, json_t **out, struct oidc_error *err)
{
	long long deadline = timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t n;
	enum ipc_read got;
	int rc, wait;

	for (;;) {
		if ((got = take_line(r, out, err)) != IPC_READ_TIMEOUT)
			return got;
		if (r->in.len >= IPC_MAX_LINE)
			return oidc_error_set(err, OIDC_E_TOO_LARGE, "message longer than %u bytes", IPC_MAX_LINE);
		wait = -1;
		if (deadline >= 0) {
			long long left = deadline - clock_now_ms();

			if (left <= 0)
				return IPC_READ_TIMEOUT;
			wait = left > 60000 ? 60000 : (int)left;
		}
		rc = poll(&pfd, 1, wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return oidc_error_set(err, OIDC_E_IO, "poll: %s", strerror(errno));
		if (rc == 0)
			continue;
		n = buf_read_fd(&r->in, r->fd, IPC_READ_CHUNK);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == ENOMEM)
			return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		if (n < 0)
			return oidc_error_set(err, OIDC_E_IO, "read: %s", strerror(errno));
		if (n == 0)
			return oidc_error_set(err, OIDC_E_IO, "the other side closed the pipe");
	}
}

int
ipc_write(int fd, const json_t *msg, struct oidc_error *err)
{
	struct buf line = BUF_INIT(IPC_MAX_LINE);
	size_t off = 0;
	ssize_t n;
	int r = -1;

	if (buf_append_json(&line, msg, JSON_COMPACT, err) != 0 || buf_append(&line, "\n", 1, err) != 0)
		goto out;
	while (off < line.len) {
		/* To the helper (a socket): MSG_NOSIGNAL, so a helper that has
		 * already exited costs an EPIPE, never a SIGPIPE that would kill
		 * sshd, sudo or login. The helper writes to its stdout pipe and
		 * ignores SIGPIPE itself. */
		n = send(fd, line.data + off, line.len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, line.data + off, line.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			oidc_error_set(err, OIDC_E_IO, "write: %s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	r = 0;
out:
	buf_free(&line);
	return r;
}

static int
ev_string(const json_t *ev, const char *key, size_t min, size_t max, int optional)
{
	const json_t *v = json_object_get(ev, key);

	return v == NULL ? optional : json_string_ok(v, min, max);
}

static int
ev_url(const json_t *ev, const char *key, int optional)
{
	const json_t *v = json_object_get(ev, key);

	return v == NULL ? optional : json_https_url(v, IPC_MAX_URI);
}

static int
ev_int(const json_t *ev, const char *key, json_int_t min, json_int_t max, int optional)
{
	const json_t *v = json_object_get(ev, key);

	if (v == NULL)
		return optional;
	return json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max;
}

const char *const ipc_discovery_lists[] = {
	"id_token_signing_alg_values_supported", "scopes_supported", "claims_supported",
	"backchannel_token_delivery_modes_supported", "grant_types_supported",
	"token_endpoint_auth_methods_supported", NULL,
};

static int
is_discovery_list(const char *name)
{
	size_t i;

	for (i = 0; ipc_discovery_lists[i] != NULL; i++)
		if (strcmp(ipc_discovery_lists[i], name) == 0)
			return 1;
	return 0;
}

int
ipc_string_list_ok(const json_t *v, size_t max, size_t item_max)
{
	const json_t *s;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > max)
		return 0;
	json_array_foreach(v, i, s)
		if (!json_string_ok(s, 1, item_max))
			return 0;
	return 1;
}

/* "unusable" names members the IdP published outside these rules; it may
 * name only optional members the event leaves out. */
static int
unusable_ok(const json_t *ev)
{
	const json_t *u = json_object_get(ev, "unusable"), *s;
	size_t i;

	if (u == NULL)
		return 1;
	if (!ipc_string_list_ok(u, 16, 64))
		return 0;
	json_array_foreach(u, i, s) {
		const char *n = json_string_value(s);

		if (json_object_get(ev, n) != NULL || (!is_discovery_list(n) &&
		    strcmp(n, "device_authorization_endpoint") != 0 && strcmp(n, "backchannel_authentication_endpoint") != 0))
			return 0;
	}
	return 1;
}

/* What a probe reads of discovery (discover only): the issuer, https
 * endpoints, bounded lists of strings, and nothing else. */
static int
discovery_event_ok(const json_t *ev)
{
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)ev, key, v) {
		if (strcmp(key, "event") == 0 || strcmp(key, "unusable") == 0)
			continue;
		if (strcmp(key, "issuer") == 0) {
			if (!json_string_ok(v, 1, IPC_MAX_URI))
				return 0;
		} else if (strcmp(key, "token_endpoint") == 0 || strcmp(key, "jwks_uri") == 0 ||
		    strcmp(key, "device_authorization_endpoint") == 0 ||
		    strcmp(key, "backchannel_authentication_endpoint") == 0) {
			if (!json_https_url(v, IPC_MAX_URI))
				return 0;
		} else if (!is_discovery_list(key) || !ipc_string_list_ok(v, IPC_MAX_LIST, IPC_MAX_LIST_ITEM))
			return 0;
	}
	return json_object_get(ev, "issuer") != NULL && json_object_get(ev, "token_endpoint") != NULL &&
	    json_object_get(ev, "jwks_uri") != NULL && unusable_ok(ev);
}

const char *
ipc_event_check(const json_t *ev, struct oidc_error *err)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	const json_t *disc;
	int ok;

	if (!json_is_object(ev) || kind == NULL) {
		oidc_error_set(err, OIDC_E_MALFORMED, "helper message without an event kind");
		return NULL;
	}
	if (strcmp(kind, "metadata") == 0) {
		disc = json_object_get(ev, "discovery");
		ok = (disc == NULL || json_is_object(disc)) && ev_string(ev, "jwks", 2, IPC_MAX_LINE, 1) &&
		    (disc != NULL || json_object_get(ev, "jwks") != NULL);
	} else if (strcmp(kind, "discovery") == 0) {
		ok = discovery_event_ok(ev);
	} else if (strcmp(kind, "device") == 0) {
		ok = ev_url(ev, "verification_uri", 0) && ev_url(ev, "verification_uri_complete", 1) &&
		    ev_string(ev, "user_code", 1, IPC_MAX_USER_CODE, 0) &&
		    ev_int(ev, "expires_in", 1, IPC_MAX_EXPIRES_IN, 0) && ev_int(ev, "interval", 1, 3600, 0);
	} else if (strcmp(kind, "ciba") == 0) {
		/* CIBA Core §7.3, as the helper clamped it; never the auth_req_id. */
		ok = ev_int(ev, "expires_in", 1, IPC_MAX_EXPIRES_IN, 0) && ev_int(ev, "interval", 1, 3600, 0);
	} else if (strcmp(kind, "pending") == 0) {
		ok = ev_int(ev, "interval", 1, 3600, 0) && ev_int(ev, "polls", 0, 1000000, 0);
	} else if (strcmp(kind, "tokens") == 0) {
		ok = ev_string(ev, "id_token", 1, IPC_MAX_TOKEN, 1) && ev_string(ev, "refresh_token", 1, IPC_MAX_TOKEN, 1) &&
		    ev_int(ev, "expires_in", 0, INT64_MAX, 1);
	} else if (strcmp(kind, "error") == 0) {
		ok = ev_string(ev, "code", 1, 64, 0) && ev_string(ev, "message", 0, 4096, 0);
	} else {
		oidc_error_set(err, OIDC_E_MALFORMED, "helper sent an unknown event");
		return NULL;
	}
	if (!ok) {
		oidc_error_set(err, OIDC_E_MALFORMED, "helper sent a malformed %s event", kind);
		return NULL;
	}
	return kind;
}
