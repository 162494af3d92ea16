/* A PAM application with no one to see anything: its conversation has no
 * function (conv->conv == NULL). pam_oidc must refuse at once with
 * PAM_AUTHINFO_UNAVAIL instead of starting a device flow (issue 17).
 * Usage: nullconv SERVICE USER; prints pam_authenticate's code and exits 0
 * if it ran. */
#include "config.h"

#include <stdio.h>

#include <security/pam_appl.h>

int
main(int argc, char **argv)
{
	struct pam_conv conv = { NULL, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: nullconv SERVICE USER\n");
		return 2;
	}
	if ((rc = pam_start(argv[1], argv[2], &conv, &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %d\n", rc);
		return 1;
	}
	rc = pam_authenticate(pamh, 0);
	printf("pam_authenticate=%d (%s)\n", rc, pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	return 0;
}
