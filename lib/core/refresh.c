/* The check of a refresh answer before a record is extended (reuse.h):
 * apart from reuse.c because it verifies an ID token, which only the
 * verification object (pam_oidc_verify.so) and the CLI link. */
#include "config.h"

#include "core/identity.h"
#include "core/keys.h"
#include "core/reuse.h"

int
reuse_refresh_answer_claims(const struct oidc_config *cfg, const json_t *rec, const json_t *tokens,
    int64_t started, json_t **claims_out, struct oidc_error *err)
{
	const char *idt = json_string_value(json_object_get(tokens, "id_token"));
	json_t *claims = NULL;
	int rc = -1;

	if (idt == NULL)
		return 0;
	if (keys_verify_id_token(cfg, 1, idt, started, &claims, NULL, err) != 0)
		goto out;
	if (!json_equal(json_object_get(claims, "iss"), json_object_get(rec, "iss")) ||
	    !json_equal(json_object_get(claims, "sub"), json_object_get(rec, "sub"))) {
		oidc_error_set(err, OIDC_E_USER_MISMATCH, "the refreshed ID token is for another iss/sub");
		goto out;
	}
	rc = 0;
	if (claims_out != NULL) {
		*claims_out = claims;
		claims = NULL;
	}
out:
	json_decref(claims);
	return rc;
}

int
reuse_refresh_answer_check(const struct oidc_config *cfg, const json_t *rec, const json_t *tokens,
    int64_t started, json_t **claims_out, struct oidc_error *err)
{
	json_t *claims = NULL;

	if (claims_out != NULL)
		*claims_out = NULL;
	if (reuse_refresh_answer_claims(cfg, rec, tokens, started, &claims, err) != 0)
		return -1;
	/* What the IdP says now, not what the login proved, decides whether
	 * the record still satisfies this service's policy (as pam-oidc
	 * recheck decides, revoke_decide). */
	if (claims != NULL &&
	    identity_check_policy(cfg, claims, json_string_value(json_object_get(rec, "user")), err) != 0) {
		json_decref(claims);
		return -1;
	}
	if (claims_out != NULL)
		*claims_out = claims;
	else
		json_decref(claims);
	return 0;
}
