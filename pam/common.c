/* What both halves of the module use: the log line of an attempt, reason
 * -> PAM code and message, the conversation, the PAM environment. Linked
 * into pam_oidc.so and pam_oidc_verify.so alike (each its own copy). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/text.h"

/* One line per attempt, key=value; an empty or unknown value is "-". */
void
attempt_log(const struct attempt *a, int pam_rc, const char *reason, const char *detail)
{
	pam_syslog(a->pamh, pam_rc == PAM_SUCCESS ? LOG_NOTICE : LOG_WARNING,
	    "result=%s reason=%s service=%s user=%s mapped=%s iss=%s sub=%s rhost=%s tty=%s session=%.8s "
	    "duration_ms=%lld flow=%s%s%s",
	    pam_rc == PAM_SUCCESS ? "success" : "failure", text_or_dash(reason), text_or_dash(a->service),
	    text_or_dash(a->user), text_or_dash(a->mapped), text_or_dash(a->iss), text_or_dash(a->sub),
	    text_or_dash(a->rhost), text_or_dash(a->tty), text_or_dash(a->session), clock_now_ms() - a->t0,
	    text_or_dash(a->flow), detail != NULL ? " detail=" : "", detail != NULL ? text_or_dash(detail) : "");
}

/* HACKING.md, house style 5: exact PAM codes, so admins can write
 * auth [success=done authinfo_unavail=ignore default=die] pam_oidc.so
 * Only a real failure to reach the IdP is PAM_AUTHINFO_UNAVAIL (the
 * helper's codes are sorted in the table of lib/ipc/wire.c): anything else
 * must not open the password fallback. */
int
module_pam_code(enum oidc_reason r)
{
	switch (r) {
	case OIDC_OK:
		return PAM_SUCCESS;
	case OIDC_E_IDP_UNAVAILABLE:
	case OIDC_E_JWKS_INVALID:
	case OIDC_E_JWKS_EMPTY:
		return PAM_AUTHINFO_UNAVAIL;
	case OIDC_E_CONFIG:
	case OIDC_E_STORE:
	case OIDC_E_IO:
	case OIDC_E_INTERNAL:
		return PAM_SERVICE_ERR;
	case OIDC_E_NOMEM:
		return PAM_BUF_ERR;
	case OIDC_E_IDP_UNKNOWN_USER:
		return PAM_USER_UNKNOWN;
	default:
		return PAM_AUTH_ERR;
	}
}

const char *
module_user_message(enum oidc_reason r)
{
	switch (r) {
	case OIDC_E_DENIED:
		return "The sign-in was denied.";
	case OIDC_E_LOGIN_EXPIRED:
		return "The sign-in expired before it was approved.";
	case OIDC_E_IDP_UNAVAILABLE:
	case OIDC_E_JWKS_INVALID:
	case OIDC_E_JWKS_EMPTY:
		return "The identity provider cannot be reached right now.";
	case OIDC_E_USER_MISMATCH:
		return "That account may not log in as this user.";
	case OIDC_E_IDP_UNKNOWN_USER:
		return "The identity provider does not know this user.";
	case OIDC_E_TOO_MANY_FLOWS:
		return "Too many sign-ins are in progress; try again in a minute.";
	case OIDC_E_POLICY:
	case OIDC_E_GROUPS_OVERAGE:
		return "That account is not allowed to log in here.";
	case OIDC_E_CONFIG:
	case OIDC_E_STORE:
	case OIDC_E_INTERNAL:
		return "Sign-in is misconfigured on this host; the administrator can see why in the system log.";
	default:
		return "The sign-in could not be verified.";
	}
}

void
module_syslog_warn(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pam_syslog((pam_handle_t *)ctx, LOG_WARNING, "%s", buf);
}

/* One conversation call: the info lines, then (optionally) a prompt. */
int
prompt_converse(struct attempt *a, char **lines, int nlines, const char *prompt, char **answer)
{
	const struct pam_message *pmsg[MAX_MSGS];
	struct pam_message msgs[MAX_MSGS];
	struct pam_response *resp = NULL;
	const struct pam_conv *conv = NULL;
	int i, n = 0, rc;

	if (pam_get_item(a->pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || conv == NULL ||
	    conv->conv == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < nlines && n < MAX_MSGS - 1; i++) {
		msgs[n].msg_style = PAM_TEXT_INFO;
		msgs[n].msg = lines[i];
		n++;
	}
	if (prompt != NULL) {
		msgs[n].msg_style = PAM_PROMPT_ECHO_OFF;
		msgs[n].msg = prompt;
		n++;
	}
	if (n == 0)
		return PAM_SUCCESS;
	for (i = 0; i < n; i++)
		pmsg[i] = &msgs[i];
	rc = conv->conv(n, pmsg, &resp, conv->appdata_ptr);
	if (resp != NULL) {
		for (i = 0; i < n; i++) {
			if (resp[i].resp == NULL)
				continue;
			if (answer != NULL && i == n - 1 && prompt != NULL) {
				*answer = resp[i].resp;
			} else {
				wipe_free(resp[i].resp);
			}
		}
		free(resp);
	}
	return rc;
}

void
prompt_say(struct attempt *a, int style, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (a->silent && style == PAM_TEXT_INFO)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pam_prompt(a->pamh, style, NULL, "%s", buf);
}

int
module_set_session_env(pam_handle_t *pamh, const char *id)
{
	char buf[sizeof(SESSION_ENV) + SESSION_ID_LEN + 2];

	snprintf(buf, sizeof(buf), "%s=%s", SESSION_ENV, id);
	return pam_putenv(pamh, buf);
}
