#ifndef PAM_OIDC_CLI_H
#define PAM_OIDC_CLI_H

struct oidc_config;

int cli_parse_long(const char *s, long min, long max, long *out);
int cli_load_config(const char *path, const char *service, struct oidc_config *cfg);
int cmd_login(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_gc(int argc, char **argv);

#endif
