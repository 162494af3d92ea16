#!/bin/bash
# Secrets and the caller's environment: with debug on, no token reaches the
# log; LD_PRELOAD, proxy and CA variables of the caller never reach the
# helper (its environment is empty) and cannot steer it; the helper's user
# cannot write into the state directory.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

A=$T/idpA
# A confidential client with a secret of our own, and an IdP that records
# every device_code and token it issues: each value is then looked for in
# every log line, every output and the helper's argv and environment.
CLIENT_SECRET=cs-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
idp_a OP_CLIENT_SECRET="$CLIENT_SECRET" OP_SECRET_LOG="$T/issued.txt"
printf '%s\n' "$CLIENT_SECRET" > "$T/client.secret"
chmod 600 "$T/client.secret"
e2e_world client_id=pam-oidc-confidential scopes="openid profile email offline_access" <<EOT
client_secret_file = $T/client.secret
timeout = 30
prompt = auto
debug = yes
recheck = 1h
EOT

out=$T/login.out
# A hostile caller environment: a preload, proxies and a CA bundle that would
# break TLS if anything honoured them.
ns_run env LD_PRELOAD=/nonexistent/evil.so http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
	HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 CURL_CA_BUNDLE=/dev/null SSL_CERT_FILE=/dev/null \
	stdbuf -oL pamtester -I tty=pts/3 oidctest alice authenticate < /dev/null > "$out" 2>&1 &
pid=$!
code=$(wait_for "$out" 's/.*enter the code: //p')
hp=$(helper_pids | head -1)
if [ -n "$hp" ]; then
	tr '\0' '\n' < /proc/$hp/environ > "$T/helper1.env"
	tr '\0' '\n' < /proc/$hp/cmdline > "$T/helper1.argv"
	n=$(tr -d '\0' < /proc/$hp/environ | wc -c)
	[ "$n" = 0 ] && t_pass "the helper's environment is empty" || t_fail "helper environ" "$(tr '\0' ' ' < /proc/$hp/environ)"
	args=$(tr '\0' ' ' < /proc/$hp/cmdline)
	[ "$args" = "pam_oidc_helper " ] && t_pass "the helper's argv carries nothing" || t_fail "helper argv" "$args"
	uid=$(awk '/^Uid:/ {print $2}' /proc/$hp/status)
	[ "$uid" = "$HELPER_UID" ] && t_pass "the helper runs as _pam_oidc" || t_fail "helper uid" "$uid"
else
	t_fail "helper running" "no helper process seen"
fi
approve "$A" "$code" alice
wait $pid; rc=$?
[ $rc = 0 ] && grep -q "successfully authenticated" "$out" && t_pass "login succeeds: proxies, CA bundle and preload ignored" || t_fail "login" "rc=$rc $(tail -3 "$out")"

rec=$(ls "$NS/run/pam_oidc/sessions/$ALICE_UID"/*.json 2>/dev/null | head -1)
rt=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' "$rec" 2>/dev/null)
[ -n "$rt" ] && t_pass "a refresh token is held (recheck on)" || t_fail "refresh token held" "$(cat "$rec" 2>/dev/null)"
[ -s "$T/syslog.log" ] && grep -q "pam_oidc" "$T/syslog.log" && t_pass "debug logging produced lines" || t_fail "syslog" "empty"
if [ -n "$rt" ] && grep -qF "$rt" "$T/syslog.log" "$out"; then t_fail "refresh token never logged" "found"; else t_pass "refresh token never logged or shown"; fi
if grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.' "$T/syslog.log" "$out"; then t_fail "no JWT in logs" "found"; else t_pass "no ID token in logs or output"; fi
if grep -qiE 'device_code|client_secret|secret=' "$T/syslog.log"; then t_fail "no secret names in logs" "found"; else t_pass "no device_code or secret in logs"; fi

# The same through sudo itself: a user who sets a preload, a library path,
# proxies and a CA bundle before running sudo steers nothing. The helper is
# caught while it polls and its environment and credentials are read.
printf '[sudo]\nreuse = none\n' >> "$CONF"
(
	# sudo's own helper (its parent is sudo), once it has dropped root:
	# not one of another suite's running in parallel.
	# Shell builtins only: a fork per process would make one scan slower
	# than the helper's whole life on a busy machine.
	SUDO_BIN=$(command -v sudo)
	sudo_helper() {
		for p in /proc/[0-9]*; do
			[ "$p/exe" -ef "$HELPER" ] || continue
			pp= uid=
			while read -r k v _; do
				case $k in PPid:) pp=$v ;; Uid:) uid=$v ;; esac
			done < "$p/status" 2>/dev/null
			[ -n "$pp" ] && [ "${uid:-0}" != 0 ] && [ "/proc/$pp/exe" -ef "$SUDO_BIN" ] && { echo "${p#/proc/}"; return; }
		done
	}
	for _ in $(seq 400); do
		hp=$(sudo_helper)
		if [ -n "$hp" ]; then
			tr '\0' '\n' < /proc/$hp/environ > "$T/sudo-helper.env"
			tr '\0' '\n' < /proc/$hp/cmdline > "$T/sudo-helper.argv"
			awk '/^(Uid|NoNewPrivs):/ {print $1, $2}' /proc/$hp/status > "$T/sudo-helper.status"
			break
		fi
		sleep 0.05
	done
) &
watch=$!
expect "$E2E/device.exp" auto alice "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" env LD_PRELOAD=/nonexistent/evil.so LD_LIBRARY_PATH=/nonexistent \
	http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
	ALL_PROXY=http://127.0.0.1:9 CURL_CA_BUNDLE=/dev/null SSL_CERT_FILE=/dev/null \
	setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups sudo -k id -u > "$T/sudo.out" 2>&1
rc=$?
wait $watch
if [ $rc = 0 ] && grep -q '^0' "$T/sudo.out"; then t_pass "sudo with a hostile environment: login succeeds, nothing steered"
else t_fail "sudo hostile environment" "rc=$rc $(tail -5 "$T/sudo.out")"; fi
if [ -f "$T/sudo-helper.env" ] && [ ! -s "$T/sudo-helper.env" ]; then t_pass "sudo: the helper's environment is empty"
else t_fail "sudo: helper environment" "$(cat "$T/sudo-helper.env" 2>/dev/null || echo 'helper not seen')"; fi
if [ "$(cat "$T/sudo-helper.status" 2>/dev/null)" = "$(printf 'Uid: %s\nNoNewPrivs: 1' "$HELPER_UID")" ]
then t_pass "sudo: the helper runs as _pam_oidc with no_new_privs"
else t_fail "sudo: helper credentials" "$(cat "$T/sudo-helper.status" 2>/dev/null)"; fi

# Every secret value issued or configured, looked for everywhere a person
# or another user could read it: syslog, every output, the helper's argv
# and environment as read from /proc.
nvals=0; leaks=""
while read -r kind val; do
	nvals=$((nvals + 1))
	for f in "$T/syslog.log" "$out" "$T/sudo.out" "$T/helper1.env" "$T/helper1.argv" \
		"$T/sudo-helper.env" "$T/sudo-helper.argv"; do
		[ -f "$f" ] && grep -qF -- "$val" "$f" && leaks="$leaks $kind in $(basename "$f");"
	done
done < <(cat "$T/issued.txt"; echo "client_secret $CLIENT_SECRET")
kinds=$(awk '{print $1}' "$T/issued.txt" | sort -u | tr '\n' ' ')
if [ -z "$leaks" ] && [ "$nvals" -ge 7 ] && [ "$kinds" = "access_token device_code id_token refresh_token " ]; then
	t_pass "none of $nvals issued or configured secrets (${kinds}client_secret) in logs, output, helper argv or environ"
else
	t_fail "secret values" "values=$nvals kinds='$kinds' leaks:$leaks"
fi

# The helper's user cannot write into the state directory.
if ns_run setpriv --reuid=$HELPER_UID --regid=$HELPER_UID --clear-groups sh -c 'echo x > /run/pam_oidc/planted' 2>/dev/null; then
	t_fail "helper user cannot write state" "write succeeded"
else
	t_pass "_pam_oidc cannot write into /run/pam_oidc"
fi
[ ! -e "$NS/run/pam_oidc/planted" ] && t_pass "nothing planted" || t_fail "planted" "exists"
t_done
