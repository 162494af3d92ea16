/* pam-oidc login and check-config. */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/ciba.h"
#include "core/conf.h"
#include "core/device.h"
#include "core/flow.h"
#include "core/identity.h"
#include "util/jsonutil.h"
#include "core/verdict.h"
#include "util/clock.h"
#include "util/fileio.h"

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
/* Enough for the device lines and a QR code of a 512-byte URI. */
#define DEVICE_MAX_LINES 128

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

/* verdict_lookup_fn over getpwnam_r (the module uses pam_modutil_getpwnam). */
static int
passwd_lookup(void *ctx, const char *user, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	(void)ctx;
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	*uid = res->pw_uid;
	return 1;
}

/* What the person reads on stderr for each refusing stage of the verdict;
 * the last line is the reason= code the module logs for the same input. */
static void
report_refusal(const struct verdict *v, const struct oidc_error *err)
{
	const char *code = oidc_reason_code(v->reason);

	switch (v->stage) {
	case VERDICT_VERIFY:
		fprintf(stderr, "pam-oidc: ID token rejected: %s: %s\n", code, err->text);
		break;
	case VERDICT_MAP:
		fprintf(stderr, "pam-oidc: no local user: %s: %s\n", code, err->text);
		break;
	case VERDICT_TARGET:
	case VERDICT_POLICY:
		fprintf(stderr, "pam-oidc: policy refuses %s: %s\n", v->mapped, err->text);
		break;
	default:
		fprintf(stderr, "pam-oidc: %s\n", err->text);
		break;
	}
	fprintf(stderr, "pam-oidc: reason=%s\n", code);
}

static void
login_usage(FILE *f)
{
	fprintf(f,
	    "usage: pam-oidc login [--config FILE] [--service NAME] [--user NAME]\n"
	    "  Runs a sign-in in this terminal (device flow, or CIBA: a request to the\n"
	    "  --user's device, per flow in the config), verifies the ID token and\n"
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
	struct verdict_input vin;
	struct verdict v;
	char *lines[DEVICE_MAX_LINES];
	enum flow_state st;
	int c, n, rc = LOGIN_USAGE;
	long long t_approve;
	struct ciba_words words;
	struct flow_ask ask = { words.login_hint, words.binding_message };
	const struct flow_ask *askp = NULL;

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
	memset(&v, 0, sizeof(v));
	if (cli_load_config(path, service, &cfg) != 0)
		return LOGIN_USAGE;
	if (cfg.flow != FLOW_DEVICE) {
		/* CIBA asks a named person: --user says whom. */
		if (want_user == NULL) {
			fprintf(stderr, "pam-oidc: flow = %s needs --user (whom to ask)\n",
			    cfg.flow == FLOW_CIBA ? "ciba" : "auto");
			goto out_cfg;
		}
		if (ciba_words_for(&cfg, want_user, service != NULL ? service : "cli", &words, &err) != 0) {
			fprintf(stderr, "pam-oidc: %s: %s\n", oidc_reason_code(err.reason), err.text);
			rc = exit_for(err.reason);
			goto out_cfg;
		}
		askp = &ask;
	}
	if (flow_login_start(&flow, &cfg, askp, &err) != 0) {
		fprintf(stderr, "pam-oidc: sign-in could not start: %s: %s\npam-oidc: reason=%s\n",
		    oidc_reason_code(err.reason), err.text, oidc_reason_code(err.reason));
		rc = exit_for(err.reason);
		goto out;
	}
	n = device_lines(flow.device, NULL, cfg.qr && isatty(STDOUT_FILENO), lines, DEVICE_MAX_LINES);
	for (int i = 0; i < n; i++)
		printf("%s\n", lines[i]);
	device_lines_free(lines, n);
	printf("Waiting for approval (the %s expires in %lld s)...\n", flow.kind == FLOW_CIBA ? "request" : "code",
	    (long long)json_integer_value(json_object_get(flow.device, "expires_in")));
	fflush(stdout);
	st = flow_login_wait(&flow, (int)cfg.timeout * 1000, &err);
	if (device_outcome(st, &cfg, &flow, &err) != OIDC_OK) {
		fprintf(stderr, "pam-oidc: sign-in failed: %s: %s\npam-oidc: reason=%s\n", oidc_reason_code(err.reason),
		    err.text, oidc_reason_code(err.reason));
		rc = exit_for(err.reason);
		goto out;
	}
	t_approve = clock_now_ms();
	vin.tokens = flow.tokens;
	vin.use_cache = flow.use_cache;
	vin.min_iat = flow.started;
	vin.keys = flow.keys_fetched ? flow.meta : NULL;
	vin.user = want_user;
	vin.lookup = passwd_lookup;
	vin.lookup_ctx = NULL;
	if (verdict_decide(&cfg, &vin, &v, &err) != OIDC_OK && v.stage <= VERDICT_TARGET) {
		report_refusal(&v, &err);
		rc = exit_for(v.reason);
		goto out;
	}
	/* The claims are shown once they verified and map to a permitted
	 * account, even when the user or the policy then refuses. */
	json_dumpf(v.claims, stdout, JSON_INDENT(2));
	printf("\nVerified: issuer %s, subject %s, local user %s (%d JWKS fetch%s, verified in %lld ms)\n",
	    cfg.issuer, json_string_value(json_object_get(v.claims, "sub")), v.mapped, v.fetches,
	    v.fetches == 1 ? "" : "es", clock_now_ms() - t_approve);
	if (v.reason != OIDC_OK) {
		fflush(stdout);
		report_refusal(&v, &err);
		rc = exit_for(v.reason);
		goto out;
	}
	rc = LOGIN_OK;
out:
	flow_end(&flow);
out_cfg:
	verdict_free(&v);
	config_free(&cfg);
	return rc;
}

/* Loads the global section and every [service] section (each is checked
 * as that service would see the file); print: their effective settings. */
static int
check_sections(const char *path, int print)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char *buf = NULL, *line, *next;
	size_t len = 0;
	int rc = 0;

	if (cli_load_config(path, NULL, &cfg) != 0)
		return -1;
	if (print) {
		printf("# %s: global settings\n", path);
		config_dump(&cfg, stdout);
	}
	config_free(&cfg);
	if (file_read_all(path, CONFIG_MAX_BYTES, &buf, &len, &err) != 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		return -1;
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
			rc = -1;
			break;
		}
		if (print) {
			printf("\n# service %s\n", line + 1);
			config_dump(&cfg, stdout);
		}
		config_free(&cfg);
	}
	free(buf);
	return rc;
}

static void
check_config_usage(FILE *f)
{
	fprintf(f,
	    "usage: pam-oidc check-config [--config FILE] [--probe [--service NAME]]\n"
	    "  Validates the file and prints the effective settings of the global\n"
	    "  section and of each [service] section.\n"
	    "  --probe: instead of the settings, fetches the identity provider's\n"
	    "  discovery through the helper and reports, one line per check, what the\n"
	    "  configuration (of --service NAME, else the global section) relies on:\n"
	    "  issuer, endpoints, the flow's endpoint (device or CIBA), algorithms,\n"
	    "  scopes, claims. Lines start with ok, warn, MISSING, MISMATCH or FAILED.\n"
	    "  exit 0: valid (--probe: everything required is there, warnings aside);\n"
	    "  1: --probe found something required missing or mismatched;\n"
	    "  2: usage, invalid configuration, or (--probe) discovery could not be\n"
	    "  fetched or used (IdP unreachable, TLS, HTTP error, not JSON)\n");
}

int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "probe", no_argument, NULL, 'p' },
		{ "service", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = PAM_OIDC_CONFIG_PATH, *service = NULL;
	struct oidc_config cfg;
	int c, rc, probe = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'p': probe = 1; break;
		case 's': service = optarg; break;
		case 'h': check_config_usage(stdout); return 0;
		default: check_config_usage(stderr); return PROBE_ERROR;
		}
	}
	if (optind != argc || (service != NULL && !probe)) {
		check_config_usage(stderr);
		return PROBE_ERROR;
	}
	if (check_sections(path, !probe) != 0)
		return PROBE_ERROR;
	if (!probe) {
		printf("\n%s: OK\n", path);
		return PROBE_OK;
	}
	if (cli_load_config(path, service, &cfg) != 0)
		return PROBE_ERROR;
	printf("%-7s %s is valid%s%s\n", "ok", path, service != NULL ? "; probing the settings of service " : "",
	    service != NULL ? service : "");
	fflush(stdout);
	rc = cli_probe(&cfg, stdout);
	config_free(&cfg);
	return rc;
}
