/* make bench, parts 2-6: what a person feels when a session record exists.
 * In one process, against private PAM folders (pam_start_confdir):
 *   baseline: auth required pam_permit.so
 *   oidc:     auth required pam_oidc.so (served from a session record)
 * Reports µs per pam_start+pam_authenticate+pam_end for both, with 10,
 * 1,000 and 10,000 records in the store, 64 parallel processes, and the
 * memory a process gains by loading the module. The module's helper path
 * points nowhere: any authentication not served from the record fails and
 * is counted (so "0 failures" also means "0 helpers, 0 network requests").
 * Usage: bench_pam MODULE_PATH WORKDIR [JSON_OUT]
 *        bench_pam --record STATE_DIR USER: one record for USER, bound to
 *        this login session (scripts/bench.sh: the real-sudo figure). */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "core/conf.h"
#include "util/procinfo.h"
#include "core/session.h"

#define ROUNDS 5

static const char *user;
static char confdir_permit[512], confdir_oidc[512], state[512], conf[512];

static int
null_conv(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
	*r = calloc((size_t)n, sizeof(**r));
	return *r ? PAM_SUCCESS : PAM_BUF_ERR;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
one_auth(const char *confdir)
{
	struct pam_conv c = { null_conv, NULL };
	pam_handle_t *h = NULL;
	int rc;

	if (pam_start_confdir("bench", user, &c, confdir, &h) != PAM_SUCCESS)
		return -1;
	pam_set_item(h, PAM_TTY, "pts/bench");
	rc = pam_authenticate(h, PAM_SILENT);
	pam_end(h, rc);
	return rc == PAM_SUCCESS ? 0 : -1;
}

/* Median µs per call over ROUNDS rounds of n calls, failures counted. */
static double
measure(const char *confdir, int n, int *failures)
{
	double r[ROUNDS], t0, tmp;
	int i, k, j;

	for (k = 0; k < ROUNDS; k++) {
		t0 = now_us();
		for (i = 0; i < n; i++)
			if (one_auth(confdir) != 0)
				(*failures)++;
		r[k] = (now_us() - t0) / n;
	}
	for (i = 0; i < ROUNDS; i++)
		for (j = i + 1; j < ROUNDS; j++)
			if (r[j] < r[i]) {
				tmp = r[i];
				r[i] = r[j];
				r[j] = tmp;
			}
	return r[ROUNDS / 2];
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	chmod(path, 0644);
}

/* Fills the store up to total records: one for the user, the rest spread
 * over other uids (as on a busy host). */
static void
fill_store(int total, uid_t self)
{
	static int have = 0;
	struct oidc_config cfg;
	struct session_store st;
	struct oidc_error err = { 0 };
	char id[SESSION_ID_LEN + 1];
	json_t *claims = json_pack("{s:s, s:s, s:[s]}", "iss", "https://idp.bench.test", "sub", "s", "groups", "users");
	struct proc_stat leader;
	struct proc_id anchor = { 0, 0 };
	uid_t anchor_uid = 0;

	if (procinfo_read(getsid(0), &leader) == 0 && procinfo_uid(leader.pid, &anchor_uid) == 0) {
		anchor.pid = leader.pid;
		anchor.start = leader.start;
	}
	config_init(&cfg);
	cfg.issuer = strdup("https://idp.bench.test");
	if (session_store_open(state, &st, &err) != 0) {
		fprintf(stderr, "bench: %s\n", err.text);
		exit(1);
	}
	for (; have < total; have++) {
		uid_t uid = have == 0 ? self : (uid_t)(200000 + have % 500);
		const char *name = have == 0 ? user : "someone";
		json_t *rec = session_record_new(&cfg, claims, name, uid, "bench", "pts/bench", NULL, NULL, (int64_t)time(NULL));

		/* Bound, as a real login's record is, to this login session
		 * (the bench and its children run inside it). */
		if (anchor.pid > 1)
			(void)session_record_bind(rec, &anchor, anchor_uid, 0);
		if (session_create(&st, uid, rec, id, &err) != 0) {
			fprintf(stderr, "bench: %s\n", err.text);
			exit(1);
		}
		json_decref(rec);
	}
	session_store_close(&st);
	json_decref(claims);
	config_free(&cfg);
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* What /proc/self/maps shows mapped: bit 0 libcrypto, 1 libqrencode,
 * 2 pam_oidc_verify.so, 3 pam_oidc.so. */
static int
mapped_now(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	int m = 0;

	while (f && fgets(line, sizeof(line), f)) {
		m |= strstr(line, "/libcrypto.so") ? 1 : 0;
		m |= strstr(line, "/libqrencode.so") ? 2 : 0;
		m |= strstr(line, "/pam_oidc_verify.so") ? 4 : 0;
		m |= strstr(line, "/pam_oidc.so") ? 8 : 0;
	}
	if (f)
		fclose(f);
	return m;
}

/* RSS after one authentication with the handle still open (modules
 * loaded); *maps: what the process has mapped then (mapped_now). */
static long
footprint(const char *confdir, int *maps)
{
	int p[2];
	long v = -1;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct pam_conv c = { null_conv, NULL };
		pam_handle_t *h = NULL;
		long before = rss_kib(), after;

		pam_start_confdir("bench", user, &c, confdir, &h);
		pam_set_item(h, PAM_TTY, "pts/bench");
		pam_authenticate(h, PAM_SILENT);
		after = rss_kib();
		v = after - before;
		*maps = mapped_now();
		if (write(p[1], &v, sizeof(v)) != sizeof(v) || write(p[1], maps, sizeof(*maps)) != sizeof(*maps))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &v, sizeof(v)) != sizeof(v) || read(p[0], maps, sizeof(*maps)) != sizeof(*maps))
		v = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return v;
}

int
main(int argc, char **argv)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *module = argc > 1 ? argv[1] : NULL, *dir = argc > 2 ? argv[2] : NULL;
	FILE *jf;
	char text[2048];
	int sizes[] = { 10, 1000, 10000 }, s, fails = 0, n = 1000;
	double base = 0, oidc[3] = { 0 };
	long fp_permit, fp_oidc;
	int maps_permit = 0, maps_oidc = 0;

	if (module != NULL && strcmp(module, "--record") == 0 && dir != NULL && argc > 3) {
		struct passwd *who = getpwnam(argv[3]);

		if (who == NULL) {
			fprintf(stderr, "bench_pam: no user %s\n", argv[3]);
			return 2;
		}
		user = strdup(argv[3]);
		snprintf(state, sizeof(state), "%s", dir);
		fill_store(1, who->pw_uid);
		return 0;
	}
	if (module == NULL || dir == NULL || pw == NULL) {
		fprintf(stderr, "usage: bench_pam MODULE WORKDIR [JSON]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_pam: the session store is root's; run as root\n");
		return 2;
	}
	/* Only now: with --record, argv[3] is a user name, not the JSON file. */
	jf = argc > 3 ? fopen(argv[3], "a") : NULL;
	if (getenv("BENCH_CALLS"))
		n = atoi(getenv("BENCH_CALLS"));
	user = strdup(pw->pw_name);
	snprintf(confdir_permit, sizeof(confdir_permit), "%s/pam-permit", dir);
	snprintf(confdir_oidc, sizeof(confdir_oidc), "%s/pam-oidc", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/pam_oidc.conf", dir);
	mkdir(confdir_permit, 0755);
	mkdir(confdir_oidc, 0755);
	snprintf(text, sizeof(text), "%s/bench", confdir_permit);
	write_file(text, "auth required pam_permit.so\n");
	snprintf(text, sizeof(text), "%s/bench", confdir_oidc);
	{
		char line[1024];

		snprintf(line, sizeof(line), "auth required %s config=%s\n", module, conf);
		write_file(text, line);
	}
	snprintf(text, sizeof(text),
	    "issuer = https://idp.bench.test\nclient_id = bench\nhelper = /nonexistent/pam_oidc_helper\n"
	    "state_dir = %s\nreuse = same_tty\ntimeout = 10\n", state);
	write_file(conf, text);

	/* First, while this process has loaded no module yet: the children
	 * start from the same clean state (the module is linked nodelete and
	 * would otherwise already be mapped). */
	fill_store(1, pw->pw_uid);
	fp_permit = footprint(confdir_permit, &maps_permit);
	fp_oidc = footprint(confdir_oidc, &maps_oidc);

	printf("== cached re-authentication, in process (pam_start_confdir + pam_authenticate + pam_end)\n");
	printf("%-28s %12s %12s %12s %10s\n", "records in store", "permit us", "oidc us", "diff us", "failures");
	for (s = 0; s < 3; s++) {
		fill_store(sizes[s], pw->pw_uid);
		one_auth(confdir_oidc);
		base = measure(confdir_permit, n, &fails);
		oidc[s] = measure(confdir_oidc, n, &fails);
		printf("%-28d %12.1f %12.1f %12.1f %10d\n", sizes[s], base, oidc[s], oidc[s] - base, fails);
		if (jf)
			fprintf(jf, "{\"part\":\"cached_reauth\",\"records\":%d,\"permit_us\":%.1f,\"oidc_us\":%.1f,"
			    "\"diff_us\":%.1f,\"failures\":%d}\n", sizes[s], base, oidc[s], oidc[s] - base, fails);
	}
	printf("store growth: 10,000-record cost = %.2fx the 10-record cost (goal <= 1.2)\n", oidc[2] / oidc[0]);

	/* 64 parallel processes, 100 cached authentications each. */
	{
		pid_t pids[64];
		double t0 = now_us();
		int i, bad = 0, st2;

		for (i = 0; i < 64; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				int k, f = 0;

				for (k = 0; k < 100; k++)
					f += one_auth(confdir_oidc) != 0;
				_exit(f ? 1 : 0);
			}
		}
		for (i = 0; i < 64; i++) {
			waitpid(pids[i], &st2, 0);
			bad += !(WIFEXITED(st2) && WEXITSTATUS(st2) == 0);
		}
		printf("== 64 parallel processes x 100 cached authentications: %.0f auth/s, %d failed processes\n",
		    6400 / ((now_us() - t0) / 1e6), bad);
		if (jf)
			fprintf(jf, "{\"part\":\"concurrency\",\"auth_per_s\":%.0f,\"failed\":%d}\n",
			    6400 / ((now_us() - t0) / 1e6), bad);
		fails += bad;
	}
	printf("== footprint: RSS gained by one authentication: pam_permit %ld KiB, pam_oidc %ld KiB, added %ld KiB (goal <= 1024)\n",
	    fp_permit, fp_oidc, fp_oidc - fp_permit);
	/* Issue 16: a cached authentication needs no cryptography. This
	 * process links no libcrypto (bench_pam uses the thin core only). */
	printf("== mapped by a process after a cached authentication: pam_oidc.so %s, libcrypto %s, libqrencode %s, "
	    "pam_oidc_verify.so %s\n", maps_oidc & 8 ? "yes" : "no", maps_oidc & 1 ? "YES" : "no",
	    maps_oidc & 2 ? "YES" : "no", maps_oidc & 4 ? "YES" : "no");
	if (!(maps_oidc & 8) || (maps_oidc & 7) || (maps_permit & 1)) {
		printf("   (goal: pam_oidc.so yes, the rest no)\n");
		fails++;
	}
	if (jf) {
		fprintf(jf, "{\"part\":\"footprint\",\"permit_kib\":%ld,\"oidc_kib\":%ld,\"added_kib\":%ld,"
		    "\"cached_maps_libcrypto\":%s,\"cached_maps_libqrencode\":%s,\"cached_maps_verify\":%s}\n", fp_permit,
		    fp_oidc, fp_oidc - fp_permit, maps_oidc & 1 ? "true" : "false", maps_oidc & 2 ? "true" : "false",
		    maps_oidc & 4 ? "true" : "false");
		fclose(jf);
	}
	return fails ? 1 : 0;
}
