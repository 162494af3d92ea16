#!/bin/bash
# Attacks on ending sessions (issue 15, outside review), each with planted
# records (the store is root's) and real processes in the namespace:
# a logind session id faked with a cgroup the user names herself (F1); a
# recheck run stopped midway that forgot a revocation (F2, and the marker
# a run leaves when it stops while ending a session); su inside a
# login removing that login's record at its logout (F3); gc deleting an
# expired offline = grace record before recheck could end its session
# (F4); a descendant trapping SIGHUP and forking away from terminate (F6).
# No IdP: a fake helper answers refreshes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
KILLME=
trap 'ns_cleanup; for p in $KILLME; do kill -9 "$p" 2>/dev/null; done; cleanup' EXIT
X=$T/x
mkdir -p "$X" && chmod 777 "$X"
echo 0 > "$X/n" && chmod 666 "$X/n"
ISSUER=https://127.0.0.1:1
LOGINCTL=/usr/bin/loginctl
# The fake helper: one refresh per start. mode down: the IdP unreachable;
# mode first-revoked: the first refresh of the run is refused
# (invalid_grant, its refresh token noted in $X/refused), later ones are
# slow (8 s, unless $X/fast) and answer tokens without an ID token.
FAKE=$T/fake-helper.sh
cat > "$FAKE" <<H
#!/bin/sh
read -r req || exit 3
rt=\$(printf '%s' "\$req" | sed -n 's/.*"refresh_token" *: *"\([^"]*\)".*/\1/p')
case \$(cat $X/mode) in
down) echo '{"event":"error","code":"idp_unreachable","message":"down"}' ;;
first-revoked)
	n=\$(cat $X/n); echo \$((n + 1)) > $X/n
	if [ "\$n" = 0 ]; then
		echo "\$rt" > $X/refused
		echo '{"event":"error","code":"invalid_grant","message":"revoked"}'
		exit 0
	fi
	[ -e $X/fast ] || sleep 8
	echo '{"event":"tokens","refresh_token":"rt-next"}' ;;
esac
H
chmod 755 "$FAKE"
echo down > "$X/mode" && chmod 666 "$X/mode"

world() { conf_write issuer=$ISSUER ca_file= helper="$FAKE"; }
world <<EOT
timeout = 10
on_revoke = terminate
EOT
ns_setup "$CONF"
STORE=$NS/run/pam_oidc/sessions

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
gone() { # PID SECONDS
	local i=0
	while alive "$1" && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	! alive "$1"
}
# as UID CMD...: CMD as that user, its own session (setsid), in the background; pid in $P.
as() {
	local u=$1; shift
	setpriv --reuid="$u" --regid="$u" --clear-groups setsid "$@" &
	P=$!
	KILLME="$KILLME $P"
	sleep 0.3
}
# plant UID USER PID RT [JSON]: a record bound to PID as its own session
# process (what the module writes), JSON's members over it; prints its id.
plant() {
	local id
	mkdir -p -m 700 "$STORE/$1"
	id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	python3 - "$@" "$id" "$ISSUER" "$STORE/$1/$id.json" <<'PY'
import json, sys, time
uid, user, pid, rt, extra, rid, iss, path = sys.argv[1:5] + ([sys.argv[5]] if len(sys.argv) == 9 else ["{}"]) + sys.argv[-3:]
now = int(time.time())
start = int(open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()[19])
r = {"v": 2, "id": rid, "uid": int(uid), "user": user, "iss": iss, "sub": "s-" + user, "created": now,
     "expires": now + 7200, "auth_time": now, "checked": now, "service": "sshd", "refresh_token": rt,
     "anchor_pid": int(pid), "anchor_start": start, "anchor_uid": int(uid), "tty_dev": 0}
r.update(json.loads(extra))
open(path, "w").write(json.dumps(r))
PY
	chmod 600 "$STORE/$1/$id.json"
	echo "$id"
}
records() { find "$STORE" -name '*.json' 2>/dev/null | wc -l; }

# --- F1: a logind session id the user names herself ---------------------------
# systemd delegates user@UID.service to its user: she may create
# .../user@UID.service/app.slice/session-7.scope and move her processes
# in. Her process's cgroup file (bind-mounted in a namespace of its own:
# no real cgroup is touched) names it; logind's session 7 is bob's; a fake
# loginctl notes what root asks.
cat > "$X/loginctl" <<L
#!/bin/sh
echo "loginctl \$*" >> $X/loginctl.log
exit 0
L
chmod 755 "$X/loginctl"
# spoofed PID CGROUP_PATH CMD...: CMD in the world while PID's cgroup file
# reads 0::CGROUP_PATH and loginctl is the fake.
spoofed() {
	local pid=$1
	printf '0::%s\n' "$2" > "$X/cgroup.$pid"
	shift 2
	ns_run sh -c 'mount --bind "$1" "/proc/$2/cgroup" && mount --bind "$3" "$4" || exit 99; shift 4; exec "$@"' \
		sh "$X/cgroup.$pid" "$pid" "$X/loginctl" "$LOGINCTL" "$@"
}
logind_session() { # ID UID LEADER: logind's record of session ID
	mkdir -p "$NS/run/systemd/sessions"
	printf 'UID=%s\nUSER=u%s\nACTIVE=1\nSCOPE=session-%s.scope\nLEADER=%s\n' "$2" "$2" "$1" "$3" > "$NS/run/systemd/sessions/$1"
}
if [ ! -x "$LOGINCTL" ]; then
	t_skip "F1 logind" "no $LOGINCTL to bind the fake over"
else
	logind_session 7 $BOB_UID 999999
	as $ALICE_UID sleep 300; a=$P
	id=$(plant $ALICE_UID alice $a rt-a1)
	: > "$X/loginctl.log"
	spoofed $a "/user.slice/user-$ALICE_UID.slice/user@$ALICE_UID.service/app.slice/session-7.scope" \
		"$CLI" revoke --id "$id" --terminate --config "$CONF" > "$X/f1a.out" 2>&1
	grep -q 'session' "$X/loginctl.log" && t_fail "F1: a session-7.scope in her delegated user@ subtree" "root ran: $(cat "$X/loginctl.log")" ||
		t_pass "F1: a session-7.scope she made in her delegated user@ subtree is not taken for logind session 7"
	gone $a 5 && t_pass "...and her own process is ended all the same" || t_fail "F1: her process survives" "$(cat "$X/f1a.out")"

	# The exact path, but logind's own record says the session is bob's.
	as $ALICE_UID sleep 300; a=$P
	id=$(plant $ALICE_UID alice $a rt-a2)
	: > "$X/loginctl.log"
	spoofed $a "/user.slice/user-$ALICE_UID.slice/session-7.scope" \
		"$CLI" revoke --id "$id" --terminate --config "$CONF" > "$X/f1b.out" 2>&1
	grep -q 'session' "$X/loginctl.log" && t_fail "F1: logind says session 7 is bob's" "root ran: $(cat "$X/loginctl.log")" ||
		t_pass "F1: logind's record of the session (UID=) must be the record's user"
	gone $a 5 && t_pass "...her process is ended" || t_fail "F1b: her process survives" "$(cat "$X/f1b.out")"

	# Her real logind session (exact path, UID and LEADER hers), but
	# logind does not end it (here: a fake that only notes the call):
	# the verified process tree is signalled as well.
	as $ALICE_UID sleep 300; a=$P
	logind_session 8 $ALICE_UID $a
	id=$(plant $ALICE_UID alice $a rt-a3)
	: > "$X/loginctl.log"
	spoofed $a "/user.slice/user-$ALICE_UID.slice/session-8.scope" \
		"$CLI" revoke --id "$id" --terminate --config "$CONF" > "$X/f1c.out" 2>&1
	grep -qx 'loginctl terminate-session 8' "$X/loginctl.log" && t_pass "F1: her own logind session 8 is terminated through logind" ||
		t_fail "F1: logind session 8" "loginctl: $(cat "$X/loginctl.log") $(cat "$X/f1c.out")"
	gone $a 5 && t_pass "...and her process tree is signalled too (logind's answer is not trusted to have ended it)" ||
		t_fail "F1c: her process survives a terminate-session that did nothing" "$(cat "$X/f1c.out")"
	# LEADER names another process: not her session's leader.
	as $ALICE_UID sleep 300; a=$P
	logind_session 9 $ALICE_UID 999998
	id=$(plant $ALICE_UID alice $a rt-a4)
	: > "$X/loginctl.log"
	spoofed $a "/user.slice/user-$ALICE_UID.slice/session-9.scope" \
		"$CLI" revoke --id "$id" --terminate --config "$CONF" > "$X/f1d.out" 2>&1
	grep -q 'session' "$X/loginctl.log" && t_fail "F1: LEADER is another process" "root ran: $(cat "$X/loginctl.log")" ||
		t_pass "F1: a logind session whose LEADER is another process is not used"
	gone $a 5 && t_pass "...her process is ended" || t_fail "F1d: her process survives" "$(cat "$X/f1d.out")"
fi
rm -rf "$STORE"/*

# --- F6: a descendant traps SIGHUP and forks away ------------------------------
cat > "$X/trap.sh" <<S
#!/bin/bash
# A job in alice's session: on SIGHUP it starts a new session of its own
# (reparented to init once this exits) and exits.
trap '(setsid sleep 300 & echo \$! > $X/escaped); exit 0' HUP
while :; do sleep 0.2; done
S
chmod 755 "$X/trap.sh"
: > "$X/escaped" && chmod 666 "$X/escaped"
as $ALICE_UID bash -c "$X/trap.sh & $X/trap.sh & wait"; a=$P
sleep 0.3
kids=$(pgrep -P $a | tr '\n' ' ')
id=$(plant $ALICE_UID alice $a rt-a6)
ns_run "$CLI" revoke --id "$id" --terminate --config "$CONF" > "$X/f6.out" 2>&1
sleep 1
e=$(cat "$X/escaped")
KILLME="$KILLME $e"
left=
for p in $a $kids $e; do alive "$p" && left="$left $p($(ps -o args= -p "$p"))"; done
[ -z "$left" ] && t_pass "F6: terminate leaves nothing of the session running (escaped: ${e:-none}, jobs: $kids)" ||
	t_fail "F6: survivors of terminate" "$left; $(cat "$X/f6.out")"
grep -q "killed" "$X/f6.out" && t_pass "...and says what it did: $(grep -o 'terminated[^;]*' "$X/f6.out" | head -1)" ||
	t_fail "F6: report" "$(cat "$X/f6.out")"
rm -rf "$STORE"/*

# --- F2: a recheck run stopped midway -------------------------------------------
# The first refresh is refused; later ones are slow. The run is stopped
# (TimeoutStartSec, shutdown, OOM) while a later record is refreshed: the
# revoked session must be ended by then, or by the next run.
world <<EOT
timeout = 10
on_revoke = terminate
offline = grace
recheck = 1h
EOT
echo first-revoked > "$X/mode"; echo 0 > "$X/n"; rm -f "$X/fast" "$X/refused"
as $ALICE_UID sleep 300; s1=$P
as $BOB_UID sleep 300; s2=$P
plant $ALICE_UID alice $s1 rt-alice > /dev/null
plant $BOB_UID bob $s2 rt-bob > /dev/null
ns_run "$CLI" recheck --all --config "$CONF" > "$X/f2a.out" 2>&1 &
r=$!
for _ in $(seq 50); do [ -s "$X/refused" ] && break; sleep 0.1; done
sleep 1
c=$(pgrep -f -x "$CLI recheck --all --config $CONF")
[ -n "$c" ] && kill -TERM $c
wait $r 2>/dev/null
refused=$(cat "$X/refused")
case $refused in rt-alice) victim=$s1 other=$s2 ;; rt-bob) victim=$s2 other=$s1 ;; *) victim= ;; esac
if [ -z "$victim" ] || [ -z "$c" ]; then
	t_fail "F2: the run could not be arranged" "refused=$refused cli=$c $(cat "$X/f2a.out")"
else
	touch "$X/fast"
	ns_run "$CLI" recheck --all --config "$CONF" > "$X/f2b.out" 2>&1
	gone $victim 5 && t_pass "F2: the revoked session ($refused) is ended though the run that saw it was stopped midway" ||
		t_fail "F2: revocation forgotten" "records: $(cat "$STORE"/*/*.json) run1: $(cat "$X/f2a.out") run2: $(cat "$X/f2b.out")"
	alive $other && t_pass "...the other session is untouched" || t_fail "F2: the other session" "$(cat "$X/f2b.out")"
	grep -rqs "$refused" "$STORE" && t_fail "F2: the revoked record" "still there: $(cat "$STORE"/*/*.json)" ||
		t_pass "...and the revoked record is gone once its session was ended"
fi
# A marker left by a run that stopped while it ended the session (the
# refresh token already gone): never reused, kept by gc, finished first.
echo down > "$X/mode"
as $ALICE_UID sleep 300; s=$P
id=$(plant $ALICE_UID alice $s rt-x '{"revoked":true,"revoked_why":"invalid_grant","expires":1}')
python3 -c 'import json,sys; p=sys.argv[1]; r=json.load(open(p)); del r["refresh_token"]; open(p,"w").write(json.dumps(r))' "$STORE/$ALICE_UID/$id.json"
ns_run "$CLI" gc --config "$CONF" > /dev/null 2>&1
[ -e "$STORE/$ALICE_UID/$id.json" ] && t_pass "F2: gc keeps a revocation marker (expired) while its session runs" || t_fail "F2: gc removed the marker" ""
ns_run "$CLI" recheck --all --config "$CONF" > "$X/f2c.out" 2>&1; rc=$?
gone $s 5 && [ ! -e "$STORE/$ALICE_UID/$id.json" ] && [ $rc = 1 ] && grep -q "revoked by an earlier run" "$X/f2c.out" &&
	t_pass "...the next recheck ends its session without asking the IdP, removes it, exit 1" ||
	t_fail "F2: marker" "rc=$rc $(cat "$X/f2c.out")"
rm -rf "$STORE"/*

# --- F3: su alice inside alice's login, revoke_on_logout = yes ------------------
world <<EOT
timeout = 10
on_revoke = terminate
recheck = 1h
revoke_on_logout = yes
EOT
echo down > "$X/mode"
cat > "$NS/pam.d/su" <<EOT
auth     required  $MODULE config=$CONF
account  required  pam_permit.so
session  required  pam_permit.so
session  optional  $MODULE config=$CONF
EOT
cat > "$X/sess.sh" <<'S'
#!/bin/sh
# alice's login shell: one su alice when told, another one later.
while [ ! -e "$1/go" ]; do sleep 0.1; done
su alice -c true < /dev/null; echo "$?" > "$1/su1"
while [ ! -e "$1/go2" ]; do sleep 0.1; done
su alice -c true < /dev/null; echo "$?" > "$1/su2"
exec sleep 300
S
chmod 755 "$X/sess.sh"
ns_run setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --clear-groups setsid "$X/sess.sh" "$X" &
KILLME="$KILLME $!"
sleep 0.5
s=$(pgrep -f "sess.sh $X" | head -1)
KILLME="$KILLME $s"
id=$(plant $ALICE_UID alice $s rt-f3 '{"anchor_opened":true}')
touch "$X/go"
for _ in $(seq 100); do [ -e "$X/su1" ] && break; sleep 0.1; done
if [ "$(cat "$X/su1" 2>/dev/null)" != 0 ]; then
	t_fail "F3: the first su did not reuse alice's login record" "rc=$(cat "$X/su1" 2>/dev/null) $(last_log)"
else
	[ -e "$STORE/$ALICE_UID/$id.json" ] && t_pass "F3: su alice in her login (revoke_on_logout = yes) leaves her login's record at its logout" ||
		t_fail "F3: su's logout removed her login's record" "$(last_log)"
	touch "$X/go2"
	for _ in $(seq 100); do [ -e "$X/su2" ] && break; sleep 0.1; done
	[ "$(cat "$X/su2" 2>/dev/null)" != 0 ] && t_pass "...but it is not reused again (revoke_on_logout keeps its meaning)" ||
		t_fail "F3: reused after su's logout" "rc=$(cat "$X/su2" 2>/dev/null)"
	ns_run "$CLI" recheck --all --config "$CONF" > "$X/f3.out" 2>&1
	gone $s 5 && t_pass "...and recheck still ends her login (IdP down, offline = deny)" || t_fail "F3: login never rechecked" "$(cat "$X/f3.out")"
fi
rm -rf "$STORE"/*

# --- F4: offline = grace, the grace over, gc by another authentication ---------
world <<EOT
timeout = 10
on_revoke = terminate
offline = grace
recheck = 1m
EOT
now=$(date +%s)
as $ALICE_UID sleep 300; s=$P
id=$(plant $ALICE_UID alice $s rt-f4 "{\"created\":$((now - 3600)),\"auth_time\":$((now - 3600)),\"expires\":$((now - 1)),\"service\":\"sudo\"}")
as $BOB_UID sleep 300; sb=$P
kid=$(plant $BOB_UID bob $sb rt-f4k "{\"on_revoke\":\"keep\",\"expires\":$((now - 1))}")
# alice runs sudo once (it fails: the IdP is down); its gc runs first.
ns_run setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --clear-groups sh -c 'sudo -S true < /dev/null' > /dev/null 2>&1
ns_run setpriv --reuid=$BOB_UID --regid=$BOB_UID --clear-groups sh -c 'sudo -S true < /dev/null' > /dev/null 2>&1
[ -e "$STORE/$ALICE_UID/$id.json" ] && t_pass "F4: gc keeps an expired record while its session lives (on_revoke = terminate)" ||
	t_fail "F4: gc deleted the expired record of a live session" "$(ls -A "$STORE/$ALICE_UID")"
[ ! -e "$STORE/$BOB_UID/$kid.json" ] && t_pass "...one its service keeps (on_revoke = keep) is collected as before" ||
	t_fail "F4: on_revoke = keep record kept" "$(cat "$STORE/$BOB_UID/$kid.json")"
ns_run "$CLI" recheck --all --config "$CONF" > "$X/f4.out" 2>&1
gone $s 5 && t_pass "...recheck then ends the session (grace over)" || t_fail "F4: session never ended" "$(cat "$X/f4.out")"
[ ! -e "$STORE/$ALICE_UID/$id.json" ] && t_pass "...and removes the record" || t_fail "F4: record after recheck" "$(cat "$X/f4.out")"
t_done
