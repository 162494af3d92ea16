/* Ending the login session of a revoked record (pam-oidc recheck and
 * revoke --terminate, run as root; never the module). */
#ifndef PAM_OIDC_ENDSESSION_H
#define PAM_OIDC_ENDSESSION_H

#include <sys/types.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/procinfo.h"

struct end_target {
	char id[33];
	char user[64];
	char service[64];
	uid_t uid;
	struct proc_id anchor;
	int anchor_root;                        /* the session process is root's and opened the session */
	char logind[PROC_SESSION_ID_MAX + 1];   /* as recorded at open_session, "" if none */
	enum on_revoke how;
	long grace;
	char why[256];
	char done[200];                         /* what was done, for the report */
	int dealt;                              /* 1: nothing is left for a later run to do */
};

/* Fills t from a record; how/grace/why from the caller. -1 (and t->done
 * says why) when the record names no session that may be ended. */
int end_target_init(struct end_target *t, const json_t *rec, enum on_revoke how, long grace, const char *why);

/* Ends every target: terminate asks logind too when it knows the session
 * as this user's (and gives it the grace), then stops the session
 * process's whole tree (SIGSTOP, walked again from every stopped process
 * until nothing new appears) and kills it (SIGKILL): no process of the
 * user's gets a signal it can catch first. A root session process that
 * opened the session (sshd's, login's) is left running until its user
 * processes are killed and has the grace to close the session itself.
 * Only processes verified by (pid, start time) through a pidfd are
 * signalled. t->done says what was done; one authpriv line per target. */
void end_sessions(struct end_target *t, size_t n);

#endif
