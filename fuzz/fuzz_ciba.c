/* libFuzzer: the backchannel authentication response (OpenID CIBA Core 1.0
 * §7.3) and its error answers (§13). */
#include "fuzz_common.h"

#include "oauth_parse.h"
#include "util/jsonutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct helper_err e = { 0 };
	struct ciba_grant g;
	json_t *resp = NULL;

	if (json_parse_strict((const char *)data, size, &resp, &err) != 0)
		return 0;
	if (oauth_parse_ciba(resp, &g, &e) == 0) {
		if (g.expires_in < 1 || g.expires_in > IPC_MAX_EXPIRES_IN || g.interval < 1 ||
		    g.interval > OAUTH_MAX_INTERVAL || !json_is_string(g.auth_req_id) ||
		    json_string_length(g.auth_req_id) < 1 || json_string_length(g.auth_req_id) > OAUTH_MAX_AUTH_REQ_ID ||
		    strlen(json_string_value(g.auth_req_id)) != json_string_length(g.auth_req_id))
			__builtin_trap();
	} else if (e.code != WIRE_BAD_RESPONSE || !fuzz_printable(e.message)) {
		__builtin_trap();
	}
	/* The same answer as an error: always a code, printable text. */
	memset(&e, 0, sizeof(e));
	if (oauth_ciba_error(resp, 400, &e) != -1 || e.code == WIRE_NONE || !fuzz_printable(e.message))
		__builtin_trap();
	json_decref(resp);
	return 0;
}
