/* pam-oidc recheck: every live record that holds a refresh token is
 * refreshed at the IdP once, under its uid's lock; the answer and the
 * record's service policy decide (lib/core/revoke.c); revoked records go
 * and their login sessions are ended as on_revoke says (endsession.c),
 * each right after its decision. A revoked record whose session is to be
 * ended is first turned into a marker ("revoked": true: never reused,
 * kept by gc) and removed only once its session was ended, so a run
 * stopped midway (TimeoutStartSec, shutdown, a crash) leaves the next run
 * the job, which it does first. The rest go in a random order, so the
 * same tail is never starved by runs that are cut short. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "endsession.h"
#include "core/conf.h"
#include "core/flow.h"
#include "core/reuse.h"
#include "core/revoke.h"
#include "core/session.h"
#include "util/jsonutil.h"
#include "util/procinfo.h"

/* Exit codes (pam-oidc(8)). */
enum { RECHECK_EXIT_VALID = 0, RECHECK_EXIT_REVOKED = 1, RECHECK_EXIT_USAGE = 2, RECHECK_EXIT_UNAVAILABLE = 3 };

struct item {
	uid_t uid;
	int marker;   /* "revoked": true, left by a run that stopped */
	char id[SESSION_ID_LEN + 1];
};

struct list {
	struct item *v;
	size_t n;
};

struct row {
	char id[SESSION_ID_LEN + 1];
	char user[64];
	char service[64];
	const char *result;   /* valid, revoked, unknown, ended, error */
	char why[256];
	int target;           /* index into the targets, or -1 */
};

static int
collect(void *arg, uid_t uid, json_t *rec)
{
	struct list *l = arg;
	struct item *nv;

	int marker = json_is_true(json_object_get(rec, "revoked"));

	if (!marker && !json_is_string(json_object_get(rec, "refresh_token")))
		return 0;
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
		return 1;
	l->v = nv;
	l->v[l->n].uid = uid;
	l->v[l->n].marker = marker;
	snprintf(l->v[l->n].id, sizeof(l->v[l->n].id), "%s", json_string_value(json_object_get(rec, "id")));
	l->n++;
	return 0;
}

/* A valid recheck: checked now, the rotated refresh token, and the groups,
 * hd, acr and amr the fresh ID token says (reuse then sees today's claims). */
static void
record_refresh(const struct oidc_config *cfg, json_t *rec, const json_t *tokens, const json_t *claims, int64_t now)
{
	const char *nrt = json_string_value(json_object_get(tokens, "refresh_token"));

	json_object_set_new(rec, "checked", json_integer((json_int_t)now));
	json_object_set_new(rec, "on_revoke", json_string(session_on_revoke_name(cfg->on_revoke)));
	if (nrt != NULL) {
		json_wipe_member(rec, "refresh_token");
		json_object_set_new(rec, "refresh_token", json_string(nrt));
	}
	if (claims != NULL)
		session_record_refresh_claims(cfg, rec, claims);
}

/* Removes record id once its session was dealt with (under the lock). */
static void
remove_after(struct session_store *st, const struct item *it)
{
	struct oidc_error err = { 0 };
	int lock = session_lock(st, it->uid, &err);

	if (lock < 0)
		return;
	(void)session_remove_locked(lock, it->id);
	session_unlock(lock);
}

/* The revocation outlives this run: a marker that is never reused, whose
 * refresh token is gone, and that gc keeps while its session runs. */
static int
mark_revoked(int lock, json_t *rec, const char *why)
{
	struct oidc_error err = { 0 };

	json_wipe_member(rec, "refresh_token");
	(void)json_object_del(rec, "refresh_token");
	json_object_set_new(rec, "revoked", json_true());
	json_object_set_new(rec, "revoked_why", json_string(why));
	return session_update_locked(lock, rec, &err);
}

/* One record: decided under its uid's lock; its session, when on_revoke
 * applies, ended right after (the lock released: the grace may be long). */
static void
recheck_one(const struct store_opts *o, struct session_store *st, const struct item *it, struct row *row,
    struct end_target *tgt, int *has_target)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 }, refused = { 0 };
	struct revoke_verdict v;
	struct proc_id anchor;
	json_t *rec = NULL, *tokens = NULL, *claims = NULL;
	int64_t now = (int64_t)time(NULL);
	int lock, refreshed, end = 0, marked = 0, cfg_ok = 0;
	const char *rt;

	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", it->id);
	row->result = "error";
	row->target = -1;
	*has_target = 0;
	if ((lock = session_lock(st, it->uid, &err)) < 0) {
		snprintf(row->why, sizeof(row->why), "%s", err.text);
		return;
	}
	/* Revoked, ended or rechecked by a login meanwhile: read it again. */
	if (session_load(st, cli_warn_ctx, it->uid, it->id, &rec, &err) != SESSION_LOAD_OK) {
		row->result = "gone";
		snprintf(row->why, sizeof(row->why), "removed meanwhile");
		goto out_unlock;
	}
	snprintf(row->user, sizeof(row->user), "%s", json_string_value(json_object_get(rec, "user")));
	snprintf(row->service, sizeof(row->service), "%s",
	    json_is_string(json_object_get(rec, "service")) ? json_string_value(json_object_get(rec, "service")) : "-");
	anchor.pid = (int64_t)json_integer_value(json_object_get(rec, "anchor_pid"));
	anchor.start = (int64_t)json_integer_value(json_object_get(rec, "anchor_start"));
	/* A session that already ended is never ended again: its pid may be
	 * another process's by now. Its record just goes. */
	if (!procinfo_is(&anchor)) {
		(void)session_remove_locked(lock, it->id);
		row->result = "ended";
		snprintf(row->why, sizeof(row->why), "its login session had ended; record removed");
		goto out_unlock;
	}
	if (config_init(&cfg) != 0)
		goto out_unlock;
	cfg_ok = 1;
	if (config_load(&cfg, o->config, json_string_value(json_object_get(rec, "service")), &err) != 0 ||
	    config_finish(&cfg, &err) != 0 || config_check_files(&cfg, &err) != 0) {
		snprintf(row->why, sizeof(row->why), "%s", err.text);
		goto out_unlock;
	}
	if (json_is_true(json_object_get(rec, "revoked"))) {
		/* A run that stopped before it ended this session: finish it. */
		row->result = "revoked";
		snprintf(row->why, sizeof(row->why), "revoked by an earlier run: %.200s",
		    json_is_string(json_object_get(rec, "revoked_why")) ?
			json_string_value(json_object_get(rec, "revoked_why")) : "-");
		if (cfg.on_revoke != ON_REVOKE_KEEP) {
			*has_target = 1;
			if (end_target_init(tgt, rec, cfg.on_revoke, cfg.revoke_grace, row->why) == 0)
				end = marked = 1;
		}
		if (!marked)
			(void)session_remove_locked(lock, it->id);
		goto out_unlock;
	}
	rt = json_string_value(json_object_get(rec, "refresh_token"));
	refreshed = rt != NULL && flow_refresh(&cfg, 1, rt, &tokens, &err) == 0;
	if (refreshed)
		(void)reuse_refresh_answer_claims(&cfg, rec, tokens, now, &claims, &refused);
	(void)revoke_decide(&cfg, rec, refreshed, err.reason, &refused, claims, now, &v);   /* v holds it */
	row->result = v.result == REVOKE_VALID ? "valid" : v.result == REVOKE_REVOKED ? "revoked" : "unknown";
	snprintf(row->why, sizeof(row->why), "%s", v.why);
	if (v.result == REVOKE_VALID) {
		record_refresh(&cfg, rec, tokens, claims, now);
		if (session_update_locked(lock, rec, &err) != 0)
			snprintf(row->why, sizeof(row->why), "cannot store it: %.200s", err.text);
		goto out_unlock;
	}
	if (v.end_session && cfg.on_revoke != ON_REVOKE_KEEP) {
		*has_target = 1;
		end = end_target_init(tgt, rec, cfg.on_revoke, cfg.revoke_grace, v.why) == 0;
		/* Revoked: a marker until its session was ended (else removed
		 * at once, as when the marker cannot be written). */
		if (v.remove && end && mark_revoked(lock, rec, v.why) == 0)
			marked = 1;
		else if (v.remove)
			(void)session_remove_locked(lock, it->id);
	} else if (v.remove) {
		(void)session_remove_locked(lock, it->id);
	}
out_unlock:
	session_unlock(lock);
	if (end) {
		end_sessions(tgt, 1);
		/* A revoked record (a marker) goes once its session was dealt
		 * with for sure, so that a later run retries one that was not;
		 * any record once its session is gone. */
		if ((marked && tgt->dealt) || !procinfo_is(&tgt->anchor))
			remove_after(st, it);
	}
	if (cfg_ok)
		config_free(&cfg);
	json_decref(claims);
	flow_tokens_free(tokens);
	session_record_free(rec);
}

/* Markers of stopped runs first, the rest in a random order. */
static void
order(struct list *l)
{
	size_t i, front = 0;

	for (i = 0; i < l->n; i++)
		if (l->v[i].marker) {
			struct item t = l->v[front];

			l->v[front++] = l->v[i];
			l->v[i] = t;
		}
	for (i = l->n; i > front + 1; i--) {
		uint32_t r;
		size_t j;
		struct item t;

		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return;
		j = front + (size_t)(r % (uint32_t)(i - front));
		t = l->v[i - 1];
		l->v[i - 1] = l->v[j];
		l->v[j] = t;
	}
}

static void
print_rows(const struct row *rows, size_t n, const struct end_target *t, int json)
{
	json_t *arr = json ? json_array() : NULL;
	size_t i;

	if (!json)
		printf("%-32s %-12s %-8s %-8s %-28s %s\n", "ID", "USER", "SERVICE", "RESULT", "SESSION", "WHY");
	for (i = 0; i < n; i++) {
		const char *done = rows[i].target >= 0 ? t[rows[i].target].done : "kept";

		if (strcmp(rows[i].result, "ended") == 0 || strcmp(rows[i].result, "gone") == 0 ||
		    strcmp(rows[i].result, "valid") == 0)
			done = "-";
		if (arr != NULL)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", rows[i].id, "user",
			    rows[i].user, "service", rows[i].service, "result", rows[i].result, "session", done,
			    "why", rows[i].why));
		else
			printf("%-32s %-12s %-8s %-8s %-28s %s\n", rows[i].id, rows[i].user[0] ? rows[i].user : "-",
			    rows[i].service[0] ? rows[i].service : "-", rows[i].result, done, rows[i].why);
	}
	if (arr != NULL) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	}
}

int
cmd_recheck(int argc, char **argv)
{
	static const char usage[] =
	    "usage: pam-oidc recheck [--user USER | --all] [--json] [--config FILE] [--state-dir DIR]\n"
	    "  Refreshes every live record that holds a refresh token at the IdP (one request each);\n"
	    "  revoked ones are removed and their sessions ended as on_revoke says, each at once.\n"
	    "  exit 0: all valid; 1: some revoked; 3: the IdP unavailable for some; 2: usage or errors.\n";
	struct store_opts o;
	struct session_store st;
	struct oidc_error err = { 0 };
	struct list l = { NULL, 0 };
	struct row *rows = NULL;
	struct end_target *t = NULL;
	size_t i, nt = 0;
	uid_t uid = (uid_t)-1;
	int r, rc = RECHECK_EXIT_USAGE, revoked = 0, unknown = 0;

	if ((r = cli_parse_store_opts(argc, argv, &o, usage)) != 0)
		return r > 0 ? 0 : RECHECK_EXIT_USAGE;
	if ((o.user != NULL && o.all) || o.id != NULL || o.terminate) {
		fputs(usage, stderr);
		return RECHECK_EXIT_USAGE;
	}
	if (access(o.config, R_OK) != 0) {
		fprintf(stderr, "pam-oidc: recheck needs the config (%s)\n", o.config);
		return RECHECK_EXIT_USAGE;
	}
	if (o.user != NULL && cli_user_uid(o.user, &uid) != 0)
		return RECHECK_EXIT_USAGE;
	if (cli_open_store(&o, &st) != 0)
		return RECHECK_EXIT_USAGE;
	if (session_foreach(&st, cli_warn_ctx, uid, 0, (int64_t)time(NULL), collect, &l, &err) < 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		goto out;
	}
	if (l.n > 0 && ((rows = calloc(l.n, sizeof(*rows))) == NULL || (t = calloc(l.n, sizeof(*t))) == NULL))
		goto out;
	order(&l);
	for (i = 0; i < l.n; i++) {
		int has;

		recheck_one(&o, &st, &l.v[i], &rows[i], &t[nt], &has);
		if (has)
			rows[i].target = (int)nt++;
		revoked += strcmp(rows[i].result, "revoked") == 0;
		unknown += strcmp(rows[i].result, "unknown") == 0 || strcmp(rows[i].result, "error") == 0;
	}
	print_rows(rows, l.n, t, o.json);
	rc = revoked ? RECHECK_EXIT_REVOKED : unknown ? RECHECK_EXIT_UNAVAILABLE : RECHECK_EXIT_VALID;
out:
	session_store_close(&st);
	free(l.v);
	free(rows);
	free(t);
	return rc;
}
