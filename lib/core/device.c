/* Device-code text and the meaning of an unanswered flow
 * (lib/core/device.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/device.h"
#include "core/qr.h"
#include "util/clock.h"
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

/* login and some gettys set PAM_TTY to the name under /dev ("pts/0",
 * "tty1"); sudo and su give the path. */
static int
tty_is_short(const char *tty)
{
	return strncmp(tty, "pts/", 4) == 0 || strncmp(tty, "tty", 3) == 0;
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
		char where[300] = "", rhost[256], tty[128];

		if (gethostname(host, sizeof(host) - 1) != 0)
			snprintf(host, sizeof(host), "this host");
		host[sizeof(host) - 1] = '\0';
		/* The remote host is the phishing hint; a local caller (console,
		 * su, sudo) names its terminal instead, and with neither, none. */
		text_sanitize(rhost, sizeof(rhost), who->rhost);
		text_sanitize(tty, sizeof(tty), who->tty);
		if (rhost[0] != '\0')
			snprintf(where, sizeof(where), ", from %s", rhost);
		else if (tty[0] != '\0')
			snprintf(where, sizeof(where), ", on %s%s", tty_is_short(tty) ? "/dev/" : "", tty);
		if (asprintf(&lines[n], "Sign-in requested for %s on %s (service %s%s)", who->user, host,
		    who->service, where) > 0)
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

long long
device_silence_limit_ms(long interval_s)
{
	if (interval_s <= 0)
		interval_s = 5;
	return (2 * (long long)interval_s + 5) * 1000 + 5000;
}

int
device_idp_silent(const struct oidc_flow *f)
{
	return f != NULL && f->heard_ms > 0 && clock_now_ms() - f->heard_ms > device_silence_limit_ms(f->interval);
}

enum oidc_reason
device_outcome(enum flow_state st, const struct oidc_config *cfg, const struct oidc_flow *f,
    struct oidc_error *err)
{
	if (st == FLOW_DONE)
		return OIDC_OK;
	if (st != FLOW_PENDING)
		return err->reason;
	/* A helper that polls hears the IdP every interval (RFC 8628 §3.5,
	 * the "pending" events): silence past that means the IdP stopped
	 * answering, not that nobody approved. */
	if (device_idp_silent(f)) {
		oidc_error_set(err, OIDC_E_IDP_UNAVAILABLE,
		    "the identity provider stopped answering: no poll answered for %lld s (after %ld answered)",
		    (clock_now_ms() - f->heard_ms) / 1000, f->polls);
		return err->reason;
	}
	/* RFC 8628 §3.5: authorization_pending until the code expires; for us
	 * the attempt's own timeout ends the wait first. */
	oidc_error_set(err, OIDC_E_LOGIN_EXPIRED, "not approved within %ld s", cfg->timeout);
	return err->reason;
}

int
device_waiting_line(time_t end, long long left_s, char **line)
{
	struct tm tm;
	char at[16];

	if (localtime_r(&end, &tm) == NULL || strftime(at, sizeof(at), "%H:%M:%S", &tm) == 0)
		return asprintf(line, "Waiting for approval (%lld s).", left_s);
	return asprintf(line, "Waiting for approval until %s (%lld s).", at, left_s);
}

int
device_countdown_line(long long left_s, char **line)
{
	return asprintf(line, "Still waiting for approval (%lld s left).", left_s);
}
