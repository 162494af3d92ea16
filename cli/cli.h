#ifndef PAM_OIDC_CLI_H
#define PAM_OIDC_CLI_H

int cli_parse_long(const char *s, long min, long max, long *out);

#endif
