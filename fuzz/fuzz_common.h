/* Shared by the libFuzzer targets: each defines LLVMFuzzerTestOneInput and
 * traps (__builtin_trap) when an invariant of the code under test breaks;
 * ASan/UBSan catch the rest. */
#ifndef PAM_OIDC_FUZZ_COMMON_H
#define PAM_OIDC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ipc/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text meant for a log or a person: printable ASCII only. */
static inline int
fuzz_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

/* Feeds data through a pipe (how the module and the helper really receive
 * messages) into the real ipc_read() framing and calls each() on every
 * message; the stream must end with a reason (EOF or a refusal). */
static inline void
fuzz_each_message(const uint8_t *data, size_t size, void (*each)(const json_t *msg))
{
	struct oidc_error err = { 0 };
	struct ipc_reader rd;
	json_t *msg = NULL;
	size_t off = 0;
	ssize_t n;
	int p[2], rc;

	if (size > 60000 || pipe(p) != 0)   /* stays below the pipe's buffer */
		return;
	while (off < size && (n = write(p[1], data + off, size - off)) > 0)
		off += (size_t)n;
	close(p[1]);
	ipc_reader_init(&rd, p[0]);
	while ((rc = ipc_read(&rd, 1000, &msg, &err)) == 1) {
		each(msg);
		json_decref(msg);
		msg = NULL;
	}
	if (rc == 0 || err.reason == OIDC_OK)
		__builtin_trap();
	ipc_reader_clear(&rd);
	close(p[0]);
}

#endif
