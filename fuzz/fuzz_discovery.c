/* libFuzzer: the discovery document (OpenID Connect Discovery 1.0 §4) as the
 * helper receives it from /.well-known/openid-configuration, and the
 * "discovery" event a probe (op discover) builds from it. */
#include "fuzz_common.h"

#include "oauth_parse.h"
#include "util/jsonutil.h"

#define ISSUER "https://op.test"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct helper_err e = { 0 };
	json_t *doc = NULL;

	if (json_parse_strict((const char *)data, size, &doc, &err) != 0)
		return 0;
	if (oauth_check_discovery(doc, ISSUER, &e) == 0) {
		if (e.code != WIRE_NONE || strcmp(json_string_value(json_object_get(doc, "issuer")), ISSUER) != 0 ||
		    strncmp(json_string_value(json_object_get(doc, "token_endpoint")), "https://", 8) != 0 ||
		    strncmp(json_string_value(json_object_get(doc, "jwks_uri")), "https://", 8) != 0)
			__builtin_trap();
		/* A probe's "discovery" event: what the helper builds from a
		 * checked document always passes the caller's check. */
		json_t *ev = NULL;

		if (oauth_discovery_event(doc, &ev, &e) != 0 || ipc_event_check(ev, &err) == NULL)
			__builtin_trap();
		json_decref(ev);
	} else if (e.code == WIRE_NONE || !fuzz_printable(e.message)) {
		__builtin_trap();
	}
	json_decref(doc);
	return 0;
}
