/* Shared by the libFuzzer targets: each defines LLVMFuzzerTestOneInput and
 * traps (__builtin_trap) when an invariant of the code under test breaks;
 * ASan/UBSan catch the rest. */
#ifndef PAM_OIDC_FUZZ_COMMON_H
#define PAM_OIDC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

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

/* A pipe whose read end yields exactly data, then EOF: how the module and
 * the helper really receive messages. Returns the read end or -1. */
static inline int
fuzz_pipe(const uint8_t *data, size_t size)
{
	int p[2];
	size_t off = 0;
	ssize_t n;

	if (size > 60000 || pipe(p) != 0)   /* stays below the pipe's buffer */
		return -1;
	while (off < size && (n = write(p[1], data + off, size - off)) > 0)
		off += (size_t)n;
	close(p[1]);
	return p[0];
}

#endif
