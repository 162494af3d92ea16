#!/bin/bash
# pam-oidc login and the helper against the real test IdP (oidc-provider
# over TLS): every algorithm, deny, expiry, slow_down, key rotation, the
# request counts of cold and warm logins, confidential clients, refresh.
. "$top_srcdir/tests/integration/lib.sh"

idp_a
PORT=${ISS##*:}

# one_login NAME CONF ACCOUNT [deny] [-- login args]: runs a login and approves.
one_login() {
	name=$1; conf=$2; account=$3; mode=${4:-}; shift 4 2>/dev/null || shift $#
	out=$T/$name.out
	rm -f "$out" "$out.rc" "$out.err"
	login_bg "$conf" "$out" "$@"
	if ! code=$(wait_code "$out"); then
		login_wait "$out"; return
	fi
	approve "$A" "$code" "$account" $mode || echo "approval driver failed" >> "$out.err"
	login_wait "$out"
}

expect_login() { # test-name rc grep-pattern file
	if [ "$LRC" = "$2" ] && grep -q -- "$3" "$4"; then t_pass "$1"
	else t_fail "$1" "rc=$LRC want $2; $(cat "$4" "$4.err" 2>/dev/null | tail -5)"; fi
}

for client in pam-oidc:RS256 pam-oidc-es256:ES256 pam-oidc-eddsa:EdDSA; do
	id=${client%%:*}; alg=${client##*:}
	write_config "$T/$id.conf" "$ISS" "$A" "$id"
	: > "$A/requests.log"
	one_login "$id" "$T/$id.conf" alice ""
	expect_login "approve -> verified $alg ID token" 0 "local user alice" "$T/$id.out"
	# Which algorithm really signed it: the JWKS key the IdP used.
	[ "$id" = pam-oidc ] && COLD="$(count_req "$A" GET /.well-known/openid-configuration) discovery, $(count_req "$A" POST /device/auth) device, $(count_req "$A" POST /token) token, $(count_req "$A" GET /jwks) jwks"
done
CONF=$T/pam-oidc.conf
# Issue 16: a cold login fetches discovery once (the key fetch comes first
# and gives the login helper its endpoints), and the JWKS once.
case "$COLD" in "1 discovery, 1 device, "*" token, 1 jwks") t_pass "cold login: one discovery, one JWKS ($COLD)" ;;
*) t_fail "cold login requests" "$COLD" ;; esac

# Warm: discovery and JWKS cached. 1 device authorization + polls, nothing else.
: > "$A/requests.log"
one_login warm "$CONF" alice ""
expect_login "warm login" 0 "local user alice" "$T/warm.out"
n_dev=$(count_req "$A" POST /device/auth); n_tok=$(count_req "$A" POST /token)
n_other=$(awk '$3 !~ /^\/(device|interaction)/ && !($2 == "POST" && $3 == "/token")' "$A/requests.log" | wc -l)
if [ "$n_dev" = 1 ] && [ "$n_tok" -ge 1 ] && [ "$n_other" = 0 ]; then
	t_pass "warm login: 1 device authorization + $n_tok poll(s), no discovery/jwks/userinfo (cold: $COLD)"
else
	t_fail "warm login request count" "device=$n_dev token=$n_tok other=$n_other: $(cat "$A/requests.log")"
fi
grep -q '"/me' "$A/requests.log" && t_fail "no userinfo" "userinfo called" || t_pass "no userinfo request"

one_login deny "$CONF" alice deny
expect_login "deny -> access_denied" 1 "access_denied" "$T/deny.out.err"

one_login wronguser "$CONF" bob "" --user alice
expect_login "token for bob, --user alice -> rejected" 1 "maps to bob, not alice" "$T/wronguser.out.err"

one_login policy "$CONF" bob "" --user bob
expect_login "bob maps to bob" 0 "local user bob" "$T/policy.out"
write_config "$T/groups.conf" "$ISS" "$A" pam-oidc "allowed_groups = admins"
one_login groups "$T/groups.conf" bob ""
expect_login "allowed_groups miss -> rejected" 1 "allowed_groups" "$T/groups.out.err"

one_login mallory "$CONF" mallory ""
expect_login "hostile username claim -> rejected" 1 "not a valid user name" "$T/mallory.out.err"
if grep -q "$(printf '\033')" "$T/mallory.out.err"; then t_fail "escape stripped" "ESC printed"; else t_pass "escape in claim not printed"; fi

# Confidential client: client_secret_basic with the secret from a 0600 file.
printf 'test-secret\n' > "$T/secret"; chmod 600 "$T/secret"
write_config "$T/conf.conf" "$ISS" "$A" pam-oidc-confidential "client_secret_file = $T/secret"
one_login confidential "$T/conf.conf" alice ""
expect_login "confidential client (client_secret_basic)" 0 "local user alice" "$T/confidential.out"
printf 'wrong\n' > "$T/secret"
one_login badsecret "$T/conf.conf" alice ""
expect_login "wrong client secret -> invalid_client" 2 "invalid_client" "$T/badsecret.out.err"
chmod 644 "$T/secret"
one_login opensecret "$T/conf.conf" alice ""
expect_login "world-readable secret file refused" 2 "client_secret_file" "$T/opensecret.out.err"

# Refresh through the helper, then a revoked grant.
rm -f "$T/fifo"; mkfifo "$T/fifo"
"$HELPER" < "$T/fifo" > "$T/rt.out" &
hp=$!
exec 3> "$T/fifo"
printf '{"op":"login","issuer":"%s","client_id":"pam-oidc","scope":"openid profile offline_access","ca_file":"%s","helper_user":"nobody","timeout":30}\n' "$ISS" "$A/ca.pem" >&3
for _ in $(seq 100); do grep -q '"event":"device"' "$T/rt.out" && break; sleep 0.05; done
code=$(sed -n 's/.*"user_code":"\([^"]*\)".*/\1/p' "$T/rt.out")
approve "$A" "$code" alice
wait $hp; exec 3>&-
RT=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' "$T/rt.out")
curl -sf --cacert "$A/ca.pem" "$ISS/jwks" > "$T/jwks.json"
# stdin stays open 6 s: closing it cancels, and under valgrind on a busy
# machine a refresh can take longer than 3 s.
refresh() {
	printf '{"op":"refresh","issuer":"%s","client_id":"pam-oidc","ca_file":"%s","helper_user":"nobody","timeout":20,"refresh_token":"%s"}\n' \
		"$ISS" "$A/ca.pem" "$RT" | ( cat; sleep 6 ) | timeout 15 "$HELPER" | grep -v '"event":"metadata"' | head -1 > "$T/refresh.out"
}
if [ -n "$RT" ]; then
	refresh
	sed -n 's/.*"id_token":"\([^"]*\)".*/\1/p' "$T/refresh.out" > "$T/refreshed.jwt"
	if [ -s "$T/refreshed.jwt" ] && "$CLI" verify-token --issuer "$ISS" --audience pam-oidc --jwks "$T/jwks.json" "$T/refreshed.jwt" > /dev/null; then
		t_pass "refresh grant -> new verified ID token"
	else
		t_fail "refresh grant" "$(cat "$T/refresh.out")"
	fi
	curl -sf --cacert "$A/ca.pem" -d client_id=pam-oidc -d token="$RT" -d token_type_hint=refresh_token "$ISS/token/revocation" > /dev/null
	refresh
	grep -q '"code":"invalid_grant"' "$T/refresh.out" && t_pass "revoked grant -> invalid_grant" || t_fail "revoked grant" "$(cat "$T/refresh.out")"
else
	t_fail "refresh token issued" "$(cat "$T/rt.out")"
fi

# Key rotation: the IdP restarts with new keys (new kids) on the same issuer;
# our cached JWKS lacks the new kid -> exactly one refetch, then success.
"$IDP/stop.sh" "$A"
idp_start idpA OP_INTERVAL=1 OP_PORT="$PORT" OP_KEY_GENERATION=2 > /dev/null
: > "$A/requests.log"
one_login rotation "$CONF" alice ""
expect_login "key rotation -> success" 0 "(1 JWKS fetch," "$T/rotation.out"
n=$(count_req "$A" GET /jwks)
[ "$n" = 1 ] && t_pass "key rotation: exactly one JWKS refetch" || t_fail "key rotation refetch count" "jwks GETs: $n"
: > "$A/requests.log"
one_login rotation2 "$CONF" alice ""
n=$(count_req "$A" GET /jwks)
[ "$LRC" = 0 ] && [ "$n" = 0 ] && t_pass "after rotation the new JWKS is cached" || t_fail "rotation cached" "rc=$LRC jwks=$n"

# Expiry: a 3 s device code nobody approves.
B=$T/idpB
ISSB=$(idp_start idpB OP_INTERVAL=1 OP_DEVICE_TTL=3)
write_config "$T/b.conf" "$ISSB" "$B" pam-oidc
t0=$(now_ms)
login_bg "$T/b.conf" "$T/expire.out"
login_wait "$T/expire.out"; ms=$(($(now_ms) - t0))
if [ "$LRC" = 1 ] && grep -q login_expired "$T/expire.out.err" && [ $ms -lt 8000 ]; then t_pass "expired device code -> login_expired (${ms} ms)"
else t_fail "expiry" "rc=$LRC ${ms} ms $(cat "$T/expire.out.err")"; fi

# slow_down: the first poll is answered slow_down; every later poll must
# come at least 5 s later than the advertised 1 s interval.
C=$T/idpC
ISSC=$(idp_start idpC OP_INTERVAL=1 OP_SLOW_DOWN=1)
write_config "$T/c.conf" "$ISSC" "$C" pam-oidc
rm -f "$T/slow.out"*
login_bg "$T/c.conf" "$T/slow.out"
code=$(wait_code "$T/slow.out")
# Approve only after the first post-slow_down poll, so two slowed gaps show.
for _ in $(seq 200); do [ "$(count_req "$C" POST /token)" -ge 2 ] && break; sleep 0.05; done
approve "$C" "$code" alice
login_wait "$T/slow.out"
gaps=$(awk '$2 == "POST" && ($3 == "/device/auth" || $3 == "/token") { if (p) printf "%d ", $1 - p; p = $1 }' "$C/requests.log")
set -- $gaps
if [ "$LRC" = 0 ] && [ $# -ge 3 ] && [ "$1" -lt 2000 ] && [ "$2" -ge 5900 ] && [ "$3" -ge 5900 ]; then
	t_pass "slow_down: poll gaps ${gaps}ms (interval 1 s, then +5 s for all later polls)"
else
	t_fail "slow_down" "rc=$LRC gaps=$gaps"
fi

# IdP down: fast, distinct failure.
"$IDP/stop.sh" "$A"
t0=$(now_ms)
login_bg "$CONF" "$T/down.out"
login_wait "$T/down.out"; ms=$(($(now_ms) - t0))
[ "$LRC" = 3 ] && grep -q idp_unavailable "$T/down.out.err" && t_pass "IdP down -> exit 3 idp_unavailable (${ms} ms)" || t_fail "IdP down" "rc=$LRC $(cat "$T/down.out.err")"

[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
