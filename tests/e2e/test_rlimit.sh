#!/bin/bash
# Found by an outside review of issue 12 (finding 10): the caller's resource limits reach the helper. An
# unprivileged user runs su/sudo with limits of their choosing; the module
# forks the helper with them, the helper's local failure (no fd, no memory)
# is reported as "idp_unreachable" / a dead helper, and the module answers
# PAM_AUTHINFO_UNAVAIL: the documented stack's password fallback, while the
# IdP is up. Now: never PAM_AUTHINFO_UNAVAIL while the IdP is up.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

idp_a
e2e_world <<EOT
timeout = 10
reuse = none
EOT

# try LIMITS...: one pamtester login as alice under prlimit LIMITS; nobody
# approves, so a working helper ends in "code expired"/timeout, never in
# "cannot be reached".
try() {
	ns_run $SAN_ENV prlimit "$@" pamtester -I tty=pts/5 oidctest alice authenticate < /dev/null > "$T/out" 2>&1
	rc=$?
	out=$(tr '\n' ' ' < "$T/out")
	log=$(last_log)
}
# Baseline: the IdP is up, the code is shown.
try --nofile=1024
case "$out" in *"enter the code"*) t_pass "baseline: IdP up, code shown" ;; *) t_fail "baseline" "rc=$rc out='$out' log='$log'" ;; esac
for lim in ${ATK_LIMITS:---nofile=9}; do
	try $lim
	echo "LIMIT $lim rc=$rc out='$out' log='$log'" >&2
	case "$out$log" in
	*"cannot be reached"*|*"Authentication information cannot be recovered"*|*idp_unavailable*)
		t_fail "limit $lim: helper's local failure must not look like an IdP outage (password fallback)" "rc=$rc out='$out' log='$log'" ;;
	*) t_pass "limit $lim: no PAM_AUTHINFO_UNAVAIL" ;;
	esac
done

# --- the real thing: bob runs su alice with a low fd limit ------------------
# The documented stack (pam_oidc(8)): OIDC, and the password only when the
# IdP cannot be reached. bob knows alice's password (say, an old one), which
# alone must not be enough while the IdP is up.
HASH=$(openssl passwd -6 'alice-pw')
sed -i "s|^alice:\*:|alice:$HASH:|" "$NS/etc/shadow"
cat > "$NS/pam.d/su" <<EOT
auth     sufficient pam_rootok.so
auth     [success=done authinfo_unavail=ignore default=die] $MODULE config=$CONF
auth     required   pam_unix.so
account  required   pam_permit.so
session  required   pam_permit.so
EOT
cat > "$T/su.exp" <<'EOT'
set timeout 30
spawn {*}$argv
expect {
	"Password:" { send "alice-pw\r"; exp_continue }
	"Press Enter" { send "\r"; exp_continue }
	eof
}
EOT
# Without a limit: no password prompt, the device flow (nobody approves).
expect "$T/su.exp" "$NS_RUN" "$NS" setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups \
	su alice -c 'echo SU-OK $(id -un)' > "$T/su0.out" 2>&1
if ! grep -q "^SU-OK" "$T/su0.out" && ! grep -q "Password:" "$T/su0.out"; then t_pass "su alice without limits: device flow, no password prompt"
else t_fail "su baseline" "$(tr '\n' ' ' < "$T/su0.out")"; fi
won=
for n in ${ATK_SU_NOFILE:-9 10 11}; do
	expect "$T/su.exp" "$NS_RUN" "$NS" setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups \
		prlimit --nofile=$n su alice -c 'echo SU-OK $(id -un)' > "$T/su$n.out" 2>&1
	echo "su nofile=$n: $(tr '\n\r' '  ' < "$T/su$n.out" | cut -c1-300) | $(last_log | cut -c1-300)" >&2
	grep -q "^SU-OK alice" "$T/su$n.out" && won="$won $n"
done
[ -z "$won" ] && t_pass "su under a low fd limit never falls back to the password" ||
	t_fail "su under a low fd limit falls back to the password" "bob became alice with her password alone, nofile=$won (the IdP was up)"
t_done
