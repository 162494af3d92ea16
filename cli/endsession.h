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
	char logind[PROC_SESSION_ID_MAX + 1];   /* as recorded at open_session, "" if none */
	enum on_revoke how;
	long grace;
	char why[256];
	char done[96];                          /* what was done, for the report */
};

/* Fills t from a record; how/grace/why from the caller. -1 (and t->done
 * says why) when the record names no session that may be ended. */
int end_target_init(struct end_target *t, const json_t *rec, enum on_revoke how, long grace, const char *why);

/* Ends every target at once: logind when it runs and knows the session
 * (as this user's), else SIGHUP to the session process and its
 * descendants, then SIGKILL to those left after the longest grace. Only
 * processes verified by (pid, start time) through a pidfd are signalled.
 * One authpriv line per target. */
void end_sessions(struct end_target *t, size_t n);

#endif
