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

		if (op == NULL || (strcmp(op, "login") != 0 && strcmp(op, "refresh") != 0 && strcmp(op, "fetch") != 0))
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
