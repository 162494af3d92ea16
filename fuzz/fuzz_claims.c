/* libFuzzer: ID-token claim validation on arbitrary (already "verified")
 * payloads: the code that runs right after a signature check. */
#include <stddef.h>
#include <stdint.h>

#include "jose/idtoken.h"
#include "util/jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };
	json_t *claims = NULL;

	if (json_parse_strict((const char *)data, size, &claims, &err) != 0)
		return 0;
	idtoken_policy_init(&pol);
	pol.issuer = "https://idp.example.test/realms/main";
	pol.client_id = "pam-oidc";
	pol.now = 1800000000;
	if (idtoken_check_claims(claims, &pol, &err) != 0 && err.reason == OIDC_OK)
		__builtin_trap();
	json_decref(claims);
	return 0;
}
