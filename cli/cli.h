#ifndef PAM_OIDC_CLI_H
#define PAM_OIDC_CLI_H

#include <stdio.h>
#include <sys/types.h>

struct oidc_config;
struct session_store;
struct session_ctx;

/* The options of the store commands (sessions, revoke, gc, recheck). */
struct store_opts {
	const char *config;
	const char *state_dir;
	const char *user;
	const char *id;
	int all;
	int json;
	int terminate;
};

extern const struct session_ctx *const cli_warn_ctx;
/* 0, 1 (--help printed) or -1 (usage printed to stderr). */
int cli_parse_store_opts(int argc, char **argv, struct store_opts *o, const char *usage);
int cli_open_store(const struct store_opts *o, struct session_store *st);
int cli_user_uid(const char *user, uid_t *uid);

int cli_parse_long(const char *s, long min, long max, long *out);
int cli_load_config(const char *path, const char *service, struct oidc_config *cfg);
int cmd_login(int argc, char **argv);
/* Exit codes of check-config (pam-oidc(8)); --probe adds PROBE_MISMATCH. */
enum { PROBE_OK = 0, PROBE_MISMATCH = 1, PROBE_ERROR = 2 };
/* check-config --probe: the IdP's discovery, through the helper, against
 * cfg; one line per check and a summary on out. Returns a PROBE_ code. */
int cli_probe(const struct oidc_config *cfg, FILE *out);
int cmd_check_config(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_recheck(int argc, char **argv);

#endif
