#!/bin/bash
# Issue 16: pam_oidc.so loads pam_oidc_verify.so (sign-in, ID-token
# verification) only from the path compiled in, and only when that file
# passes the rule of every file that decides trust. The attacks: a
# verification object that is group-writable, owned by another user, in a
# folder others can write, behind a link another user owns, missing, or
# from another build. Each planted object carries a constructor that leaves
# a mark: refused means never loaded (no mark), and no helper starts.
# pamtester in a private mount namespace (ns-run.sh installs the real
# object at the compiled-in path in the namespace only).
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT
PAM_SERVICE_ERR_RC=3

[ -n "$PAM_OIDC_VERIFY_PATH" ] || { t_fail "the verification path compiled into pam_oidc.so" "not found in $MODULE"; t_done; }
command -v cc > /dev/null || { t_skip "planted objects" "no C compiler"; t_done; }
idp_a
helper_counter
e2e_world helper="$T/helper-count.sh" <<EOT
timeout = 20
prompt = auto
reuse = none
EOT

# plant NAME [TABLE_VERSION]: a shared object whose constructor writes
# $T/NAME.mark; with TABLE_VERSION it also exports a table of that version
# whose functions write $T/NAME.called.
plant() {
	{
		printf '#include <stdio.h>\n#include <stddef.h>\n'
		printf '__attribute__((constructor)) static void mark(void) { FILE *f = fopen("%s", "w"); if (f) fclose(f); }\n' "$T/$1.mark"
		if [ -n "${2:-}" ]; then
			printf 'static int called(void) { FILE *f = fopen("%s", "w"); if (f) fclose(f); return 0; }\n' "$T/$1.called"
			printf 'struct t { unsigned v; const char *p; size_t s[4]; void *f[3]; };\n'
			printf 'const struct t pam_oidc_verify_ops = { %s, "0", { 0, 0, 0, 0 }, { (void *)called, (void *)called, (void *)called } };\n' "$2"
		fi
	} > "$T/$1.c"
	cc -shared -fPIC -o "$T/$1.so" "$T/$1.c"
}

# attempt NAME SETUP: SETUP (shell, in the namespace, $V is the compiled-in
# path) prepares the verification object, then pamtester alice, which nobody
# approves. Sets PRC.
attempt() {
	ns_run env V="$PAM_OIDC_VERIFY_PATH" sh -c "$2"'
		exec '"$SAN_ENV"' stdbuf -oL pamtester -I tty=pts/7 oidctest alice authenticate' < /dev/null > "$T/$1.out" 2>&1
	PRC=$?
}
# refused NAME WHAT: the attempt failed as a service error (never the
# password fallback), logged why, showed no code, loaded nothing, ran no helper.
refused() {
	log=$(last_log)
	if [ "$PRC" = 1 ] && grep -q "Error in service module" "$T/$1.out" && ! grep -q "enter the code" "$T/$1.out" &&
		case "$log" in *"reason=verify_module"*"$2"*) true ;; *) false ;; esac &&
		[ ! -e "$T/$1.mark" ] && [ ! -e "$T/$1.called" ] && [ "$(helpers)" = 0 ]; then
		t_pass "$1: refused, never loaded ($2)"
	else
		t_fail "$1" "rc=$PRC out: $(tail -2 "$T/$1.out" | tr '\n' ' ') log: $log mark: $(ls "$T/$1".mark "$T/$1".called 2>/dev/null) helpers: $(helpers)"
	fi
}

plant groupw
attempt groupw "install -m 775 $T/groupw.so \"\$V\" &&"
refused groupw "not writable by group or others"

plant worldw
attempt worldw "install -m 757 $T/worldw.so \"\$V\" &&"
refused worldw "not writable by group or others"

plant owner
attempt owner "install -m 755 -o $ALICE_UID $T/owner.so \"\$V\" &&"
refused owner "must be owned by root"

plant folder
attempt folder "install -m 755 $T/folder.so \"\$V\" && chmod 777 \"\$(dirname \"\$V\")\" &&"
refused folder "in the folder"

plant link
mkdir -m 755 "$T/elsewhere" && install -m 755 "$T/link.so" "$T/elsewhere/link.so"
attempt link "rm -f \"\$V\" && ln -s $T/elsewhere/link.so \"\$V\" && chown -h $ALICE_UID \"\$V\" &&"
refused link "symbolic link owned by another user"

# Review 2: a link on the way to the file, not the file itself. The folder
# of the object is replaced by a link another user owns, pointing at a
# root-owned folder that holds a root-owned object of that name: the
# resolved path names only safe folders, so the link itself must be refused.
plant midlink
mkdir -m 755 "$T/midlink-dir" && install -m 755 "$T/midlink.so" "$T/midlink-dir/pam_oidc_verify.so"
attempt midlink "d=\$(dirname \"\$V\") && rm -rf \"\$d\" && ln -s $T/midlink-dir \"\$d\" && chown -h $ALICE_UID \"\$d\" &&"
refused midlink "symbolic link"

attempt missing "rm -f \"\$V\" &&"
refused missing "cannot open"

plant fifo
attempt fifo "rm -f \"\$V\" && mkfifo -m 644 \"\$V\" &&"
refused fifo "not a regular file"

# Root-owned and mode 755, but from another build: loaded (its constructor
# runs, as any dlopen's does), its table refused and never called. Its mark
# is the control that a loaded object does leave one: without it, every
# "never loaded" above would pass on marks that cannot be written.
plant otherbuild 99
attempt otherbuild "install -m 755 $T/otherbuild.so \"\$V\" &&"
log=$(last_log)
if [ "$PRC" = 1 ] && case "$log" in *"reason=verify_module"*"is not the verification module"*) true ;; *) false ;; esac &&
	[ -e "$T/otherbuild.mark" ] && [ ! -e "$T/otherbuild.called" ] && [ "$(helpers)" = 0 ]; then
	t_pass "otherbuild: a table of another version is refused and never called"
else
	t_fail "otherbuild" "rc=$PRC log: $log mark (the positive control of every 'never loaded' above): $(ls "$T/otherbuild.mark" 2>/dev/null) called: $(ls "$T/otherbuild.called" 2>/dev/null)"
fi
plant nosym
attempt nosym "install -m 755 $T/nosym.so \"\$V\" &&"
log=$(last_log)
case "$log" in *"reason=verify_module"*"is not the verification module"*) t_pass "nosym: an object without the table is refused" ;;
*) t_fail "nosym" "$log" ;; esac

# Review 2: a long-lived caller (an auth daemon) authenticates twice in one
# process. The first time a root-owned object of another build sits at the
# path and is refused; the admin installs the right one; the second
# attempt checks the right file, and must load it, not the object glibc
# already knows by the name /proc/self/fd/N of the same number.
cat > "$T/longlived.c" <<'EOC'
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
static int seen;
static int conv(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
	(void)d;
	for (int i = 0; i < n; i++)
		if (m[i]->msg != NULL && strstr(m[i]->msg, "enter the code") != NULL)
			seen = 1;
	if (seen)
		return PAM_CONV_ERR;   /* the sign-in was reached: enough */
	*r = calloc(n, sizeof(**r));
	return *r != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}
int main(int argc, char **argv)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *h;
	int rc1, rc2;

	(void)argc;
	openlog("twice", LOG_NDELAY, LOG_AUTH);   /* a daemon's log is open from the start */
	if (pam_start(argv[1], argv[2], &c, &h) != PAM_SUCCESS)
		return 99;
	pam_set_item(h, PAM_TTY, "pts/7");
	rc1 = pam_authenticate(h, 0);
	if (system(argv[3]) != 0)
		return 98;
	rc2 = pam_authenticate(h, 0);
	printf("first=%d second=%d seen=%d\n", rc1, rc2, seen);
	pam_end(h, rc2);
	return 0;
}
EOC
plant twice 99
if cc -o "$T/longlived" "$T/longlived.c" -lpam; then
	ns_run env V="$PAM_OIDC_VERIFY_PATH" sh -c 'cp "$V" '"$T"'/real.keep && install -m 755 '"$T"'/twice.so "$V" &&
		exec '"$SAN_ENV $T"'/longlived oidctest alice "install -m 755 '"$T"'/real.keep \"$V\""' < /dev/null > "$T/twice.out" 2>&1
	if grep -q "first=$PAM_SERVICE_ERR_RC .*seen=1" "$T/twice.out"; then
		t_pass "a long-lived caller loads the object it checked, not the one it refused before"
	else
		t_fail "twice" "$(cat "$T/twice.out") | $(last_log)"
	fi
else
	t_skip "long-lived caller" "no libpam headers"
fi

# The real object, installed as the package does: the sign-in runs.
ns_run $SAN_ENV stdbuf -oL pamtester -I tty=pts/7 oidctest alice authenticate < /dev/null > "$T/good.out" 2>&1 &
pid=$!
code=$(wait_for "$T/good.out" 's/.*enter the code: //p') && approve "$A" "$code" alice
wait $pid; PRC=$?
[ "$PRC" = 0 ] && t_pass "the real verification object signs in" || t_fail "real object" "rc=$PRC $(tail -3 "$T/good.out") | $(last_log)"
# The control of every "no helper" above: the counter does count.
[ "$(helpers)" -gt 0 ] && t_pass "the helper counter counts sign-ins" || t_fail "helper counter" "$(helpers)"
t_done
