/* What of ID-token checking needs no cryptography: the policy defaults and
 * NumericDate claims. Apart from idtoken.c so that pam_oidc.so, which reads
 * records but verifies nothing, links without libcrypto. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "jose/idtoken.h"
#include "jose/jws.h"

void
idtoken_policy_init(struct idtoken_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->alg_mask = JWS_ALG_ALL;
	p->leeway = IDTOKEN_DEFAULT_LEEWAY;
	p->max_token_len = JWS_DEFAULT_MAX_LEN;
	p->now = (int64_t)time(NULL);
}

int
idtoken_claim_time(const json_t *claims, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(claims, name);
	double d;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > IDTOKEN_MAX_TIME)
			return -1;
		*out = (int64_t)i;
		return 0;
	}
	if (json_is_real(v)) {
		/* RFC 7519 §2: NumericDate may carry fractions of a second. */
		d = json_real_value(v);
		if (!isfinite(d) || d < 0 || d > (double)IDTOKEN_MAX_TIME)
			return -1;
		/* Truncation is floor() here (d >= 0), without libm: pam_oidc.so
		 * maps no library it does not need. */
		*out = (int64_t)d;
		return 0;
	}
	return -1;
}
