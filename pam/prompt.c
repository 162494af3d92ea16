/* The conversation with the person: the device-code lines, the wait for
 * the approval (with sshd, an Enter prompt), the caps on concurrent device
 * flows and the made-up flow an unknown user sees (finding 11, issue 12). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module.h"
#include "core/ciba.h"
#include "core/device.h"
#include "core/pushcap.h"
#include "util/clock.h"
#include "util/buf.h"

/* Waits for the approval as flow_login_wait() does; the made-up flow of
 * an unknown user (fake) just takes the same time. */
enum flow_state
prompt_wait_approval(struct oidc_flow *f, const json_t *fake, long long ms, struct oidc_error *err)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	if (fake == NULL)
		return flow_login_wait(f, (int)ms, err);
	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return FLOW_PENDING;
}

/* prompt = auto (sudo, su and login show info at once): the code, then
 * how long we wait, a countdown at most every COUNTDOWN_S, and no Enter.
 * Frees lines. */
#define COUNTDOWN_S 30
#define CHECK_MS 5000   /* how often an IdP's silence is looked at */
static enum oidc_reason
wait_shown(struct attempt *a, const struct oidc_config *cfg, struct oidc_flow *f, const json_t *fake,
    const json_t *dev, long long deadline, char **lines, int n, struct oidc_error *err)
{
	long long now = clock_now_ms(), end = deadline, expires = json_integer_value(json_object_get(dev, "expires_in"));
	long long next_tick;
	enum flow_state st = FLOW_PENDING;
	int rc;

	/* What the person is told: the earlier of our timeout and the code's
	 * own lifetime (RFC 8628 §3.2 expires_in). */
	if (expires > 0 && now + expires * 1000 < end)
		end = now + expires * 1000;
	if (end < now)
		end = now;
	/* Like the code, how long it waits is part of the sign-in: shown even
	 * to a caller that asks for silence (sudo always does). */
	if (device_waiting_line(time(NULL) + (time_t)((end - now + 999) / 1000), (end - now + 999) / 1000,
	    &lines[n]) > 0)
		n++;
	rc = prompt_converse(a, lines, n, NULL, NULL);
	device_lines_free(lines, n);
	if (rc != PAM_SUCCESS)
		return oidc_error_set(err, OIDC_E_USAGE, "conversation failed"), OIDC_E_USAGE;
	next_tick = clock_now_ms() + COUNTDOWN_S * 1000LL;
	for (;;) {
		long long t = clock_now_ms(), chunk = CHECK_MS;
		char *line = NULL;

		if (deadline - t <= 0)
			break;
		if (chunk > deadline - t)
			chunk = deadline - t;
		if (chunk > next_tick - t)
			chunk = next_tick - t > 0 ? next_tick - t : 0;
		st = prompt_wait_approval(f, fake, chunk, err);
		if (st != FLOW_PENDING || (fake == NULL && device_idp_silent(f)))
			break;
		t = clock_now_ms();
		if (t < next_tick)
			continue;
		next_tick = t + COUNTDOWN_S * 1000LL;
		if (end - t <= 0 || deadline - t <= 0 ||
		    device_countdown_line((end - t + 999) / 1000, &line) <= 0)
			continue;
		rc = prompt_converse(a, &line, 1, NULL, NULL);
		free(line);
		if (rc != PAM_SUCCESS)
			return oidc_error_set(err, OIDC_E_USAGE, "conversation failed"), OIDC_E_USAGE;
	}
	return device_outcome(st, cfg, fake == NULL ? f : NULL, err);
}

/* The device flow with the person: returns OIDC_OK with f->tokens set.
 * With fake (an unknown user, finding 11 of issue 12), the same lines,
 * prompts and waits, with no helper and no request to the IdP. */
static enum oidc_reason
sign_in(struct attempt *a, const struct oidc_config *cfg, struct oidc_flow *f, const json_t *fake,
    struct oidc_error *err)
{
	static const char enter_prompt[] = "Press Enter after you have approved the sign-in: ";
	long long deadline = a->t0 + cfg->timeout * 1000, t = clock_now_ms();
	const json_t *dev = fake;
	char *lines[MAX_MSGS];
	char *ans = NULL;
	enum flow_state st;
	long interval;
	int n, rc;

	if (fake == NULL) {
		struct ciba_words w;
		struct flow_ask ask = { w.login_hint, w.binding_message };

		if (cfg->flow != FLOW_DEVICE && ciba_words_for(cfg, a->user, a->service, &w, err) != 0)
			return err->reason;
		if (flow_login_start(f, cfg, cfg->flow != FLOW_DEVICE ? &ask : NULL, err) != 0)
			return err->reason;
		dev = f->device;
		a->flow = f->kind == FLOW_CIBA ? "ciba" : "device";
		a->device_latency_ms = clock_now_ms() - t;
	}
	interval = (long)json_integer_value(json_object_get(dev, "interval"));
	if (interval <= 0)
		interval = 5;
	/* A real request ends at the lifetime the IdP granted (the helper
	 * stops polling then); a made-up one must end there too. */
	if (fake != NULL) {
		long long end = clock_now_ms() + json_integer_value(json_object_get(dev, "expires_in")) * 1000;

		if (json_integer_value(json_object_get(dev, "expires_in")) > 0 && end < deadline)
			deadline = end;
	}
	{
		struct device_who who = { a->user, a->service, a->rhost, a->tty };

		n = device_lines(dev, a->silent ? NULL : &who, cfg->qr && !a->silent, lines, MAX_MSGS - 3);
	}
	if (cfg->prompt == PROMPT_AUTO)
		return wait_shown(a, cfg, f, fake, dev, deadline, lines, n, err);
	/* sshd shows info text only together with a prompt (test-infra.md):
	 * the code and the Enter prompt travel in one conversation call. */
	rc = prompt_converse(a, lines, n, enter_prompt, &ans);
	device_lines_free(lines, n);
	for (;;) {
		long long left;

		wipe_free(ans);
		ans = NULL;
		if (rc != PAM_SUCCESS) {
			oidc_error_set(err, OIDC_E_USAGE, "conversation failed (%s)", pam_strerror(a->pamh, rc));
			return OIDC_E_USAGE;
		}
		/* The IdP is polled on its interval; give it one more poll. */
		left = deadline - clock_now_ms();
		st = prompt_wait_approval(f, fake,
		    left <= 0 ? 0 : (left < (interval + 1) * 1000 ? left : (interval + 1) * 1000), err);
		if (st == FLOW_DONE)
			return OIDC_OK;
		if (st == FLOW_FAILED)
			return err->reason;
		left = deadline - clock_now_ms();
		if (left <= 0 || (fake == NULL && device_idp_silent(f)))
			return device_outcome(FLOW_PENDING, cfg, fake == NULL ? f : NULL, err);
		{
			char *msg = NULL;

			n = 0;
			if (device_reminder(dev, left / 1000, &msg) > 0)
				lines[n++] = msg;
			rc = prompt_converse(a, lines, n, enter_prompt, &ans);
			device_lines_free(lines, n);
		}
	}
}

enum oidc_reason
prompt_device_flow(struct attempt *a, const struct oidc_config *cfg, struct oidc_flow *f, const json_t *fake,
    struct oidc_error *err)
{
	char push[PUSHCAP_NAME_MAX] = "";
	enum oidc_reason why;

	/* A CIBA request pages a person until it expires, even once its
	 * caller hung up: it holds a place of its own (pushcap.h). */
	if (fake == NULL && cfg->flow != FLOW_DEVICE) {
		switch (pushcap_take(cfg, a->user, a->rhost, getuid(), cfg->timeout, push, err)) {
		case RATELIMIT_HELD:
			break;
		case RATELIMIT_FULL:
			oidc_error_set(err, OIDC_E_TOO_MANY_FLOWS, "max_flows_per_user=%ld live CIBA requests for %s from "
			    "this %s reached (pam_oidc.conf(5))", cfg->max_flows_per_user, a->user,
			    a->rhost != NULL && a->rhost[0] != '\0' ? "host" : "local user");
			return OIDC_E_TOO_MANY_FLOWS;
		case RATELIMIT_ERROR:
			return err->reason;
		}
	}
	why = sign_in(a, cfg, f, fake, err);
	pushcap_done(cfg, push);
	return why;
}

/* Finding 12 of issue 12: a device flow (real or made up) holds a slot
 * under each cap until it ends; over a cap it is refused at once. */
int
prompt_take_flow_slots(struct attempt *a, const struct oidc_config *cfg, struct flow_slots *slots)
{
	struct oidc_error err = { 0 };
	enum ratelimit_cap full = RATELIMIT_TOTAL;
	char detail[128];
	enum ratelimit_take r = ratelimit_take(cfg, a->rhost, a->user, slots, &full, &err);

	if (r == RATELIMIT_HELD)
		return PAM_SUCCESS;
	if (r == RATELIMIT_ERROR) {
		attempt_log(a, PAM_SERVICE_ERR, oidc_reason_code(err.reason), err.text);
		prompt_say(a, PAM_ERROR_MSG, "%s", module_user_message(err.reason));
		return PAM_SERVICE_ERR;
	}
	snprintf(detail, sizeof(detail), "%s=%ld reached (concurrent device flows, pam_oidc.conf(5))",
	    ratelimit_cap_key(full), full == RATELIMIT_HOST ? cfg->max_flows_per_host :
	    full == RATELIMIT_USER ? cfg->max_flows_per_user : cfg->max_flows);
	attempt_log(a, PAM_AUTH_ERR, "too_many_flows", detail);
	prompt_say(a, PAM_ERROR_MSG, "Too many sign-ins are in progress; try again in a minute.");
	return PAM_AUTH_ERR;
}

/* The made-up sign-in of an unknown user, of the kind a real one would
 * get: a CIBA request (a binding message, nothing sent) or a device code. */
static json_t *
fake_sign_in(struct attempt *a, const struct oidc_config *cfg, long long *latency)
{
	struct oidc_error ignored = { 0 };
	enum flow_kind k = cfg->flow;
	struct ciba_words w;
	json_t *meta = NULL, *ev;

	if (k == FLOW_AUTO) {
		if (flow_load_meta(cfg, geteuid() == 0, &meta, &ignored) != 0)
			oidc_error_drop(&ignored);   /* no cache: what the configuration says */
		k = ciba_choose(cfg, meta);
		json_decref(meta);
		/* Only the helper's discovery can tell: what the last verified
		 * sign-in was (finding 11 of issue 12 for CIBA). */
		if (k == FLOW_AUTO)
			k = ratelimit_last_was_ciba(cfg) ? FLOW_CIBA : FLOW_DEVICE;
	}
	a->flow = k == FLOW_CIBA ? "ciba" : "device";
	if (k != FLOW_CIBA)
		return ratelimit_fake_device(cfg, latency);
	/* The same words a real attempt would show; nothing is sent. */
	if (ciba_words_for(cfg, a->user, a->service, &w, &ignored) != 0 ||
	    (ev = ratelimit_fake_ciba(cfg, latency)) == NULL)
		return NULL;
	if (json_object_set_new(ev, "binding_message", json_string(w.binding_message)) != 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* Finding 11 of issue 12: an unknown user sees what a real one sees (a
 * code in the IdP's format, its verification URI, the same waits and the
 * same final message) so that ssh cannot enumerate accounts; no helper
 * runs and the IdP hears nothing. The admin still reads unknown_user. */
int
prompt_unknown_user(struct attempt *a, const struct oidc_config *cfg, struct flow_slots *slots)
{
	struct oidc_error err = { 0 };
	struct oidc_flow none;   /* never started: a made-up flow has no helper */
	long long latency = 0;
	enum oidc_reason why;
	json_t *fake;
	int rc;

	memset(&none, 0, sizeof(none));
	if ((rc = prompt_take_flow_slots(a, cfg, slots)) != PAM_SUCCESS)
		return rc;
	if ((fake = fake_sign_in(a, cfg, &latency)) == NULL) {
		attempt_log(a, PAM_USER_UNKNOWN, "unknown_user", "no made-up flow (out of memory)");
		return PAM_USER_UNKNOWN;
	}
	/* As long as the IdP took to answer the last real flow. */
	(void)prompt_wait_approval(&none, fake, latency, &err);
	why = prompt_device_flow(a, cfg, &none, fake, &err);
	json_decref(fake);
	attempt_log(a, PAM_USER_UNKNOWN, "unknown_user", NULL);
	if (why != OIDC_E_USAGE)
		prompt_say(a, PAM_ERROR_MSG, "%s", module_user_message(why));
	return PAM_USER_UNKNOWN;
}

