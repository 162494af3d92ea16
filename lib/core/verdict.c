/* The one decision path of a device-flow login (lib/core/verdict.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/flow.h"
#include "core/keys.h"
#include "core/verdict.h"
#include "util/text.h"

static enum oidc_reason
refuse(struct verdict *v, enum verdict_stage stage, enum oidc_reason r)
{
	v->stage = stage;
	v->reason = r;
	return r;
}

enum oidc_reason
verdict_decide(const struct oidc_config *cfg, const struct verdict_input *in, struct verdict *v,
    struct oidc_error *err)
{
	const char *id_token = json_string_value(json_object_get(in->tokens, "id_token"));
	uid_t uid = 0;
	int known;

	memset(v, 0, sizeof(*v));
	if (keys_verify_id_token(cfg, in->use_cache, id_token, in->min_iat, &v->claims, &v->fetches, err) != 0)
		return refuse(v, VERDICT_VERIFY, err->reason);
	snprintf(v->iss, sizeof(v->iss), "%s", json_string_value(json_object_get(v->claims, "iss")));
	text_sanitize(v->sub, sizeof(v->sub), json_string_value(json_object_get(v->claims, "sub")));
	/* A map_file that cannot be read is the administrator's to fix
	 * (PAM_SERVICE_ERR); a token it does not list is the person's. */
	if (identity_map(cfg, v->claims, v->mapped, sizeof(v->mapped), err) != 0)
		return refuse(v, VERDICT_MAP, err->reason == OIDC_E_CONFIG ? OIDC_E_CONFIG : OIDC_E_USER_MISMATCH);
	known = in->lookup(in->lookup_ctx, v->mapped, &uid) == 1;
	if (identity_check_target(cfg, v->mapped, known, known ? uid : 0, identity_uid_min(IDENTITY_LOGIN_DEFS),
	    identity_uid_max(IDENTITY_LOGIN_DEFS), err) != 0)
		return refuse(v, VERDICT_TARGET, err->reason);
	if (in->user != NULL && strcmp(v->mapped, in->user) != 0) {
		oidc_error_set(err, OIDC_E_USER_MISMATCH, "the token maps to %s, not %s", v->mapped, in->user);
		return refuse(v, VERDICT_USER, OIDC_E_USER_MISMATCH);
	}
	if (identity_check_policy(cfg, v->claims, v->mapped, err) != 0)
		return refuse(v, VERDICT_POLICY, err->reason);
	return refuse(v, VERDICT_ADMITTED, OIDC_OK);
}

void
verdict_free(struct verdict *v)
{
	if (v == NULL)
		return;
	json_decref(v->claims);
	v->claims = NULL;
}
