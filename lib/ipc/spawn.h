/* The helper as a child process (lib/ipc/spawn.c). */
#ifndef PAM_OIDC_SPAWN_H
#define PAM_OIDC_SPAWN_H

#include <sys/types.h>

#include "ipc/ipc.h"

struct helper_proc {
	pid_t pid;
	int to;                 /* its stdin */
	struct ipc_reader from; /* its stdout */
};

/* fork + execve(path) with an empty environment, in a session of its own
 * (no controlling terminal), stdin on a socket, stdout on a pipe, stderr on
 * /dev/null, every other descriptor closed. The caller's signal
 * dispositions are left alone. */
int helper_spawn(const char *path, struct helper_proc *h, struct oidc_error *err);
/* Closes its stdin, waits up to grace_ms for it to exit, kills its whole
 * process group (SIGKILL) and reaps it. Returns its exit status, or -1 (also
 * when the caller's SIGCHLD handling reaped it first). */
int helper_finish(struct helper_proc *h, int grace_ms);

#endif
