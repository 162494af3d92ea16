/* pam_oidc_helper: the only part of pam_oidc that talks to the network. */
#ifndef PAM_OIDC_HELPER_H
#define PAM_OIDC_HELPER_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#include "oauth_parse.h"
#include "util/buf.h"

struct http {
	CURL *curl;
	long long deadline_ms;      /* whole operation */
	long connect_timeout;
	size_t max_response;
	char errbuf[CURL_ERROR_SIZE];
	/* response being received, at most max_response bytes */
	struct buf body;
	int overflow;
};

struct http_req {
	const char *url;
	const char *form;           /* NULL: GET; else an x-www-form-urlencoded body */
	const char *basic_user;     /* client_secret_basic (RFC 6749 §2.3.1), already form-encoded */
	const char *basic_pass;
};

int http_init(struct http *h, const json_t *request, struct helper_err *e);
void http_cleanup(struct http *h);
/* Performs one request. On return 0, h->body (NUL-terminated)
 * holds the response and *status the HTTP status; the caller must call
 * http_wipe() once done with it. */
int http_perform(struct http *h, const struct http_req *req, long *status, struct helper_err *e);
void http_wipe(struct http *h);
/* Parses h->body as a JSON object; wipes the body. */
int http_json(struct http *h, json_t **out, struct helper_err *e);

/* A request form's bound: a refresh token of IPC_MAX_TOKEN bytes, escaped. */
#define FORM_MAX (3u * 64u * 1024u + 4096u)
/* Appends "&key=value" (form-encoded) to a form buffer (buf_free() wipes
 * it); 0 on success. */
int form_add(CURL *c, struct buf *form, const char *key, const char *value);

/* 1 if the caller closed our stdin (cancel), used while waiting and from
 * libcurl's progress callback. */
int helper_cancelled(void);
/* Sleeps up to ms; returns 1 early if cancelled. */
int helper_sleep(long long ms);

/* Emitting events on stdout. */
int emit(json_t *event);
int emit_error(const struct helper_err *e);

/* The operations (oauth.c). */
int op_login(struct http *h, const json_t *req, struct helper_err *e);
int op_refresh(struct http *h, const json_t *req, struct helper_err *e);
int op_fetch(struct http *h, const json_t *req, struct helper_err *e);
int op_discover(struct http *h, const json_t *req, struct helper_err *e);

#endif
