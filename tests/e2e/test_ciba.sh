#!/bin/bash
# Issue 14: push approval (OpenID CIBA, poll mode) against the real test IdP:
# the person approves on their device and types nothing. Through pamtester
# (approve, deny, expiry, slow_down, unknown user, binding message, client
# authentication, flow = auto choosing by what the IdP offers) and through
# real sshd, sudo and su. The auth_req_id never leaves the helper.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; cleanup' EXIT

# A: CIBA on; B: CIBA off (device flow only); C: CIBA requests live 3 s;
# D: the first poll is told to slow down.
SECRET=cs-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
idp_a OP_CLIENT_SECRET="$SECRET" OP_SECRET_LOG="$T/issued.txt" OP_CIBA_LOG="$T/ciba.log"
B=$T/idpB
ISSB=$(idp_start idpB OP_CIBA=0 OP_INTERVAL=1 OP_CLIENT_SECRET="$SECRET") || { t_fail "start IdP B" "$(cat "$B/op.log")"; t_done; }
C=$T/idpC
ISSC=$(idp_start idpC OP_CIBA_TTL=3 OP_INTERVAL=1 OP_CLIENT_SECRET="$SECRET") || { t_fail "start IdP C" "$(cat "$C/op.log")"; t_done; }
D=$T/idpD
ISSD=$(idp_start idpD OP_SLOW_DOWN=1 OP_INTERVAL=1 OP_CLIENT_SECRET="$SECRET") || { t_fail "start IdP D" "$(cat "$D/op.log")"; t_done; }
printf '%s\n' "$SECRET" > "$T/client.secret"
chmod 600 "$T/client.secret"
printf 'alice@example.test alice\n' > "$T/email.map"
chmod 644 "$T/email.map"

e2e_world client_id=pam-oidc-confidential scopes="openid profile email" <<EOT
client_secret_file = $T/client.secret
flow = ciba
timeout = 20
reuse = none

[oidcauto]
prompt = auto

[oidcpost]
prompt = auto
client_id = pam-oidc-ciba-post
client_auth = client_secret_post

[oidcunknown]
prompt = auto
login_hint_template = {user}@nowhere.example

[oidcmap]
prompt = auto
username_claim = email
map_file = $T/email.map

[oidcpick]
prompt = auto
flow = auto

[oidcpickb]
prompt = auto
flow = auto
issuer = $ISSB
ca_file = $B/ca.pem

[oidcnociba]
prompt = auto
issuer = $ISSB
ca_file = $B/ca.pem

[oidcexpire]
prompt = auto
issuer = $ISSC
ca_file = $C/ca.pem

[oidcslow]
prompt = auto
issuer = $ISSD
ca_file = $D/ca.pem
EOT
for s in oidcauto oidcpost oidcunknown oidcmap oidcpick oidcpickb oidcnociba oidcexpire oidcslow; do
	cp "$NS/pam.d/oidctest" "$NS/pam.d/$s"
done

# ciba_run NAME SERVICE USER ACTION [IDPDIR]: one pamtester attempt; ACTION
# approve|deny|none acts on the request whose binding message the terminal
# shows; the Enter prompt (oidctest) is answered after that.
ciba_run() {
	name=$1; svc=$2; user=$3; action=$4; idp=${5:-$A}
	out=$T/$name.out
	rm -f "$T/$name.fifo"; mkfifo "$T/$name.fifo"
	exec 4<> "$T/$name.fifo"
	ns_run stdbuf -oL pamtester -I rhost=127.0.0.1 -I tty=pts/9 "$svc" "$user" authenticate < "$T/$name.fifo" > "$out" 2> "$out.err" &
	pid=$!
	MSG=
	if [ "$action" != none ] && MSG=$(wait_for "$out" 's/.*Approve the request on your device: //p'); then
		"$IDP/ciba.sh" "$idp" "$action" binding_message="$MSG" > "$T/$name.hook" 2>&1
		[ "$svc" = oidctest ] && printf '\n' >&4
	fi
	wait $pid; PRC=$?
	exec 4>&-
}

# --- approval alone ------------------------------------------------------------
ciba_run approve oidctest alice approve
check "approve on the device -> PAM_SUCCESS" 0 "successfully authenticated" "$T/approve.out"
grep -q "Sign-in requested for alice on .* (service oidctest, from 127.0.0.1)" "$T/approve.out" && t_pass "the terminal names user, host, service, rhost" || t_fail "header" "$(cat "$T/approve.out")"
host=$(hostname | cut -d. -f1 | tr -cd 'A-Za-z0-9-' | cut -c1-8)
case "$MSG" in
"${host:-host}-oidcte-"[0-9][0-9][0-9][0-9]) t_pass "binding message names host and service with four digits ($MSG)" ;;
*) t_fail "binding message" "'$MSG' (host '$host')" ;;
esac
grep -q "\"account\":\"alice\"" "$T/approve.hook" && t_pass "the IdP's request for alice carried that very message" || t_fail "hook" "$(cat "$T/approve.hook")"
grep -q "enter the code" "$T/approve.out" && t_fail "no code to type" "$(cat "$T/approve.out")" || t_pass "no code to type, no URL to open"
check_log "syslog: success with flow=ciba" "result=success reason=ok service=oidctest user=alice mapped=alice iss=$ISS sub=alice"
last_log | grep -q " flow=ciba" && t_pass "syslog says flow=ciba" || t_fail "flow=ciba" "$(last_log)"

# Two attempts at once: two messages, and approving one approves only it.
ciba_run first oidcauto alice none &
p1=$!
sleep 0.3
ciba_run second oidcauto alice approve
m1=$(sed -n 's/.*Approve the request on your device: //p' "$T/first.out" | head -1)
m2=$(sed -n 's/.*Approve the request on your device: //p' "$T/second.out" | head -1)
check "the approved one of two concurrent attempts -> success" 0 "successfully authenticated" "$T/second.out"
[ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ] && t_pass "concurrent attempts show different messages ($m1, $m2)" || t_fail "messages" "'$m1' '$m2'"
"$IDP/ciba.sh" "$A" pending | grep -q "\"binding_message\":\"$m1\"" && t_pass "the other request is still pending at the IdP" || t_fail "pending" "$("$IDP/ciba.sh" "$A" pending)"
"$IDP/ciba.sh" "$A" deny binding_message="$m1" > /dev/null
wait $p1
grep -q "The sign-in was denied." "$T/first.out"* && t_pass "then denied: the first attempt fails" || t_fail "first" "$(cat "$T/first.out"*)"

ciba_run deny oidcauto alice deny
check "deny on the device -> PAM_AUTH_ERR" 1 "Authentication failure" "$T/deny.out"
grep -q "The sign-in was denied." "$T/deny.out"* && t_pass "deny message shown" || t_fail "deny message" "$(cat "$T/deny.out"*)"
check_log "syslog: access_denied" "result=failure reason=access_denied service=oidcauto user=alice"

ciba_run post oidcpost alice approve
check "client_secret_post -> success" 0 "successfully authenticated" "$T/post.out"

ciba_run map oidcmap alice approve
check "login_hint from the map file in reverse (alice@example.test) -> success" 0 "successfully authenticated" "$T/map.out"
grep -q "\"account\":\"alice\"" "$T/map.hook" && t_pass "the IdP found alice by the mapped email" || t_fail "map hook" "$(cat "$T/map.hook")"

t0=$(now_ms)
ciba_run unknown oidcunknown alice none
ms=$(($(now_ms) - t0))
[ "$PRC" != 0 ] && [ $ms -lt 8000 ] && t_pass "a user the IdP does not know -> refused at once (${ms} ms)" || t_fail "unknown at IdP" "rc=$PRC ms=$ms"
check_log "syslog: idp_unknown_user" "reason=idp_unknown_user service=oidcunknown user=alice"
grep -qi "does not know" "$T/unknown.out"* && t_pass "one plain sentence for it" || t_fail "unknown message" "$(cat "$T/unknown.out"*)"

# --- expiry (IdP C) and slow_down (IdP D) ----------------------------------
t0=$(now_ms)
ciba_run expire oidcexpire alice none "$C"
ms=$(($(now_ms) - t0))
check "request not approved before it expired -> PAM_AUTH_ERR" 1 "Authentication failure" "$T/expire.out"
[ $ms -lt 10000 ] && t_pass "ended when the request expired (${ms} ms), not at our timeout" || t_fail "expiry time" "$ms ms"
grep -q "expired before it was approved" "$T/expire.out"* && t_pass "expiry message shown" || t_fail "expiry message" "$(cat "$T/expire.out"*)"
check_log "syslog: login_expired" "reason=login_expired service=oidcexpire"
# The hook approves only after the first poll was told to slow down.
ns_run stdbuf -oL pamtester -I rhost=127.0.0.1 -I tty=pts/9 oidcslow alice authenticate < /dev/null > "$T/slow.out" 2> "$T/slow.out.err" &
pid=$!
wait_for "$D/requests.log" 's/.*\(slow_down\).*/\1/p' > /dev/null
"$IDP/ciba.sh" "$D" approve account=alice > /dev/null
wait $pid; PRC=$?
check "approve after slow_down -> success" 0 "successfully authenticated" "$T/slow.out"
polls=$(awk '$2 == "POST" && $3 == "/token" {print $1}' "$D/requests.log")
gap=$(echo "$polls" | awk 'NR == 1 {p = $1} NR == 2 {print $1 - p}')
[ -n "$gap" ] && [ "$gap" -ge 5500 ] && t_pass "the poll after slow_down came 5 s later (${gap} ms, interval 1 s before)" || t_fail "slow_down gap" "$(cat "$D/requests.log")"

# --- flow = auto, and CIBA where the IdP has none ----------------------------
ciba_run pick oidcpick alice approve
check "auto with a CIBA IdP -> CIBA" 0 "successfully authenticated" "$T/pick.out"
last_log | grep -q " flow=ciba" && t_pass "auto chose ciba" || t_fail "auto ciba" "$(last_log)"
rm -f "$T/pickb.fifo"; mkfifo "$T/pickb.fifo"; exec 4<> "$T/pickb.fifo"
ns_run stdbuf -oL pamtester -I rhost=127.0.0.1 -I tty=pts/9 oidcpickb alice authenticate < "$T/pickb.fifo" > "$T/pickb.out" 2> "$T/pickb.out.err" &
pid=$!
code=$(wait_for "$T/pickb.out" 's/.*enter the code: //p') && approve "$B" "$code" alice
wait $pid; PRC=$?; exec 4>&-
check "auto with an IdP without CIBA -> device flow" 0 "successfully authenticated" "$T/pickb.out"
last_log | grep -q " flow=device" && t_pass "auto chose device" || t_fail "auto device" "$(last_log)"
ciba_run nociba oidcnociba alice none
check "flow = ciba with an IdP without CIBA -> PAM_SERVICE_ERR" 1 "Error in service module" "$T/nociba.out"
check_log "syslog names it" "ciba_unsupported"

# --- real callers --------------------------------------------------------------
sshd_start
expect "$E2E/ciba.exp" approve "$A" "$IDP/ciba.sh" $SSH -tt alice@127.0.0.1 'echo LOGIN-OK $(id -un)' > "$T/ssh.txt" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^LOGIN-OK alice" "$T/ssh.txt"; then t_pass "sshd: approval alone (and Enter) -> shell as alice"
else t_fail "sshd" "rc=$rc $(tail -5 "$T/ssh.txt")"; fi
grep -q "Approve the request on your device: " "$T/ssh.txt" && t_pass "sshd: the client sees the binding message" || t_fail "sshd message" "$(cat "$T/ssh.txt")"
expect "$E2E/ciba.exp" deny "$A" "$IDP/ciba.sh" $SSH -tt alice@127.0.0.1 'echo LOGIN-OK $(id -un)' > "$T/ssh2.txt" 2>&1
grep -q "^LOGIN-OK" "$T/ssh2.txt" && t_fail "sshd deny" "$(tail -5 "$T/ssh2.txt")" || t_pass "sshd: denied on the device -> no shell"

# sudo and su show info at once: approval alone, no Enter.
sed -i 's#config=\(.*\)$#config=\1 prompt=auto#' "$NS/pam.d/sudo" "$NS/pam.d/su"
expect "$E2E/ciba.exp" approve "$A" "$IDP/ciba.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups sudo -k id -u > "$T/sudo.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^0' "$T/sudo.out" && ! grep -q "Press Enter" "$T/sudo.out"; then t_pass "sudo: approval alone, no Enter -> root"
else t_fail "sudo" "rc=$rc $(tail -5 "$T/sudo.out")"; fi
expect "$E2E/ciba.exp" approve "$A" "$IDP/ciba.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups su alice -c 'echo SU-OK $(id -un)' > "$T/su.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^SU-OK alice" "$T/su.out"; then t_pass "su: approval alone -> alice"
else t_fail "su" "rc=$rc $(tail -5 "$T/su.out")"; fi

# --- the auth_req_id stays in the helper ----------------------------------------
# (issued.txt is the IdP's own record of every auth_req_id it handed out.)
leaks=0
while read -r kind value; do
	[ "$kind" = auth_req_id ] || continue
	if grep -qF -- "$value" "$T"/*.out* "$T"/ssh*.txt "$T"/*.hook "$T/syslog.log" "$T/ciba.log" 2>/dev/null; then leaks=$((leaks + 1)); fi
done < "$T/issued.txt"
n=$(grep -c '^auth_req_id ' "$T/issued.txt")
[ "$n" -ge 5 ] && [ $leaks = 0 ] && t_pass "none of $n auth_req_ids reached a terminal or a log" || t_fail "auth_req_id" "n=$n leaks=$leaks"
t_done
