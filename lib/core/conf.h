/* /etc/security/pam_oidc.conf: key = value, # comments, [service] sections
 * overriding the global section for one PAM service; PAM argv key=value
 * overrides both. Every key goes through one table and one setter. */
#ifndef PAM_OIDC_CONFIG_H
#define PAM_OIDC_CONFIG_H

#include <stdio.h>

#include "util/error.h"

#ifndef PAM_OIDC_CONFIG_PATH
#define PAM_OIDC_CONFIG_PATH "/etc/security/pam_oidc.conf"
#endif
#ifndef PAM_OIDC_STATE_DIR
#define PAM_OIDC_STATE_DIR "/run/pam_oidc"
#endif

#define CONFIG_MAX_BYTES (64 * 1024)
#define CONFIG_MAX_VALUE 1024

enum prompt_mode { PROMPT_ENTER, PROMPT_AUTO };
enum reuse_mode { REUSE_DEFAULT, REUSE_ANY, REUSE_SAME_TTY, REUSE_NONE };
enum offline_mode { OFFLINE_DENY, OFFLINE_GRACE };
/* How a person signs in: RFC 8628 device flow, OpenID CIBA (poll mode), or
 * CIBA where the IdP offers it and this client can use it. */
enum flow_kind { FLOW_DEVICE, FLOW_CIBA, FLOW_AUTO };
enum client_auth { CLIENT_AUTH_BASIC, CLIENT_AUTH_POST };
/* What pam-oidc recheck does to the login session of a revoked record. */
enum on_revoke { ON_REVOKE_KEEP, ON_REVOKE_TERMINATE, ON_REVOKE_LOCK };

struct oidc_config {
	/* identity provider */
	char *issuer;
	char *client_id;
	char *client_secret_file;
	char *scopes;
	char *device_authorization_endpoint;
	char *token_endpoint;
	char *jwks_uri;
	/* transport */
	char *ca_file;
	char *ca_path;
	char *http_proxy;
	long connect_timeout;
	long timeout;
	long max_response_bytes;
	char *helper;
	char *helper_user;
	/* token checks */
	unsigned algorithms;
	long leeway;
	long jwks_cache_ttl;
	/* identity mapping and policy */
	char *username_claim;
	int username_strip_domain;
	char *map_file;
	char *allowed_users;
	char *allowed_groups;
	char *groups_claim;
	char *required_acr;
	char *required_amr;
	/* the person at the prompt */
	enum prompt_mode prompt;
	int qr;
	int debug;
	/* session records */
	char *state_dir;
	long session_ttl;
	long max_age;
	enum reuse_mode reuse;
	long recheck;
	enum offline_mode offline;
	int revoke_on_logout;
	int account_requires_session;
	/* identity mapping, hardened (issue 12 finding 6) */
	char *allowed_domains;
	/* Google Workspace: the hd claim must be one of these */
	char *allowed_hd;
	char *allowed_system_users;
	/* pinned keys (finding 2): a root-owned JWKS file, or thumbprints */
	char *jwks_file;
	char *jwks_pins;
	/* concurrent device flows (0: no cap) */
	long max_flows;
	long max_flows_per_host;
	long max_flows_per_user;
	/* push approval (OpenID CIBA, issue 14) */
	enum flow_kind flow;
	char *login_hint_template;
	char *backchannel_authentication_endpoint;
	enum client_auth client_auth;
	/* live sessions of revoked records (issue 15) */
	enum on_revoke on_revoke;
	long revoke_grace;
};

/* Compile-time defaults. */
int config_init(struct oidc_config *cfg);
void config_free(struct oidc_config *cfg);

/* Reads path (must be a regular file owned by root or the caller, and not
 * writable by group or others), applying the global section, then the
 * section named service (may be NULL). Errors name the file and line. */
int config_load(struct oidc_config *cfg, const char *path, const char *service, struct oidc_error *err);
/* The parser behind config_load: len bytes of text (not NUL-terminated),
 * path only names it in errors. */
int config_parse(struct oidc_config *cfg, const char *text, size_t len, const char *path, const char *service,
    struct oidc_error *err);

/* One "key=value" (PAM module argument). */
int config_set_arg(struct oidc_config *cfg, const char *arg, struct oidc_error *err);
/* The setter every source goes through. where: "file:line" or "argument". */
int config_set(struct oidc_config *cfg, const char *key, const char *value, const char *where,
    struct oidc_error *err);

/* Checks required keys and cross-key rules. */
int config_finish(struct oidc_config *cfg, struct oidc_error *err);
/* ca_file and ca_path against the trusted-file rule (store/trustfile.h),
 * before any helper (which reads them as root) starts. Kept apart from
 * config_finish, which does no I/O. */
int config_check_files(const struct oidc_config *cfg, struct oidc_error *err);

/* Prints the effective settings as "key = value" lines (no secrets exist in
 * the config itself: the client secret stays in its file). */
void config_dump(const struct oidc_config *cfg, FILE *out);

/* Iterates the known key names (for docs tests): NULL after the last. */
const char *config_key_name(size_t i);
/* The index of key in that order, or CONFIG_MAX_KEYS when it is unknown. */
#define CONFIG_MAX_KEYS 128
size_t config_key_index(const char *key);
/* 1 if s is a section or service name: [A-Za-z0-9_.:/-]*. */
int config_name_ok(const char *s);

/* "90", "90s", "15m", "8h", "2d" -> seconds. */
int config_parse_duration(const char *s, long *out);

/* Whitespace/comma separated list membership, exact match. */
int config_list_contains(const char *list, const char *item);
/* The same, ignoring ASCII case (DNS names). */
int config_list_contains_icase(const char *list, const char *item);

#endif
