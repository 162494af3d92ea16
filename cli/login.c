/* pam-oidc login and check-config. */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pam_oidc/config.h"
#include "pam_oidc/flow.h"
#include "pam_oidc/identity.h"
#include "pam_oidc/jsonutil.h"
#include "pam_oidc/qr.h"

int
cli_load_config(const char *path, const char *service, struct oidc_config *cfg)
{
	struct oidc_error err = { 0 };

	if (config_init(cfg) != 0) {
		fprintf(stderr, "pam-oidc: out of memory\n");
		return -1;
	}
	if (config_load(cfg, path, service, &err) != 0 || config_finish(cfg, &err) != 0 ||
	    config_check_files(cfg, &err) != 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		config_free(cfg);
		return -1;
	}
	return 0;
}

/* Exit codes of pam-oidc login (pam-oidc(8)). */
enum { LOGIN_OK = 0, LOGIN_REJECTED = 1, LOGIN_USAGE = 2, LOGIN_UNAVAILABLE = 3 };

static int
exit_for(enum oidc_reason r)
{
	switch (r) {
	case OIDC_E_IDP_UNAVAILABLE:
	case OIDC_E_JWKS_INVALID:
	case OIDC_E_JWKS_EMPTY:
		return LOGIN_UNAVAILABLE;
	case OIDC_E_CONFIG:
	case OIDC_E_USAGE:
	case OIDC_E_STORE:
	case OIDC_E_NOMEM:
	case OIDC_E_IO:
	case OIDC_E_INTERNAL:
		return LOGIN_USAGE;
	default:
		return LOGIN_REJECTED;
	}
}

/* The module's rule for system accounts (identity_check_target), with the
 * CLI's own passwd lookup. */
static int
target_refused(const struct oidc_config *cfg, const char *user, struct oidc_error *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0)
		res = NULL;
	return identity_check_target(cfg, user, res != NULL, res != NULL ? res->pw_uid : 0,
	    identity_uid_min(IDENTITY_LOGIN_DEFS), identity_uid_max(IDENTITY_LOGIN_DEFS), err) != 0;
}

static void
login_usage(FILE *f)
{
	fprintf(f,
	    "usage: pam-oidc login [--config FILE] [--service NAME] [--user NAME]\n"
	    "  Runs a device-flow sign-in in this terminal, verifies the ID token and\n"
	    "  prints its claims and the local user they map to.\n"
	    "  exit 0: verified (and maps to --user if given); 1: rejected (denied,\n"
	    "  expired, invalid token, other user, policy); 2: usage or configuration;\n"
	    "  3: identity provider unavailable\n");
}

int
cmd_login(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "service", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = PAM_OIDC_CONFIG_PATH, *service = NULL, *want_user = NULL;
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	struct oidc_flow flow;
	json_t *claims = NULL;
	char user[IDENTITY_MAX_USER + 1], uri[2100], complete[2100], code[80];
	const char *id_token;
	enum flow_state st;
	int c, rc = LOGIN_USAGE, fetches = 0;
	long long t_approve;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 's': service = optarg; break;
		case 'u': want_user = optarg; break;
		case 'h': login_usage(stdout); return 0;
		default: login_usage(stderr); return LOGIN_USAGE;
		}
	}
	if (optind != argc) {
		login_usage(stderr);
		return LOGIN_USAGE;
	}
	if (cli_load_config(path, service, &cfg) != 0)
		return LOGIN_USAGE;
	if (flow_login_start(&flow, &cfg, &err) != 0) {
		fprintf(stderr, "pam-oidc: sign-in could not start: %s: %s\n", oidc_reason_code(err.reason), err.text);
		rc = exit_for(err.reason);
		goto out;
	}
	flow_sanitize(uri, sizeof(uri), json_string_value(json_object_get(flow.device, "verification_uri")));
	flow_sanitize(complete, sizeof(complete),
	    json_string_value(json_object_get(flow.device, "verification_uri_complete")));
	flow_sanitize(code, sizeof(code), json_string_value(json_object_get(flow.device, "user_code")));
	printf("To sign in, open %s\nand enter the code: %s\n", uri, code);
	if (complete[0] != '\0')
		printf("(or open %s)\n", complete);
	if (cfg.qr && isatty(STDOUT_FILENO)) {
		char *q = qr_render(complete[0] ? complete : uri);

		if (q != NULL) {
			fputs(q, stdout);
			free(q);
		}
	}
	printf("Waiting for approval (the code expires in %lld s)...\n",
	    (long long)json_integer_value(json_object_get(flow.device, "expires_in")));
	fflush(stdout);
	st = flow_login_wait(&flow, (int)cfg.timeout * 1000, &err);
	if (st != FLOW_DONE) {
		if (st == FLOW_PENDING)
			oidc_error_set(&err, OIDC_E_LOGIN_EXPIRED, "not approved within %ld s", cfg.timeout);
		fprintf(stderr, "pam-oidc: sign-in failed: %s: %s\n", oidc_reason_code(err.reason), err.text);
		rc = exit_for(err.reason);
		goto out;
	}
	t_approve = ipc_now_ms();
	id_token = json_string_value(json_object_get(flow.tokens, "id_token"));
	if (flow_verify_id_token(&cfg, flow.use_cache, id_token, flow.started, &claims, &fetches, &err) != 0) {
		fprintf(stderr, "pam-oidc: ID token rejected: %s: %s\n", oidc_reason_code(err.reason), err.text);
		rc = exit_for(err.reason);
		goto out;
	}
	if (identity_map(&cfg, claims, user, sizeof(user), &err) != 0) {
		fprintf(stderr, "pam-oidc: no local user: %s: %s\n", oidc_reason_code(err.reason), err.text);
		rc = LOGIN_REJECTED;
		goto out;
	}
	if (target_refused(&cfg, user, &err)) {
		fprintf(stderr, "pam-oidc: policy refuses %s: %s\n", user, err.text);
		rc = LOGIN_REJECTED;
		goto out;
	}
	json_dumpf(claims, stdout, JSON_INDENT(2));
	printf("\nVerified: issuer %s, subject %s, local user %s (%d JWKS fetch%s, verified in %lld ms)\n",
	    cfg.issuer, json_string_value(json_object_get(claims, "sub")), user, fetches, fetches == 1 ? "" : "es",
	    ipc_now_ms() - t_approve);
	if (want_user != NULL && strcmp(want_user, user) != 0) {
		fprintf(stderr, "pam-oidc: the token maps to %s, not %s\n", user, want_user);
		rc = LOGIN_REJECTED;
		goto out;
	}
	if (identity_check_policy(&cfg, claims, user, &err) != 0) {
		fprintf(stderr, "pam-oidc: policy refuses %s: %s\n", user, err.text);
		rc = LOGIN_REJECTED;
		goto out;
	}
	rc = LOGIN_OK;
out:
	flow_end(&flow);
	json_decref(claims);
	config_free(&cfg);
	return rc;
}

int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = PAM_OIDC_CONFIG_PATH;
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char *buf = NULL, *line, *next;
	size_t len = 0;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'h':
			printf("usage: pam-oidc check-config [--config FILE]\n"
			    "  Validates the file and prints the effective settings of the global\n"
			    "  section and of each [service] section. exit 0 valid, 2 invalid.\n");
			return 0;
		default: return 2;
		}
	}
	if (optind != argc)
		return 2;
	if (cli_load_config(path, NULL, &cfg) != 0)
		return 2;
	printf("# %s: global settings\n", path);
	config_dump(&cfg, stdout);
	config_free(&cfg);
	if (file_read_all(path, CONFIG_MAX_BYTES, &buf, &len, &err) != 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		return 2;
	}
	for (line = buf; line != NULL; line = next) {
		char *end;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (line[0] != '[' || (end = strchr(line, ']')) == NULL)
			continue;
		*end = '\0';
		if (cli_load_config(path, line + 1, &cfg) != 0) {
			rc = 2;
			break;
		}
		printf("\n# service %s\n", line + 1);
		config_dump(&cfg, stdout);
		config_free(&cfg);
	}
	free(buf);
	if (rc == 0)
		printf("\n%s: OK\n", path);
	return rc;
}
