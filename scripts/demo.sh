#!/bin/bash
# make demo: a real login through pam_oidc.so against the bundled test IdP.
# Starts the IdP (TLS on 127.0.0.1), builds a private mount namespace with a
# demo user "alice" and its own /etc/pam.d, runs pamtester as sshd would
# run the stack, shows what the person sees, approves through the driver
# (or waits for you when DEMO_INTERACTIVE=1), and prints the verified
# identity and the syslog line. The host is left untouched.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILDDIR:-$PWD}
IDP=$top/tests/idp
MODULE=$build/pam/.libs/pam_oidc.so
PAM_OIDC_VERIFY_BUILT=$build/pam/.libs/pam_oidc_verify.so
PAM_OIDC_VERIFY_PATH=$(strings -n 8 "$MODULE" | grep -m1 '^/.*/pam_oidc_verify\.so$')
export PAM_OIDC_VERIFY_BUILT PAM_OIDC_VERIFY_PATH
HELPER_SRC=$build/helper/pam_oidc_helper
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it uses a private mount namespace)" >&2; exit 1; }
[ -f "$MODULE" ] || { echo "demo: build first (make)" >&2; exit 1; }

T=$(mktemp -d /tmp/pam_oidc_demo.XXXXXX); chmod 755 "$T"
NS=$T/ns
cleanup() {
	[ -n "${SYSLOG_PID:-}" ] && kill "$SYSLOG_PID" 2>/dev/null
	"$IDP/stop.sh" "$T/idp"
	rm -rf "$T"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting the bundled test identity provider (oidc-provider over TLS)"
ISS=$(OP_INTERVAL=1 "$IDP/start.sh" "$T/idp") || exit 1
echo "issuer: $ISS"
cp "$HELPER_SRC" "$T/pam_oidc_helper"
cat > "$T/pam_oidc.conf" <<EOT
issuer = $ISS
client_id = pam-oidc
scopes = openid profile email
ca_file = $T/idp/ca.pem
helper = $T/pam_oidc_helper
qr = yes
EOT
chmod 644 "$T/pam_oidc.conf"

step "A private world: /etc/pam.d/sshd, user alice, /run and /dev/log of its own"
mkdir -p "$NS/pam.d" "$NS/etc" "$NS/home/alice" "$NS/run" "$NS/hostdev"
cp -a /etc/pam.d/. "$NS/pam.d/"
cat > "$NS/pam.d/sshd" <<EOT
auth     [success=done authinfo_unavail=die default=die] $MODULE config=$T/pam_oidc.conf
account  required pam_permit.so
session  required pam_permit.so
EOT
cp /etc/passwd /etc/shadow /etc/group /etc/sudoers "$NS/etc/" 2>/dev/null
echo "alice:x:4242:4242:Alice Demo:$NS/home/alice:/bin/sh" >> "$NS/etc/passwd"
echo "alice:*:19000:0:99999:7:::" >> "$NS/etc/shadow"
echo "alice:x:4242:" >> "$NS/etc/group"
# The helper's own system user (the Debian package creates it).
echo "_pam_oidc:x:4249:4249:pam_oidc helper:/nonexistent:/usr/sbin/nologin" >> "$NS/etc/passwd"
echo "_pam_oidc:x:4249:" >> "$NS/etc/group"
touch "$NS/etc/sudoers"
python3 "$top/tests/e2e/syslogd.py" "$NS/devlog" "$T/syslog.log" &
SYSLOG_PID=$!
for _ in $(seq 100); do [ -S "$NS/devlog" ] && break; sleep 0.02; done
sed 's/^/    /' "$NS/pam.d/sshd"

step "pamtester sshd alice authenticate — what the person sees:"
mkfifo "$T/answers"
exec 4<> "$T/answers"
"$top/tests/e2e/ns-run.sh" "$NS" stdbuf -oL pamtester -I rhost=127.0.0.1 -I tty=ssh sshd alice authenticate \
	< "$T/answers" > "$T/out" 2>&1 &
PT=$!
tail -f "$T/out" --pid=$PT 2>/dev/null &
TAILPID=$!
code=
for _ in $(seq 200); do
	code=$(sed -n 's/.*enter the code: //p' "$T/out" | head -1)
	[ -n "$code" ] && break
	sleep 0.05
done
if [ -z "$code" ]; then echo "demo: no device code shown" >&2; exit 1; fi
sleep 0.3
if [ "${DEMO_INTERACTIVE:-0}" = 1 ]; then
	printf '\n[demo] Approve in a browser on this machine (account alice, any password),\n'
	printf '[demo] or run: %s %s %s %s alice\n' "$IDP/approve.sh" "$T/idp/ca.pem" "$ISS/device" "$code"
	printf '[demo] then press Enter here: '
	read -r _ < /dev/tty
else
	printf '\n[demo] the person opens %s/device, enters %s, signs in as alice and approves...\n' "$ISS" "$code"
	"$IDP/approve.sh" "$T/idp/ca.pem" "$ISS/device" "$code" alice || exit 1
	printf '[demo] ...and presses Enter.\n'
fi
printf '\n' >&4
wait $PT; rc=$?
sleep 0.2; kill $TAILPID 2>/dev/null
exec 4>&-

step "Result"
if [ $rc = 0 ]; then echo "pam_authenticate: PAM_SUCCESS — alice logged in through the identity provider"; else echo "pam_authenticate failed (rc $rc)"; fi
step "The syslog line (authpriv) an admin sees:"
grep pam_oidc "$T/syslog.log" | sed 's/^/    /'
[ $rc = 0 ] || exit $rc

CLI=$build/cli/pam-oidc
ns() { "$top/tests/e2e/ns-run.sh" "$NS" "$@"; }
# A sudo-like service reusing records on the same terminal.
sed 's/^auth .*$/auth required '"$(printf '%s' "$MODULE" | sed 's/[\/&]/\\&/g')"' config='"$(printf '%s' "$T/pam_oidc.conf" | sed 's/[\/&]/\\&/g')"' prompt=auto/' \
	"$NS/pam.d/sshd" > "$NS/pam.d/sudo"
step "pam-oidc sessions — the revocable record the login left in /run/pam_oidc"
ns "$CLI" sessions | sed 's/^/    /'
# alice's own sudo inside the login session that earned the record: the
# real uid is hers and the effective uid root, as for the setuid sudo.
as_alice() { ns setpriv --ruid=4242 --euid=0 "$@"; }
step "The identity provider goes away; alice's sudo in the same login session re-authenticates from the record"
"$IDP/stop.sh" "$T/idp"
t0=$(date +%s%N)
as_alice pamtester sudo alice authenticate > "$T/reuse.out" 2>&1; reuse=$?
sed 's/^/    /' "$T/reuse.out"
echo "    ($(( ($(date +%s%N) - t0) / 1000000 )) ms, no browser, no network)"
grep pam_oidc "$T/syslog.log" | tail -1 | sed 's/^/    /'
[ $reuse = 0 ] || { echo "demo: the record did not serve alice's sudo" >&2; exit 1; }
# On a terminal of its own (script: a pty), as a person would be: with no
# terminal at all, pam_oidc would refuse at once (no one to see a code).
on_tty() { script -qec "$*" /dev/null < /dev/null | tr -d '\r'; return "${PIPESTATUS[0]}"; }
step "Someone else at the terminal (root's login, another user's su alice) is never served from it"
ns bash -c "$(declare -f on_tty); on_tty pamtester sudo alice authenticate" 2>&1 | sed 's/^/    /'
grep pam_oidc "$T/syslog.log" | tail -1 | sed 's/^/    /'
step "pam-oidc revoke --user alice — takes effect on the very next PAM call"
ns "$CLI" revoke --user alice | sed 's/^/    /'
if as_alice bash -c "$(declare -f on_tty); on_tty pamtester sudo alice authenticate" 2>&1 | sed 's/^/    /'; [ "${PIPESTATUS[0]}" = 0 ]; then
	echo "demo: a revoked record still served" >&2; exit 1
fi
grep pam_oidc "$T/syslog.log" | tail -1 | sed 's/^/    /'
echo
echo "demo complete: device-flow login, session record, instant reuse in the same session, revocation."
exit 0
