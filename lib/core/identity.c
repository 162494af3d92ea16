#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/flow.h"
#include "core/identity.h"
#include "util/jsonutil.h"
#include "store/trustfile.h"
#include "util/fileio.h"

int
identity_name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > IDENTITY_MAX_USER || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
			continue;
		if ((c == '.' || c == '-') && i > 0)
			continue;
		if (c == '$' && i == n - 1 && i > 0)
			continue;
		return 0;
	}
	return 1;
}

/* One parser for both directions: forward (claim value -> user, what a
 * login is decided by) and reverse (user -> the first claim value mapped
 * to it: whom to ask for a CIBA sign-in). */
static enum identity_map_found
map_parse(const char *text, size_t len, const char *path, const char *value, int reverse, char *out, size_t size,
    struct oidc_error *err)
{
	char *buf, *line, *next, *k, *v, *end;
	char name[PATH_MAX + 16];
	size_t lineno = 0;
	enum identity_map_found r = IDENTITY_MAP_ABSENT;

	snprintf(name, sizeof(name), "map_file %s", path);
	if ((buf = text_copy(text, len, MAP_MAX_BYTES, name, err)) == NULL)
		return IDENTITY_MAP_ERROR;
	for (line = buf; line != NULL && r == IDENTITY_MAP_ABSENT; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		k = line + strspn(line, " \t");
		if (*k == '\0' || *k == '#')
			continue;
		end = k + strcspn(k, " \t");
		if (*end == '\0') {
			oidc_error_set(err, OIDC_E_CONFIG, "%s:%zu: expected \"claim-value user\"", path, lineno);
			r = IDENTITY_MAP_ERROR;
			break;
		}
		*end = '\0';
		v = end + 1 + strspn(end + 1, " \t");
		v[strcspn(v, " \t\r")] = '\0';
		if (strcmp(reverse ? v : k, value) != 0)
			continue;
		if (!identity_name_ok(v) || strlen(v) >= size) {
			oidc_error_set(err, OIDC_E_CONFIG, "%s:%zu: \"%.40s\" is not a valid user name", path,
			    lineno, v);
			r = IDENTITY_MAP_ERROR;
			break;
		}
		if (reverse && strlen(k) >= size) {
			oidc_error_set(err, OIDC_E_CONFIG, "%s:%zu: the claim value for %s is longer than %zu bytes",
			    path, lineno, v, size - 1);
			r = IDENTITY_MAP_ERROR;
			break;
		}
		memcpy(out, reverse ? k : v, strlen(reverse ? k : v) + 1);
		r = IDENTITY_MAP_FOUND;
	}
	free(buf);
	return r;
}

enum identity_map_found
identity_map_parse(const char *text, size_t len, const char *path, const char *value, char *user, size_t size,
    struct oidc_error *err)
{
	return map_parse(text, len, path, value, 0, user, size, err);
}

/* map_file: "claim-value local-user" per line, # comments. The first match
 * wins. */
static enum identity_map_found
map_lookup(const char *path, const char *value, int reverse, char *user, size_t size, struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum identity_map_found r;

	/* Whoever can write the map decides who logs in as whom. */
	if (trusted_read(path, "map_file", TRUST_FILE, MAP_MAX_BYTES, &buf, &len, err) != 0)
		return IDENTITY_MAP_ERROR;
	r = map_parse(buf, len, path, value, reverse, user, size, err);
	free(buf);
	return r;
}

enum identity_map_found
identity_map_reverse(const char *path, const char *user, char *value, size_t size, struct oidc_error *err)
{
	char back[IDENTITY_MAX_USER + 1];
	enum identity_map_found r = map_lookup(path, user, 1, value, size, err);

	if (r != IDENTITY_MAP_FOUND)
		return r;
	/* Only a value that maps back to user: with "v alice" above "v bob",
	 * bob's request would page alice, and bob could never log in. */
	r = map_lookup(path, value, 0, back, sizeof(back), err);
	if (r == IDENTITY_MAP_ERROR)
		return r;
	if (r != IDENTITY_MAP_FOUND || strcmp(back, user) != 0) {
		oidc_error_set(err, OIDC_E_CONFIG, "map_file %s maps %.64s to %s before %s: no login_hint for %s", path,
		    value, r == IDENTITY_MAP_FOUND ? back : "nobody", user, user);
		return IDENTITY_MAP_ERROR;
	}
	return IDENTITY_MAP_FOUND;
}

int
identity_map(const struct oidc_config *cfg, const json_t *claims, char *user, size_t size,
    struct oidc_error *err)
{
	const json_t *v = json_object_get(claims, cfg->username_claim);
	char value[256], shown[64];
	const char *s;
	char *at;
	int r;

	if (!json_is_string(v))
		return oidc_error_set(err, OIDC_E_CLAIM_MISSING, "the token has no string claim \"%s\"",
		    cfg->username_claim);
	s = json_string_value(v);
	if (json_string_length(v) >= sizeof(value) || strlen(s) != json_string_length(v))
		return oidc_error_set(err, OIDC_E_CLAIM_INVALID, "claim \"%s\" is too long", cfg->username_claim);
	memcpy(value, s, json_string_length(v) + 1);
	/* An address the IdP has not verified is whatever the person typed
	 * into their profile (OIDC Core §5.1: email_verified). The map_file
	 * is keyed on this same claim. */
	if (strcmp(cfg->username_claim, "email") == 0 && !json_is_true(json_object_get(claims, "email_verified"))) {
		text_sanitize(shown, sizeof(shown), value);
		return oidc_error_set(err, OIDC_E_CLAIM_INVALID, "email \"%s\" is not verified (email_verified is not true)",
		    shown);
	}
	if (cfg->username_strip_domain) {
		/* Without the domain, root@anywhere.example is just root. */
		if ((at = strrchr(value, '@')) == NULL || !config_list_contains_icase(cfg->allowed_domains, at + 1)) {
			text_sanitize(shown, sizeof(shown), value);
			return oidc_error_set(err, OIDC_E_USER_MISMATCH,
			    "claim \"%s\" value \"%s\" is not in allowed_domains", cfg->username_claim, shown);
		}
		*at = '\0';
	}
	if (cfg->map_file != NULL) {
		r = map_lookup(cfg->map_file, value, 0, user, size, err);
		if (r == IDENTITY_MAP_ERROR)
			return -1;
		if (r == IDENTITY_MAP_FOUND)
			return 0;
		text_sanitize(shown, sizeof(shown), value);
		return oidc_error_set(err, OIDC_E_USER_MISMATCH, "\"%s\" is not in map_file %s", shown, cfg->map_file);
	}
	if (!identity_name_ok(value) || strlen(value) >= size) {
		text_sanitize(shown, sizeof(shown), value);
		return oidc_error_set(err, OIDC_E_CLAIM_INVALID, "claim \"%s\" value \"%s\" is not a valid user name",
		    cfg->username_claim, shown);
	}
	memcpy(user, value, strlen(value) + 1);
	return 0;
}

int
identity_check_target(const struct oidc_config *cfg, const char *user, int known, uid_t uid, uid_t uid_min,
    uid_t uid_max, struct oidc_error *err)
{
	if (!known || (uid >= uid_min && uid <= uid_max) || config_list_contains(cfg->allowed_system_users, user))
		return 0;
	return oidc_error_set(err, OIDC_E_POLICY,
	    "%s (uid %lu) is a system account (outside UID_MIN..UID_MAX %lu..%lu); list it in allowed_system_users "
	    "to allow it", user, (unsigned long)uid, (unsigned long)uid_min, (unsigned long)uid_max);
}

/* The last valid "KEY value" line of login_defs (login.defs(5): the last
 * one wins), within lo..hi; dflt when the file or the line is missing or
 * unreadable — an odd value fails towards the default. */
static uid_t
login_defs_uid(const char *login_defs, const char *key, unsigned long lo, unsigned long hi, uid_t dflt)
{
	struct oidc_error ignored = { 0 };
	char *buf = NULL, *line, *next, *end;
	size_t len = 0, klen = strlen(key);
	unsigned long v;
	uid_t r = dflt;

	if (file_read_all(login_defs, MAP_MAX_BYTES, &buf, &len, &ignored) != 0)
		return r;
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (strncmp(line, key, klen) != 0 || (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		line += klen + strspn(line + klen, " \t");
		errno = 0;
		v = strtoul(line, &end, 10);
		if (errno == 0 && end != line && v >= lo && v <= hi && (*end == '\0' || strchr(" \t\r#", *end)))
			r = (uid_t)v;
	}
	free(buf);
	return r;
}

uid_t
identity_uid_min(const char *login_defs)
{
	return login_defs_uid(login_defs, "UID_MIN", 1, IDENTITY_MAX_UID, IDENTITY_DEFAULT_UID_MIN);
}

uid_t
identity_uid_max(const char *login_defs)
{
	return login_defs_uid(login_defs, "UID_MAX", 1, IDENTITY_MAX_UID, IDENTITY_DEFAULT_UID_MAX);
}

static int
claim_has(const json_t *claim, const char *item, size_t len)
{
	const json_t *v;
	size_t i;

	if (json_is_string(claim))
		return json_string_length(claim) == len && memcmp(json_string_value(claim), item, len) == 0;
	json_array_foreach(claim, i, v)
		if (json_is_string(v) && json_string_length(v) == len && memcmp(json_string_value(v), item, len) == 0)
			return 1;
	return 0;
}

/* How many items of a comma/space separated list are in the claim (a
 * string or an array of strings); *total gets the number of items. */
static size_t
list_matches(const char *list, const json_t *claim, size_t *total)
{
	const char *p = list;
	size_t len, hits = 0;

	*total = 0;
	while (*p != '\0') {
		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len > 0) {
			(*total)++;
			hits += (size_t)claim_has(claim, p, len);
		}
		p += len;
	}
	return hits;
}

static int
list_any(const char *list, const json_t *claim)
{
	size_t total;

	return list_matches(list, claim, &total) > 0;
}

static int
list_all(const char *list, const json_t *claim)
{
	size_t total;

	return list_matches(list, claim, &total) == total;
}

/* OIDC Core §5.6.2: a claim the IdP sends by reference is named in
 * _claim_names instead of being present (Entra ID does this with groups
 * past 200 members: the "groups overage"; in tokens of the implicit flow it
 * sends "hasgroups": true instead). */
static int
claim_by_reference(const json_t *claims, const char *name)
{
	if (json_object_get(claims, name) != NULL)
		return 0;
	return json_object_get(json_object_get(claims, "_claim_names"), name) != NULL ||
	    (strcmp(name, "groups") == 0 && json_is_true(json_object_get(claims, "hasgroups")));
}

int
identity_check_policy(const struct oidc_config *cfg, const json_t *claims, const char *user,
    struct oidc_error *err)
{
	const json_t *hd;
	char shown[64];

	if (cfg->allowed_users != NULL && !config_list_contains(cfg->allowed_users, user))
		return oidc_error_set(err, OIDC_E_POLICY, "allowed_users: %s is not listed", user);
	/* We never fetch a distributed claim: the groups would come from an
	 * endpoint the ID token's signature does not cover. */
	if (cfg->allowed_groups != NULL && claim_by_reference(claims, cfg->groups_claim))
		return oidc_error_set(err, OIDC_E_GROUPS_OVERAGE,
		    "allowed_groups: the token names %s's groups only by reference (_claim_names \"%s\": groups "
		    "overage); emit fewer groups (a group filter, or app roles) in claim %s", user, cfg->groups_claim,
		    cfg->groups_claim);
	if (cfg->allowed_groups != NULL &&
	    !list_any(cfg->allowed_groups, json_object_get(claims, cfg->groups_claim)))
		return oidc_error_set(err, OIDC_E_POLICY, "allowed_groups: %s is in none of \"%s\" (claim %s)", user,
		    cfg->allowed_groups, cfg->groups_claim);
	/* Google's hd: the Workspace domain of the account; a consumer
	 * account has none. */
	if (cfg->allowed_hd != NULL) {
		hd = json_object_get(claims, "hd");
		if (!json_is_string(hd))
			return oidc_error_set(err, OIDC_E_POLICY, "allowed_hd: the token of %s has no string claim "
			    "\"hd\" (not a Workspace account)", user);
		if (strlen(json_string_value(hd)) != json_string_length(hd) ||
		    !config_list_contains_icase(cfg->allowed_hd, json_string_value(hd))) {
			text_sanitize(shown, sizeof(shown), json_string_value(hd));
			return oidc_error_set(err, OIDC_E_POLICY, "allowed_hd: hd \"%s\" of %s is not listed", shown,
			    user);
		}
	}
	if (cfg->required_acr != NULL && !list_any(cfg->required_acr, json_object_get(claims, "acr")))
		return oidc_error_set(err, OIDC_E_POLICY, "required_acr: token acr is none of \"%s\"", cfg->required_acr);
	if (cfg->required_amr != NULL && !list_all(cfg->required_amr, json_object_get(claims, "amr")))
		return oidc_error_set(err, OIDC_E_POLICY, "required_amr: token amr lacks one of \"%s\"", cfg->required_amr);
	return 0;
}
