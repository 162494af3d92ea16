/* pam-oidc sessions | revoke | gc: the session store, for administrators. */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "endsession.h"
#include "core/conf.h"
#include "core/identity.h"
#include "core/session.h"
#include "util/jsonutil.h"

static void stderr_warn(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
stderr_warn(void *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("pam-oidc: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct session_ctx warn_ctx = { stderr_warn, NULL };
const struct session_ctx *const cli_warn_ctx = &warn_ctx;

/* The state directory: --state-dir, else the config's, else the default. */
int
cli_open_store(const struct store_opts *o, struct session_store *st)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	char *dir = NULL;
	int rc;

	if (o->state_dir != NULL) {
		dir = strdup(o->state_dir);
	} else if (o->config != NULL && access(o->config, F_OK) == 0) {
		if (config_init(&cfg) != 0 || config_load(&cfg, o->config, NULL, &err) != 0) {
			fprintf(stderr, "pam-oidc: %s\n", err.text);
			config_free(&cfg);
			return -1;
		}
		dir = strdup(cfg.state_dir);
		config_free(&cfg);
	} else {
		dir = strdup(PAM_OIDC_STATE_DIR);
	}
	if (dir == NULL)
		return -1;
	if (geteuid() != 0) {
		fprintf(stderr, "pam-oidc: the session store is root's: run as root\n");
		free(dir);
		return -1;
	}
	rc = session_store_open(dir, st, &err);
	if (rc != 0)
		fprintf(stderr, "pam-oidc: %s\n", err.text);
	free(dir);
	return rc;
}

int
cli_user_uid(const char *user, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (!identity_name_ok(user) || getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		fprintf(stderr, "pam-oidc: no such user: %s\n", user);
		return -1;
	}
	*uid = pw.pw_uid;
	return 0;
}

int
cli_parse_store_opts(int argc, char **argv, struct store_opts *o, const char *usage)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'u' },
		{ "id", required_argument, NULL, 'i' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "terminate", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = PAM_OIDC_CONFIG_PATH;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'S': o->state_dir = optarg; break;
		case 'u': o->user = optarg; break;
		case 'i': o->id = optarg; break;
		case 'a': o->all = 1; break;
		case 'j': o->json = 1; break;
		case 't': o->terminate = 1; break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

static void
fmt_time(json_int_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

static int
print_record(void *arg, uid_t uid, json_t *rec)
{
	json_t *out = arg;
	char created[32], expires[32], auth[32];

	if (json_is_array(out)) {
		json_t *copy = json_deep_copy(rec);
		json_t *rt = json_object_get(copy, "refresh_token");

		/* Never print a secret: only whether one is held. */
		json_object_set_new(copy, "has_refresh_token", json_boolean(rt != NULL));
		json_wipe_member(copy, "refresh_token");
		json_object_del(copy, "refresh_token");
		json_array_append_new(out, copy);
		return 0;
	}
	fmt_time(json_integer_value(json_object_get(rec, "created")), created, sizeof(created));
	fmt_time(json_integer_value(json_object_get(rec, "expires")), expires, sizeof(expires));
	fmt_time(json_integer_value(json_object_get(rec, "auth_time")), auth, sizeof(auth));
	printf("%-32s %-12s %6u %-8s %-10s %s %s %s %s\n", json_string_value(json_object_get(rec, "id")),
	    json_string_value(json_object_get(rec, "user")), (unsigned)uid,
	    json_string_value(json_object_get(rec, "service")) ? json_string_value(json_object_get(rec, "service")) : "-",
	    json_string_value(json_object_get(rec, "tty")) ? json_string_value(json_object_get(rec, "tty")) : "-",
	    auth, created, expires, json_string_value(json_object_get(rec, "sub")));
	return 0;
}

int
cmd_sessions(int argc, char **argv)
{
	static const char usage[] =
	    "usage: pam-oidc sessions [--user USER] [--json] [--config FILE] [--state-dir DIR]\n"
	    "  Lists live session records (never their secrets). exit 0, or 2 on errors.\n";
	struct store_opts o;
	struct session_store st;
	struct oidc_error err = { 0 };
	json_t *arr = NULL;
	uid_t uid = (uid_t)-1;
	int r, n;

	if ((r = cli_parse_store_opts(argc, argv, &o, usage)) != 0)
		return r > 0 ? 0 : 2;
	if (o.user != NULL && cli_user_uid(o.user, &uid) != 0)
		return 2;
	if (cli_open_store(&o, &st) != 0)
		return 2;
	if (o.json)
		arr = json_array();
	else
		printf("%-32s %-12s %6s %-8s %-10s %-20s %-20s %-20s %s\n", "ID", "USER", "UID", "SERVICE", "TTY",
		    "AUTH_TIME", "CREATED", "EXPIRES", "SUB");
	n = session_foreach(&st, &warn_ctx, uid, 0, (int64_t)time(NULL), print_record, arr, &err);
	session_store_close(&st);
	if (n < 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		json_decref(arr);
		return 2;
	}
	if (arr != NULL) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	}
	return 0;
}

struct revoke_ctx {
	struct session_store *st;
	const char *id;
	int removed;
	const struct store_opts *o;
	struct end_target *t;   /* --terminate: the sessions to end */
	size_t nt;
};

/* The grace of the record's service (10 s without a config). */
static long
service_grace(const struct store_opts *o, const json_t *rec)
{
	struct oidc_config cfg;
	struct oidc_error err = { 0 };
	long g = 10;

	if (o->config == NULL || access(o->config, F_OK) != 0 || config_init(&cfg) != 0)
		return g;
	if (config_load(&cfg, o->config, json_string_value(json_object_get(rec, "service")), &err) == 0)
		g = cfg.revoke_grace;
	config_free(&cfg);
	return g;
}

/* --terminate: the record becomes a revocation marker (never reused, kept
 * by gc, finished by the next pam-oidc recheck should this run stop) and
 * is removed once its session was ended. */
static int
mark_revoked(struct session_store *st, uid_t uid, json_t *rec)
{
	struct oidc_error err = { 0 };

	json_wipe_member(rec, "refresh_token");
	(void)json_object_del(rec, "refresh_token");
	json_object_set_new(rec, "revoked", json_true());
	json_object_set_new(rec, "revoked_why", json_string("pam-oidc revoke --terminate"));
	return session_update(st, uid, rec, &err);
}

static int
revoke_one(void *arg, uid_t uid, json_t *rec)
{
	struct revoke_ctx *rc = arg;
	const char *id = json_string_value(json_object_get(rec, "id"));
	struct end_target *nt;
	int r;

	if (rc->id != NULL && strcmp(rc->id, id) != 0)
		return 0;
	if (!rc->o->terminate) {
		if (session_remove(rc->st, uid, id) == 0) {
			rc->removed++;
			printf("revoked %s (%s)\n", id, json_string_value(json_object_get(rec, "user")));
		}
		return 0;
	}
	if ((nt = realloc(rc->t, (rc->nt + 1) * sizeof(*nt))) == NULL)
		return 1;
	rc->t = nt;
	/* A session that may not be ended, or a marker that cannot be
	 * written: the record goes at once. */
	if (end_target_init(&rc->t[rc->nt], rec, ON_REVOKE_TERMINATE, service_grace(rc->o, rec),
	    "revoked by pam-oidc revoke --terminate") != 0 || mark_revoked(rc->st, uid, rec) != 0)
		r = session_remove(rc->st, uid, id);
	else
		r = 0;
	if (r != 0)
		return 0;
	rc->removed++;
	printf("revoked %s (%s)\n", id, json_string_value(json_object_get(rec, "user")));
	rc->nt++;
	return 0;
}

int
cmd_revoke(int argc, char **argv)
{
	static const char usage[] =
	    "usage: pam-oidc revoke --user USER | --id ID | --all [--terminate] [--config FILE] [--state-dir DIR]\n"
	    "  Removes session records; the very next PAM call sees it. --terminate also ends their\n"
	    "  login sessions (logind when it knows them; their processes stopped, then killed).\n"
	    "  exit 0 when something was revoked, 1 when nothing matched, 2 on errors.\n";
	struct store_opts o;
	struct session_store st;
	struct oidc_error err = { 0 };
	struct revoke_ctx rc = { &st, NULL, 0, NULL, NULL, 0 };
	size_t i;
	uid_t uid = (uid_t)-1;
	int r;

	if ((r = cli_parse_store_opts(argc, argv, &o, usage)) != 0)
		return r > 0 ? 0 : 2;
	if ((o.user != NULL) + (o.id != NULL) + o.all != 1) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.id != NULL && !session_id_ok(o.id)) {
		fprintf(stderr, "pam-oidc: %s is not a session id (32 hex digits)\n", o.id);
		return 2;
	}
	if (o.user != NULL && cli_user_uid(o.user, &uid) != 0)
		return 2;
	if (cli_open_store(&o, &st) != 0)
		return 2;
	rc.id = o.id;
	rc.o = &o;
	r = session_foreach(&st, &warn_ctx, uid, 0, (int64_t)time(NULL), revoke_one, &rc, &err);
	if (rc.nt > 0) {
		end_sessions(rc.t, rc.nt);
		for (i = 0; i < rc.nt; i++) {
			printf("%s: %s\n", rc.t[i].id, rc.t[i].done);
			(void)session_remove(&st, rc.t[i].uid, rc.t[i].id);
		}
	}
	session_store_close(&st);
	free(rc.t);
	if (r < 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		return 2;
	}
	if (rc.removed == 0) {
		fprintf(stderr, "pam-oidc: no matching session\n");
		return 1;
	}
	return 0;
}

int
cmd_gc(int argc, char **argv)
{
	static const char usage[] = "usage: pam-oidc gc [--config FILE] [--state-dir DIR]\n"
	    "  Removes expired and damaged records and stale temporary files.\n";
	struct store_opts o;
	struct session_store st;
	struct oidc_error err = { 0 };
	int r;

	if ((r = cli_parse_store_opts(argc, argv, &o, usage)) != 0)
		return r > 0 ? 0 : 2;
	if (cli_open_store(&o, &st) != 0)
		return 2;
	r = session_foreach(&st, &warn_ctx, (uid_t)-1, 1, (int64_t)time(NULL), NULL, NULL, &err);
	session_store_close(&st);
	if (r < 0) {
		fprintf(stderr, "pam-oidc: %s\n", err.text);
		return 2;
	}
	printf("%d live session record%s\n", r, r == 1 ? "" : "s");
	return 0;
}
