#!/bin/bash
# Session records through the real module: instant re-authentication with
# the IdP stopped and no helper started, session binding, max_age,
# revocation, recheck against the IdP, attacks on the store, 64 parallel
# reuses. pamtester runs as the invoking user would (real uid alice,
# effective uid 0, like a setuid su or sudo) inside ONE long-lived login
# session on a real pty of the namespace's devpts, where records are bound.
# Not in the sanitizer build: a real uid other than the effective one makes
# every exec secure, and the loader then ignores the ASan preload.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'echo quit > "$T/runner.fifo" 2>/dev/null; ns_cleanup; cleanup' EXIT

idp_a
PORT=${ISS##*:}
# Every helper start is counted: re-authentication from a record must start none.
helper_counter
e2e_world scopes="openid profile email offline_access" helper="$T/helper-count.sh" <<EOT
timeout = 30
prompt = auto

[oidcmaxage]
max_age = 2s

[oidcrecheck]
recheck = 2s

[oidcany]
reuse = any

[oidcttl]
session_ttl = 5m
EOT
for s in oidcmaxage oidcrecheck oidcany oidcttl; do cp "$NS/pam.d/oidctest" "$NS/pam.d/$s"; done
STORE=$NS/run/pam_oidc/sessions
# A new IdP instance (new keys, new kids) on a fresh port, and the config
# pointed at it: later logins must refetch discovery and the JWKS.
restart_idp() {
	ISS=$(idp_start idpA OP_INTERVAL=1 OP_KEY_GENERATION="$1") || { t_fail "restart IdP" "$(tail -5 "$A/op.log")"; return 1; }
	sed -i "s#^issuer = .*#issuer = $ISS#" "$CONF"
}

# The login session: a process on a pty (pty.fork: a new session with
# that pty as controlling terminal) that runs what the suite writes into a
# FIFO, one "NAME COMMAND" per line, serially; output in $T/NAME.out (through
# a pty of its own, so pamtester's output is line-buffered), exit code in
# $T/NAME.rc. "pty CMD...": CMD on a new pty of its own (a nested session).
mkfifo -m 600 "$T/runner.fifo"
cat > "$T/runner.py" <<'EOT'
import os, pty, subprocess, sys

def drain(fd, out):
    while True:
        try:
            d = os.read(fd, 4096)
        except OSError:
            return
        if not d:
            return
        if out is not None:
            out.write(d)
            out.flush()

if sys.argv[1] == "pty":
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    drain(fd, sys.stdout.buffer)
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
if sys.argv[1] == "session":
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.executable, [sys.executable, sys.argv[0], "loop", sys.argv[2], sys.argv[3]])
    drain(fd, None)
    os.waitpid(pid, 0)
    sys.exit(0)
fifo = open(os.open(sys.argv[2], os.O_RDWR), "r")
for line in fifo:
    name, _, cmd = line.rstrip("\n").partition(" ")
    if name == "quit":
        break
    m, s = os.openpty()
    p = subprocess.Popen(["sh", "-c", cmd], stdin=subprocess.DEVNULL, stdout=s, stderr=s)
    os.close(s)
    with open(os.path.join(sys.argv[3], name + ".out"), "wb") as out:
        drain(m, out)
    os.close(m)
    with open(os.path.join(sys.argv[3], name + ".rc.tmp"), "w") as rc:
        rc.write("%d\n" % p.wait())
    os.rename(os.path.join(sys.argv[3], name + ".rc.tmp"), os.path.join(sys.argv[3], name + ".rc"))
EOT
ns_run python3 "$T/runner.py" session "$T/runner.fifo" "$T" > /dev/null 2>&1 &
# as_user USER: pamtester's real uid is the invoking user's, as in su or sudo.
as_user() { case $1 in alice) echo "setpriv --ruid=$ALICE_UID --euid=0";; bob) echo "setpriv --ruid=$BOB_UID --euid=0";; esac; }
# in_session NAME COMMAND: runs COMMAND in the login session.
in_session() { rm -f "$T/$1.rc" "$T/$1.out"; echo "$1 $2" > "$T/runner.fifo"; }
session_wait() { wait_for "$T/$1.rc" 's/^\([0-9]*\)$/\1/p' 600; }
# pam_run NAME SERVICE USER TTY ACTION(approve|deny|none) [ACCOUNT] [outside]
# TTY is only a name for the record and the logs: records are bound to the
# session, never to a name. "outside": another session (a new namespace).
pam_run() {
	out=$T/$1.out
	cmd="$(as_user "$3") pamtester -I rhost=127.0.0.1 -I tty=$4 $2 $3 authenticate"
	if [ "${7:-}" = outside ]; then
		timeout 60 "$NS_RUN" "$NS" $cmd < /dev/null > "$out" 2>&1 &
		pid=$!
	else
		in_session "$1" "timeout 60 $cmd"
	fi
	if [ "$5" != none ] && code=$(wait_for "$out" 's/.*enter the code: //p'); then
		if [ "$5" = deny ]; then approve "$A" "$code" "${6:-$3}" deny; else approve "$A" "$code" "${6:-$3}"; fi
	fi
	if [ "${7:-}" = outside ]; then wait $pid; PRC=$?; else PRC=$(session_wait "$1"); fi
}
ok() { # name want_rc pattern
	if [ "$PRC" = "$2" ] && grep -q -- "$3" "$T/$4.out"; then t_pass "$1"; else t_fail "$1" "rc=$PRC: $(tail -3 "$T/$4.out") | $(last_log)"; fi
}
logged() { last_log | grep -q -- "$2" && t_pass "$1" || t_fail "$1" "$(last_log)"; }

pam_run first oidctest alice pts/9 approve
ok "device-flow login writes a record" 0 "successfully authenticated" first
ns_run "$CLI" sessions --user alice > "$T/list.out" 2>&1
[ "$(grep -c '^[0-9a-f]\{32\} *alice' "$T/list.out")" = 1 ] && grep -q "oidctest pts/9" "$T/list.out" && t_pass "pam-oidc sessions lists it" || t_fail "sessions list" "$(cat "$T/list.out")"
ns_run "$CLI" sessions --json > "$T/list.json"
grep -q '"has_refresh_token": false' "$T/list.json" && ! grep -q '"refresh_token"' "$T/list.json" && t_pass "no secret in listing; no refresh token kept without recheck" || t_fail "sessions json" "$(cat "$T/list.json")"
ls -la "$STORE/$ALICE_UID/" | grep -q '^-rw------- .* root root' && t_pass "record is 0600 root" || t_fail "record mode" "$(ls -la "$STORE/$ALICE_UID")"

# The IdP goes away: the same terminal re-authenticates from the record.
"$IDP/stop.sh" "$A"
n0=$(helpers)
pam_run reuse oidctest alice pts/9 none
ok "IdP stopped: re-authentication from the record" 0 "successfully authenticated" reuse
[ "$(helpers)" = "$n0" ] && t_pass "no helper started for it" || t_fail "helper started" "$(helpers) vs $n0"
logged "syslog: reason=session_reuse" "result=success reason=session_reuse service=oidctest user=alice"
# Issue 16: the cached path never loads the verification object. With a
# foreign one in its place (root-owned, so a load would map it and its
# constructor would leave a mark) the record still serves, and the object
# is never mapped.
printf '__attribute__((constructor)) static void m(void) { FILE *f = fopen("%s", "w"); if (f) fclose(f); }\n' \
	"$T/planted.mark" | cat <(echo '#include <stdio.h>') - > "$T/planted.c"
if cc -shared -fPIC -o "$T/planted.so" "$T/planted.c"; then
	# Root-owned, mode 755: a load would succeed and leave the mark (a
	# group-writable one is refused before dlopen, so its mark proved nothing).
	in_session plant "cp \"\$PAM_OIDC_VERIFY_PATH\" $T/verify.keep && install -m 755 $T/planted.so \"\$PAM_OIDC_VERIFY_PATH\""
	session_wait plant > /dev/null
	pam_run reuse_planted oidctest alice pts/9 none
	ok "a record serves with a foreign verification object in place" 0 "successfully authenticated" reuse_planted
	[ ! -e "$T/planted.mark" ] && t_pass "...which the cached path never loaded" || t_fail "planted object loaded" "$(last_log)"
	in_session unplant "install -m 755 $T/verify.keep \"\$PAM_OIDC_VERIFY_PATH\""
	session_wait unplant > /dev/null
else
	t_skip "cached path with an untrusted verification object" "no C compiler"
fi
pam_run othersession oidctest alice pts/9 none alice outside
ok "another session, same terminal name -> device flow -> IdP down" 1 "cannot retrieve authentication info" othersession
pam_run anyoutside oidcany alice pts/9 none alice outside
ok "reuse = any never serves another session" 1 "cannot retrieve authentication info" anyoutside
# Another terminal inside the session: a nested pty (its own session, a
# descendant of the login session's process).
in_session othertty "python3 $T/runner.py pty $(as_user alice) pamtester oidctest alice authenticate"
PRC=$(session_wait othertty)
ok "another terminal inside the session (reuse = same_tty) -> device flow -> IdP down" 1 "cannot retrieve authentication info" othertty
in_session anytty "python3 $T/runner.py pty $(as_user alice) pamtester oidcany alice authenticate"
PRC=$(session_wait anytty)
ok "reuse = any serves another terminal inside the session" 0 "successfully authenticated" anytty
pam_run sshd sshd alice ssh none
ok "sshd never reuses (default reuse none)" 1 "cannot retrieve authentication info" sshd
pam_run bob oidctest bob pts/9 none
ok "alice's record does not serve bob" 1 "cannot retrieve authentication info" bob
in_session rootcaller "timeout 60 pamtester oidctest alice authenticate"
PRC=$(session_wait rootcaller)
ok "...nor a caller whose invoking user is root (login, sshd)" 1 "cannot retrieve authentication info" rootcaller

# max_age: a record older than that needs the IdP again.
sleep 2.2
pam_run maxage oidcmaxage alice pts/9 none
ok "max_age exceeded -> device flow" 1 "cannot retrieve authentication info" maxage
pam_run maxage2 oidctest alice pts/9 none
ok "...while another service still reuses it" 0 "successfully authenticated" maxage2
# A service's own session_ttl: the record (made under the default 8 h) is
# made 400 s old in the store.
rec=$(ls "$STORE/$ALICE_UID"/*.json | head -1)
old=$(($(date +%s) - 400))
sed -i "s/\"created\":[0-9]*/\"created\":$old/; s/\"auth_time\":[0-9]*/\"auth_time\":$old/" "$rec"
pam_run ttl oidcttl alice pts/9 none
ok "a 400 s old record does not serve a service with session_ttl = 5m" 1 "cannot retrieve authentication info" ttl
pam_run ttl2 oidctest alice pts/9 none
ok "...while the default (8 h) service still reuses it" 0 "successfully authenticated" ttl2

# Revocation takes effect on the very next PAM call.
ns_run "$CLI" revoke --user alice > "$T/revoke.out" 2>&1 && grep -q "^revoked [0-9a-f]\{32\} (alice)" "$T/revoke.out" && t_pass "pam-oidc revoke --user alice" || t_fail "revoke" "$(cat "$T/revoke.out")"
pam_run revoked oidctest alice pts/9 none
ok "after revoke, with the IdP stopped -> PAM_AUTHINFO_UNAVAIL" 1 "cannot retrieve authentication info" revoked
ns_run "$CLI" revoke --user alice > /dev/null 2>&1; [ $? = 1 ] && t_pass "revoke with nothing left -> exit 1" || t_fail "revoke empty" "rc"

# Recheck: the IdP is back; a login keeps its refresh token; after the
# grant is revoked at the IdP the next use is refused and the record goes.
restart_idp 2
pam_run rc1 oidcrecheck alice pts/9 approve
ok "login with recheck on" 0 "successfully authenticated" rc1
rec=$(ls "$STORE/$ALICE_UID"/*.json | head -1)
grep -q '"refresh_token"' "$rec" && t_pass "refresh token kept for recheck" || t_fail "refresh token kept" "$(cat "$rec")"
sleep 2.2
n0=$(helpers)
pam_run rc2 oidcrecheck alice pts/9 none
ok "recheck due -> refreshed at the IdP -> reuse" 0 "successfully authenticated" rc2
[ "$(helpers)" = $((n0 + 1)) ] && t_pass "recheck used one helper run (refresh)" || t_fail "recheck helper count" "$(helpers) vs $n0"
# Issue 16 (review 2): a record due for recheck needs the verification
# object; an untrusted one in its place is refused, and the record is not
# served on its own word.
sleep 2.2
in_session noverify "cp \"\$PAM_OIDC_VERIFY_PATH\" $T/verify.keep2 && chmod 775 \"\$PAM_OIDC_VERIFY_PATH\""
session_wait noverify > /dev/null
n0=$(helpers)
pam_run rc_noverify oidcrecheck alice pts/9 none
ok "recheck due, verification object untrusted -> refused, not served" 1 "Error in service module" rc_noverify
[ "$(helpers)" = "$n0" ] && grep -q "reason=verify_module" "$T/syslog.log" && t_pass "...no helper ran, the log says why" || t_fail "noverify" "$(helpers) vs $n0 $(last_log)"
in_session reverify "install -m 755 $T/verify.keep2 \"\$PAM_OIDC_VERIFY_PATH\""
session_wait reverify > /dev/null
rt=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' "$rec")
curl -sf --cacert "$A/ca.pem" -d client_id=pam-oidc -d token="$rt" -d token_type_hint=refresh_token "$ISS/token/revocation" > /dev/null
sleep 2.2
pam_run rc3 oidcrecheck alice pts/9 deny
ok "grant revoked at the IdP + recheck -> refused" 1 "Authentication failure" rc3
grep -q "revoked: the identity provider refused its refresh token" "$T/syslog.log" && t_pass "syslog: revoked at the IdP" || t_fail "recheck syslog" "$(tail -3 "$T/syslog.log")"
[ -z "$(ls "$STORE/$ALICE_UID"/ 2>/dev/null)" ] && t_pass "the record is gone" || t_fail "record removed" "$(cat "$STORE/$ALICE_UID"/*; grep -v oidcauto "$T/syslog.log" | tail -5)"

# Attacks on the store. A fresh record first.
pam_run base oidctest alice pts/9 approve
good=$(ls "$STORE/$ALICE_UID"/*.json | head -1)
"$IDP/stop.sh" "$A"
planted=$STORE/$ALICE_UID/00000000000000000000000000000007.json
ln -s "$NS/etc/shadow" "$planted"
cp "$NS/etc/shadow" "$T/shadow.before"
pam_run symlink oidctest alice pts/9 none
ok "planted symlink: refused, real record still serves" 0 "successfully authenticated" symlink
[ ! -L "$planted" ] && cmp -s "$NS/etc/shadow" "$T/shadow.before" && grep -q "refusing session record $ALICE_UID/00000000000000000000000000000007.json" "$T/syslog.log" && t_pass "symlink removed and logged, its target untouched" || t_fail "symlink" "$(tail -2 "$T/syslog.log")"
printf 'garbage{' > "$STORE/$ALICE_UID/0000000000000000000000000000000a.json"; chmod 600 "$STORE/$ALICE_UID/0000000000000000000000000000000a.json"
head -c 40 "$good" > "$STORE/$ALICE_UID/0000000000000000000000000000000b.json"; chmod 600 "$STORE/$ALICE_UID/0000000000000000000000000000000b.json"
pam_run garbage oidctest alice pts/9 none
ok "garbage and truncated records ignored" 0 "successfully authenticated" garbage
[ "$(grep -c 'damaged session record' "$T/syslog.log")" -ge 2 ] && [ ! -e "$STORE/$ALICE_UID/0000000000000000000000000000000a.json" ] && t_pass "damaged records logged and removed" || t_fail "garbage" "$(tail -3 "$T/syslog.log")"
# Bob's record copied into alice's folder.
mkdir -p -m 700 "$STORE/$BOB_UID"
sed "s/\"user\":\"alice\",\"uid\":$ALICE_UID/\"user\":\"bob\",\"uid\":$BOB_UID/" "$good" > "$T/bobrec"
id=$(basename "$good" .json); newid=0000000000000000000000000000000c
sed "s/$id/$newid/" "$T/bobrec" > "$STORE/$ALICE_UID/$newid.json"; chmod 600 "$STORE/$ALICE_UID/$newid.json"
rm -f "$good"
pam_run foreign oidctest alice pts/9 none
ok "another uid's record in alice's folder does not serve alice" 1 "cannot retrieve authentication info" foreign
grep -q "uid does not match its folder" "$T/syslog.log" && t_pass "foreign record logged and removed" || t_fail "foreign record" "$(tail -2 "$T/syslog.log")"
# The store owned by another user, then world-writable: never trusted.
restart_idp 3
pam_run base2 oidctest alice pts/9 approve
ok "a fresh login after another key rotation" 0 "successfully authenticated" base2
chown 65534 "$NS/run/pam_oidc"
pam_run owned oidctest alice pts/9 none
ok "store owned by another user -> refused (PAM_SERVICE_ERR)" 1 "Sign-in is misconfigured on this host" owned
grep -q "session store not used: .*must be a directory owned by uid 0" "$T/syslog.log" && t_pass "unsafe store logged" || t_fail "unsafe store log" "$(tail -2 "$T/syslog.log")"
chown 0 "$NS/run/pam_oidc"; chmod 777 "$STORE"
pam_run writable oidctest alice pts/9 none
ok "world-writable store -> refused (PAM_SERVICE_ERR)" 1 "Sign-in is misconfigured on this host" writable
chmod 700 "$STORE"

# 64 parallel re-authentications for two users from their records.
pam_run again oidctest alice pts/9 none
ok "store restored -> reuse again" 0 "successfully authenticated" again
logged "...served from the record" "reason=session_reuse"
pam_run bobbase oidctest bob pts/9 approve
ok "bob's login" 0 "successfully authenticated" bobbase
"$IDP/stop.sh" "$A"
n0=$(helpers)
t0=$(now_ms)
pids=
cat > "$T/par.sh" <<EOT
for i in \$(seq 64); do
	if [ \$((i % 2)) = 0 ]; then u=bob; uid=$BOB_UID; else u=alice; uid=$ALICE_UID; fi
	timeout 60 setpriv --ruid=\$uid --euid=0 pamtester -I tty=pts/9 oidctest \$u authenticate < /dev/null > $T/par.\$i 2>&1 &
done
wait
EOT
in_session par "sh $T/par.sh"
session_wait par > /dev/null
ms=$(($(now_ms) - t0))
okn=$(grep -l "successfully authenticated" "$T"/par.* | wc -l)
[ "$okn" = 64 ] && [ "$(helpers)" = "$n0" ] && t_pass "64 parallel re-authentications: 64 succeeded, 0 helpers, ${ms} ms" || t_fail "parallel" "$okn ok, helpers $(helpers) vs $n0"
ns_run "$CLI" gc > "$T/gc.out" 2>&1
grep -q "^2 live session records" "$T/gc.out" && ! grep -q warning "$T/gc.out" && t_pass "no damaged record after the parallel run" || t_fail "gc" "$(cat "$T/gc.out")"

if grep -E 'eyJ[A-Za-z0-9_-]{10,}|refresh_token=' "$T/syslog.log" > /dev/null; then t_fail "no secret in syslog" "found"; else t_pass "no secret in syslog"; fi
t_done
