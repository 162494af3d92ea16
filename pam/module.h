/* pam_oidc.so: what the files of the module share (not an API: nothing
 * here is exported; the module exports only pam_sm_*). */
#ifndef PAM_OIDC_MODULE_H
#define PAM_OIDC_MODULE_H

#include <stdint.h>
#include <sys/types.h>

#include <security/pam_modules.h>

#include "core/conf.h"
#include "util/error.h"
#include "core/flow.h"
#include "core/identity.h"
#include "core/ratelimit.h"
#include "core/session.h"

#define MAX_MSGS 48
/* Carries the record id from authenticate to open_session: sshd runs them
 * in different processes, and only the PAM environment crosses. */
#define SESSION_ENV "PAM_OIDC_SESSION"

/* What one authentication attempt learned, for the one log line. */
struct attempt {
	pam_handle_t *pamh;
	const char *service;
	const char *user;
	const char *rhost;
	const char *tty;
	char mapped[IDENTITY_MAX_USER + 1];
	char iss[256];
	char sub[256];
	char session[SESSION_ID_LEN + 1];
	long long t0;
	long long device_latency_ms;   /* how long the IdP took to give a code */
	const char *flow;              /* "device" or "ciba" once one started */
	int silent;
	int debug;
};

/* pam/common.c (both objects): the log line, reason -> PAM code, the
 * conversation, the PAM environment. pam/pam_oidc.c: the config. */
void attempt_log(const struct attempt *a, int pam_rc, const char *reason, const char *detail);
int module_pam_code(enum oidc_reason r);
const char *module_user_message(enum oidc_reason r);
int module_load_config(pam_handle_t *pamh, int argc, const char **argv, const char *service,
    struct oidc_config *cfg);
void module_syslog_warn(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int prompt_converse(struct attempt *a, char **lines, int nlines, const char *prompt, char **answer);
void prompt_say(struct attempt *a, int style, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int module_set_session_env(pam_handle_t *pamh, const char *id);

/* pam/prompt.c (pam_oidc_verify.so): the device flow with the person, the
 * flow caps and the made-up flow of an unknown user. */
enum flow_state prompt_wait_approval(struct oidc_flow *f, const json_t *fake, long long ms, struct oidc_error *err);
enum oidc_reason prompt_device_flow(struct attempt *a, const struct oidc_config *cfg, struct oidc_flow *f,
    const json_t *fake, struct oidc_error *err);
int prompt_take_flow_slots(struct attempt *a, const struct oidc_config *cfg, struct flow_slots *slots);
int prompt_unknown_user(struct attempt *a, const struct oidc_config *cfg, struct flow_slots *slots);

/* pam/reuse.c: the session store and record reuse, with a PAM handle. */
int module_store_open(pam_handle_t *pamh, const struct oidc_config *cfg, struct session_store *st);
int reuse_try(struct attempt *a, const struct oidc_config *cfg, struct session_store *st, uid_t uid);

/* pam/stages.c: the session and account stages. */
int stage_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv);
int stage_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv);
int stage_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv);

#endif
