#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "core/identity.h"
#include "core/revoke.h"
#include "jose/idtoken.h"
#include "util/jsonutil.h"
#include "util/procinfo.h"
#include "core/session.h"
#include "util/buf.h"

#define TMP_STALE_SECONDS 60

static void warn(const struct session_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(const struct session_ctx *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (ctx == NULL || ctx->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->warn(ctx->warn_ctx, "%s", buf);
}

int
session_store_open(const char *state_dir, struct session_store *st, struct oidc_error *err)
{
	st->top = st->sessions = -1;
	if ((st->top = store_dir_open(state_dir, err)) < 0)
		return -1;
	if ((st->sessions = store_subdir_open(st->top, "sessions", 1, err)) < 0) {
		close(st->top);
		st->top = -1;
		return -1;
	}
	return 0;
}

void
session_store_close(struct session_store *st)
{
	if (st->sessions >= 0)
		close(st->sessions);
	if (st->top >= 0)
		close(st->top);
	st->top = st->sessions = -1;
}

int
session_id_ok(const char *s)
{
	size_t i;

	for (i = 0; i < SESSION_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[SESSION_ID_LEN] == '\0';
}

/* "<id>.json" -> id, or NULL. */
static int
record_name_id(const char *name, char id[SESSION_ID_LEN + 1])
{
	if (strlen(name) != SESSION_ID_LEN + 5 || strcmp(name + SESSION_ID_LEN, ".json") != 0)
		return -1;
	memcpy(id, name, SESSION_ID_LEN);
	id[SESSION_ID_LEN] = '\0';
	return session_id_ok(id) ? 0 : -1;
}

static int
uid_dir_open(struct session_store *st, uid_t uid, int create, struct oidc_error *err)
{
	char name[32];

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	return store_subdir_open(st->sessions, name, create, err);
}

static void
set_str(json_t *o, const char *k, const char *v)
{
	if (v != NULL && v[0] != '\0')
		json_object_set_new(o, k, json_string(v));
}

void
session_record_free(json_t *rec)
{
	if (rec == NULL)
		return;
	/* Only the last reference wipes: a caller may still hold the record. */
	if (rec->refcount == 1)
		json_wipe_member(rec, "refresh_token");
	json_decref(rec);
}

const char *
session_on_revoke_name(enum on_revoke how)
{
	return how == ON_REVOKE_TERMINATE ? "terminate" : how == ON_REVOKE_LOCK ? "lock" : "keep";
}

json_t *
session_record_new(const struct oidc_config *cfg, const json_t *claims, const char *user, uid_t uid,
    const char *service, const char *tty, const char *rhost, const char *refresh_token, int64_t now)
{
	json_t *rec, *v;
	int64_t auth_time;
	/* hd: allowed_hd is part of the policy a reuse or recheck applies again. */
	const char *strs[] = { "sid", "acr", "hd" };
	size_t i;

	rec = json_pack("{s:i, s:s, s:I, s:s, s:s, s:I, s:I, s:I}", "v", SESSION_FORMAT, "user", user,
	    "uid", (json_int_t)uid, "iss", json_string_value(json_object_get(claims, "iss")),
	    "sub", json_string_value(json_object_get(claims, "sub")), "created", (json_int_t)now,
	    "expires", (json_int_t)now + cfg->session_ttl, "checked", (json_int_t)now);
	if (rec == NULL)
		return NULL;
	/* OIDC Core §2: auth_time when the IdP sent it, else this login. */
	if (idtoken_claim_time(claims, "auth_time", &auth_time) != 0 || auth_time > now)
		auth_time = now;
	json_object_set_new(rec, "auth_time", json_integer((json_int_t)auth_time));
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (json_is_string(v = json_object_get(claims, strs[i])) && json_string_length(v) <= 256)
			json_object_set(rec, strs[i], v);
	if (json_is_array(v = json_object_get(claims, "amr")) && json_array_size(v) <= 32)
		json_object_set(rec, "amr", v);
	if ((json_is_array(v = json_object_get(claims, cfg->groups_claim)) && json_array_size(v) <= 512) ||
	    json_is_string(v)) {
		json_object_set(rec, "groups", v);
		/* Another service's groups_claim never reads them. */
		set_str(rec, "groups_claim", cfg->groups_claim);
	}
	set_str(rec, "service", service);
	set_str(rec, "tty", session_tty_norm(tty));
	set_str(rec, "rhost", rhost);
	/* Kept only when re-validation needs it (recheck). */
	if (cfg->recheck > 0 && refresh_token != NULL) {
		json_object_set_new(rec, "refresh_token", json_string(refresh_token));
		set_str(rec, "on_revoke", session_on_revoke_name(cfg->on_revoke));
	}
	return rec;
}

void
session_record_refresh_claims(const struct oidc_config *cfg, json_t *rec, const json_t *claims)
{
	const json_t *v;

	if ((json_is_array(v = json_object_get(claims, cfg->groups_claim)) && json_array_size(v) <= 512) ||
	    json_is_string(v)) {
		json_object_set(rec, "groups", (json_t *)v);
		json_object_set_new(rec, "groups_claim", json_string(cfg->groups_claim));
	} else {
		json_object_del(rec, "groups");
		json_object_del(rec, "groups_claim");
	}
	/* allowed_hd is applied to it again on reuse. */
	if (json_is_string(v = json_object_get(claims, "hd")) && json_string_length(v) <= 256)
		json_object_set(rec, "hd", (json_t *)v);
	else
		json_object_del(rec, "hd");
	if (json_is_string(v = json_object_get(claims, "acr")) && json_string_length(v) <= 256)
		json_object_set(rec, "acr", (json_t *)v);
	if (json_is_array(v = json_object_get(claims, "amr")) && json_array_size(v) <= 32)
		json_object_set(rec, "amr", (json_t *)v);
}

static int
write_record(int dfd, const char *id, const json_t *rec, struct oidc_error *err)
{
	char name[SESSION_ID_LEN + 8];

	snprintf(name, sizeof(name), "%s.json", id);
	return store_write_json(dfd, name, rec, SESSION_MAX_BYTES, err);
}

int
session_create(struct session_store *st, uid_t uid, json_t *rec, char id_out[SESSION_ID_LEN + 1],
    struct oidc_error *err)
{
	unsigned char rnd[SESSION_ID_LEN / 2];
	char id[SESSION_ID_LEN + 1];
	size_t i;
	int dfd, r;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return oidc_error_set(err, OIDC_E_STORE, "getrandom failed");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	json_object_set_new(rec, "id", json_string(id));
	if ((dfd = uid_dir_open(st, uid, 1, err)) < 0)
		return -1;
	r = write_record(dfd, id, rec, err);
	close(dfd);
	if (r == 0)
		memcpy(id_out, id, sizeof(id));
	return r;
}

int
session_update_locked(int lock, const json_t *rec, struct oidc_error *err)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	char name[SESSION_ID_LEN + 8];
	struct stat sb;

	if (id == NULL || !session_id_ok(id))
		return oidc_error_set(err, OIDC_E_STORE, "record has no valid id");
	/* Revoked or ended meanwhile: writing it again would undo that. */
	snprintf(name, sizeof(name), "%s.json", id);
	if (fstatat(lock, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
		return oidc_error_set(err, OIDC_E_STORE, "record %s is gone (revoked or ended)", id);
	return write_record(lock, id, rec, err);
}

int
session_update(struct session_store *st, uid_t uid, const json_t *rec, struct oidc_error *err)
{
	int lock, r;

	if ((lock = session_lock(st, uid, err)) < 0)
		return -1;
	r = session_update_locked(lock, rec, err);
	session_unlock(lock);
	return r;
}

/* A record must say what its place says: its id is its file name, its uid
 * is its folder. A record copied into another user's folder fails here. */
const char *
session_record_invalid(const json_t *rec, uid_t uid, const char *id)
{
	const json_t *v;

	if (!json_is_object(rec))
		return "not a JSON object";
	if (json_integer_value(json_object_get(rec, "v")) != SESSION_FORMAT)
		return "unknown format version";
	if (!json_is_string(v = json_object_get(rec, "id")) || strcmp(json_string_value(v), id) != 0)
		return "id does not match its file name";
	if (!json_is_integer(v = json_object_get(rec, "uid")) || json_integer_value(v) != (json_int_t)uid)
		return "uid does not match its folder";
	if (!json_is_string(v = json_object_get(rec, "user")) || !identity_name_ok(json_string_value(v)))
		return "no valid user";
	if (!json_is_string(json_object_get(rec, "iss")) || !json_is_string(json_object_get(rec, "sub")))
		return "no iss or sub";
	if (!json_is_integer(json_object_get(rec, "created")) || !json_is_integer(json_object_get(rec, "expires")) ||
	    !json_is_integer(json_object_get(rec, "auth_time")))
		return "missing times";
	return NULL;
}

static enum session_load
load_in(int dfd, const struct session_ctx *ctx, uid_t uid, const char *id, json_t **out, struct oidc_error *err)
{
	char name[SESSION_ID_LEN + 8], *buf = NULL;
	struct oidc_error rerr = { 0 };
	const char *why = NULL;
	json_t *rec = NULL;
	size_t len = 0;
	enum store_read r;

	snprintf(name, sizeof(name), "%s.json", id);
	r = store_read_file(dfd, name, SESSION_MAX_BYTES, &buf, &len, &rerr);
	if (r == STORE_READ_ABSENT)
		return SESSION_LOAD_ABSENT;
	if (r == STORE_READ_ERROR) {
		/* A symlink, a foreign or shared file, an oversized one: never
		 * read, always reported, then removed (unlink removes a link
		 * itself, never its target). */
		warn(ctx, "refusing session record %u/%s: %s; removing it", (unsigned)uid, name, rerr.text);
		unlinkat(dfd, name, 0);
		return SESSION_LOAD_ABSENT;
	}
	if (json_parse_strict(buf, len, &rec, &rerr) != 0 || (why = session_record_invalid(rec, uid, id)) != NULL) {
		warn(ctx, "damaged session record %u/%s (%s); removing it", (unsigned)uid, name,
		    rec == NULL ? rerr.text : why);
		session_record_free(rec);
		unlinkat(dfd, name, 0);
		rec = NULL;
	}
	wipe_free_n(buf, len);
	if (rec == NULL)
		return SESSION_LOAD_ABSENT;
	*out = rec;
	(void)err;
	return SESSION_LOAD_OK;
}

enum session_load
session_load(struct session_store *st, const struct session_ctx *ctx, uid_t uid, const char *id, json_t **rec,
    struct oidc_error *err)
{
	enum session_load r;
	int dfd;

	if (!session_id_ok(id))
		return SESSION_LOAD_ABSENT;
	if ((dfd = uid_dir_open(st, uid, 0, err)) < 0)
		return dfd == STORE_MISSING ? SESSION_LOAD_ABSENT : SESSION_LOAD_ERROR;
	r = load_in(dfd, ctx, uid, id, rec, err);
	close(dfd);
	return r;
}

int
session_remove_locked(int lock, const char *id)
{
	char name[SESSION_ID_LEN + 8];

	if (!session_id_ok(id))
		return -1;
	snprintf(name, sizeof(name), "%s.json", id);
	return unlinkat(lock, name, 0) == 0 ? 0 : -1;
}

int
session_remove(struct session_store *st, uid_t uid, const char *id)
{
	struct oidc_error ignored = { 0 };
	int lock, r;

	if (!session_id_ok(id))
		return -1;
	if ((lock = session_lock(st, uid, &ignored)) < 0)
		return -1;
	r = session_remove_locked(lock, id);
	session_unlock(lock);
	return r;
}

int
session_lock(struct session_store *st, uid_t uid, struct oidc_error *err)
{
	int dfd = uid_dir_open(st, uid, 1, err);

	if (dfd < 0)
		return -1;
	while (flock(dfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(dfd);
			return oidc_error_set(err, OIDC_E_STORE, "cannot lock the session folder: %s", strerror(errno));
		}
	}
	return dfd;
}

void
session_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* 1 if the login session a record is bound to has ended: its process is
 * gone, or its pid now belongs to another process. */
static int
session_ended(const json_t *rec)
{
	const json_t *pid = json_object_get(rec, "anchor_pid");
	struct proc_stat ps;

	if (!json_is_integer(pid) || json_integer_value(pid) <= 1)
		return 0;
	if (procinfo_read((int64_t)json_integer_value(pid), &ps) != 0)
		return 1;
	return ps.start != (int64_t)json_integer_value(json_object_get(rec, "anchor_start"));
}

/* An expired record that gc leaves to pam-oidc recheck: its login session
 * still runs and the recheck may have to end it (offline = grace ends it
 * at the record's expiry; a session longer than session_ttl is still
 * rechecked): one recheck will end (or keep checking) it, and removes it
 * once its session ended. A revocation marker (recheck stopped before its
 * session was ended) is kept for the same reason. A record its service
 * keeps sessions for (on_revoke = keep, noted when it was made and at each
 * recheck) goes as before. */
static int
kept_for_recheck(const json_t *rec)
{
	const char *how = json_string_value(json_object_get(rec, "on_revoke"));

	if (session_ended(rec) || revoke_session_refusal(rec) != NULL)
		return 0;
	if (json_is_true(json_object_get(rec, "revoked")))
		return 1;
	return json_is_string(json_object_get(rec, "refresh_token")) && (how == NULL || strcmp(how, "keep") != 0);
}

static int
foreach_in(int dfd, const struct session_ctx *ctx, uid_t uid, int gc, int64_t now,
    int (*fn)(void *, uid_t, json_t *), void *arg, int *stop)
{
	struct oidc_error ignored = { 0 };
	char id[SESSION_ID_LEN + 1];
	struct dirent *de;
	struct stat sb;
	json_t *rec;
	DIR *d;
	int n = 0, dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0);

	if (dup < 0 || (d = fdopendir(dup)) == NULL) {
		if (dup >= 0)
			close(dup);
		return -1;
	}
	while (!*stop && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.') {
			/* Temp files of a writer that died mid-write. */
			if (gc && strncmp(de->d_name, ".tmp.", 5) == 0 &&
			    fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && now - sb.st_mtime > TMP_STALE_SECONDS)
				unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (record_name_id(de->d_name, id) != 0) {
			warn(ctx, "unexpected file sessions/%u/%.64s; removing it", (unsigned)uid, de->d_name);
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		rec = NULL;
		if (load_in(dfd, ctx, uid, id, &rec, &ignored) != SESSION_LOAD_OK)
			continue;
		if (gc && (json_integer_value(json_object_get(rec, "expires")) <= now || session_ended(rec)) &&
		    !kept_for_recheck(rec)) {
			char name[SESSION_ID_LEN + 8];

			snprintf(name, sizeof(name), "%s.json", id);
			unlinkat(dfd, name, 0);
			session_record_free(rec);
			continue;
		}
		n++;
		if (fn != NULL && fn(arg, uid, rec) != 0)
			*stop = 1;
		session_record_free(rec);
	}
	closedir(d);
	return n;
}

int
session_foreach(struct session_store *st, const struct session_ctx *ctx, uid_t uid, int gc, int64_t now,
    int (*fn)(void *, uid_t, json_t *), void *arg, struct oidc_error *err)
{
	struct dirent *de;
	DIR *d;
	int total = 0, n, stop = 0, dfd, dup;

	if (uid != (uid_t)-1) {
		if ((dfd = uid_dir_open(st, uid, 0, err)) < 0)
			return dfd == STORE_MISSING ? 0 : -1;   /* no folder: no records */
		n = foreach_in(dfd, ctx, uid, gc, now, fn, arg, &stop);
		close(dfd);
		return n;
	}
	if ((dup = fcntl(st->sessions, F_DUPFD_CLOEXEC, 0)) < 0 || (d = fdopendir(dup)) == NULL) {
		if (dup >= 0)
			close(dup);
		return oidc_error_set(err, OIDC_E_STORE, "cannot list sessions: %s", strerror(errno));
	}
	while (!stop && (de = readdir(d)) != NULL) {
		char *end;
		unsigned long u;

		if (de->d_name[0] == '.')
			continue;
		errno = 0;
		u = strtoul(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || end == de->d_name || u >= (unsigned long)(uid_t)-1) {
			warn(ctx, "unexpected entry sessions/%.64s; ignoring it", de->d_name);
			continue;
		}
		if ((dfd = uid_dir_open(st, (uid_t)u, 0, err)) < 0) {
			oidc_error_drop(err);
			warn(ctx, "unsafe folder sessions/%lu; ignoring it", u);
			continue;
		}
		n = foreach_in(dfd, ctx, (uid_t)u, gc, now, fn, arg, &stop);
		close(dfd);
		if (n > 0)
			total += n;
	}
	closedir(d);
	return total;
}
