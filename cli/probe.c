/* pam-oidc check-config --probe: what the identity provider's discovery
 * says it supports, against what the configuration relies on. The
 * discovery comes through the helper (op "discover"), as a login's does. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "core/ciba.h"
#include "core/conf.h"
#include "core/flow.h"
#include "ipc/ipc.h"
#include "jose/alg.h"
#include "util/text.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define CIBA_GRANT "urn:openid:params:grant-type:ciba"

struct probe {
	FILE *out;
	const json_t *doc;     /* the checked "discovery" event */
	int ok, warn, bad;
};

enum level { P_OK, P_WARN, P_MISSING, P_MISMATCH };

static void __attribute__((format(printf, 3, 4)))
say(struct probe *p, enum level l, const char *fmt, ...)
{
	static const char *const tags[] = { "ok", "warn", "MISSING", "MISMATCH" };
	/* Two URLs of IPC_MAX_URI bytes and the words around them. */
	char line[2 * IPC_MAX_URI + 512], shown[2 * IPC_MAX_URI + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Names and URLs come from the IdP: no control characters. */
	text_sanitize(shown, sizeof(shown), line);
	fprintf(p->out, "%-7s %s\n", tags[l], shown);
	if (l == P_OK)
		p->ok++;
	else if (l == P_WARN)
		p->warn++;
	else
		p->bad++;
}

static const json_t *
list(const struct probe *p, const char *name)
{
	return json_object_get(p->doc, name);
}

static int
listed(const json_t *arr, const char *item)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), item) == 0)
			return 1;
	return 0;
}

/* A list the IdP published in a shape the helper did not pass on. */
static int
unusable(const struct probe *p, const char *name)
{
	return listed(json_object_get(p->doc, "unusable"), name);
}

/* "absent" or "malformed", for a member the document does not usably have. */
static const char *
lack(const struct probe *p, const char *name)
{
	return unusable(p, name) ? "malformed" : "absent";
}

static void
check_endpoints(struct probe *p, const struct oidc_config *cfg)
{
	const char *tok = json_string_value(json_object_get(p->doc, "token_endpoint"));
	const char *jwks = json_string_value(json_object_get(p->doc, "jwks_uri"));

	if (cfg->token_endpoint != NULL)
		say(p, P_OK, "token_endpoint %s (pam_oidc.conf; discovery has %s)", cfg->token_endpoint, tok);
	else
		say(p, P_OK, "token_endpoint %s", tok);
	if (cfg->jwks_file != NULL)
		say(p, P_OK, "jwks_file %s pins the keys (discovery's jwks_uri %s is not used)", cfg->jwks_file, jwks);
	else if (cfg->jwks_uri != NULL)
		say(p, P_OK, "jwks_uri %s (pam_oidc.conf; discovery has %s)", cfg->jwks_uri, jwks);
	else
		say(p, P_OK, "jwks_uri %s", jwks);
}

/* A grant type the flow uses; grant_types_supported is optional (its
 * default, ["authorization_code", "implicit"], predates both grants and
 * many IdPs leave them out), so a gap is a warning. */
static void
check_grant(struct probe *p, const char *grant, const char *flow)
{
	const json_t *g = list(p, "grant_types_supported");

	if (g == NULL)
		say(p, P_WARN, "grant_types_supported %s; cannot confirm %s (flow = %s uses it)",
		    lack(p, "grant_types_supported"), grant, flow);
	else if (!listed(g, grant))
		say(p, P_WARN, "grant_types_supported lacks %s (flow = %s uses it)", grant, flow);
	else
		say(p, P_OK, "grant_types_supported has %s", grant);
}

static void
check_device(struct probe *p, const struct oidc_config *cfg, const char *flow)
{
	const char *dev = json_string_value(json_object_get(p->doc, "device_authorization_endpoint"));

	if (cfg->device_authorization_endpoint != NULL)
		say(p, P_OK, "device_authorization_endpoint %s (pam_oidc.conf)", cfg->device_authorization_endpoint);
	else if (dev != NULL)
		say(p, P_OK, "device_authorization_endpoint %s", dev);
	else if (unusable(p, "device_authorization_endpoint"))
		say(p, P_MISSING, "device_authorization_endpoint: not an https URL (flow = %s needs it)", flow);
	else
		say(p, P_MISSING, "device_authorization_endpoint (flow = %s needs it)", flow);
	check_grant(p, DEVICE_GRANT, flow);
}

/* CIBA Core §4: an https backchannel endpoint with "poll" among the
 * delivery modes (pam_oidc polls; an absent list offers no poll). */
static void
check_ciba(struct probe *p, const struct oidc_config *cfg)
{
	const char *bc = json_string_value(json_object_get(p->doc, "backchannel_authentication_endpoint"));
	const json_t *modes = list(p, "backchannel_token_delivery_modes_supported");

	if (cfg->backchannel_authentication_endpoint != NULL) {
		say(p, P_OK, "backchannel_authentication_endpoint %s (pam_oidc.conf)",
		    cfg->backchannel_authentication_endpoint);
	} else {
		if (bc != NULL)
			say(p, P_OK, "backchannel_authentication_endpoint %s", bc);
		else
			say(p, P_MISSING, "backchannel_authentication_endpoint%s (flow = ciba needs it)",
			    unusable(p, "backchannel_authentication_endpoint") ? ": not an https URL" : "");
		if (modes != NULL && listed(modes, "poll"))
			say(p, P_OK, "backchannel_token_delivery_modes_supported has \"poll\"");
		else
			say(p, P_MISSING, "\"poll\" in backchannel_token_delivery_modes_supported (%s; flow = ciba needs it)",
			    modes != NULL ? "not listed" : lack(p, "backchannel_token_delivery_modes_supported"));
	}
	check_grant(p, CIBA_GRANT, "ciba");
}

/* The client authentication pam_oidc sends (RFC 6749 §2.3.1); the
 * discovery default is client_secret_basic. */
static void
check_client_auth(struct probe *p, const struct oidc_config *cfg)
{
	const char *method = cfg->client_auth == CLIENT_AUTH_POST ? "client_secret_post" : "client_secret_basic";
	const json_t *m = list(p, "token_endpoint_auth_methods_supported");

	if (cfg->client_secret_file == NULL)
		return;
	if (m == NULL && !unusable(p, "token_endpoint_auth_methods_supported")) {
		if (cfg->client_auth == CLIENT_AUTH_POST)
			say(p, P_WARN, "token_endpoint_auth_methods_supported absent: the default is client_secret_basic "
			    "(client_auth = post)");
		else
			say(p, P_OK, "token_endpoint_auth_methods_supported absent: client_secret_basic is the default");
	} else if (m == NULL)
		say(p, P_WARN, "token_endpoint_auth_methods_supported malformed; cannot confirm %s", method);
	else if (!listed(m, method))
		say(p, P_WARN, "token_endpoint_auth_methods_supported lacks %s (client_auth = %s)", method,
		    cfg->client_auth == CLIENT_AUTH_POST ? "post" : "basic");
	else
		say(p, P_OK, "token_endpoint_auth_methods_supported has %s", method);
}

static void
check_flow(struct probe *p, const struct oidc_config *cfg)
{
	json_t *meta;
	enum flow_kind k;

	switch (cfg->flow) {
	case FLOW_DEVICE:
		check_device(p, cfg, "device");
		break;
	case FLOW_CIBA:
		check_ciba(p, cfg);
		break;
	case FLOW_AUTO:
		/* The module's own choice, over this discovery. */
		meta = json_pack("{s:O}", "discovery", (json_t *)p->doc);
		k = ciba_choose(cfg, meta);
		json_decref(meta);
		if (k == FLOW_CIBA) {
			say(p, P_OK, "flow = auto will use ciba (%s)", cfg->backchannel_authentication_endpoint != NULL ?
			    "pam_oidc.conf names a backchannel_authentication_endpoint" : "the IdP offers it in poll mode");
			check_ciba(p, cfg);
		} else {
			say(p, P_OK, "flow = auto will use the device flow (%s)", cfg->client_secret_file == NULL ?
			    "no client_secret_file: CIBA needs a confidential client" :
			    "the IdP offers no CIBA in poll mode");
			check_device(p, cfg, "auto");
		}
		break;
	}
	check_client_auth(p, cfg);
}

/* OIDC Discovery §3 makes id_token_signing_alg_values_supported
 * required. None of ours offered: no token would verify. */
static void
check_algorithms(struct probe *p, const struct oidc_config *cfg)
{
	const json_t *offered = list(p, "id_token_signing_alg_values_supported");
	char mine[128] = "", usable[128] = "", unused[128] = "";
	size_t i;

	(void)jws_alg_list_format(cfg->algorithms, mine, sizeof(mine));
	if (offered == NULL) {
		say(p, P_WARN, "id_token_signing_alg_values_supported %s; cannot compare with algorithms = %s",
		    lack(p, "id_token_signing_alg_values_supported"), mine);
		return;
	}
	for (i = 0; i < JWS_ALG_COUNT; i++) {
		char *dst;

		if (!(cfg->algorithms & JWS_ALG_BIT(i)))
			continue;
		dst = listed(offered, jws_alg_name((enum jws_alg)i)) ? usable : unused;
		if (strlen(dst) + 8 < sizeof(usable))
			snprintf(dst + strlen(dst), sizeof(usable) - strlen(dst), "%s%s", dst[0] != '\0' ? "," : "",
			    jws_alg_name((enum jws_alg)i));
	}
	if (usable[0] == '\0') {
		say(p, P_MISMATCH, "id_token_signing_alg_values_supported offers none of algorithms = %s", mine);
		return;
	}
	say(p, P_OK, "id_token_signing_alg_values_supported offers %s (algorithms = %s)", usable,
	    cfg->algorithms == JWS_ALG_ALL ? "default" : mine);
	/* The default allows every asymmetric alg we implement: the ones an
	 * IdP does not use are not a finding. */
	if (unused[0] != '\0' && cfg->algorithms != JWS_ALG_ALL)
		say(p, P_WARN, "id_token_signing_alg_values_supported lacks %s (algorithms = %s)", unused, mine);
}

/* scopes_supported is RECOMMENDED (Discovery §3): gaps are warnings. */
static void
check_scopes(struct probe *p, const struct oidc_config *cfg)
{
	const json_t *sup = list(p, "scopes_supported");
	char scopes[CONFIG_MAX_VALUE + 1];
	char *s, *save = NULL;
	int missing = 0;

	if (sup == NULL) {
		say(p, P_WARN, "scopes_supported %s; cannot check scopes = %s", lack(p, "scopes_supported"), cfg->scopes);
		return;
	}
	snprintf(scopes, sizeof(scopes), "%s", cfg->scopes);
	for (s = strtok_r(scopes, " \t,", &save); s != NULL; s = strtok_r(NULL, " \t,", &save))
		if (!listed(sup, s)) {
			say(p, P_WARN, "scopes_supported lacks \"%s\" (scopes = %s)", s, cfg->scopes);
			missing = 1;
		}
	if (!missing)
		say(p, P_OK, "scopes_supported has every scope of scopes = %s", cfg->scopes);
}

/* claims_supported is RECOMMENDED and often incomplete (custom claims
 * come from mappers): a claim it does not list is a warning. */
static void
check_claims(struct probe *p, const struct oidc_config *cfg)
{
	const json_t *sup = list(p, "claims_supported");
	struct {
		const char *claim;
		const char *why;
		char detail[160];
	} need[4];
	size_t n = 0, i;

	need[n].claim = cfg->username_claim;
	need[n].why = "username_claim";
	snprintf(need[n].detail, sizeof(need[n].detail), "username_claim = %s", cfg->username_claim);
	n++;
	if (cfg->allowed_groups != NULL) {
		need[n].claim = cfg->groups_claim;
		need[n].why = "groups_claim";
		snprintf(need[n].detail, sizeof(need[n].detail), "groups_claim = %s; allowed_groups is set",
		    cfg->groups_claim);
		n++;
	}
	if (cfg->required_acr != NULL) {
		need[n].claim = "acr";
		need[n].why = "required_acr";
		snprintf(need[n].detail, sizeof(need[n].detail), "required_acr is set");
		n++;
	}
	if (cfg->required_amr != NULL) {
		need[n].claim = "amr";
		need[n].why = "required_amr";
		snprintf(need[n].detail, sizeof(need[n].detail), "required_amr is set");
		n++;
	}
	if (sup == NULL) {
		say(p, P_WARN, "claims_supported %s; cannot check the claims the config uses (%s%s)",
		    lack(p, "claims_supported"), need[0].detail, n > 1 ? ", ..." : "");
		return;
	}
	for (i = 0; i < n; i++) {
		if (listed(sup, need[i].claim))
			say(p, P_OK, "claims_supported has \"%s\" (%s)", need[i].claim, need[i].why);
		else
			say(p, P_WARN, "claims_supported lacks \"%s\" (%s)", need[i].claim, need[i].detail);
	}
}

int
cli_probe(const struct oidc_config *cfg, FILE *out)
{
	struct probe p = { out, NULL, 0, 0, 0 };
	struct oidc_error err = { 0 };
	json_t *doc = NULL;
	char code[32];
	const char *iss;
	int rc;

	if (flow_discover(cfg, &doc, code, sizeof(code), &err) != 0) {
		/* §4.3: a document for another issuer is the IdP's answer,
		 * not a failure to get one. */
		if (strcmp(code, "issuer_mismatch") == 0) {
			say(&p, P_MISMATCH, "issuer: %s", err.text);
			rc = PROBE_MISMATCH;
		} else {
			fprintf(out, "%-7s discovery of %s: %s: %s\n", "FAILED", cfg->issuer, oidc_reason_code(err.reason),
			    err.text);
			rc = PROBE_ERROR;
		}
		fprintf(out, "probe: %s, %d ok, %d warnings, %d missing or mismatched\n",
		    rc == PROBE_MISMATCH ? "MISMATCH" : "FAILED", p.ok, p.warn, p.bad);
		return rc;
	}
	p.doc = doc;
	iss = json_string_value(json_object_get(doc, "issuer"));
	/* The helper compared it already; the helper is not trusted. The
	 * rest of a document for another issuer says nothing about ours. */
	if (iss == NULL || strcmp(iss, cfg->issuer) != 0) {
		say(&p, P_MISMATCH, "issuer: discovery names %s, configured is %s", iss != NULL ? iss : "none", cfg->issuer);
	} else {
		say(&p, P_OK, "issuer matches %s", cfg->issuer);
		check_endpoints(&p, cfg);
		check_flow(&p, cfg);
		check_algorithms(&p, cfg);
		check_scopes(&p, cfg);
		check_claims(&p, cfg);
	}
	json_decref(doc);
	rc = p.bad > 0 ? PROBE_MISMATCH : PROBE_OK;
	fprintf(out, "probe: %s, %d ok, %d warnings, %d missing or mismatched\n", rc == PROBE_OK ? "OK" : "MISMATCH",
	    p.ok, p.warn, p.bad);
	return rc;
}
