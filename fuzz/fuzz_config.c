/* libFuzzer: pam_oidc.conf, and module arguments (one per line of the same
 * input), as a root-owned file and /etc/pam.d would give them. */
#include "fuzz_common.h"

#include <stdlib.h>

#include "core/conf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char *copy, *line, *next;

	if (config_init(&cfg) != 0)
		return 0;
	if (config_parse(&cfg, (const char *)data, size, "fuzz.conf", "sudo", &err) == 0) {
		if (config_finish(&cfg, &err) != 0 && err.reason == OIDC_OK)
			__builtin_trap();
	} else if (err.reason == OIDC_OK) {
		__builtin_trap();
	}
	config_free(&cfg);

	/* The same bytes as PAM module arguments. */
	if (config_init(&cfg) != 0 || (copy = malloc(size + 1)) == NULL) {
		config_free(&cfg);
		return 0;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = copy; line != NULL; line = next) {
		struct oidc_error aerr = { 0 };

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (config_set_arg(&cfg, line, &aerr) != 0 && aerr.reason == OIDC_OK)
			__builtin_trap();
	}
	free(copy);
	config_free(&cfg);
	return 0;
}
