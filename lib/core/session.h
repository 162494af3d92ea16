/* Revocable session records under state_dir/sessions/<uid>/<id>.json.
 * Root-owned (0700 folders, 0600 files), written atomically (temp + fsync
 * + rename), opened only with O_NOFOLLOW relative to folder descriptors.
 * The folder name is the numeric uid and the file name a random 128-bit id:
 * nothing a token says ever becomes a path. */
#ifndef PAM_OIDC_SESSION_H
#define PAM_OIDC_SESSION_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/conf.h"
#include "util/error.h"
#include "util/procinfo.h"

#define SESSION_ID_LEN 32              /* hex characters */
#define SESSION_MAX_BYTES (64 * 1024)
#define SESSION_FORMAT 2              /* 2: bound to a login session (issue 12) */

struct session_store {
	int top;        /* state_dir */
	int sessions;   /* state_dir/sessions */
};

/* Complaints about records (damaged, planted, misplaced) go here; the
 * module sends them to syslog, the CLI to stderr. May be NULL. */
typedef void (*session_warn_fn)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct session_ctx {
	session_warn_fn warn;
	void *warn_ctx;
};

int session_store_open(const char *state_dir, struct session_store *st, struct oidc_error *err);
void session_store_close(struct session_store *st);

/* 1 if s is a well-formed record id. */
int session_id_ok(const char *s);

/* Builds a record from verified claims and the PAM context. */
/* The name of on_revoke a record notes ("keep", "terminate", "lock"). */
const char *session_on_revoke_name(enum on_revoke how);
json_t *session_record_new(const struct oidc_config *cfg, const json_t *claims, const char *user, uid_t uid,
    const char *service, const char *tty, const char *rhost, const char *refresh_token, int64_t now);

/* json_decref that first wipes the refresh token of the last reference. */
void session_record_free(json_t *rec);

/* Writes a new record with a fresh random id (copied to id_out). */
int session_create(struct session_store *st, uid_t uid, json_t *rec, char id_out[SESSION_ID_LEN + 1],
    struct oidc_error *err);
/* Binds a record to the login session that earned it: the session's
 * process (pid + start time), that process's real uid and its terminal
 * device (0 = none yet). */
int session_record_bind(json_t *rec, const struct proc_id *anchor, uid_t anchor_uid, uint64_t tty_dev);

/* Atomically replaces an existing record, under the uid's lock; refuses
 * (-1, "gone") when the record was removed meanwhile, so a revocation is
 * never undone by a late update. */
int session_update(struct session_store *st, uid_t uid, const json_t *rec, struct oidc_error *err);
/* SESSION_LOAD_OK and *rec if it exists and is valid for uid;
 * SESSION_LOAD_ABSENT if absent (or removed as invalid); SESSION_LOAD_ERROR
 * on store errors. */
enum session_load { SESSION_LOAD_ERROR = -1, SESSION_LOAD_ABSENT = 0, SESSION_LOAD_OK = 1 };
enum session_load session_load(struct session_store *st, const struct session_ctx *ctx, uid_t uid, const char *id,
    json_t **rec, struct oidc_error *err);
/* Removes a record under the uid's lock. */
int session_remove(struct session_store *st, uid_t uid, const char *id);
/* The same for a caller that already holds the lock (lock fd from
 * session_lock). */
int session_update_locked(int lock, const json_t *rec, struct oidc_error *err);
int session_remove_locked(int lock, const char *id);

/* Exclusive lock on one uid's folder (updates, removals, refresh-token
 * rotation); returns an fd to pass to session_unlock, or -1. */
int session_lock(struct session_store *st, uid_t uid, struct oidc_error *err);
void session_unlock(int fd);

/* Calls fn for every valid record (of uid, or of every uid when uid is
 * (uid_t)-1). Invalid, expired (when gc) and stale temp files are removed,
 * except an expired record whose login session still runs and that
 * pam-oidc recheck may have to end (it holds a refresh token and its
 * service's on_revoke is not keep, or it is a revocation marker): fn sees
 * it, and must check "expires" itself. fn returns nonzero to stop. Returns the number of records visited or -1. */
int session_foreach(struct session_store *st, const struct session_ctx *ctx, uid_t uid, int gc, int64_t now,
    int (*fn)(void *arg, uid_t uid, json_t *rec), void *arg, struct oidc_error *err);

/* Why a parsed record is not a well-formed record for its place (file name
 * id, folder uid), or NULL if it is. */
const char *session_record_invalid(const json_t *rec, uid_t uid, const char *id);

/* Why the caller is not inside the login session a record is bound to,
 * or NULL if it is: its real uid is the record's uid, the recorded session
 * process (pid and start time) is the caller or one of its parents, and
 * (unless mode is REUSE_ANY) its controlling terminal is the recorded one,
 * if one was recorded. */
const char *session_binding_reason(const json_t *rec, const struct proc_caller *caller, enum reuse_mode mode);

/* Why a record may not serve this authentication, or NULL if it may.
 * Checks user, issuer, expiry, this service's session_ttl and max_age, the
 * session binding and the service's user/group/acr/amr policy. */
const char *session_unusable_reason(const struct oidc_config *cfg, const json_t *rec, const char *user,
    const char *service, const struct proc_caller *caller, int64_t now);

/* "sshd" -> none, anything else -> same_session, unless configured. */
enum reuse_mode session_reuse_mode(const struct oidc_config *cfg, const char *service);

/* /dev/pts/3 and pts/3 are the same terminal. */
const char *session_tty_norm(const char *tty);


/* What a record proves for a service's policy (allowed_groups under
 * groups_claim, acr, amr), as claims; NULL when out of memory. */
json_t *session_record_claims(const struct oidc_config *cfg, const json_t *rec);
/* A valid recheck's fresh, verified claims into rec: groups (cfg's
 * groups_claim) and hd set, or removed when the token has none; acr and
 * amr set when it has them. */
void session_record_refresh_claims(const struct oidc_config *cfg, json_t *rec, const json_t *claims);

#endif
