#!/bin/bash
# Session records through the real module: instant re-authentication with
# the IdP stopped and no helper started, tty binding, max_age, revocation,
# recheck against the IdP, attacks on the store, 64 parallel reuses.
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

A=$T/idpA
ISS=$(idp_start idpA OP_INTERVAL=1) || { t_fail "start IdP" "$(cat "$A/op.log")"; t_done; }
PORT=${ISS##*:}
# Every helper start is counted: re-authentication from a record must start none.
cat > "$T/helper-count.sh" <<EOT
#!/bin/sh
echo started >> $T/helper.count
exec $HELPER
EOT
chmod 755 "$T/helper-count.sh"
: > "$T/helper.count"
CONF=$T/pam_oidc.conf
cat > "$CONF" <<EOT
issuer = $ISS
client_id = pam-oidc
scopes = openid profile email offline_access
ca_file = $A/ca.pem
helper = $T/helper-count.sh
timeout = 30
prompt = auto

[oidcmaxage]
max_age = 2s

[oidcrecheck]
recheck = 2s

[oidcany]
reuse = any
EOT
chmod 644 "$CONF"
ns_setup "$CONF"
for s in oidcmaxage oidcrecheck oidcany; do cp "$NS/pam.d/oidctest" "$NS/pam.d/$s"; done
STORE=$NS/run/pam_oidc/sessions
helpers() { wc -l < "$T/helper.count"; }
# A new IdP instance (new keys, new kids) on a fresh port, and the config
# pointed at it: later logins must refetch discovery and the JWKS.
restart_idp() {
	ISS=$(idp_start idpA OP_INTERVAL=1 OP_KEY_GENERATION="$1") || { t_fail "restart IdP" "$(tail -5 "$A/op.log")"; return 1; }
	sed -i "s#^issuer = .*#issuer = $ISS#" "$CONF"
}

# pam_run NAME SERVICE USER TTY ACTION(approve|deny|none) [ACCOUNT]
pam_run() {
	out=$T/$1.out
	timeout 60 "$NS_RUN" "$NS" $SAN_ENV stdbuf -oL pamtester -I rhost=127.0.0.1 -I tty="$4" "$2" "$3" authenticate < /dev/null > "$out" 2>&1 &
	pid=$!
	if [ "$5" != none ] && code=$(wait_for "$out" 's/.*enter the code: //p'); then
		if [ "$5" = deny ]; then approve "$A" "$code" "${6:-$3}" deny; else approve "$A" "$code" "${6:-$3}"; fi
	fi
	wait $pid; PRC=$?
}
ok() { # name want_rc pattern
	if [ "$PRC" = "$2" ] && grep -q -- "$3" "$T/$4.out"; then t_pass "$1"; else t_fail "$1" "rc=$PRC: $(tail -3 "$T/$4.out") | $(last_log)"; fi
}
logged() { last_log | grep -q -- "$2" && t_pass "$1" || t_fail "$1" "$(last_log)"; }

pam_run first oidctest alice pts/9 approve
ok "device-flow login writes a record" 0 "successfully authenticated" first
ns_run "$CLI" sessions --user alice > "$T/list.out" 2>&1
[ "$(grep -c '^[0-9a-f]\{32\} *alice' "$T/list.out")" = 1 ] && grep -q "oidctest pts/9" "$T/list.out" && t_pass "pam-oidc sessions lists it" || t_fail "sessions list" "$(cat "$T/list.out")"
ns_run "$CLI" sessions --json > "$T/list.json"
grep -q '"has_refresh_token": false' "$T/list.json" && ! grep -q '"refresh_token"' "$T/list.json" && t_pass "no secret in listing; no refresh token kept without recheck" || t_fail "sessions json" "$(cat "$T/list.json")"
ls -la "$STORE/$ALICE_UID/" | grep -q '^-rw------- .* root root' && t_pass "record is 0600 root" || t_fail "record mode" "$(ls -la "$STORE/$ALICE_UID")"

# The IdP goes away: the same terminal re-authenticates from the record.
"$IDP/stop.sh" "$A"
n0=$(helpers)
pam_run reuse oidctest alice pts/9 none
ok "IdP stopped: re-authentication from the record" 0 "successfully authenticated" reuse
[ "$(helpers)" = "$n0" ] && t_pass "no helper started for it" || t_fail "helper started" "$(helpers) vs $n0"
logged "syslog: reason=session_reuse" "result=success reason=session_reuse service=oidctest user=alice"
pam_run othertty oidctest alice pts/8 none
ok "another terminal (reuse = same_tty) -> device flow -> IdP down" 1 "cannot retrieve authentication info" othertty
pam_run anytty oidcany alice pts/8 none
ok "reuse = any serves another terminal" 0 "successfully authenticated" anytty
pam_run sshd sshd alice ssh none
ok "sshd never reuses (default reuse none)" 1 "cannot retrieve authentication info" sshd
pam_run bob oidctest bob pts/9 none
ok "alice's record does not serve bob" 1 "cannot retrieve authentication info" bob

# max_age: a record older than that needs the IdP again.
sleep 2.2
pam_run maxage oidcmaxage alice pts/9 none
ok "max_age exceeded -> device flow" 1 "cannot retrieve authentication info" maxage
pam_run maxage2 oidctest alice pts/9 none
ok "...while another service still reuses it" 0 "successfully authenticated" maxage2

# Revocation takes effect on the very next PAM call.
ns_run "$CLI" revoke --user alice > "$T/revoke.out" 2>&1 && grep -q "^revoked [0-9a-f]\{32\} (alice)" "$T/revoke.out" && t_pass "pam-oidc revoke --user alice" || t_fail "revoke" "$(cat "$T/revoke.out")"
pam_run revoked oidctest alice pts/9 none
ok "after revoke, with the IdP stopped -> PAM_AUTHINFO_UNAVAIL" 1 "cannot retrieve authentication info" revoked
ns_run "$CLI" revoke --user alice > /dev/null 2>&1; [ $? = 1 ] && t_pass "revoke with nothing left -> exit 1" || t_fail "revoke empty" "rc"

# Recheck: the IdP is back; a login keeps its refresh token; after the
# grant is revoked at the IdP the next use is refused and the record goes.
restart_idp 2
pam_run rc1 oidcrecheck alice pts/9 approve
ok "login with recheck on" 0 "successfully authenticated" rc1
rec=$(ls "$STORE/$ALICE_UID"/*.json | head -1)
grep -q '"refresh_token"' "$rec" && t_pass "refresh token kept for recheck" || t_fail "refresh token kept" "$(cat "$rec")"
sleep 2.2
n0=$(helpers)
pam_run rc2 oidcrecheck alice pts/9 none
ok "recheck due -> refreshed at the IdP -> reuse" 0 "successfully authenticated" rc2
[ "$(helpers)" = $((n0 + 1)) ] && t_pass "recheck used one helper run (refresh)" || t_fail "recheck helper count" "$(helpers) vs $n0"
rt=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' "$rec")
curl -sf --cacert "$A/ca.pem" -d client_id=pam-oidc -d token="$rt" -d token_type_hint=refresh_token "$ISS/token/revocation" > /dev/null
sleep 2.2
pam_run rc3 oidcrecheck alice pts/9 deny
ok "grant revoked at the IdP + recheck -> refused" 1 "Authentication failure" rc3
grep -q "revoked: the identity provider refused its refresh token" "$T/syslog.log" && t_pass "syslog: revoked at the IdP" || t_fail "recheck syslog" "$(tail -3 "$T/syslog.log")"
[ -z "$(ls "$STORE/$ALICE_UID"/ 2>/dev/null)" ] && t_pass "the record is gone" || t_fail "record removed" "$(cat "$STORE/$ALICE_UID"/*; grep -v oidcauto "$T/syslog.log" | tail -5)"

# Attacks on the store. A fresh record first.
pam_run base oidctest alice pts/9 approve
good=$(ls "$STORE/$ALICE_UID"/*.json | head -1)
"$IDP/stop.sh" "$A"
planted=$STORE/$ALICE_UID/00000000000000000000000000000007.json
ln -s "$NS/etc/shadow" "$planted"
cp "$NS/etc/shadow" "$T/shadow.before"
pam_run symlink oidctest alice pts/9 none
ok "planted symlink: refused, real record still serves" 0 "successfully authenticated" symlink
[ ! -L "$planted" ] && cmp -s "$NS/etc/shadow" "$T/shadow.before" && grep -q "refusing session record $ALICE_UID/00000000000000000000000000000007.json" "$T/syslog.log" && t_pass "symlink removed and logged, its target untouched" || t_fail "symlink" "$(tail -2 "$T/syslog.log")"
printf 'garbage{' > "$STORE/$ALICE_UID/0000000000000000000000000000000a.json"; chmod 600 "$STORE/$ALICE_UID/0000000000000000000000000000000a.json"
head -c 40 "$good" > "$STORE/$ALICE_UID/0000000000000000000000000000000b.json"; chmod 600 "$STORE/$ALICE_UID/0000000000000000000000000000000b.json"
pam_run garbage oidctest alice pts/9 none
ok "garbage and truncated records ignored" 0 "successfully authenticated" garbage
[ "$(grep -c 'damaged session record' "$T/syslog.log")" -ge 2 ] && [ ! -e "$STORE/$ALICE_UID/0000000000000000000000000000000a.json" ] && t_pass "damaged records logged and removed" || t_fail "garbage" "$(tail -3 "$T/syslog.log")"
# Bob's record copied into alice's folder.
mkdir -p -m 700 "$STORE/$BOB_UID"
sed "s/\"user\":\"alice\",\"uid\":$ALICE_UID/\"user\":\"bob\",\"uid\":$BOB_UID/" "$good" > "$T/bobrec"
id=$(basename "$good" .json); newid=0000000000000000000000000000000c
sed "s/$id/$newid/" "$T/bobrec" > "$STORE/$ALICE_UID/$newid.json"; chmod 600 "$STORE/$ALICE_UID/$newid.json"
rm -f "$good"
pam_run foreign oidctest alice pts/9 none
ok "another uid's record in alice's folder does not serve alice" 1 "cannot retrieve authentication info" foreign
grep -q "uid does not match its folder" "$T/syslog.log" && t_pass "foreign record logged and removed" || t_fail "foreign record" "$(tail -2 "$T/syslog.log")"
# The store owned by another user, then world-writable: never trusted.
restart_idp 3
pam_run base2 oidctest alice pts/9 approve
ok "a fresh login after another key rotation" 0 "successfully authenticated" base2
chown 65534 "$NS/run/pam_oidc"
pam_run owned oidctest alice pts/9 none
ok "store owned by another user -> refused (PAM_SERVICE_ERR)" 1 "Sign-in is misconfigured on this host" owned
grep -q "session store not used: .*must be a directory owned by uid 0" "$T/syslog.log" && t_pass "unsafe store logged" || t_fail "unsafe store log" "$(tail -2 "$T/syslog.log")"
chown 0 "$NS/run/pam_oidc"; chmod 777 "$STORE"
pam_run writable oidctest alice pts/9 none
ok "world-writable store -> refused (PAM_SERVICE_ERR)" 1 "Sign-in is misconfigured on this host" writable
chmod 700 "$STORE"

# 64 parallel re-authentications for two users from their records.
pam_run again oidctest alice pts/9 none
ok "store restored -> reuse again" 0 "successfully authenticated" again
logged "...served from the record" "reason=session_reuse"
pam_run bobbase oidctest bob pts/9 approve
ok "bob's login" 0 "successfully authenticated" bobbase
"$IDP/stop.sh" "$A"
n0=$(helpers)
t0=$(now_ms)
pids=
for i in $(seq 64); do
	u=alice; [ $((i % 2)) = 0 ] && u=bob
	timeout 60 "$NS_RUN" "$NS" $SAN_ENV pamtester -I tty=pts/9 oidctest $u authenticate < /dev/null > "$T/par.$i" 2>&1 &
	pids="$pids $!"
done
# Only these: a bare wait would also wait for the syslog receiver.
wait $pids
ms=$(($(now_ms) - t0))
okn=$(grep -l "successfully authenticated" "$T"/par.* | wc -l)
[ "$okn" = 64 ] && [ "$(helpers)" = "$n0" ] && t_pass "64 parallel re-authentications: 64 succeeded, 0 helpers, ${ms} ms" || t_fail "parallel" "$okn ok, helpers $(helpers) vs $n0"
ns_run "$CLI" gc > "$T/gc.out" 2>&1
grep -q "^2 live session records" "$T/gc.out" && ! grep -q warning "$T/gc.out" && t_pass "no damaged record after the parallel run" || t_fail "gc" "$(cat "$T/gc.out")"

if grep -E 'eyJ[A-Za-z0-9_-]{10,}|refresh_token=' "$T/syslog.log" > /dev/null; then t_fail "no secret in syslog" "found"; else t_pass "no secret in syslog"; fi
t_done
