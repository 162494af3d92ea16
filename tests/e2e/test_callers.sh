#!/bin/bash
# pam_oidc.so in the real callers, in a private mount namespace: OpenSSH
# sshd with keyboard-interactive (SSH_ASKPASS and a terminal via expect),
# sudo (prompt=enter on a terminal, prompt=auto with -S), and su on a pty.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; cleanup' EXIT

idp_a
e2e_world <<EOT
timeout = 40
EOT

# --- sshd ------------------------------------------------------------------
sshd_start

ssh_askpass() { # account mode
	rm -f "$T/askpass.log"*
	ASKPASS_LOG=$T/askpass.log ASKPASS_ACCOUNT=$1 ASKPASS_MODE=$2 APPROVE_SH=$IDP/approve.sh IDP_DIR=$A \
	SSH_ASKPASS=$E2E/askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		timeout 60 setsid -w $SSH alice@127.0.0.1 'echo LOGIN-OK $(id -un)' < /dev/null > "$T/ssh.out" 2> "$T/ssh.err"
	SRC=$?
}
ssh_askpass alice ""
if [ $SRC = 0 ] && grep -q "LOGIN-OK alice" "$T/ssh.out"; then t_pass "sshd: approve -> command runs as alice"
else t_fail "sshd approve" "rc=$SRC $(cat "$T/ssh.err" "$T/askpass.log" | tail -8)"; fi
# The first keyboard-interactive prompt carries the URL and code before the prompt text.
first=$(sed '/^---$/q' "$T/askpass.log")
case "$first" in
*"To sign in, open https://127.0.0.1:"*"/device"*"enter the code: "*"Press Enter after you have approved the sign-in: "*)
	t_pass "sshd: client sees URL and code before the prompt" ;;
*) t_fail "sshd prompt" "$first" ;;
esac
grep -q "result=success reason=ok service=sshd user=alice mapped=alice" "$T/syslog.log" && t_pass "sshd: syslog success line" || t_fail "sshd syslog" "$(last_log)"

ssh_askpass alice deny
if [ $SRC = 255 ] && grep -q "Permission denied" "$T/ssh.err"; then t_pass "sshd: deny -> Permission denied"
else t_fail "sshd deny" "rc=$SRC $(cat "$T/ssh.err")"; fi
ssh_askpass bob ""
if [ $SRC = 255 ] && grep -q "Permission denied" "$T/ssh.err"; then t_pass "sshd: bob's approval for alice -> Permission denied"
else t_fail "sshd wrong user" "rc=$SRC $(cat "$T/ssh.out" "$T/ssh.err")"; fi

# What a person at a terminal sees (kept for the docs and the closing note).
expect "$E2E/device.exp" approve alice "$A" "$IDP/approve.sh" $SSH -tt alice@127.0.0.1 'echo LOGIN-OK $(id -un)' \
	> "$T/ssh-transcript.txt" 2>&1
rc=$?
tr -d '\r' < "$T/ssh-transcript.txt" > "$top_builddir/tests/e2e/ssh-transcript.txt"
if [ $rc = 0 ] && grep -q "^LOGIN-OK alice" "$T/ssh-transcript.txt"; then t_pass "sshd: interactive terminal login (expect)"
else t_fail "sshd expect" "rc=$rc $(tail -5 "$T/ssh-transcript.txt")"; fi

# --- sudo ------------------------------------------------------------------
expect "$E2E/device.exp" approve alice "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups sudo -k id -u > "$T/sudo.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^0' "$T/sudo.out"; then t_pass "sudo: approve -> command runs as root"
else t_fail "sudo approve" "rc=$rc $(tail -5 "$T/sudo.out")"; fi
expect "$E2E/device.exp" deny alice "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups sudo -k id -u > "$T/sudo2.out" 2>&1
rc=$?
if [ $rc = 1 ] && ! grep -q '^0' "$T/sudo2.out" && grep -q "The sign-in was denied" "$T/sudo2.out"; then t_pass "sudo: deny -> refused"
else t_fail "sudo deny" "rc=$rc $(tail -5 "$T/sudo2.out")"; fi

# prompt=auto (sudo shows info at once): the person only approves, never
# presses Enter. sudo's PAM service is always "sudo": switch our private copy.
cp "$NS/pam.d/sudo" "$T/sudo.pam"
sed -i 's#config=\(.*\)$#config=\1 prompt=auto#' "$NS/pam.d/sudo"
expect "$E2E/device.exp" auto alice "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups sudo -k id -u > "$T/sudoA.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^0' "$T/sudoA.out" && ! grep -q "Press Enter" "$T/sudoA.out"; then t_pass "sudo with prompt=auto: approve only, no Enter"
else t_fail "sudo prompt=auto" "rc=$rc $(tail -5 "$T/sudoA.out")"; fi
cp "$T/sudo.pam" "$NS/pam.d/sudo"

# --- su (a console-style login on a pty) -------------------------------------
expect "$E2E/device.exp" approve alice "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups su alice -c 'echo SU-OK $(id -un)' > "$T/su.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^SU-OK alice" "$T/su.out"; then t_pass "su: bob becomes alice after alice approves"
else t_fail "su approve" "rc=$rc $(tail -5 "$T/su.out")"; fi
expect "$E2E/device.exp" approve bob "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups su alice -c 'echo SU-OK $(id -un)' > "$T/su2.out" 2>&1
rc=$?
if [ $rc != 0 ] && ! grep -q "^SU-OK" "$T/su2.out" && grep -q "may not log in as this user" "$T/su2.out"; then t_pass "su: bob's own approval cannot make him alice"
else t_fail "su wrong user" "rc=$rc $(tail -5 "$T/su2.out")"; fi

[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
