/* libFuzzer: the device authorization response (RFC 8628 §3.2). */
#include "fuzz_common.h"

#include "oauth_parse.h"
#include "util/jsonutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct helper_err e = { 0 };
	struct device_grant g;
	json_t *dev = NULL;

	if (json_parse_strict((const char *)data, size, &dev, &err) != 0)
		return 0;
	if (oauth_parse_device(dev, &g, &e) == 0) {
		if (g.expires_in < 1 || g.expires_in > IPC_MAX_EXPIRES_IN || g.interval < 1 ||
		    g.interval > OAUTH_MAX_INTERVAL || json_string_length(g.user_code) > IPC_MAX_USER_CODE ||
		    json_string_length(g.device_code) > OAUTH_MAX_DEVICE_CODE ||
		    strncmp(json_string_value(g.verification_uri), "https://", 8) != 0)
			__builtin_trap();
	} else if (e.code == WIRE_NONE) {
		__builtin_trap();
	}
	json_decref(dev);
	return 0;
}
