/* The login_hint and binding_message of a CIBA sign-in (ciba.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/ciba.h"
#include "core/flow.h"
#include "core/identity.h"

/* Up to max bytes of s that are letters, digits or '-', stopping at stop
 * (0: none). */
static size_t
plain_part(const char *s, int stop, size_t max, char *out)
{
	size_t o = 0;

	for (; s != NULL && *s != '\0' && *s != stop && o < max; s++) {
		char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')
			out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

int
ciba_binding_message(const char *host, const char *service, char *out, size_t size)
{
	char h[9], s[7];
	unsigned char rnd[4];
	unsigned v;

	if (size < CIBA_BINDING_MAX + 1 || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	v = ((unsigned)rnd[0] << 24 | (unsigned)rnd[1] << 16 | (unsigned)rnd[2] << 8 | rnd[3]) % 10000u;
	if (plain_part(host, '.', sizeof(h) - 1, h) == 0)
		snprintf(h, sizeof(h), "host");
	if (plain_part(service, 0, sizeof(s) - 1, s) == 0)
		snprintf(s, sizeof(s), "login");
	/* 8 + 1 + 6 + 1 + 4 = 20 */
	snprintf(out, size, "%s-%s-%04u", h, s, v);
	return 0;
}

int
ciba_login_hint(const struct oidc_config *cfg, const char *user, char *out, size_t size,
    struct oidc_error *err)
{
	const char *t = cfg->login_hint_template, *p;
	size_t o = 0, ul = strlen(user);

	if (!identity_name_ok(user))
		return oidc_error_set(err, OIDC_E_USAGE, "no login_hint for an unsafe user name");
	if (t == NULL && cfg->map_file != NULL) {
		enum identity_map_found r = identity_map_reverse(cfg->map_file, user, out, size, err);

		if (r == IDENTITY_MAP_FOUND)
			return 0;
		if (r == IDENTITY_MAP_ERROR)
			return -1;
		/* not in the map: the user name, as without one */
	}
	if (t == NULL)
		t = "{user}";
	for (p = t; *p != '\0'; p++) {
		if (strncmp(p, "{user}", 6) == 0) {
			if (o + ul >= size)
				break;
			memcpy(out + o, user, ul);
			o += ul;
			p += 5;
			continue;
		}
		if (o + 1 >= size)
			break;
		out[o++] = *p;
	}
	if (*p != '\0')
		return oidc_error_set(err, OIDC_E_CONFIG, "login_hint_template makes a hint longer than %zu bytes",
		    size - 1);
	out[o] = '\0';
	return 0;
}

int
ciba_words_for(const struct oidc_config *cfg, const char *user, const char *service, struct ciba_words *w,
    struct oidc_error *err)
{
	char host[256] = "";

	if (ciba_login_hint(cfg, user, w->login_hint, sizeof(w->login_hint), err) != 0)
		return -1;
	(void)gethostname(host, sizeof(host) - 1);   /* "host" stands in when it fails */
	if (ciba_binding_message(host, service, w->binding_message, sizeof(w->binding_message)) != 0)
		return oidc_error_set(err, OIDC_E_INTERNAL, "no random digits for the binding message");
	return 0;
}

/* CIBA Core §4: the backchannel endpoint, advertised with poll mode. */
static const char *
ciba_endpoint(const struct oidc_config *cfg, const json_t *disc)
{
	const json_t *modes = json_object_get(disc, "backchannel_token_delivery_modes_supported");
	size_t i;
	json_t *m;

	if (cfg->backchannel_authentication_endpoint != NULL)
		return cfg->backchannel_authentication_endpoint;
	if (!json_is_array(modes))
		return NULL;
	json_array_foreach(modes, i, m)
		if (json_is_string(m) && strcmp(json_string_value(m), "poll") == 0)
			return json_string_value(json_object_get(disc, "backchannel_authentication_endpoint"));
	return NULL;
}

enum flow_kind
ciba_choose(const struct oidc_config *cfg, const json_t *meta)
{
	const json_t *disc = meta != NULL ? json_object_get(meta, "discovery") : NULL;

	if (cfg->flow != FLOW_AUTO)
		return cfg->flow;
	/* CIBA asks for an authenticated client (CIBA Core §7.1). */
	if (cfg->client_secret_file == NULL)
		return FLOW_DEVICE;
	if (cfg->backchannel_authentication_endpoint != NULL)
		return FLOW_CIBA;
	if (json_is_object(disc))
		return ciba_endpoint(cfg, disc) != NULL ? FLOW_CIBA : FLOW_DEVICE;
	/* Without a discovery of ours, the helper's tells. */
	return cfg->device_authorization_endpoint != NULL && cfg->token_endpoint != NULL ? FLOW_DEVICE : FLOW_AUTO;
}

/* What a login asks beyond the device flow: the flow, and for CIBA whom
 * (login_hint), the words both screens show, the ACR we will require and
 * how long the request may wait (CIBA Core §7.1). */
int
ciba_request_members(json_t *req, const struct oidc_config *cfg, const json_t *meta, const struct flow_ask *ask)
{
	static const char *const names[] = { "device", "ciba", "auto" };
	enum flow_kind k = ask != NULL ? ciba_choose(cfg, meta) : FLOW_DEVICE;
	const json_t *disc = meta != NULL ? json_object_get(meta, "discovery") : NULL;
	const char *bc = ciba_endpoint(cfg, disc);
	int bad = 0;

	/* The device flow is what a request without "flow" asks for. */
	if (k == FLOW_DEVICE)
		return 0;
	bad |= json_object_set_new(req, "flow", json_string(names[k]));
	bad |= json_object_set_new(req, "login_hint", json_string(ask->login_hint));
	if (ask->binding_message != NULL)
		bad |= json_object_set_new(req, "binding_message", json_string(ask->binding_message));
	bad |= json_object_set_new(req, "requested_expiry", json_integer((json_int_t)cfg->timeout));
	if (cfg->required_acr != NULL) {
		char acr[256];
		size_t i;

		/* acr_values is space-separated (OIDC Core §3.1.2.1). */
		snprintf(acr, sizeof(acr), "%s", cfg->required_acr);
		for (i = 0; acr[i] != '\0'; i++)
			if (acr[i] == ',')
				acr[i] = ' ';
		bad |= json_object_set_new(req, "acr_values", json_string(acr));
	}
	if (bc != NULL)
		bad |= json_object_set_new(req, "backchannel_authentication_endpoint", json_string(bc));
	return bad;
}
