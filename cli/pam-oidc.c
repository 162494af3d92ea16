/* pam-oidc: the administrator's tool. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "jose/jws.h"
#include "util/fileio.h"

int
cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void
verify_usage(FILE *f)
{
	fprintf(f,
	    "usage: pam-oidc verify-token --issuer ISS --audience CLIENT_ID --jwks FILE\n"
	    "                             [--now EPOCH] [--leeway SECONDS] [--algs LIST] [--not-before EPOCH]\n"
	    "                             TOKEN_FILE\n"
	    "  TOKEN_FILE may be - for standard input.\n"
	    "  exit 0: valid, claims on stdout; 1: rejected; 2: usage or I/O error\n");
}

static int
cmd_verify_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "issuer", required_argument, NULL, 'i' },
		{ "audience", required_argument, NULL, 'a' },
		{ "jwks", required_argument, NULL, 'j' },
		{ "now", required_argument, NULL, 'n' },
		{ "leeway", required_argument, NULL, 'l' },
		{ "algs", required_argument, NULL, 'A' },
		{ "not-before", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;
	json_t *claims = NULL;
	const char *jwks_path = NULL;
	char *tok = NULL;
	size_t len = 0;
	long v;
	int c, rc = 2;

	idtoken_policy_init(&pol);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			pol.issuer = optarg;
			break;
		case 'a':
			pol.client_id = optarg;
			break;
		case 'j':
			jwks_path = optarg;
			break;
		case 'n':
			if (cli_parse_long(optarg, 0, LONG_MAX, &v) != 0) {
				fprintf(stderr, "pam-oidc: --now needs seconds since the epoch\n");
				return 2;
			}
			pol.now = v;
			break;
		case 'l':
			if (cli_parse_long(optarg, 0, IDTOKEN_MAX_LEEWAY, &v) != 0) {
				fprintf(stderr, "pam-oidc: --leeway must be 0..%d seconds\n", IDTOKEN_MAX_LEEWAY);
				return 2;
			}
			pol.leeway = v;
			break;
		case 'N':
			/* The module's replay check: refuse a token issued before
			 * EPOCH (when the sign-in started) minus the leeway. */
			if (cli_parse_long(optarg, 1, LONG_MAX, &v) != 0) {
				fprintf(stderr, "pam-oidc: --not-before needs seconds since the epoch\n");
				return 2;
			}
			pol.min_iat = v;
			break;
		case 'A':
			if (jws_alg_list_parse(optarg, &pol.alg_mask, &err) != 0) {
				fprintf(stderr, "pam-oidc: --algs: %s\n", err.text);
				return 2;
			}
			break;
		case 'h':
			verify_usage(stdout);
			return 0;
		default:
			verify_usage(stderr);
			return 2;
		}
	}
	if (pol.issuer == NULL || pol.client_id == NULL || jwks_path == NULL || optind != argc - 1) {
		verify_usage(stderr);
		return 2;
	}
	if (jwks_load_file(jwks_path, &set, &err) != 0) {
		fprintf(stderr, "pam-oidc: JWKS %s: %s: %s\n", jwks_path, oidc_reason_code(err.reason), err.text);
		goto out;
	}
	/* Read a little more than the cap so an oversized token is reported as
	 * a rejection (too_large), not as an I/O error. */
	if (file_read_all(argv[optind], pol.max_token_len * 2 + 64, &tok, &len, &err) != 0) {
		if (err.reason == OIDC_E_TOO_LARGE) {
			fprintf(stderr, "rejected: %s: %s\n", oidc_reason_code(err.reason), err.text);
			rc = 1;
		} else
			fprintf(stderr, "pam-oidc: %s\n", err.text);
		goto out;
	}
	while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' '))
		tok[--len] = '\0';
	if (idtoken_verify(tok, len, set, &pol, &claims, &err) != 0) {
		fprintf(stderr, "rejected: %s: %s\n", oidc_reason_code(err.reason), err.text);
		rc = 1;
		goto out;
	}
	if (json_dumpf(claims, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "pam-oidc: cannot write to standard output\n");
		goto out;
	}
	rc = 0;
out:
	json_decref(claims);
	jwks_free(set);
	free(tok);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "verify-token", cmd_verify_token, "verify an ID token offline against a JWKS file" },
	{ "login", cmd_login, "sign in through the device flow and show the verified identity" },
	{ "check-config", cmd_check_config, "validate pam_oidc.conf; --probe: what the IdP offers against it" },
	{ "sessions", cmd_sessions, "list live session records" },
	{ "revoke", cmd_revoke, "revoke session records (by user, by id, or all)" },
	{ "gc", cmd_gc, "remove expired and damaged session records" },
	{ "recheck", cmd_recheck, "recheck live session records at the IdP; end revoked sessions (on_revoke)" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pam-oidc COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'pam-oidc COMMAND --help' describes one command; see pam-oidc(8).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("pam-oidc %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pam-oidc: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
