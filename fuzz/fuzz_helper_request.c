/* libFuzzer: the helper protocol, caller -> helper: what the helper reads on
 * its stdin, through the real line framing. */
#include "fuzz_common.h"

#include "oauth_parse.h"
#include "pam_oidc/ipc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_error err = { 0 };
	struct ipc_reader rd;
	json_t *req = NULL;
	int fd, rc;

	if ((fd = fuzz_pipe(data, size)) < 0)
		return 0;
	ipc_reader_init(&rd, fd);
	while ((rc = ipc_read(&rd, 1000, &req, &err)) == 1) {
		struct helper_err e = { 0 };

		if (oauth_check_request(req, &e) == 0) {
			const char *op = json_string_value(json_object_get(req, "op"));

			if (op == NULL || (strcmp(op, "login") != 0 && strcmp(op, "refresh") != 0 &&
			    strcmp(op, "fetch") != 0))
				__builtin_trap();
		} else if (e.code == NULL || !fuzz_printable(e.message)) {
			__builtin_trap();
		}
		json_decref(req);
		req = NULL;
	}
	if (rc == 0 || err.reason == OIDC_OK)   /* EOF must end it with a reason */
		__builtin_trap();
	ipc_reader_clear(&rd);
	close(fd);
	return 0;
}
