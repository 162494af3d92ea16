/* libFuzzer: JWKS documents as fetched from an issuer's jwks_uri. */
#include <stddef.h>
#include <stdint.h>

#include "jose/jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct jwks *set = NULL;
	size_t i;

	if (jwks_parse((const char *)data, size, &set, &err) == 0) {
		if (set->n == 0)
			__builtin_trap();
		for (i = 0; i < set->n; i++)
			if (set->keys[i].pkey == NULL)
				__builtin_trap();
		(void)jwks_select(set, NULL, JWS_RS256, &err);
		jwks_free(set);
	} else if (err.reason == OIDC_OK) {
		__builtin_trap();
	}
	return 0;
}
