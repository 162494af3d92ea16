#include "config.h"

#include <math.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "jose/jws.h"

/* A NumericDate claim: TIME_CLAIM_SET (*out), TIME_CLAIM_ABSENT (allowed
 * when not required) or TIME_CLAIM_ERROR (err). */
enum time_claim { TIME_CLAIM_ERROR = -1, TIME_CLAIM_SET = 0, TIME_CLAIM_ABSENT = 1 };

static enum time_claim
time_claim(const json_t *claims, const char *name, int required, int64_t *out, struct oidc_error *err)
{
	if (json_object_get(claims, name) == NULL) {
		if (!required)
			return TIME_CLAIM_ABSENT;
		oidc_error_set(err, OIDC_E_CLAIM_MISSING, "required claim \"%s\" is missing", name);
		return TIME_CLAIM_ERROR;
	}
	if (idtoken_claim_time(claims, name, out) != 0) {
		oidc_error_set(err, OIDC_E_CLAIM_INVALID, "claim \"%s\" is not a NumericDate in range", name);
		return TIME_CLAIM_ERROR;
	}
	return TIME_CLAIM_SET;
}

/* Google's ID tokens carry iss "https://accounts.google.com" or the bare
 * "accounts.google.com" ("Validate an ID token": either value). Only that
 * configured issuer, spelled exactly so, gets only that one alias: every
 * other issuer is compared byte for byte. */
#define GOOGLE_ISSUER "https://accounts.google.com"
#define GOOGLE_ISSUER_BARE "accounts.google.com"

int
idtoken_iss_matches(const char *iss, size_t len, const char *issuer)
{
	if (strlen(iss) != len)
		return 0;
	if (strcmp(iss, issuer) == 0)
		return 1;
	return strcmp(issuer, GOOGLE_ISSUER) == 0 && strcmp(iss, GOOGLE_ISSUER_BARE) == 0;
}

int
idtoken_canonical_iss(json_t *claims, const char *issuer)
{
	const json_t *iss = json_object_get(claims, "iss");

	if (!json_is_string(iss) || !idtoken_iss_matches(json_string_value(iss), json_string_length(iss), issuer))
		return -1;
	if (strcmp(json_string_value(iss), issuer) == 0)
		return 0;
	return json_object_set_new(claims, "iss", json_string(issuer));
}

static int
check_aud(const json_t *claims, const char *client_id, struct oidc_error *err)
{
	const json_t *aud = json_object_get(claims, "aud"), *azp, *v;
	size_t i, n, found = 0;

	if (aud == NULL)
		return oidc_error_set(err, OIDC_E_CLAIM_MISSING, "required claim \"aud\" is missing");
	if (json_is_string(aud)) {
		n = 1;
		found = strcmp(json_string_value(aud), client_id) == 0;
	} else if (json_is_array(aud) && (n = json_array_size(aud)) > 0) {
		json_array_foreach(aud, i, v) {
			if (!json_is_string(v))
				return oidc_error_set(err, OIDC_E_CLAIM_INVALID, "claim \"aud\" has a non-string member");
			if (strcmp(json_string_value(v), client_id) == 0)
				found = 1;
		}
	} else
		return oidc_error_set(err, OIDC_E_CLAIM_INVALID, "claim \"aud\" is neither a string nor a non-empty array");
	if (!found)
		return oidc_error_set(err, OIDC_E_AUD, "token audience does not include client_id \"%.64s\"", client_id);
	/* OIDC Core §3.1.3.7 items 4-5: with several audiences azp must name
	 * us; when present at all it must be us. */
	azp = json_object_get(claims, "azp");
	if (azp == NULL && n > 1)
		return oidc_error_set(err, OIDC_E_AZP, "token has %zu audiences and no \"azp\"", n);
	if (azp != NULL && (!json_is_string(azp) || strcmp(json_string_value(azp), client_id) != 0))
		return oidc_error_set(err, OIDC_E_AZP, "claim \"azp\" is not client_id \"%.64s\"", client_id);
	return 0;
}

int
idtoken_check_claims(const json_t *claims, const struct idtoken_policy *p, struct oidc_error *err)
{
	const json_t *iss, *sub;
	int64_t exp, iat, nbf;
	long lw = p->leeway;
	enum time_claim nbf_found;

	if (!json_is_object(claims))
		return oidc_error_set(err, OIDC_E_MALFORMED, "ID token payload is not a JSON object");
	if (lw < 0 || lw > IDTOKEN_MAX_LEEWAY)
		return oidc_error_set(err, OIDC_E_CONFIG, "leeway %ld outside 0..%d", lw, IDTOKEN_MAX_LEEWAY);
	iss = json_object_get(claims, "iss");
	if (iss == NULL)
		return oidc_error_set(err, OIDC_E_CLAIM_MISSING, "required claim \"iss\" is missing");
	/* OIDC Core §3.1.3.7 item 2: exact match, no normalisation; the one
	 * exception is idtoken_iss_matches'. */
	if (!json_is_string(iss) || !idtoken_iss_matches(json_string_value(iss), json_string_length(iss), p->issuer))
		return oidc_error_set(err, OIDC_E_ISS, "token issuer is not \"%.128s\"", p->issuer);
	if (check_aud(claims, p->client_id, err) != 0)
		return -1;
	if (time_claim(claims, "exp", 1, &exp, err) != TIME_CLAIM_SET ||
	    time_claim(claims, "iat", 1, &iat, err) != TIME_CLAIM_SET)
		return -1;
	if (p->now >= exp + lw)
		return oidc_error_set(err, OIDC_E_EXPIRED, "token expired %lld s ago (leeway %ld s)",
		    (long long)(p->now - exp), lw);
	if (iat > p->now + lw)
		return oidc_error_set(err, OIDC_E_IAT_FUTURE, "token issued %lld s in the future: check the clocks",
		    (long long)(iat - p->now));
	/* A token issued before we asked for one answers someone else's
	 * request: a replay, however far in the future its exp lies. */
	if (p->min_iat > 0 && iat < p->min_iat - lw)
		return oidc_error_set(err, OIDC_E_IAT_TOO_OLD,
		    "token issued %lld s before this sign-in started (leeway %ld s): a replayed token",
		    (long long)(p->min_iat - iat), lw);
	if ((nbf_found = time_claim(claims, "nbf", 0, &nbf, err)) == TIME_CLAIM_ERROR)
		return -1;
	if (nbf_found == TIME_CLAIM_SET && nbf > p->now + lw)
		return oidc_error_set(err, OIDC_E_NOT_YET_VALID, "token not valid for another %lld s",
		    (long long)(nbf - p->now));
	sub = json_object_get(claims, "sub");
	if (sub == NULL)
		return oidc_error_set(err, OIDC_E_CLAIM_MISSING, "required claim \"sub\" is missing");
	if (!json_is_string(sub) || json_string_length(sub) == 0 || json_string_length(sub) > IDTOKEN_MAX_SUB)
		return oidc_error_set(err, OIDC_E_CLAIM_INVALID, "claim \"sub\" is not a string of 1..%d bytes",
		    IDTOKEN_MAX_SUB);
	return 0;
}

static int
check_typ(const json_t *header, struct oidc_error *err)
{
	const json_t *typ = json_object_get(header, "typ");

	if (typ == NULL)
		return 0;
	/* RFC 8725 §3.11 / RFC 9068: an "at+jwt" (or anything but JWT) is not
	 * an ID token, whatever its claims say. */
	if (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0)
		return oidc_error_set(err, OIDC_E_TYP, "token typ is not JWT");
	return 0;
}

int
idtoken_verify(const char *token, size_t len, const struct jwks *set,
    const struct idtoken_policy *p, json_t **claims, struct oidc_error *err)
{
	struct jws *jws = NULL;
	json_t *c = NULL;
	int r = -1;

	if (jws_parse(token, len, p->max_token_len, &jws, err) != 0)
		goto out;
	if (jws_verify(jws, set, p->alg_mask, err) != 0)
		goto out;
	if (check_typ(jws->header, err) != 0)
		goto out;
	if (json_parse_strict((const char *)jws->payload, jws->payload_len, &c, err) != 0)
		goto out;
	if (idtoken_check_claims(c, p, err) != 0)
		goto out;
	/* Records, reuse, rechecks and logs compare iss with the configured
	 * issuer: an alias is that issuer from here on. */
	if (idtoken_canonical_iss(c, p->issuer) != 0) {
		oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	*claims = c;
	c = NULL;
	r = 0;
out:
	json_decref(c);
	jws_free(jws);
	return r;
}
