/* libFuzzer: token endpoint answers (RFC 6749 §5.1-5.2, RFC 8628 §3.5),
 * both as a success and as an error or a poll answer. */
#include "fuzz_common.h"

#include "oauth_parse.h"
#include "util/jsonutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct helper_err e = { 0 };
	json_t *resp = NULL, *ev = NULL;
	int need;

	if (json_parse_strict((const char *)data, size, &resp, &err) != 0)
		return 0;
	for (need = 0; need <= 1; need++) {
		memset(&e, 0, sizeof(e));
		if (oauth_token_event(resp, need, &ev, &e) == 0) {
			/* The access token never leaves the helper. */
			if (ev == NULL || json_object_get(ev, "access_token") != NULL ||
			    (need && !json_is_string(json_object_get(ev, "id_token"))))
				__builtin_trap();
			json_decref(ev);
		} else if (e.code == WIRE_NONE || ev != NULL) {
			__builtin_trap();
		}
	}
	if (oauth_poll_answer(resp) == OAUTH_POLL_FAILED) {
		memset(&e, 0, sizeof(e));
		if (oauth_error(resp, 400, "token endpoint", &e) != -1 || e.code == WIRE_NONE || !fuzz_printable(e.message))
			__builtin_trap();
	}
	json_decref(resp);
	return 0;
}
