#!/bin/bash
# A session record serves only the login session that earned it (issue 12,
# finding 1), with the real callers on real ptys: login and su on a
# terminal of the namespace's own devpts, sudo inside those sessions,
# sshd with a pty. Every ns_run mounts a fresh devpts, so each new session
# gets pts/0 again, even while an earlier one is still open: the reused
# terminal is there for the taking, which is the attack.
. "$top_srcdir/tests/e2e/binding-lib.sh"

# --- console: login on a terminal, sudo inside, the terminal reused -------------
start_idp
cat > "$T/login-steps.sh" <<EOT
$WAITGO
echo "READY \$(id -un) \$(tty)"
waitgo $T/console.go
sudo -k id -u; echo "SUDO1-RC=\$?"
sudo -k id -u; echo "SUDO2-RC=\$?"
EOT
bg console approve alice $(on_pts0 0) "exec login alice" /dev/null
CONSOLE=$BG
if ready console; then
	n0=$(helpers)
	out_has console "READY alice /dev/pts/0" && t_pass "login: alice signs in on pts/0 (device flow)" || t_fail "login on pts/0" "$(tail -3 "$T/console.out")"
	[ "$(records)" = 1 ] && t_pass "login: one record for alice" || t_fail "login record" "$(records)"
	# While her session is open, another namespace hands out pts/0 again
	# (the same device number, 136:0): the reused-terminal attacks.
	fg mallory none alice $(on_pts0 $MALLORY_UID) "su alice -c 'echo SU-OK \$(id -un)'" /dev/null
	if ! out_has mallory "SU-OK alice" && out_has mallory "cannot be reached"; then t_pass "attack a: mallory on a reused pts/0 runs su alice -> not served from her record"
	else t_fail "attack a: mallory su alice on pts/0" "$(tail -3 "$T/mallory.out") | $(last_log)"; fi
	fg console2 none alice $(on_pts0 0) "exec login alice" /dev/null
	if ! out_has console2 "READY" && out_has console2 "LOGIN-REFUSED"; then t_pass "attack b: login typing alice on a reused pts/0 -> refused"
	else t_fail "attack b: login alice on pts/0" "$(tail -3 "$T/console2.out") | $(last_log)"; fi
	fg alice2 none alice $(on_pts0 $ALICE_UID) "sudo -k id -u; echo SUDO-RC=\$?" /dev/null
	if out_has alice2 "SUDO-RC=1" && ! out_has alice2 "^0"; then t_pass "another session of alice's own on pts/0 (not inside the one that earned it) -> not served"
	else t_fail "alice's other session on pts/0" "$(tail -3 "$T/alice2.out") | $(last_log)"; fi
	[ "$(grep -c 'reason=session_reuse' "$T/syslog.log")" = 0 ] && t_pass "none of them was served from a record (syslog)" || t_fail "served during the attacks" "$(grep 'reason=session_reuse' "$T/syslog.log")"
	n0=$(helpers)
	touch "$T/console.go"
fi
wait $CONSOLE
if out_has console "SUDO1-RC=0" && out_has console "SUDO2-RC=0"; then t_pass "d: alice's sudo (twice, -k) inside her login session, IdP down -> served"
else t_fail "d: sudo in the login session" "$(tail -5 "$T/console.out") | $(last_log)"; fi
[ "$(helpers)" = "$n0" ] && t_pass "...with no helper started" || t_fail "helpers for sudo in session" "$(helpers) vs $n0"
grep -q "result=success reason=session_reuse service=sudo user=alice" "$T/syslog.log" && t_pass "syslog: reason=session_reuse service=sudo" || t_fail "sudo reuse syslog" "$(last_log)"
grep -q "no session reused for alice: the caller is not inside the login session that earned the record" "$T/syslog.log" && t_pass "syslog (debug) says why the other session was refused" || t_fail "refusal reason logged" "$(grep 'no session reused' "$T/syslog.log" | tail -3)"
# After logout the terminal is free again: login typing alice.
fg console3 none alice $(on_pts0 0) "exec login alice" /dev/null
if ! out_has console3 "READY" && out_has console3 "LOGIN-REFUSED"; then t_pass "attack b: after alice logged out, login typing alice on pts/0 -> refused"
else t_fail "attack b after logout" "$(tail -3 "$T/console3.out") | $(last_log)"; fi
fg mallory2 none alice $(on_pts0 $MALLORY_UID) "su alice -c 'echo SU-OK \$(id -un)'" /dev/null
if ! out_has mallory2 "SU-OK alice"; then t_pass "attack a: after alice logged out, mallory on pts/0 su alice -> refused"
else t_fail "attack a after logout" "$(tail -3 "$T/mallory2.out") | $(last_log)"; fi
[ "$(records)" = 0 ] && t_pass "e: login's own close_session ended alice's record" || t_fail "record after logout" "$(cat "$STORE/$ALICE_UID"/*.json)"

# --- bob runs su alice on his terminal --------------------------------------------
start_idp
# An interactive su (no -c: su -c drops the terminal): alice's shell runs these.
cat > "$T/login-steps.sh" <<EOT
$WAITGO
echo "READY \$(id -un) \$(tty)"
waitgo $T/su.go
sudo -k id -u; echo "SUDO-IN-SU-RC=\$?"
EOT
cat > "$T/bob-steps.sh" <<EOT
su alice; echo "SU1-RC=\$?"
su alice -c 'echo SU2-OK \$(id -un)'; echo "SU2-RC=\$?"
EOT
bg su approve alice $(on_pts0 $BOB_UID) "sh $T/bob-steps.sh" /dev/null
SU=$BG
if ready su; then
	n0=$(helpers)
	touch "$T/su.go"
fi
wait $SU
out_has su "READY alice /dev/pts/0" && out_has su "SU1-RC=0" && t_pass "c: bob runs su alice, alice approves on his terminal" || t_fail "su alice by bob" "$(tail -5 "$T/su.out")"
# The record was earned in bob's session: bob's terminal and bob's jobs
# (TIOCSTI, sudo -u alice) are no place for alice's record to serve.
out_has su "SUDO-IN-SU-RC=1" && t_pass "attack c: alice's sudo inside su on bob's terminal, IdP down -> not served" || t_fail "sudo inside su" "$(tail -5 "$T/su.out") | $(last_log)"
grep -q "no session reused for alice: record was earned in another user's session" "$T/syslog.log" && t_pass "syslog (debug): the record was earned in another user's session" || t_fail "anchor uid reason" "$(grep 'no session reused' "$T/syslog.log" | tail -3)"
if ! out_has su "SU2-OK alice" && out_has su "SU2-RC=1"; then t_pass "attack c: bob's next su alice on the same terminal -> not served from her record"
else t_fail "attack c: bob su alice again" "$(tail -5 "$T/su.out") | $(last_log)"; fi
grep -q "no session reused for alice: the invoking user is not the record's user" "$T/syslog.log" && t_pass "syslog (debug): the invoking user is not the record's user" || t_fail "su reason" "$(grep 'no session reused' "$T/syslog.log" | tail -3)"
[ "$(records)" = 1 ] && t_pass "su's close_session left the record of bob's session alone" || t_fail "records after su" "$(records)"
ns_run "$CLI" gc > "$T/gc.out" 2>&1
grep -q "^0 live session records" "$T/gc.out" && t_pass "e: bob's session ended -> pam-oidc gc removes its record" || t_fail "gc of an ended session" "$(cat "$T/gc.out")"

# --- sudo's own sign-in serves the next sudo of that shell ---------------------
start_idp
cat > "$T/sudo-steps.sh" <<EOT
$WAITGO
sudo -k id -u; echo "SUDO1-RC=\$?"
echo "READY \$(id -un) \$(tty)"
waitgo $T/sudo.go
sudo -k id -u; echo "SUDO2-RC=\$?"
EOT
bg sudo approve alice $(on_pts0 $ALICE_UID) "sh $T/sudo-steps.sh" /dev/null
SUDOJOB=$BG
if ready sudo; then
	n0=$(helpers)
	anchor=$(sed -n 's/.*"anchor_pid":\([0-9]*\).*/\1/p' "$STORE/$ALICE_UID"/*.json)
	sh_pid=$(pgrep -f "^sh $T/sudo-steps.sh" | head -1)
	[ -n "$anchor" ] && [ "$anchor" = "$(ps -o sid= -p "$sh_pid" | tr -d ' ')" ] && t_pass "sudo's record is bound to the shell's session, not to the sudo process" || t_fail "sudo anchor" "anchor=$anchor shell=$sh_pid $(ps -o pid=,sid= -p "$sh_pid")"
	touch "$T/sudo.go"
fi
wait $SUDOJOB
out_has sudo "SUDO1-RC=0" && out_has sudo "SUDO2-RC=0" && [ "$(helpers)" = "$n0" ] && t_pass "d: the next sudo -k in that shell, IdP down -> served, no helper (sudo's close_session kept the record)" || t_fail "sudo after sudo" "$(tr -d '\r' < "$T/sudo.out" | tail -5) | $(last_log)"
ns_run "$CLI" gc > /dev/null 2>&1
[ "$(records)" = 0 ] && t_pass "e: that shell's session ended -> its record is gone at the next gc" || t_fail "record after the shell ended" "$(cat "$STORE/$ALICE_UID"/*.json)"

# --- sshd with a pty ----------------------------------------------------------
start_idp
sshd_start
cat > "$T/ssh-steps.sh" <<EOT
$WAITGO
echo "READY \$(id -un) \$(tty)"
p=\$\$
while [ "\$p" -gt 1 ]; do ps -o pid=,ppid=,sid=,tty=,args= -p \$p; p=\$(ps -o ppid= -p \$p | tr -d ' '); done
waitgo $T/ssh.go
sudo -k id -u; echo "SUDO1-RC=\$?"
sudo -k id -u; echo "SUDO2-RC=\$?"
EOT
bg ssh approve alice $SSH -tt alice@127.0.0.1 "sh $T/ssh-steps.sh"
SSHJOB=$BG
if ready ssh; then
	n0=$(helpers)
	cat "$STORE/$ALICE_UID"/*.json > "$T/ssh-record.json" 2>/dev/null
	touch "$T/ssh.go"
fi
wait $SSHJOB
if out_has ssh "SUDO1-RC=0" && out_has ssh "SUDO2-RC=0"; then t_pass "d: alice's sudo (twice, -k) inside her ssh session, IdP down -> served"
else t_fail "d: sudo in the ssh session" "$(tr -d '\r' < "$T/ssh.out" | tail -12) | $(last_log)"; fi
[ "$(helpers)" = "$n0" ] && t_pass "...with no helper started" || t_fail "helpers for sudo in ssh" "$(helpers) vs $n0"
# sshd authenticates in a child of its per-connection session process
# ("sshd: alice [priv]"), which also opens and closes the PAM session and
# is an ancestor of the shell; it opens the session before it allocates
# the pty, so the record has no terminal.
anchor=$(sed -n 's/.*"anchor_pid":\([0-9]*\).*/\1/p' "$T/ssh-record.json")
tr -d '\r' < "$T/ssh.out" | grep -q "^ *$anchor .*sshd: alice \[priv\]" && grep -q '"tty_dev":0' "$T/ssh-record.json" && t_pass "ssh record bound to sshd's session process (an ancestor of the shell), not to a pty" || t_fail "ssh binding" "anchor=$anchor $(cat "$T/ssh-record.json"; tr -d '\r' < "$T/ssh.out" | grep -A8 READY)"
[ "$(records)" = 0 ] && t_pass "e: the ssh session closed -> its record is gone" || t_fail "e: record after ssh logout" "$(cat "$STORE/$ALICE_UID"/*.json)"

[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
