/* pam_oidc.conf as a file (conf.h): read under the trusted-file rule,
 * [service] sections, line-numbered errors. The keys themselves are conf.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jose/alg.h"
#include "core/conf.h"
#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "store/trustfile.h"
#include "util/buf.h"

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
config_load(struct oidc_config *cfg, const char *path, const char *service, struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	/* Whoever can write the config decides who logs in. */
	if (trusted_read(path, "", TRUST_FILE, CONFIG_MAX_BYTES, &buf, &len, err) != 0)
		return -1;
	r = config_parse(cfg, buf, len, path, service, err);
	wipe_free_n(buf, len);
	return r;
}

int
config_parse(struct oidc_config *cfg, const char *text, size_t len, const char *path, const char *service,
    struct oidc_error *err)
{
	char *buf, *line, *next, *eq, *key, *val, where[PATH_MAX + 32];
	char seen[CONFIG_MAX_KEYS];
	size_t lineno = 0, i;
	int r = -1, in_scope = 1, in_global = 1;

	if ((buf = text_copy(text, len, CONFIG_MAX_BYTES, path, err)) == NULL)
		return -1;
	memset(seen, 0, sizeof(seen));
	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		line = trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			size_t n = strlen(line);

			if (n < 3 || line[n - 1] != ']') {
				oidc_error_set(err, OIDC_E_CONFIG, "%s: malformed section header", where);
				goto out;
			}
			line[n - 1] = '\0';
			if (!config_name_ok(line + 1)) {
				oidc_error_set(err, OIDC_E_CONFIG, "%s: bad section name", where);
				goto out;
			}
			in_global = 0;
			in_scope = service != NULL && strcmp(line + 1, service) == 0;
			memset(seen, 0, sizeof(seen));
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			oidc_error_set(err, OIDC_E_CONFIG, "%s: expected key = value", where);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if ((i = config_key_index(key)) < CONFIG_MAX_KEYS) {
			if (seen[i]) {
				oidc_error_set(err, OIDC_E_CONFIG, "%s: %s is set twice in the %s section", where, key,
				    in_global ? "global" : "same");
				goto out;
			}
			seen[i] = 1;
		}
		/* Sections for other services are still validated: a typo
		 * there must not wait for the day that service logs in. */
		if (in_scope) {
			if (config_set(cfg, key, val, where, err) != 0)
				goto out;
		} else {
			struct oidc_config scratch;

			if (config_init(&scratch) != 0) {
				oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
				goto out;
			}
			r = config_set(&scratch, key, val, where, err);
			config_free(&scratch);
			if (r != 0)
				goto out;
			r = -1;
		}
	}
	r = 0;
out:
	wipe_free_n(buf, len);
	return r;
}
