/* libcurl, configured the one strict way: https only, peer and host always
 * verified, no redirects, no proxy unless configured, bounded bodies. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "ipc/ipc.h"
#include "util/jsonutil.h"
#include "util/clock.h"
#include "util/fileio.h"

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http *h = arg;
	struct oidc_error err = { 0 };
	size_t n = size * nmemb;

	if (buf_append(&h->body, data, n, &err) != 0) {
		h->overflow = err.reason == OIDC_E_TOO_LARGE;
		return 0;   /* makes libcurl fail with CURLE_WRITE_ERROR */
	}
	return n;
}

static int
on_progress(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	struct http *h = arg;

	/* Abort transfers promptly once the caller has gone. */
	return helper_cancelled() || clock_now_ms() > h->deadline_ms;
}

int
http_init(struct http *h, const json_t *req, struct helper_err *e)
{
	const char *ca_file = json_string_value(json_object_get(req, "ca_file"));
	const char *ca_path = json_string_value(json_object_get(req, "ca_path"));
	const char *proxy = json_string_value(json_object_get(req, "proxy"));
	json_int_t timeout = json_integer_value(json_object_get(req, "timeout"));
	json_int_t ctimeout = json_integer_value(json_object_get(req, "connect_timeout"));
	json_int_t maxresp = json_integer_value(json_object_get(req, "max_response"));
	CURL *c;

	memset(h, 0, sizeof(*h));
	if (timeout < 1 || timeout > 3600)
		timeout = 110;
	if (ctimeout < 1 || ctimeout > 60)
		ctimeout = 5;
	if (maxresp < 4096 || maxresp > 16 * 1024 * 1024)
		maxresp = 1024 * 1024;
	h->deadline_ms = clock_now_ms() + timeout * 1000;
	h->connect_timeout = (long)ctimeout;
	h->max_response = (size_t)maxresp;
	buf_init(&h->body, h->max_response);
	if ((h->curl = c = curl_easy_init()) == NULL)
		return herr(e, WIRE_INTERNAL, "libcurl initialisation failed");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pam_oidc/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->connect_timeout);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	/* An empty proxy disables libcurl's *_proxy environment lookup too. */
	curl_easy_setopt(c, CURLOPT_PROXY, proxy != NULL ? proxy : "");
	if (ca_file != NULL) {
		/* Read now, while we may still be root: the file need not be
		 * readable by the unprivileged helper user. */
		struct oidc_error ferr = { 0 };
		struct curl_blob blob;
		char *pem = NULL;
		size_t len = 0;

		if (file_read_all(ca_file, 1024 * 1024, &pem, &len, &ferr) != 0)
			return herr(e, WIRE_TLS, "cannot read ca_file %s: %s", ca_file, ferr.text);
		blob.data = pem;
		blob.len = len;
		blob.flags = CURL_BLOB_COPY;
		if (curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK) {
			free(pem);
			return herr(e, WIRE_TLS, "libcurl refused ca_file %s", ca_file);
		}
		free(pem);
	}
	if (ca_path != NULL)
		curl_easy_setopt(c, CURLOPT_CAPATH, ca_path);
	return 0;
}

void
http_wipe(struct http *h)
{
	buf_free(&h->body);
	h->overflow = 0;
}

void
http_cleanup(struct http *h)
{
	http_wipe(h);
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

static enum wire_code
curl_code_class(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return WIRE_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return WIRE_TLS;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return WIRE_BAD_REQUEST;
	/* Only what the network or the server did is "unreachable" (the
	 * password fallback of the documented stack); anything local —
	 * out of memory, descriptors, a failed init — is internal, so a
	 * user cannot provoke the fallback with tight rlimits. */
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		return WIRE_UNREACHABLE;
	default:
		return WIRE_INTERNAL;
	}
}

int
http_perform(struct http *h, const struct http_req *req, long *status, struct helper_err *e)
{
	long long left = h->deadline_ms - clock_now_ms();
	struct buf userpwd = BUF_INIT(FORM_MAX);
	CURLcode rc;

	http_wipe(h);
	if (left <= 0)
		return herr(e, WIRE_TIMEOUT, "time limit reached before contacting %s", req->url);
	if (strncmp(req->url, "https://", 8) != 0)
		return herr(e, WIRE_BAD_REQUEST, "refusing non-https URL %s", req->url);
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_URL, req->url);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)(left > 30000 ? 30000 : left));
	if (req->form != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, req->form);
	} else {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	}
	if (req->basic_user != NULL) {
		if (buf_printf(&userpwd, NULL, "%s:%s", req->basic_user, req->basic_pass) != 0)
			return herr(e, WIRE_INTERNAL, "out of memory");
		curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h->curl, CURLOPT_USERPWD, userpwd.data);
	} else {
		curl_easy_setopt(h->curl, CURLOPT_USERPWD, NULL);
		curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
	}
	rc = curl_easy_perform(h->curl);
	if (userpwd.data != NULL) {
		buf_free(&userpwd);
		curl_easy_setopt(h->curl, CURLOPT_USERPWD, NULL);
	}
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	if (rc != CURLE_OK) {
		if (h->overflow)
			herr(e, WIRE_TOO_LARGE, "response from %s is larger than %zu bytes", req->url, h->max_response);
		else if (rc == CURLE_ABORTED_BY_CALLBACK)
			herr(e, helper_cancelled() ? WIRE_CANCELLED : WIRE_TIMEOUT, "request to %s %s", req->url,
			    helper_cancelled() ? "cancelled" : "ran past the time limit");
		else
			herr(e, curl_code_class(rc), "%s: %s", req->url, h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
		http_wipe(h);
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	/* an empty answer is "" */
	if (buf_reserve(&h->body, 0, NULL) != 0)
		return herr(e, WIRE_INTERNAL, "out of memory");
	return 0;
}

int
http_json(struct http *h, json_t **out, struct helper_err *e)
{
	struct oidc_error jerr = { 0 };
	int rc = json_parse_strict(h->body.data, h->body.len, out, &jerr);

	http_wipe(h);
	if (rc != 0)
		return herr(e, WIRE_BAD_RESPONSE, "response is not valid JSON (%s)", jerr.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return herr(e, WIRE_BAD_RESPONSE, "response is not a JSON object");
	}
	return 0;
}

int
form_add(CURL *c, struct buf *form, const char *key, const char *value)
{
	char *ev = curl_easy_escape(c, value, 0);
	int r;

	if (ev == NULL)
		return -1;
	r = buf_printf(form, NULL, "%s%s=%s", form->len ? "&" : "", key, ev);
	explicit_bzero(ev, strlen(ev));
	curl_free(ev);
	return r;
}
