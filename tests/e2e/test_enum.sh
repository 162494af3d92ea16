#!/bin/bash
# Issue 12, finding 11: user enumeration over ssh. Through a real sshd with
# keyboard-interactive (SSH_ASKPASS), an unknown user must see what a real
# user sees (a code in the IdP's format, the IdP's URI, the same prompts and
# the same "Not approved yet" loop until the timeout), not a refusal at
# once; and no helper may start for them (no request to the IdP).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; cleanup' EXIT

idp_a
helper_counter
e2e_world helper="$T/helper-count.sh" <<EOT
timeout = 10
reuse = none
EOT

sshd_start

# ssh_try NAME ACCOUNT: nobody approves; askpass.sh logs every prompt and presses Enter.
ssh_try() {
	log=$T/$1.askpass
	rm -f "$log"*; : > "$log.done"   # .done: askpass.sh approves nothing
	ASKPASS_LOG=$log ASKPASS_ACCOUNT=$2 APPROVE_SH=$IDP/approve.sh IDP_DIR=$A \
	SSH_ASKPASS=$E2E/askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		timeout 60 setsid -w $SSH "$2@127.0.0.1" true < /dev/null > "$T/$1.out" 2> "$T/$1.err"
	SRC=$?
}
# The first prompt with the user name, code and host-specific parts masked.
shape() {
	sed '/^---$/q' "$1" | sed -e "s/$2/USER/g" -e 's/[A-Z]\{4\}-[A-Z]\{4\}/CODE/g'
}

ssh_try real alice
[ $SRC = 255 ] && grep -q "Permission denied" "$T/real.err" && grep -q "Not approved yet" "$T/real.askpass" &&
	t_pass "real user, nobody approves: code, 'Not approved yet' loop, Permission denied" ||
	t_fail "real user" "rc=$SRC $(tail -3 "$T/real.err") $(tail -5 "$T/real.askpass")"

n0=$(helpers)
ssh_try unknown nosuchuser
n1=$(helpers)
grep -q "enter the code: [BCDFGHJKLMNPQRSTVWXZ]\{4\}-[BCDFGHJKLMNPQRSTVWXZ]\{4\}" "$T/unknown.askpass" 2>/dev/null &&
	t_pass "unknown user over sshd: not refused at once, shown a code in the IdP's format" ||
	t_fail "unknown user is shown a code" "rc=$SRC prompts: $(cat "$T/unknown.askpass" 2>/dev/null | head -8) | $(last_log)"
if [ -s "$T/unknown.askpass" ] && [ "$(shape "$T/unknown.askpass" nosuchuser)" = "$(shape "$T/real.askpass" alice)" ]; then
	t_pass "unknown user's first prompt has the real user's shape (same lines, URI, Enter prompt)"
else
	t_fail "same prompt shape" "$(diff <(shape "$T/real.askpass" alice) <(shape "$T/unknown.askpass" nosuchuser))"
fi
[ $SRC = 255 ] && grep -q "Permission denied" "$T/unknown.err" && grep -q "Not approved yet" "$T/unknown.askpass" 2>/dev/null &&
	t_pass "unknown user: the same 'Not approved yet' loop, then Permission denied" ||
	t_fail "unknown user loop" "rc=$SRC $(tail -3 "$T/unknown.err")"
[ "$n1" = "$n0" ] && t_pass "no helper started for the unknown user (no IdP request)" || t_fail "helper started for unknown user" "$n0 -> $n1"
grep 'pam_oidc' "$T/syslog.log" | grep -q "reason=unknown_user service=sshd user=nosuchuser" &&
	t_pass "syslog still says reason=unknown_user (sshd passes the unknown name to PAM as typed)" ||
	t_fail "syslog unknown_user" "$(grep pam_oidc "$T/syslog.log" | tail -2)"
t_done
