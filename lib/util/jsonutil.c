#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jsonutil.h"

int
json_parse_strict(const char *buf, size_t len, json_t **out, struct oidc_error *err)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			return oidc_error_set(err, OIDC_E_DUPLICATE_MEMBER, "duplicate JSON member name");
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return oidc_error_set(err, OIDC_E_NOMEM, "out of memory");
		return oidc_error_set(err, OIDC_E_MALFORMED, "invalid JSON at byte %d: %s",
		    jerr.position, jerr.text);
	}
	*out = v;
	return 0;
}

int
json_string_ok(const json_t *v, size_t min, size_t max)
{
	return json_is_string(v) && json_string_length(v) >= min && json_string_length(v) <= max &&
	    strlen(json_string_value(v)) == json_string_length(v);
}

int
json_https_url(const json_t *v, size_t max)
{
	return json_is_string(v) && text_https_url(json_string_value(v), json_string_length(v), max);
}

void
json_wipe_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

void
json_wipe_strings(json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v), json_string_length(v));
	}
}
