/* libFuzzer: the helper protocol, helper -> caller: the events the module
 * reads from the helper's stdout, through the real line framing. */
#include "fuzz_common.h"

static void
check_event(const json_t *ev)
{
	struct oidc_error err = { 0 };
	const char *kind = ipc_event_check(ev, &err);

	if (kind == NULL ? err.reason == OIDC_OK : strcmp(kind, json_string_value(json_object_get(ev, "event"))) != 0)
		__builtin_trap();
	if (kind != NULL && strcmp(kind, "device") == 0 &&
	    strncmp(json_string_value(json_object_get(ev, "verification_uri")), "https://", 8) != 0)
		__builtin_trap();
	if (kind != NULL && strcmp(kind, "ciba") == 0) {
		json_int_t ex = json_integer_value(json_object_get(ev, "expires_in"));
		json_int_t iv = json_integer_value(json_object_get(ev, "interval"));

		if (ex < 1 || ex > IPC_MAX_EXPIRES_IN || iv < 1 || iv > 3600)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_message(data, size, check_event);
	return 0;
}
