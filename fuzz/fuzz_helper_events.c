/* libFuzzer: the helper protocol, helper -> caller: the events the module
 * reads from the helper's stdout, through the real line framing. */
#include "fuzz_common.h"

#include "pam_oidc/ipc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct ipc_reader rd;
	json_t *ev = NULL;
	int fd, rc;

	if ((fd = fuzz_pipe(data, size)) < 0)
		return 0;
	ipc_reader_init(&rd, fd);
	while ((rc = ipc_read(&rd, 1000, &ev, &err)) == 1) {
		struct oidc_error cerr = { 0 };
		const char *kind = ipc_event_check(ev, &cerr);

		if (kind == NULL ? cerr.reason == OIDC_OK :
		    strcmp(kind, json_string_value(json_object_get(ev, "event"))) != 0)
			__builtin_trap();
		if (kind != NULL && strcmp(kind, "device") == 0 &&
		    strncmp(json_string_value(json_object_get(ev, "verification_uri")), "https://", 8) != 0)
			__builtin_trap();
		json_decref(ev);
		ev = NULL;
	}
	if (rc == 0 || err.reason == OIDC_OK)
		__builtin_trap();
	ipc_reader_clear(&rd);
	close(fd);
	return 0;
}
