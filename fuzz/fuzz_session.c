/* libFuzzer: a session record as read back from /run/pam_oidc/sessions,
 * then judged for reuse against a service's policy. */
#include "fuzz_common.h"

#include "core/conf.h"
#include "util/jsonutil.h"
#include "core/session.h"

#define ID "00112233445566778899aabbccddeeff"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	json_t *rec = NULL;

	if (json_parse_strict((const char *)data, size, &rec, &err) != 0)
		return 0;
	if (session_record_invalid(rec, 1000, ID) == NULL && config_init(&cfg) == 0) {
		const char *why;
		struct proc_caller caller = { 1000, 0x8801, 1, { { 4242, 777 } } };

		if (config_set(&cfg, "issuer", "https://op.test", "fuzz", &err) == 0 &&
		    config_set(&cfg, "client_id", "pam-oidc", "fuzz", &err) == 0 &&
		    config_set(&cfg, "allowed_groups", "admins", "fuzz", &err) == 0 &&
		    config_set(&cfg, "required_amr", "mfa", "fuzz", &err) == 0) {
			why = session_unusable_reason(&cfg, rec, "alice", "sudo", &caller, 1800000000);
			if (why == NULL && strcmp(json_string_value(json_object_get(rec, "user")), "alice") != 0)
				__builtin_trap();
		}
		config_free(&cfg);
	}
	json_decref(rec);
	return 0;
}
