/* libFuzzer: the helper protocol, caller -> helper: what the helper reads on
 * its stdin, through the real line framing. */
#include "fuzz_common.h"

#include "oauth_parse.h"

static void
check_request(const json_t *req)
{
	struct helper_err e = { 0 };

	if (oauth_check_request(req, &e) == 0) {
		const char *op = json_string_value(json_object_get(req, "op"));

		const char *flow = json_string_value(json_object_get(req, "flow"));
		const json_t *bm = json_object_get(req, "binding_message");

		if (op == NULL || (strcmp(op, "login") != 0 && strcmp(op, "refresh") != 0 && strcmp(op, "fetch") != 0 &&
		    strcmp(op, "discover") != 0))
			__builtin_trap();
		/* Only the ops that authenticate go without a client_id. */
		if ((strcmp(op, "login") == 0 || strcmp(op, "refresh") == 0) && json_object_get(req, "client_id") == NULL)
			__builtin_trap();
		/* CIBA (issue 14): a flow of ours, with what it needs; a
		 * binding_message the IdP and a person can be shown. */
		if (flow != NULL && strcmp(flow, "device") != 0 && strcmp(flow, "ciba") != 0 && strcmp(flow, "auto") != 0)
			__builtin_trap();
		if (flow != NULL && strcmp(flow, "device") != 0 && json_object_get(req, "login_hint") == NULL)
			__builtin_trap();
		if (flow != NULL && strcmp(flow, "ciba") == 0 && json_object_get(req, "client_secret") == NULL)
			__builtin_trap();
		if (bm != NULL && (json_string_length(bm) < 1 || json_string_length(bm) > OAUTH_MAX_BINDING_MESSAGE ||
		    strspn(json_string_value(bm), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._+/!?#") !=
		    json_string_length(bm)))
			__builtin_trap();
	} else if (e.code == WIRE_NONE || !fuzz_printable(e.message)) {
		__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_message(data, size, check_request);
	return 0;
}
