/* make bench, part 1: raw EVP_DigestVerify on a prepared key versus full ID
 * token validation (parse, JWKS lookup, verify, claims), same process, same
 * tokens, interleaved rounds; the figure is the median of per-round ratios. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "jose/b64url.h"
#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "jose/jws.h"
#include "util/fileio.h"

#define ROUNDS 7

struct bench_case {
	const char *alg_name;
	const char *file;
	enum jws_alg alg;
};

static const struct bench_case cases[] = {
	{ "RS256", "ok_rs256.jwt", JWS_RS256 },
	{ "PS256", "ok_ps256.jwt", JWS_PS256 },
	{ "ES256", "ok_es256.jwt", JWS_ES256 },
	{ "ES384", "ok_es384.jwt", JWS_ES384 },
	{ "EdDSA", "ok_eddsa_ed25519.jwt", JWS_EDDSA },
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The baseline: what any verifier must do for one signature. */
static int
raw_verify(enum jws_alg alg, EVP_PKEY *pkey, const unsigned char *msg, size_t mlen,
    const unsigned char *sig, size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	ok = EVP_DigestVerifyInit_ex(md, &pctx, jws_alg_digest(alg), NULL, NULL, pkey, NULL) == 1;
	if (ok && jws_alg_family(alg) == JWS_FAMILY_RSA_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && EVP_DigestVerify(md, sig, slen, msg, mlen) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fixtures/out";
	const char *json_out = argc > 2 ? argv[2] : NULL;
	double budget = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 0.25;
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;
	char path[4096];
	FILE *jf = NULL;
	size_t c;
	int fails = 0;

	snprintf(path, sizeof(path), "%s/jwks.json", dir);
	if (jwks_load_file(path, &set, &err) != 0) {
		fprintf(stderr, "bench: %s: %s\n", path, err.text);
		return 1;
	}
	if (json_out != NULL && (jf = fopen(json_out, "w")) == NULL) {
		perror(json_out);
		return 1;
	}
	printf("%-6s %14s %14s %8s\n", "alg", "raw verify/s", "full valid/s", "ratio");
	if (jf)
		fprintf(jf, "{\"validation\": [");
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct idtoken_policy pol;
		struct jws *jws = NULL;
		const struct jwk *key;
		char *tok = NULL;
		size_t len = 0, sig_len, round;
		unsigned char *sig, *der = NULL;
		double raw_ops[ROUNDS], full_ops[ROUNDS], ratio[ROUNDS];

		snprintf(path, sizeof(path), "%s/%s", dir, cases[c].file);
		if (file_read_all(path, 1 << 16, &tok, &len, &err) != 0)
			return 1;
		while (len > 0 && tok[len - 1] == '\n')
			tok[--len] = '\0';
		if (jws_parse(tok, len, JWS_DEFAULT_MAX_LEN, &jws, &err) != 0 ||
		    (key = jwks_select(set, jws->kid, jws->alg, &err)) == NULL)
			return 1;
		sig = jws->sig;
		sig_len = jws->sig_len;
		if (jws_alg_family(cases[c].alg) == JWS_FAMILY_EC) {
			/* Prepared once: the baseline gets its DER signature for free. */
			size_t cl = jws_alg_ec_coord_len(cases[c].alg);
			ECDSA_SIG *es = ECDSA_SIG_new();
			int n;

			ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)cl, NULL), BN_bin2bn(sig + cl, (int)cl, NULL));
			n = i2d_ECDSA_SIG(es, &der);
			ECDSA_SIG_free(es);
			sig = der;
			sig_len = (size_t)n;
		}
		idtoken_policy_init(&pol);
		pol.issuer = "https://idp.example.test/realms/main";
		pol.client_id = "pam-oidc";
		pol.now = 1800000000;
		for (round = 0; round < ROUNDS; round++) {
			double t0, t;
			long n;

			for (n = 0, t0 = now_s(); (t = now_s() - t0) < budget; n++)
				if (!raw_verify(cases[c].alg, key->pkey, (const unsigned char *)jws->signing_input,
				    jws->signing_input_len, sig, sig_len))
					fails++;
			raw_ops[round] = (double)n / t;
			for (n = 0, t0 = now_s(); (t = now_s() - t0) < budget; n++) {
				json_t *claims = NULL;

				if (idtoken_verify(tok, len, set, &pol, &claims, &err) != 0)
					fails++;
				json_decref(claims);
			}
			full_ops[round] = (double)n / t;
			ratio[round] = full_ops[round] / raw_ops[round];
		}
		qsort(raw_ops, ROUNDS, sizeof(double), cmp_double);
		qsort(full_ops, ROUNDS, sizeof(double), cmp_double);
		qsort(ratio, ROUNDS, sizeof(double), cmp_double);
		printf("%-6s %14.0f %14.0f %8.3f\n", cases[c].alg_name, raw_ops[ROUNDS / 2],
		    full_ops[ROUNDS / 2], ratio[ROUNDS / 2]);
		if (jf)
			fprintf(jf, "%s{\"alg\": \"%s\", \"raw_ops\": %.0f, \"full_ops\": %.0f, \"ratio\": %.4f}",
			    c ? ", " : "", cases[c].alg_name, raw_ops[ROUNDS / 2], full_ops[ROUNDS / 2],
			    ratio[ROUNDS / 2]);
		OPENSSL_free(der);
		jws_free(jws);
		free(tok);
	}
	if (jf) {
		fprintf(jf, "]}\n");
		fclose(jf);
	}
	jwks_free(set);
	if (fails) {
		fprintf(stderr, "bench: %d verifications failed\n", fails);
		return 1;
	}
	printf("(median of %d interleaved rounds of %.2fs each; goal ratio >= 0.90)\n", ROUNDS, budget);
	return 0;
}
