#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jose/alg.h"
#include "core/conf.h"
#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "store/trustfile.h"
#include "util/buf.h"

#ifndef PAM_OIDC_HELPER_PATH
#define PAM_OIDC_HELPER_PATH "/usr/libexec/pam_oidc_helper"
#endif
/* A system user of its own (Debian's "_" convention): nobody is shared with
 * other daemons, any of which could signal or ptrace the helper. */
#ifndef PAM_OIDC_HELPER_USER
#define PAM_OIDC_HELPER_USER "_pam_oidc"
#endif

enum ktype { K_STR, K_URL, K_PATH, K_BOOL, K_NUM, K_DUR, K_ALGS, K_ENUM, K_LIST, K_NAME };

static const char *const prompt_names[] = { "enter", "auto", NULL };
static const char *const reuse_names[] = { "default", "any", "same_tty", "none", NULL };
static const char *const offline_names[] = { "deny", "grace", NULL };
static const char *const flow_names[] = { "device", "ciba", "auto", NULL };
static const char *const client_auth_names[] = { "client_secret_basic", "client_secret_post", NULL };
static const char *const on_revoke_names[] = { "keep", "terminate", "lock", NULL };

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	long min, max;
	const char *const *names;
};

#define F(field) offsetof(struct oidc_config, field)
static const struct key keys[] = {
	{ "issuer", K_URL, F(issuer), 0, 0, NULL },
	{ "client_id", K_STR, F(client_id), 0, 0, NULL },
	{ "client_secret_file", K_PATH, F(client_secret_file), 0, 0, NULL },
	{ "scopes", K_STR, F(scopes), 0, 0, NULL },
	{ "device_authorization_endpoint", K_URL, F(device_authorization_endpoint), 0, 0, NULL },
	{ "token_endpoint", K_URL, F(token_endpoint), 0, 0, NULL },
	{ "jwks_uri", K_URL, F(jwks_uri), 0, 0, NULL },
	{ "ca_file", K_PATH, F(ca_file), 0, 0, NULL },
	{ "ca_path", K_PATH, F(ca_path), 0, 0, NULL },
	{ "http_proxy", K_STR, F(http_proxy), 0, 0, NULL },
	{ "connect_timeout", K_DUR, F(connect_timeout), 1, 60, NULL },
	{ "timeout", K_DUR, F(timeout), 10, 600, NULL },
	{ "max_response_bytes", K_NUM, F(max_response_bytes), 4096, 16L * 1024 * 1024, NULL },
	{ "helper", K_PATH, F(helper), 0, 0, NULL },
	{ "helper_user", K_NAME, F(helper_user), 0, 0, NULL },
	{ "algorithms", K_ALGS, F(algorithms), 0, 0, NULL },
	{ "leeway", K_DUR, F(leeway), 0, IDTOKEN_MAX_LEEWAY, NULL },
	{ "jwks_cache_ttl", K_DUR, F(jwks_cache_ttl), 60, 7 * 86400, NULL },
	{ "username_claim", K_NAME, F(username_claim), 0, 0, NULL },
	{ "username_strip_domain", K_BOOL, F(username_strip_domain), 0, 0, NULL },
	{ "map_file", K_PATH, F(map_file), 0, 0, NULL },
	{ "allowed_users", K_LIST, F(allowed_users), 0, 0, NULL },
	{ "allowed_groups", K_LIST, F(allowed_groups), 0, 0, NULL },
	{ "groups_claim", K_NAME, F(groups_claim), 0, 0, NULL },
	{ "required_acr", K_LIST, F(required_acr), 0, 0, NULL },
	{ "required_amr", K_LIST, F(required_amr), 0, 0, NULL },
	{ "prompt", K_ENUM, F(prompt), 0, 0, prompt_names },
	{ "qr", K_BOOL, F(qr), 0, 0, NULL },
	{ "debug", K_BOOL, F(debug), 0, 0, NULL },
	{ "state_dir", K_PATH, F(state_dir), 0, 0, NULL },
	{ "session_ttl", K_DUR, F(session_ttl), 60, 30L * 86400, NULL },
	{ "max_age", K_DUR, F(max_age), 0, 30L * 86400, NULL },
	{ "reuse", K_ENUM, F(reuse), 0, 0, reuse_names },
	{ "recheck", K_DUR, F(recheck), 0, 30L * 86400, NULL },
	{ "offline", K_ENUM, F(offline), 0, 0, offline_names },
	{ "revoke_on_logout", K_BOOL, F(revoke_on_logout), 0, 0, NULL },
	{ "account_requires_session", K_BOOL, F(account_requires_session), 0, 0, NULL },
	{ "allowed_domains", K_LIST, F(allowed_domains), 0, 0, NULL },
	{ "allowed_hd", K_LIST, F(allowed_hd), 0, 0, NULL },
	{ "allowed_system_users", K_LIST, F(allowed_system_users), 0, 0, NULL },
	{ "jwks_file", K_PATH, F(jwks_file), 0, 0, NULL },
	{ "jwks_pins", K_LIST, F(jwks_pins), 0, 0, NULL },
	{ "max_flows", K_NUM, F(max_flows), 0, 4096, NULL },
	{ "max_flows_per_host", K_NUM, F(max_flows_per_host), 0, 4096, NULL },
	{ "max_flows_per_user", K_NUM, F(max_flows_per_user), 0, 4096, NULL },
	{ "flow", K_ENUM, F(flow), 0, 0, flow_names },
	{ "login_hint_template", K_STR, F(login_hint_template), 0, 0, NULL },
	{ "backchannel_authentication_endpoint", K_URL, F(backchannel_authentication_endpoint), 0, 0, NULL },
	{ "client_auth", K_ENUM, F(client_auth), 0, 0, client_auth_names },
	{ "on_revoke", K_ENUM, F(on_revoke), 0, 0, on_revoke_names },
	{ "revoke_grace", K_DUR, F(revoke_grace), 0, 600, NULL },
};
#undef F
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *
config_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

_Static_assert(NKEYS <= CONFIG_MAX_KEYS, "CONFIG_MAX_KEYS is too small for the key table");

size_t
config_key_index(const char *key)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			return i;
	return CONFIG_MAX_KEYS;
}

static char **
str_field(struct oidc_config *cfg, const struct key *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

static int
set_default(struct oidc_config *cfg, const char *key, const char *value)
{
	return config_set(cfg, key, value, "default", NULL);
}

int
config_init(struct oidc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->algorithms = JWS_ALG_ALL;
	cfg->leeway = IDTOKEN_DEFAULT_LEEWAY;
	cfg->connect_timeout = 5;
	cfg->timeout = 110;
	cfg->max_response_bytes = 1024 * 1024;
	cfg->jwks_cache_ttl = 3600;
	cfg->session_ttl = 8 * 3600;
	cfg->prompt = PROMPT_ENTER;
	cfg->reuse = REUSE_DEFAULT;
	cfg->offline = OFFLINE_DENY;
	cfg->max_flows = 32;
	cfg->max_flows_per_host = 4;
	cfg->max_flows_per_user = 3;
	cfg->on_revoke = ON_REVOKE_KEEP;
	cfg->revoke_grace = 10;
	if (set_default(cfg, "scopes", "openid profile email groups") != 0 ||
	    set_default(cfg, "helper", PAM_OIDC_HELPER_PATH) != 0 ||
	    set_default(cfg, "helper_user", PAM_OIDC_HELPER_USER) != 0 ||
	    set_default(cfg, "username_claim", "preferred_username") != 0 ||
	    set_default(cfg, "groups_claim", "groups") != 0 ||
	    set_default(cfg, "state_dir", PAM_OIDC_STATE_DIR) != 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

void
config_free(struct oidc_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		switch (keys[i].type) {
		case K_STR: case K_URL: case K_PATH: case K_LIST: case K_NAME:
			free(*str_field(cfg, &keys[i]));
			*str_field(cfg, &keys[i]) = NULL;
			break;
		default:
			break;
		}
	}
}

int
config_parse_duration(const char *s, long *out)
{
	char *end;
	long v, mult = 1;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return -1;
	switch (*end) {
	case '\0': case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > LONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int
list_find(const char *list, const char *item, int icase)
{
	size_t n = strlen(item), len;
	const char *p = list;

	if (list == NULL || n == 0)
		return 0;
	while (*p != '\0') {
		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == n && (icase ? strncasecmp(p, item, n) : memcmp(p, item, n)) == 0)
			return 1;
		p += len;
	}
	return 0;
}

int
config_list_contains(const char *list, const char *item)
{
	return list_find(list, item, 0);
}

int
config_list_contains_icase(const char *list, const char *item)
{
	return list_find(list, item, 1);
}

/* Printable text in valid UTF-8: no control characters reach a log line,
 * a URL or a prompt from the config. */
static int
text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int extra;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			extra = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			extra = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			extra = 3;
		else
			return 0;
		for (p++; extra > 0; extra--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

int
config_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-' || *s == '.' || *s == ':' || *s == '/'))
			return 0;
	return 1;
}

int
config_set(struct oidc_config *cfg, const char *key, const char *value, const char *where,
    struct oidc_error *err)
{
	const struct key *k = NULL;
	char *copy;
	long v;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			k = &keys[i];
	if (k == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: unknown key \"%.64s\"", where, key);
	if (value[0] == '\0')
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s has an empty value", where, key);
	if (strlen(value) > CONFIG_MAX_VALUE)
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s value is longer than %d bytes", where, key,
		    CONFIG_MAX_VALUE);
	if (!text_ok(value))
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s value has control characters or is not UTF-8",
		    where, key);
	switch (k->type) {
	case K_URL:
		/* TLS is never optional: the JWKS decides who may log in. */
		if (!text_https_url(value, strlen(value), CONFIG_MAX_VALUE))
			return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s must be an https:// URL", where, key);
		break;
	case K_PATH:
		if (value[0] != '/')
			return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s must be an absolute path", where, key);
		break;
	case K_NAME:
		if (!config_name_ok(value))
			return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s may contain only letters, digits and _-.:/",
			    where, key);
		break;
	case K_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
			*(int *)(void *)((char *)cfg + k->off) = 1;
		else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
			*(int *)(void *)((char *)cfg + k->off) = 0;
		else
			return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s must be yes or no", where, key);
		return 0;
	case K_NUM:
	case K_DUR:
		if (k->type == K_NUM) {
			char *end;

			errno = 0;
			v = strtol(value, &end, 10);
			if (errno != 0 || *end != '\0' || end == value)
				v = -1;
		} else if (config_parse_duration(value, &v) != 0)
			v = -1;
		if (v < k->min || v > k->max)
			return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s must be %s %ld..%ld", where, key,
			    k->type == K_DUR ? "a duration in seconds (or with s/m/h/d) within" : "a number in",
			    k->min, k->max);
		*(long *)(void *)((char *)cfg + k->off) = v;
		return 0;
	case K_ALGS: {
		struct oidc_error aerr = { 0 };

		if (jws_alg_list_parse(value, (unsigned *)(void *)((char *)cfg + k->off), &aerr) != 0)
			return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s: %s", where, key, aerr.text);
		return 0;
	}
	case K_ENUM:
		for (i = 0; k->names[i] != NULL; i++)
			if (strcmp(k->names[i], value) == 0) {
				*(int *)(void *)((char *)cfg + k->off) = (int)i;
				return 0;
			}
		return oidc_error_set(err, OIDC_E_CONFIG, "%s: %s has no value \"%.32s\"", where, key, value);
	case K_STR:
	case K_LIST:
		break;
	}
	if ((copy = strdup(value)) == NULL)
		return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
	free(*str_field(cfg, k));
	*str_field(cfg, k) = copy;
	return 0;
}

int
config_set_arg(struct oidc_config *cfg, const char *arg, struct oidc_error *err)
{
	const char *eq = strchr(arg, '=');
	char key[64];
	size_t n;

	if (eq == NULL) {
		/* Bare flags the way Linux-PAM modules spell them. */
		if (strcmp(arg, "debug") == 0)
			return config_set(cfg, "debug", "yes", "argument", err);
		return oidc_error_set(err, OIDC_E_CONFIG, "argument \"%.64s\" is not key=value", arg);
	}
	n = (size_t)(eq - arg);
	if (n == 0 || n >= sizeof(key))
		return oidc_error_set(err, OIDC_E_CONFIG, "argument \"%.64s\" has no valid key", arg);
	memcpy(key, arg, n);
	key[n] = '\0';
	return config_set(cfg, key, eq + 1, "argument", err);
}

int
config_finish(struct oidc_config *cfg, struct oidc_error *err)
{
	if (cfg->issuer == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG, "issuer is not set");
	if (cfg->client_id == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG, "client_id is not set");
	if (!config_list_contains(cfg->scopes, "openid"))
		return oidc_error_set(err, OIDC_E_CONFIG, "scopes must include openid");
	/* CIBA Core §7.1: only an authenticated client may ask for a person. */
	if (cfg->flow == FLOW_CIBA && cfg->client_secret_file == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG, "flow = ciba needs client_secret_file (CIBA requires a "
		    "confidential client)");
	if (cfg->login_hint_template != NULL && strstr(cfg->login_hint_template, "{user}") == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG, "login_hint_template must contain {user}");
	if (cfg->connect_timeout >= cfg->timeout)
		return oidc_error_set(err, OIDC_E_CONFIG, "connect_timeout must be shorter than timeout");
	/* Stripping "@domain" without a list would make root@anywhere root. */
	if (cfg->username_strip_domain && cfg->allowed_domains == NULL)
		return oidc_error_set(err, OIDC_E_CONFIG,
		    "username_strip_domain needs allowed_domains (the domains whose users map to local names)");
	return 0;
}

int
config_check_files(const struct oidc_config *cfg, struct oidc_error *err)
{
	/* The helper reads these as root before it drops privileges; they
	 * decide which server is believed. */
	if (cfg->ca_file != NULL && trusted_check(cfg->ca_file, "ca_file", TRUST_FILE, err) != 0)
		return -1;
	if (cfg->ca_path != NULL && trusted_check(cfg->ca_path, "ca_path", TRUST_DIR, err) != 0)
		return -1;
	return 0;
}

void
config_dump(const struct oidc_config *cfg, FILE *out)
{
	char algs[128];
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const char *base = (const char *)cfg + k->off;

		fprintf(out, "%s = ", k->name);
		switch (k->type) {
		case K_STR: case K_URL: case K_PATH: case K_LIST: case K_NAME: {
			const char *s = *(char *const *)(const void *)base;

			fprintf(out, "%s\n", s ? s : "(unset)");
			break;
		}
		case K_BOOL:
			fprintf(out, "%s\n", *(const int *)(const void *)base ? "yes" : "no");
			break;
		case K_NUM:
		case K_DUR:
			fprintf(out, "%ld\n", *(const long *)(const void *)base);
			break;
		case K_ALGS:
			/* algs holds every name at once; cut short, it is still a C string. */
			(void)jws_alg_list_format(*(const unsigned *)(const void *)base, algs, sizeof(algs));
			fprintf(out, "%s\n", algs);
			break;
		case K_ENUM:
			fprintf(out, "%s\n", k->names[*(const int *)(const void *)base]);
			break;
		}
	}
}
