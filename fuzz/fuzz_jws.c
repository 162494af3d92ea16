/* libFuzzer: compact JWS parse + verify + claim checks, as the module runs
 * them on a token from the network. Keys: the RFC 7515 A.2/A.3 and RFC 8037
 * public keys, so well-formed inputs reach every verifier. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jose/idtoken.h"
#include "jose/jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char keys[] =
	"{\"keys\":["
	"{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQo"
	"Tbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b3"
	"2690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665"
	"xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk"
	"2PAcDTW9gb54h4FRWyuXpoQ\"},"
	"{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
	"{\"kty\":\"OKP\",\"kid\":\"ed1\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
	"]}";

static struct jwks *set;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idtoken_policy pol;
	struct oidc_error err = { 0 };
	json_t *claims = NULL;

	if (set == NULL && jwks_parse(keys, strlen(keys), &set, &err) != 0)
		__builtin_trap();
	idtoken_policy_init(&pol);
	pol.issuer = "joe";
	pol.client_id = "pam-oidc";
	pol.now = 1300819000;
	if (idtoken_verify((const char *)data, size, set, &pol, &claims, &err) == 0)
		json_decref(claims);
	else if (err.reason == OIDC_OK)
		__builtin_trap();   /* every rejection carries a reason */
	return 0;
}
