#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jose/alg.h"

static const struct {
	const char *name;
	enum jws_family family;
	const char *digest;
	size_t ec_len;
} algs[JWS_ALG_COUNT] = {
	[JWS_RS256] = { "RS256", JWS_FAMILY_RSA, "SHA256", 0 },
	[JWS_RS384] = { "RS384", JWS_FAMILY_RSA, "SHA384", 0 },
	[JWS_RS512] = { "RS512", JWS_FAMILY_RSA, "SHA512", 0 },
	[JWS_PS256] = { "PS256", JWS_FAMILY_RSA_PSS, "SHA256", 0 },
	[JWS_PS384] = { "PS384", JWS_FAMILY_RSA_PSS, "SHA384", 0 },
	[JWS_PS512] = { "PS512", JWS_FAMILY_RSA_PSS, "SHA512", 0 },
	[JWS_ES256] = { "ES256", JWS_FAMILY_EC, "SHA256", 32 },
	[JWS_ES384] = { "ES384", JWS_FAMILY_EC, "SHA384", 48 },
	[JWS_ES512] = { "ES512", JWS_FAMILY_EC, "SHA512", 66 },
	[JWS_EDDSA] = { "EdDSA", JWS_FAMILY_OKP, NULL, 0 },
};

int
jws_alg_from_name(const char *name, enum jws_alg *out)
{
	int i;

	/* RFC 7515 §4.1.1: alg values are case-sensitive. */
	for (i = 0; i < JWS_ALG_COUNT; i++) {
		if (strcmp(name, algs[i].name) == 0) {
			*out = (enum jws_alg)i;
			return 0;
		}
	}
	return -1;
}

const char *
jws_alg_name(enum jws_alg alg)
{
	return (unsigned)alg < JWS_ALG_COUNT ? algs[alg].name : "?";
}

enum jws_family
jws_alg_family(enum jws_alg alg)
{
	return algs[alg].family;
}

const char *
jws_alg_digest(enum jws_alg alg)
{
	return algs[alg].digest;
}

size_t
jws_alg_ec_coord_len(enum jws_alg alg)
{
	return algs[alg].ec_len;
}

int
jws_alg_list_parse(const char *list, unsigned *mask, struct oidc_error *err)
{
	const char *p = list, *end;
	char name[32];
	unsigned m = 0;
	enum jws_alg a;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		end = p + strcspn(p, ", \t");
		n = (size_t)(end - p);
		if (n >= sizeof(name))
			return oidc_error_set(err, OIDC_E_CONFIG, "algorithm name too long");
		memcpy(name, p, n);
		name[n] = '\0';
		if (strcasecmp(name, "none") == 0 || strncasecmp(name, "HS", 2) == 0)
			return oidc_error_set(err, OIDC_E_CONFIG,
			    "algorithm %s can never be allowed: ID tokens must be signed "
			    "with the issuer's public key", name);
		if (jws_alg_from_name(name, &a) != 0)
			return oidc_error_set(err, OIDC_E_CONFIG,
			    "unknown algorithm %s (known: RS256 RS384 RS512 PS256 PS384 "
			    "PS512 ES256 ES384 ES512 EdDSA)", name);
		m |= JWS_ALG_BIT(a);
		p = end;
	}
	if (m == 0)
		return oidc_error_set(err, OIDC_E_CONFIG, "empty algorithm list");
	*mask = m;
	return 0;
}

int
jws_alg_list_format(unsigned mask, char *buf, size_t size)
{
	size_t used = 0;
	int i, n;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < JWS_ALG_COUNT; i++) {
		if (!(mask & JWS_ALG_BIT(i)))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", algs[i].name);
		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return 0;
}
