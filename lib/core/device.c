/* Device-code text and the meaning of an unanswered flow
 * (lib/core/device.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/device.h"
#include "core/qr.h"
#include "util/text.h"

/* One line per QR row keeps each PAM message under PAM_MAX_MSG_SIZE. */
static int
qr_lines(const char *text, char **lines, int n, int max)
{
	char *q = qr_render(text), *row, *nl;

	if (q == NULL)
		return n;
	for (row = q; n < max && row != NULL && *row != '\0'; row = nl ? nl + 1 : NULL) {
		if ((nl = strchr(row, '\n')) != NULL)
			*nl = '\0';
		if ((lines[n] = strdup(row)) != NULL)
			n++;
	}
	free(q);
	return n;
}

static int
is_ciba(const json_t *dev)
{
	const char *kind = json_string_value(json_object_get(dev, "event"));

	return kind != NULL && strcmp(kind, "ciba") == 0;
}

int
device_lines(const json_t *dev, const struct device_who *who, int qr, char **lines, int max)
{
	char uri[2100], complete[2100], code[80], host[256] = "this host";
	int n = 0;

	text_sanitize(uri, sizeof(uri), json_string_value(json_object_get(dev, "verification_uri")));
	text_sanitize(complete, sizeof(complete), json_string_value(json_object_get(dev, "verification_uri_complete")));
	device_user_code(dev, code, sizeof(code));
	if (who != NULL && n < max) {
		if (gethostname(host, sizeof(host) - 1) != 0)
			snprintf(host, sizeof(host), "this host");
		host[sizeof(host) - 1] = '\0';
		if (asprintf(&lines[n], "Sign-in requested for %s on %s (service %s%s%s)", who->user, host,
		    who->service, who->rhost ? ", from " : "", who->rhost ? who->rhost : "") > 0)
			n++;
	}
	/* CIBA: the request is already on the person's device; the same words
	 * on both screens tell them it is this one (CIBA Core §7.1). */
	if (is_ciba(dev)) {
		if (n < max && asprintf(&lines[n], "Approve the request on your device: %s", code) > 0)
			n++;
		return n;
	}
	if (n < max && asprintf(&lines[n], "To sign in, open %s", uri) > 0)
		n++;
	if (n < max && asprintf(&lines[n], "and enter the code: %s", code) > 0)
		n++;
	if (n < max && complete[0] != '\0' && asprintf(&lines[n], "(or open %s)", complete) > 0)
		n++;
	if (qr)
		n = qr_lines(complete[0] ? complete : uri, lines, n, max);
	return n;
}

void
device_lines_free(char **lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i]);
}

void
device_user_code(const json_t *dev, char *code, size_t size)
{
	text_sanitize(code, size, json_string_value(json_object_get(dev, is_ciba(dev) ? "binding_message" : "user_code")));
}

int
device_reminder(const json_t *dev, long long left_s, char **line)
{
	char code[80];

	device_user_code(dev, code, sizeof(code));
	if (is_ciba(dev))
		return asprintf(line, "Not approved yet (%lld s left). Approve the request %s on your device, "
		    "then press Enter.", left_s, code);
	return asprintf(line, "Not approved yet (%lld s left). Approve code %s, then press Enter.", left_s, code);
}

enum oidc_reason
device_outcome(enum flow_state st, const struct oidc_config *cfg, struct oidc_error *err)
{
	if (st == FLOW_DONE)
		return OIDC_OK;
	/* RFC 8628 §3.5: authorization_pending until the code expires; for us
	 * the attempt's own timeout ends the wait first. */
	if (st == FLOW_PENDING)
		oidc_error_set(err, OIDC_E_LOGIN_EXPIRED, "not approved within %ld s", cfg->timeout);
	return err->reason;
}
