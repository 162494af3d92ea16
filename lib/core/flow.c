#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/ciba.h"
#include "core/flow.h"
#include "ipc/wire.h"
#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "jose/jwk.h"
#include "store/trustfile.h"
#include "util/clock.h"
#include "util/buf.h"

#define SECRET_MAX 4096

/* The helper's codes and their reasons are one table, lib/ipc/wire.c;
 * only what the module knows beyond the code is decided here. */
enum oidc_reason
flow_reason_for(const char *code, int device_seen)
{
	enum wire_code c = wire_code_from_name(code);

	/* After the device code was shown, a timeout means nobody approved. */
	if (c == WIRE_TIMEOUT && device_seen)
		return OIDC_E_LOGIN_EXPIRED;
	return wire_code_reason(c);
}

/* client_secret_file: owned by root (or us), readable by nobody else, and
 * read from the descriptor that was checked. */
static int
read_secret(const char *path, char **out, struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;

	if (trusted_read(path, "client_secret_file", TRUST_SECRET, SECRET_MAX, &buf, &len, err) != 0)
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	if (len == 0) {
		free(buf);
		return oidc_error_set(err, OIDC_E_CONFIG, "client_secret_file %s is empty", path);
	}
	*out = buf;
	return 0;
}

void
flow_tokens_free(json_t *tokens)
{
	if (tokens == NULL)
		return;
	json_wipe_strings(tokens);
	json_decref(tokens);
}

static json_t *
build_request(const struct oidc_config *cfg, const char *op, const json_t *meta, const struct flow_ask *ask,
    struct oidc_error *err)
{
	json_t *req;
	char *secret = NULL;

	req = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "op", op, "issuer", cfg->issuer,
	    "client_id", cfg->client_id, "scope", cfg->scopes, "connect_timeout", (json_int_t)cfg->connect_timeout,
	    "timeout", (json_int_t)cfg->timeout, "max_response", (json_int_t)cfg->max_response_bytes,
	    "helper_user", cfg->helper_user);
	if (req == NULL) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		return NULL;
	}
	if (cfg->ca_file)
		json_object_set_new(req, "ca_file", json_string(cfg->ca_file));
	if (cfg->ca_path)
		json_object_set_new(req, "ca_path", json_string(cfg->ca_path));
	if (cfg->http_proxy)
		json_object_set_new(req, "proxy", json_string(cfg->http_proxy));
	{
		static const char *const eps[] = { "device_authorization_endpoint", "token_endpoint", "jwks_uri" };
		const char *explicit[] = { cfg->device_authorization_endpoint, cfg->token_endpoint, cfg->jwks_uri };
		const json_t *disc = meta ? json_object_get(meta, "discovery") : NULL;

		for (size_t i = 0; i < 3; i++) {
			const char *v = explicit[i];

			if (v == NULL && disc != NULL)
				v = json_string_value(json_object_get(disc, eps[i]));
			if (v != NULL)
				json_object_set_new(req, eps[i], json_string(v));
		}
	}
	if (strcmp(op, "login") == 0 && ciba_request_members(req, cfg, meta, ask) != 0) {
		json_decref(req);
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		return NULL;
	}
	/* A probe authenticates nowhere: its request carries no secret. */
	if (cfg->client_secret_file != NULL && strcmp(op, "discover") != 0) {
		if (read_secret(cfg->client_secret_file, &secret, err) != 0) {
			json_decref(req);
			return NULL;
		}
		json_object_set_new(req, "client_secret", json_string(secret));
		wipe_free(secret);
		if (cfg->client_auth == CLIENT_AUTH_POST)
			json_object_set_new(req, "client_auth", json_string("post"));
	}
	return req;
}

static void
request_free(json_t *req)
{
	if (req != NULL)
		json_wipe_strings(req);
	json_decref(req);
}

static int
spawn_with(struct helper_proc *hp, const struct oidc_config *cfg, json_t *req, struct oidc_error *err)
{
	int rc;

	if (helper_spawn(cfg->helper, hp, err) != 0)
		return -1;
	rc = ipc_write(hp->to, req, err);
	if (rc != 0)
		(void)helper_finish(hp, 0);   /* ended; its exit status adds nothing */
	return rc;
}

static void
merge_metadata(json_t **meta, int *dirty, const json_t *ev, const char *issuer)
{
	const json_t *disc = json_object_get(ev, "discovery"), *jwks = json_object_get(ev, "jwks");

	if (!json_is_object(disc) && !json_is_string(jwks))
		return;
	if (*meta == NULL)
		*meta = json_pack("{s:s}", "issuer", issuer);
	if (*meta == NULL)
		return;
	if (json_is_object(disc))
		json_object_set(*meta, "discovery", (json_t *)disc);
	if (json_is_string(jwks)) {
		json_object_set(*meta, "jwks", (json_t *)jwks);
		json_object_set_new(*meta, "fetched", json_integer((json_int_t)time(NULL)));
	}
	*dirty = 1;
}

/* The helper died or broke the protocol: what ipc said becomes the cause
 * of an internal_error, "what (ipc's text)". */
static void
helper_failed(struct oidc_error *err, char *helper_code, size_t hcsize, const char *what)
{
	snprintf(helper_code, hcsize, "%s", wire_code_name(WIRE_HELPER_FAILED));
	oidc_error_wrap_record(err, OIDC_E_INTERNAL, "%s", what);
}

/* Reads events until one of the wanted kind, an error, EOF or timeout.
 * A metadata event that is not the wanted kind (a login's or a refresh's
 * discovery) is dropped: only a fetch, in a helper of its own, is trusted
 * for keys and their address. Keys in any other operation are a protocol
 * violation, and so is a "discovery" event outside a discover (or any
 * other event in one). IPC_READ_MESSAGE with *ev, IPC_READ_TIMEOUT, or IPC_READ_ERROR
 * (err set, helper_code filled from an error event). */
static enum ipc_read
next_event(struct helper_proc *hp, int timeout_ms, const char *op, const char *want, const char *also,
    char *helper_code, size_t hcsize, json_t **ev, struct oidc_error *err)
{
	long long deadline = clock_now_ms() + timeout_ms;
	json_t *m = NULL;
	const char *kind;
	enum ipc_read rc;

	for (;;) {
		long long left = deadline - clock_now_ms();

		if (left < 0)
			left = 0;
		rc = ipc_read(&hp->from, (int)left, &m, err);
		if (rc == IPC_READ_TIMEOUT)
			return IPC_READ_TIMEOUT;
		if (rc == IPC_READ_ERROR) {
			if (err->reason == OIDC_E_IO)
				helper_failed(err, helper_code, hcsize, "the helper stopped without an answer");
			else
				helper_failed(err, helper_code, hcsize, "the helper sent an unreadable message");
			return IPC_READ_ERROR;
		}
		if ((kind = ipc_event_check(m, err)) == NULL) {
			json_decref(m);
			helper_failed(err, helper_code, hcsize, "giving up on the helper");
			return IPC_READ_ERROR;
		}
		if (strcmp(op, "fetch") != 0 && json_object_get(m, "jwks") != NULL) {
			/* A helper that parses a login's network input may be
			 * someone else's: keys it offers would sign its own tokens. */
			json_decref(m);
			oidc_error_set(err, OIDC_E_HELPER_PROTOCOL,
			    "the helper sent a JWKS during a %s (keys come only from a fetch); attempt ended", op);
			return IPC_READ_ERROR;
		}
		/* A probe's answer and a sign-in's are never each other's: a
		 * "discovery" event outside a discover, or anything but its
		 * answer in one, is not dropped but ends the attempt. */
		if ((strcmp(kind, "discovery") == 0) != (strcmp(op, "discover") == 0) && strcmp(kind, "error") != 0) {
			/* kind points into m: the message goes only after. */
			oidc_error_set(err, OIDC_E_HELPER_PROTOCOL,
			    "the helper sent a %s event during a %s; attempt ended", kind, op);
			json_decref(m);
			return IPC_READ_ERROR;
		}
		if (strcmp(kind, want) == 0 || (also != NULL && strcmp(kind, also) == 0)) {
			*ev = m;
			return IPC_READ_MESSAGE;
		} else if (strcmp(kind, "error") == 0) {
			char msg[200];

			text_sanitize(helper_code, hcsize, json_string_value(json_object_get(m, "code")));
			text_sanitize(msg, sizeof(msg), json_string_value(json_object_get(m, "message")));
			oidc_error_set(err, flow_reason_for(helper_code, 0), "%s: %s", helper_code, msg);
			json_decref(m);
			return IPC_READ_ERROR;
		}
		json_decref(m);
	}
}

int
flow_load_meta(const struct oidc_config *cfg, int use_cache, json_t **meta, struct oidc_error *err)
{
	*meta = NULL;
	if (!use_cache)
		return 0;
	if (cache_load(cfg, meta, err) == CACHE_LOAD_ERROR)
		return -1;
	return 0;
}

int
flow_meta_keys_fresh(const struct oidc_config *cfg, const json_t *meta)
{
	json_int_t t = json_integer_value(json_object_get(meta, "fetched"));
	long long now = (long long)time(NULL);

	return meta != NULL && json_is_string(json_object_get(meta, "jwks")) && now - t <= cfg->jwks_cache_ttl &&
	    now >= t;
}

int
flow_login_start(struct oidc_flow *f, const struct oidc_config *cfg, const struct flow_ask *ask,
    struct oidc_error *err)
{
	enum flow_kind k;
	json_t *req = NULL;
	enum ipc_read got;
	int rc;

	memset(f, 0, sizeof(*f));
	f->hp.pid = -1;
	f->hp.to = -1;
	f->hp.from.fd = -1;
	f->cfg = cfg;
	f->started_ms = clock_now_ms();
	f->started = (int64_t)time(NULL);
	f->use_cache = geteuid() == 0;
	if (flow_load_meta(cfg, f->use_cache, &f->meta, err) != 0)
		return -1;
	/* No fresh keys: fetch them first, in a helper of their own (only a
	 * fetch is trusted for keys), and give the login helper its endpoints
	 * from that same discovery: one discovery per cold login, not one per
	 * helper. A fetch that fails for any other reason than an unreachable
	 * IdP is left to the verification, as before. */
	if (cfg->jwks_file == NULL && !flow_meta_keys_fresh(cfg, f->meta)) {
		int dirty = 0;

		if (flow_fetch(cfg, &f->meta, &dirty, err) == 0)
			f->keys_fetched = 1;
		else if (err->reason == OIDC_E_IDP_UNAVAILABLE)
			return -1;
		else
			oidc_error_drop(err);
	}
	k = ask != NULL ? ciba_choose(cfg, f->meta) : FLOW_DEVICE;
	if ((req = build_request(cfg, "login", f->meta, ask, err)) == NULL)
		return -1;
	rc = spawn_with(&f->hp, cfg, req, err);
	request_free(req);
	if (rc != 0)
		return -1;
	/* Only the sign-in we asked for: a helper that answers a CIBA request
	 * with a device code (or the other way round) is not followed. */
	got = next_event(&f->hp, (int)cfg->timeout * 1000, "login", k == FLOW_CIBA ? "ciba" : "device",
	    k == FLOW_AUTO ? "ciba" : NULL, f->helper_code, sizeof(f->helper_code), &f->device, err);
	if (got == IPC_READ_TIMEOUT)
		return oidc_error_set(err, OIDC_E_IDP_UNAVAILABLE, "no answer from the identity provider in time");
	if (got != IPC_READ_MESSAGE)
		return -1;
	f->kind = strcmp(json_string_value(json_object_get(f->device, "event")), "ciba") == 0 ? FLOW_CIBA : FLOW_DEVICE;
	f->heard_ms = clock_now_ms();
	f->interval = (long)json_integer_value(json_object_get(f->device, "interval"));
	if (f->kind == FLOW_CIBA && ask->binding_message != NULL &&
	    json_object_set_new(f->device, "binding_message", json_string(ask->binding_message)) != 0)
		return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
	return 0;
}

enum flow_state
flow_login_wait(struct oidc_flow *f, int timeout_ms, struct oidc_error *err)
{
	long long deadline = clock_now_ms() + timeout_ms;
	json_t *ev = NULL;
	enum ipc_read rc;

	for (;;) {
		long long left = deadline - clock_now_ms();

		rc = next_event(&f->hp, left > 0 ? (int)left : 0, "login", "tokens", "pending", f->helper_code,
		    sizeof(f->helper_code), &ev, err);
		if (rc == IPC_READ_TIMEOUT)
			return FLOW_PENDING;
		if (rc == IPC_READ_ERROR) {
			/* After the code was shown, a timeout means nobody approved. */
			if (err->reason != OIDC_E_HELPER_PROTOCOL)
				err->reason = flow_reason_for(f->helper_code, 1);
			return FLOW_FAILED;
		}
		if (strcmp(json_string_value(json_object_get(ev, "event")), "pending") == 0) {
			f->polls = (long)json_integer_value(json_object_get(ev, "polls"));
			f->interval = (long)json_integer_value(json_object_get(ev, "interval"));
			f->heard_ms = clock_now_ms();
			json_decref(ev);
			ev = NULL;
			continue;
		}
		/* A refresh may omit the ID token (OIDC Core §12.2); a login
		 * has nothing else to show for itself. */
		if (!json_is_string(json_object_get(ev, "id_token"))) {
			flow_tokens_free(ev);
			oidc_error_set(err, OIDC_E_HELPER_PROTOCOL, "the helper's tokens event of a login has no id_token");
			return FLOW_FAILED;
		}
		f->tokens = ev;
		return FLOW_DONE;
	}
}

void
flow_end(struct oidc_flow *f)
{
	if (f->hp.pid > 0 || f->hp.to >= 0)
		(void)helper_finish(&f->hp, 200);   /* its events said all; the exit status adds nothing */
	json_decref(f->meta);
	json_decref(f->device);
	flow_tokens_free(f->tokens);
	f->meta = f->device = f->tokens = NULL;
}

/* Runs one helper operation to its final event. */
static int
run_op(const struct oidc_config *cfg, const char *op, json_t *req, const char *want, json_t **ev,
    struct oidc_error *err)
{
	struct helper_proc hp;
	char code[32] = "";
	enum ipc_read rc;

	if (spawn_with(&hp, cfg, req, err) != 0)
		return -1;
	rc = next_event(&hp, (int)cfg->timeout * 1000, op, want, NULL, code, sizeof(code), ev, err);
	(void)helper_finish(&hp, 200);   /* its events said all; the exit status adds nothing */
	if (rc == IPC_READ_TIMEOUT)
		return oidc_error_set(err, OIDC_E_IDP_UNAVAILABLE, "%s: no answer from the identity provider in time", op);
	return rc == IPC_READ_MESSAGE ? 0 : -1;
}

int
flow_fetch(const struct oidc_config *cfg, json_t **meta, int *dirty, struct oidc_error *err)
{
	json_t *req, *ev = NULL;
	int rc;

	if ((req = build_request(cfg, "fetch", *meta, NULL, err)) == NULL)
		return -1;
	rc = run_op(cfg, "fetch", req, "metadata", &ev, err);
	/* A jwks_uri from an old discovery may have moved: rediscover once. */
	if (rc != 0 && cfg->jwks_uri == NULL && json_object_get(req, "jwks_uri") != NULL &&
	    err->reason == OIDC_E_IDP_UNAVAILABLE) {
		oidc_error_drop(err);
		json_object_del(req, "jwks_uri");
		rc = run_op(cfg, "fetch", req, "metadata", &ev, err);
	}
	request_free(req);
	if (rc == 0)
		merge_metadata(meta, dirty, ev, cfg->issuer);
	json_decref(ev);
	return rc;
}

int
flow_refresh(const struct oidc_config *cfg, int use_cache, const char *refresh_token, json_t **tokens,
    struct oidc_error *err)
{
	json_t *meta = NULL, *req, *ev = NULL;
	int rc;

	if (flow_load_meta(cfg, use_cache, &meta, err) != 0)
		return -1;
	if ((req = build_request(cfg, "refresh", meta, NULL, err)) == NULL) {
		json_decref(meta);
		return -1;
	}
	json_object_set_new(req, "refresh_token", json_string(refresh_token));
	rc = run_op(cfg, "refresh", req, "tokens", &ev, err);
	request_free(req);
	json_decref(meta);
	if (rc == 0)
		*tokens = ev;
	return rc;
}

int
flow_discover(const struct oidc_config *cfg, json_t **doc, char *helper_code, size_t hcsize, struct oidc_error *err)
{
	struct helper_proc hp;
	json_t *req;
	enum ipc_read rc;

	helper_code[0] = '\0';
	if ((req = build_request(cfg, "discover", NULL, NULL, err)) == NULL)
		return -1;
	rc = spawn_with(&hp, cfg, req, err) == 0 ? IPC_READ_MESSAGE : IPC_READ_ERROR;
	request_free(req);
	if (rc != IPC_READ_MESSAGE)
		return -1;
	rc = next_event(&hp, (int)cfg->timeout * 1000, "discover", "discovery", NULL, helper_code, hcsize, doc, err);
	(void)helper_finish(&hp, 200);   /* its events said all; the exit status adds nothing */
	if (rc == IPC_READ_TIMEOUT)
		return oidc_error_set(err, OIDC_E_IDP_UNAVAILABLE, "discover: no answer from the identity provider in time");
	return rc == IPC_READ_MESSAGE ? 0 : -1;
}
