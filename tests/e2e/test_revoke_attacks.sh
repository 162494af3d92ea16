#!/bin/bash
# Attacks on ending sessions (issue 15, outside review), each with planted
# records (the store is root's) and real processes in the namespace:
# a logind session id faked with a cgroup the user names herself (F1); a
# descendant trapping SIGHUP and forking away from terminate (F6).
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

t_done
