/* libFuzzer: the map_file. The first line of the input is the claim value
 * looked up, the rest is the file. */
#include "fuzz_common.h"

#include "core/identity.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	struct oidc_error err = { 0 };
	char value[256], user[IDENTITY_MAX_USER + 1];
	size_t vlen;
	enum identity_map_found r;

	if (nl == NULL)
		return 0;
	vlen = (size_t)(nl - (const char *)data);
	if (vlen >= sizeof(value) || memchr(data, '\0', vlen) != NULL)
		return 0;
	memcpy(value, data, vlen);
	value[vlen] = '\0';
	r = identity_map_parse(nl + 1, size - vlen - 1, "fuzz.map", value, user, sizeof(user), &err);
	if (r == IDENTITY_MAP_FOUND && !identity_name_ok(user))
		__builtin_trap();
	if (r == IDENTITY_MAP_ERROR && err.reason == OIDC_OK)
		__builtin_trap();
	return 0;
}
