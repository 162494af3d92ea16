#!/bin/bash
# Revocation that reaches live sessions (issue 15): pam-oidc recheck against
# the real IdP ends the ssh session of a person whose grant was revoked
# (on_revoke = terminate), leaves another person's session alone, logs it;
# keep ends nothing; an IdP that is down keeps a session under
# offline = grace until the grace ends; a record whose session already
# ended is removed without a signal; a record whose pid now belongs to
# another process, or that names another user's session (su), never gets
# that process signalled. Real sshd in the namespace, real IdP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; kill $BYSTANDERS 2>/dev/null; reap; cleanup' EXIT
BYSTANDERS=
# reap: what this suite's ssh sessions left running (a session kept by
# on_revoke = keep, a client killed while its remote sleep goes on): every
# process whose working folder is one of this namespace's homes, by pid.
reap() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(readlink "$p/cwd" 2>/dev/null) || continue
		case $c in "$NS"/home/*) kill -9 "${p#/proc/}" 2>/dev/null ;; esac
	done
}

idp_a
e2e_world scopes="openid profile email offline_access" <<EOT
timeout = 30
recheck = 1h
on_revoke = terminate
revoke_grace = 3

[sshd]
prompt = enter
EOT
cat > "$NS/pam.d/sshd" <<EOT
auth     required  $MODULE config=$CONF
account  required  pam_permit.so
session  required  pam_permit.so
session  optional  $MODULE config=$CONF
EOT
STORE=$NS/run/pam_oidc/sessions
sshd_start

# login NAME ACCOUNT: an ssh login that stays open (sleep), in the
# background; its expect pid in PID_NAME. Waits for the record.
login() {
	expect "$E2E/revoke.exp" approve "$2" "$A" "$IDP/approve.sh" \
		$SSH "$2@127.0.0.1" 'echo READY-$((6 * 7)); exec sleep 300' > "$T/$1.out" 2>&1 &
	eval "PID_$1=$!"
	wait_for "$T/$1.out" 's/.*\(READY-42\).*/\1/p' 300 > /dev/null
}
alive() { kill -0 "$1" 2>/dev/null; }
# gone PID SECONDS: the process ends within SECONDS.
gone() {
	i=0
	while alive "$1" && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	! alive "$1"
}
rec_of() { grep -l "\"user\":\"$1\"" "$STORE/$2"/*.json 2>/dev/null | head -1; }
field() { sed -n "s/.*\"$2\":\\([0-9]*\\).*/\\1/p" "$1"; }
revoke_at_idp() {
	curl -s --cacert "$A/ca.pem" -d "account=$1" "$ISS/test/revoke"
}
recheck() { ns_run "$CLI" recheck --config "$CONF" "${@:---all}"; }
store_rec() { # SRC_JSON UID: writes a planted record as the store would
	id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$STORE/$2"
	python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["id"]=sys.argv[2]; print(json.dumps(r))' "$1" "$id" \
		> "$STORE/$2/$id.json"
	chmod 600 "$STORE/$2/$id.json"
	echo "$id"
}

# --- terminate: alice revoked, bob untouched --------------------------------
login alice alice
login bob bob
ra=$(rec_of alice $ALICE_UID); rb=$(rec_of bob $BOB_UID)
if [ -n "$ra" ] && [ -n "$rb" ] && grep -q '"refresh_token"' "$ra" && grep -q '"anchor_opened":true' "$ra"; then
	t_pass "alice and bob logged in over ssh; records hold a refresh token and their sshd session process"
else
	t_fail "logins" "alice: $(tail -3 "$T/alice.out" | tr -d '\r') bob: $(tail -3 "$T/bob.out" | tr -d '\r') $(last_log)"
	t_done
fi
priv_a=$(field "$ra" anchor_pid)
ps -o args= -p "$priv_a" | grep -q 'sshd: alice' && t_pass "alice's record is bound to 'sshd: alice' ($priv_a)" || t_fail "anchor" "$(ps -o args= -p "$priv_a")"

recheck --all --json > "$T/r0.json"; rc=$?
[ $rc = 0 ] && [ "$(grep -c '"result": "valid"' "$T/r0.json")" = 2 ] && t_pass "recheck with nothing revoked: 2 valid, exit 0" || t_fail "recheck valid" "rc=$rc $(cat "$T/r0.json")"
alive "$PID_alice" && alive "$PID_bob" && t_pass "...both sessions still open" || t_fail "sessions after a valid recheck" "gone"
grep -q '"checked"' "$ra" && t_pass "...the record was updated under the lock" || t_fail "record update" "$(cat "$ra")"

revoke_at_idp alice > "$T/revoke.out"
grep -q '"grants":[1-9]' "$T/revoke.out" && t_pass "the IdP revoked alice's grant (test hook)" || t_fail "IdP revoke hook" "$(cat "$T/revoke.out")"
t0=$(now_ms)
recheck > "$T/r1.out" 2> "$T/r1.err"; rc=$?
if gone "$PID_alice" 10; then
	t1=$(now_ms)
	t_pass "alice's ssh session ended ($((t1 - t0)) ms after recheck began; grace 3 s)"
else
	t_fail "alice's ssh ended" "$(cat "$T/r1.out" "$T/r1.err")"
fi
[ $rc = 1 ] && t_pass "recheck exits 1 when a record was revoked" || t_fail "recheck exit" "rc=$rc $(cat "$T/r1.out" "$T/r1.err")"
gone "$priv_a" 5 && t_pass "the sshd session process ($priv_a) is gone" || t_fail "sshd priv gone" "$(ps -o pid,args= -p "$priv_a")"
[ -z "$(rec_of alice $ALICE_UID)" ] && t_pass "alice's record is removed" || t_fail "alice record" "$(cat "$STORE/$ALICE_UID"/*.json)"
alive "$PID_bob" && [ -n "$(rec_of bob $BOB_UID)" ] && t_pass "bob's concurrent session and record are untouched" || t_fail "bob untouched" "$(cat "$T/r1.out")"
grep -E "alice +sshd +revoked +terminated" "$T/r1.out" > /dev/null && t_pass "table: alice revoked, session terminated" || t_fail "table" "$(cat "$T/r1.out")"
if grep "pam-oidc" "$T/syslog.log" | grep "of alice" | grep -q "pids $priv_a"; then
	t_pass "one authpriv line names alice, the service and the pids: $(grep 'pam-oidc' "$T/syslog.log" | grep 'of alice' | tail -1 | cut -c1-160)"
else
	t_fail "syslog line" "$(grep 'pam-oidc' "$T/syslog.log" | tail -3)"
fi
[ "$(grep 'pam-oidc' "$T/syslog.log" | grep -c 'of alice')" = 1 ] && t_pass "...exactly one line for that session" || t_fail "one line" "$(grep 'pam-oidc' "$T/syslog.log")"
grep 'pam-oidc' "$T/syslog.log" | grep -q 'of bob' && t_fail "no line for bob" "$(grep 'of bob' "$T/syslog.log")" || t_pass "...none for bob"

# --- attacks on the signal: planted records (the store is root's; these
# stand for a pid reused after the session ended, and for a record earned
# with su in someone else's session) -----------------------------------------
sleep 300 & victim=$!; BYSTANDERS="$BYSTANDERS $victim"
setpriv --reuid=$BOB_UID --regid=$BOB_UID --clear-groups sleep 300 & bobs=$!; BYSTANDERS="$BYSTANDERS $bobs"
sleep 0.2
vstart=$(awk '{print $22}' /proc/$victim/stat); bstart=$(awk '{print $22}' /proc/$bobs/stat)
base=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["user"]="alice"; r["uid"]=int(sys.argv[2]); r["refresh_token"]="revoked-token"; print(json.dumps(r))' "$rb" $ALICE_UID)
mk() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r.update(json.loads(sys.argv[2])); print(json.dumps(r))' "$base" "$1"; }
# A pid reused by another process: same number, another start time.
reused=$(store_rec "$(mk "{\"anchor_pid\":$victim,\"anchor_start\":$((vstart - 5)),\"anchor_uid\":$ALICE_UID}")" $ALICE_UID)
# su alice inside bob's session: the session process is bob's, alive.
sub=$(store_rec "$(mk "{\"anchor_pid\":$bobs,\"anchor_start\":$bstart,\"anchor_uid\":$BOB_UID,\"anchor_opened\":true}")" $ALICE_UID)
# A session that already ended (its process exited).
sh -c 'exit 0' & deadpid=$!; wait $deadpid
dead=$(store_rec "$(mk "{\"anchor_pid\":$deadpid,\"anchor_start\":1,\"anchor_uid\":$ALICE_UID}")" $ALICE_UID)
recheck --user alice --json > "$T/r2.json"; rc=$?
sleep 0.5
alive "$victim" && t_pass "a record whose pid was reused (start time differs): that process is never signalled" || t_fail "reused pid" "signalled: $(cat "$T/r2.json")"
python3 - "$T/r2.json" "$reused" "$dead" "$sub" > "$T/r2.check" <<'PY'
import json, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1]))}
print(rows[sys.argv[2]]["result"], rows[sys.argv[3]]["result"], rows[sys.argv[4]]["result"], rows[sys.argv[4]]["session"])
PY
read -r r_reused r_dead r_sub s_sub < "$T/r2.check"
[ "$r_reused" = ended ] && [ ! -e "$STORE/$ALICE_UID/$reused.json" ] && t_pass "...it is reported ended and removed" || t_fail "reused record" "$(cat "$T/r2.json")"
[ "$r_dead" = ended ] && [ ! -e "$STORE/$ALICE_UID/$dead.json" ] && t_pass "a record whose session already ended is removed, not terminated" || t_fail "ended record" "$(cat "$T/r2.json")"
alive "$bobs" && t_pass "su alice in bob's session, alice revoked: bob's session process is never signalled" || t_fail "bob's session" "signalled: $(cat "$T/r2.json")"
[ "$r_sub" = revoked ] && [ "${s_sub%% *}" = "not" ] && t_pass "...the record is revoked and the session reported not ended" || t_fail "su record" "$r_sub $s_sub $(cat "$T/r2.json")"
grep 'pam-oidc' "$T/syslog.log" | grep -q "pids.*$victim\|pids.*$bobs" && t_fail "no signal logged for bystanders" "$(grep pam-oidc "$T/syslog.log" | tail -3)" || t_pass "...and no line claims their pids"
[ $rc = 1 ] && t_pass "exit 1 (revoked)" || t_fail "exit" "$rc"

# --- keep: the record goes, the session stays --------------------------------
sed -i 's/^on_revoke = terminate$/on_revoke = keep/' "$CONF"
login alice2 alice
revoke_at_idp alice > /dev/null
recheck > "$T/r3.out"; rc=$?
sleep 1
alive "$PID_alice2" && t_pass "on_revoke = keep: alice's session stays open" || t_fail "keep" "$(cat "$T/r3.out")"
[ $rc = 1 ] && [ -z "$(rec_of alice $ALICE_UID)" ] && grep -qE "alice +sshd +revoked +kept" "$T/r3.out" && t_pass "...but her record is revoked (removed), exit 1" || t_fail "keep record" "rc=$rc $(cat "$T/r3.out")"
kill "$PID_alice2" 2>/dev/null

# --- concurrency: a recheck holding alice's lock through a slow refresh, a
# revocation and a new login at the same time: the revoked record is never
# brought back, the new login's record is never lost -------------------------
cat > "$T/slow-helper.sh" <<EOT
#!/bin/sh
sleep 2
exec $HELPER
EOT
chmod 755 "$T/slow-helper.sh"
login alice4 alice
r4=$(rec_of alice $ALICE_UID); id4=$(basename "$r4" .json)
sed -i "s#^helper = .*#helper = $T/slow-helper.sh#" "$CONF"
recheck --user alice > "$T/rc.out" 2>&1 &
rpid=$!
sleep 0.5
ns_run "$CLI" revoke --id "$id4" --config "$CONF" > "$T/rv.out" 2>&1 &
vpid=$!
expect "$E2E/revoke.exp" approve alice "$A" "$IDP/approve.sh" \
	$SSH "alice@127.0.0.1" 'echo READY-$((6 * 7)); exec sleep 300' > "$T/alice5.out" 2>&1 &
PID_alice5=$!
alive "$rpid" && t_pass "recheck still running (slow refresh) while revoke and a login start" || t_skip "concurrency" "the recheck ended before the race could be arranged"
wait $rpid; wait $vpid; vrc=$?
wait_for "$T/alice5.out" 's/.*\(READY-42\).*/\1/p' 300 > /dev/null
[ $vrc = 0 ] && [ ! -e "$r4" ] && t_pass "revoked during the recheck: the record stays removed (no resurrection)" || t_fail "resurrection" "rc=$vrc $(cat "$T/rv.out" "$T/rc.out")"
[ -n "$(rec_of alice $ALICE_UID)" ] && t_pass "a login in flight during the recheck keeps its record" || t_fail "login in flight" "$(tail -3 "$T/alice5.out") $(cat "$T/rc.out")"
sed -i "s#^helper = .*#helper = $HELPER#" "$CONF"
kill "$PID_alice4" "$PID_alice5" 2>/dev/null
for _ in $(seq 50); do [ -z "$(rec_of alice $ALICE_UID)" ] && break; sleep 0.1; done

# --- IdP down, offline = grace: kept until the grace ends --------------------
sed -i 's/^on_revoke = keep$/on_revoke = terminate\noffline = grace/' "$CONF"
login alice3 alice
ra=$(rec_of alice $ALICE_UID)
"$IDP/stop.sh" "$A"
recheck > "$T/r4.out"; rc=$?
sleep 1
alive "$PID_alice3" && [ $rc = 3 ] && grep -qE "alice +sshd +unknown +kept" "$T/r4.out" && [ -e "$ra" ] \
	&& t_pass "IdP down, offline = grace: unknown, exit 3, session and record kept" || t_fail "grace" "rc=$rc $(cat "$T/r4.out")"
# The grace is the record's own expiry: let it pass (the store is root's).
python3 -c 'import json,sys,time; p=sys.argv[1]; r=json.load(open(p)); r["expires"]=int(time.time())-1; open(p,"w").write(json.dumps(r))' "$ra"
recheck > "$T/r5.out"; rc=$?
gone "$PID_alice3" 10 && [ $rc = 3 ] && t_pass "...once the grace ended: the session is ended, exit 3" || t_fail "grace ended" "rc=$rc $(cat "$T/r5.out")"
alive "$PID_bob" && t_pass "bob (IdP down, grace not over) still logged in" || t_fail "bob after grace" "gone"

# --- pam-oidc revoke --terminate: at once, no IdP needed ----------------------
priv_b=$(field "$(rec_of bob $BOB_UID)" anchor_pid)
ns_run "$CLI" revoke --user bob --terminate --config "$CONF" > "$T/r6.out" 2>&1; rc=$?
gone "$PID_bob" 10 && ! alive "$priv_b" && [ $rc = 0 ] && [ -z "$(rec_of bob $BOB_UID)" ] \
	&& t_pass "revoke --user bob --terminate: bob's ssh session ($priv_b) ended, record removed" || t_fail "revoke --terminate" "rc=$rc $(cat "$T/r6.out")"
grep 'pam-oidc' "$T/syslog.log" | grep 'of bob' | grep -q 'revoke --terminate' && t_pass "...and logged" || t_fail "revoke --terminate log" "$(grep pam-oidc "$T/syslog.log" | tail -2)"
t_done
