# The world of the session-binding suites (test_binding.sh, test_chainrace.sh):
# the namespace, a counted helper, an IdP to start and stop, and real
# login/su/sudo/sshd on terminals of a fresh devpts. Sourced by them.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; cleanup' EXIT
MALLORY_UID=4244

A=$T/idpA
helper_counter
e2e_world issuer=https://127.0.0.1:1 helper="$T/helper-count.sh" <<EOT
timeout = 40
prompt = auto
debug = true

[sshd]
prompt = enter
EOT
# Every caller runs the module in auth and in session (bind, end).
for svc in sshd sudo login; do
	cat > "$NS/pam.d/$svc" <<EOT
auth     required  $MODULE config=$CONF
account  required  pam_permit.so
session  required  pam_permit.so
session  optional  $MODULE config=$CONF
EOT
done
cat > "$NS/pam.d/su" <<EOT
auth     sufficient pam_rootok.so
auth     required   $MODULE config=$CONF
account  required   pam_permit.so
session  optional   $MODULE config=$CONF
EOT
# An unprivileged attacker; every account's login shell runs a command as
# usual and, when interactive (login), the steps this suite wrote.
cat > "$T/ushell" <<EOT
#!/bin/sh
[ "\$1" = -c ] && exec /bin/sh "\$@"
exec /bin/sh $T/login-steps.sh
EOT
chmod 755 "$T/ushell"
echo "mallory:x:$MALLORY_UID:$MALLORY_UID:Mallory:/tmp:/bin/sh" >> "$NS/etc/passwd"
echo "mallory:*:19000:0:99999:7:::" >> "$NS/etc/shadow"
echo "mallory:x:$MALLORY_UID:" >> "$NS/etc/group"
sed -i "s#^\(alice:.*:\)/bin/sh\$#\1$T/ushell#; s#^\(bob:.*:\)/bin/sh\$#\1$T/ushell#" "$NS/etc/passwd"
STORE=$NS/run/pam_oidc/sessions
records() { find "$STORE/$ALICE_UID" -name '*.json' 2>/dev/null | wc -l; }

start_idp() {
	idp_a
	sed -i "s#^issuer = .*#issuer = $ISS#" "$CONF"
}
# Sessions wait at a "go" file so the IdP can be stopped while they are open.
WAITGO='waitgo() { n=0; while [ ! -e "$1" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done; }'
# bg NAME MODE ACCOUNT CMD...: a person at a terminal, in the background.
bg() {
	name=$1 mode=$2 account=$3; shift 3
	expect "$E2E/binding.exp" "$mode" "$account" "$A" "$IDP/approve.sh" "$@" > "$T/$name.out" 2>&1 &
	BG=$!
}
# fg NAME MODE ACCOUNT CMD...: the same, waited for (rc in RC).
fg() { bg "$@"; wait "$BG"; RC=$?; }
# ready NAME: waits until the session says READY, then stops the IdP.
ready() {
	if wait_for "$T/$1.out" 's/.*\(READY\).*/\1/p' 600 > /dev/null; then
		"$IDP/stop.sh" "$A"
		return 0
	fi
	t_fail "$1 reaches its session" "$(tail -5 "$T/$1.out") | $(last_log)"
	return 1
}
out_has() { tr -d '\r' < "$T/$1.out" | grep -q -- "$2"; }
# In a fresh namespace (its own devpts): CMD on a new terminal, as uid.
on_pts0() { # uid cmd
	if [ "$1" = 0 ]; then echo "$NS_RUN $NS env SHELL=/bin/sh script -qfec"
	else echo "$NS_RUN $NS setpriv --reuid=$1 --regid=$1 --init-groups env SHELL=/bin/sh script -qfec"; fi
}
