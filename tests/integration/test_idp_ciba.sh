#!/bin/bash
# The test IdP's CIBA (OpenID CIBA Core 1.0, poll mode), with curl alone:
# discovery, both client authentication methods, approve and deny through
# the test hooks (tests/idp/ciba.sh), the ID token's claims, the errors of
# a bad request, expiry, slow_down, interval, OP_CIBA=0, OP_CIBA_AUTO, and
# that no auth_req_id leaks into the IdP's logs or hooks.
. "$top_srcdir/tests/integration/lib.sh"

CIBA_GRANT=urn:openid:params:grant-type:ciba
SECRET=test-secret

# jget FILE KEY: a top-level member of a JSON file (arrays joined by spaces).
jget() {
	node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]];
		process.stdout.write(v === undefined ? "" : Array.isArray(v) ? v.join(" ") : String(v));' "$1" "$2" 2>/dev/null
}
# payload FILE: the ID token payload of a token response, as JSON.
payload() {
	node -e 'const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id_token;
		process.stdout.write(Buffer.from(t.split(".")[1], "base64url").toString());' "$1" 2>/dev/null
}
# ba DIR OUT CURL-ARGS...: POST the backchannel authentication endpoint.
ba() {
	d=$1; out=$2; shift 2
	curl -s --max-time 10 --cacert "$d/ca.pem" -o "$out" "$@" "$(cat "$d/issuer")/backchannel"
}
# poll DIR OUT AUTH_REQ_ID [CURL-ARGS...]: one CIBA token request (Basic
# auth as pam-oidc-confidential unless CURL-ARGS say otherwise).
poll() {
	d=$1; out=$2; id=$3; shift 3
	[ $# -eq 0 ] && set -- -u "pam-oidc-confidential:$SECRET"
	curl -s --max-time 10 --cacert "$d/ca.pem" -o "$out" "$@" -d grant_type="$CIBA_GRANT" \
		--data-urlencode auth_req_id="$id" "$(cat "$d/issuer")/token"
}
# expect_error NAME FILE ERROR
expect_error() {
	if [ "$(jget "$2" error)" = "$3" ]; then t_pass "$1 -> $3"
	else t_fail "$1" "want $3, got $(cat "$2")"; fi
}
BASIC="-u pam-oidc-confidential:$SECRET"
SCOPE="openid profile email offline_access"

A=$T/idpA
ISS=$(idp_start idpA OP_INTERVAL=3 OP_CIBA_LOG="$T/ciba.log" OP_SECRET_LOG="$T/issued.txt") ||
	{ t_fail "start IdP" "$(cat "$A/op.log")"; t_done; }

# Discovery.
curl -s --cacert "$A/ca.pem" -o "$T/disc.json" "$ISS/.well-known/openid-configuration"
[ "$(jget "$T/disc.json" backchannel_authentication_endpoint)" = "$ISS/backchannel" ] &&
	t_pass "discovery: backchannel_authentication_endpoint" || t_fail "discovery: endpoint" "$(cat "$T/disc.json")"
jget "$T/disc.json" backchannel_token_delivery_modes_supported | tr ' ' '\n' | grep -qx poll &&
	t_pass "discovery: poll delivery mode" || t_fail "discovery: poll" "$(cat "$T/disc.json")"
jget "$T/disc.json" grant_types_supported | tr ' ' '\n' | grep -qx "$CIBA_GRANT" &&
	t_pass "discovery: the CIBA grant type" || t_fail "discovery: grant type" "$(cat "$T/disc.json")"

# The whole flow, client_secret_basic: pending, approve, tokens.
ba "$A" "$T/ba1.json" $BASIC -d "scope=$SCOPE" -d login_hint=alice -d binding_message=web1-sshd-4821
ID1=$(jget "$T/ba1.json" auth_req_id)
if [ -n "$ID1" ] && [ "$(jget "$T/ba1.json" expires_in)" = 600 ] && [ "$(jget "$T/ba1.json" interval)" = 3 ]; then
	t_pass "backchannel request (client_secret_basic): auth_req_id, expires_in 600, interval 3 (OP_INTERVAL)"
else t_fail "backchannel request" "$(cat "$T/ba1.json")"; fi
poll "$A" "$T/p1.json" "$ID1"
expect_error "poll before approval" "$T/p1.json" authorization_pending
"$IDP/ciba.sh" "$A" pending > "$T/pending.json"
if [ "$(node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	process.stdout.write(p.length + " " + p[0].account + " " + p[0].binding_message + " " + p[0].login_hint + " " + p[0].scope + " " + typeof p[0].created)' "$T/pending.json")" \
	= "1 alice web1-sshd-4821 alice $SCOPE number" ]; then
	t_pass "ciba.sh pending: account, binding_message, login_hint, scope, created"
else t_fail "ciba.sh pending" "$(cat "$T/pending.json")"; fi
"$IDP/ciba.sh" "$A" approve binding_message=web1-sshd-9999 > "$T/ap0.json"; rc=$?
[ $rc = 1 ] && [ "$(jget "$T/ap0.json" error)" = no_pending_request ] &&
	t_pass "ciba.sh approve of an unknown binding_message: exit 1, no_pending_request" ||
	t_fail "ciba.sh approve unknown" "rc=$rc $(cat "$T/ap0.json")"
"$IDP/ciba.sh" "$A" approve binding_message=web1-sshd-4821 > "$T/ap1.json"; rc=$?
[ $rc = 0 ] && [ "$(jget "$T/ap1.json" account)" = alice ] && [ "$(jget "$T/ap1.json" binding_message)" = web1-sshd-4821 ] &&
	t_pass "ciba.sh approve binding_message=web1-sshd-4821: exit 0" || t_fail "ciba.sh approve" "rc=$rc $(cat "$T/ap1.json")"
"$IDP/ciba.sh" "$A" pending > "$T/pending2.json"
[ "$(cat "$T/pending2.json")" = "[]" ] && t_pass "an approved request leaves the pending list" ||
	t_fail "pending after approval" "$(cat "$T/pending2.json")"
"$IDP/ciba.sh" "$A" approve binding_message=web1-sshd-4821 > /dev/null; rc=$?
[ $rc = 1 ] && t_pass "a second approval: exit 1" || t_fail "second approval" "rc=$rc"
poll "$A" "$T/tok1.json" "$ID1"
payload "$T/tok1.json" > "$T/idt1.json"
if [ -n "$(jget "$T/tok1.json" access_token)" ] && [ -n "$(jget "$T/tok1.json" refresh_token)" ] &&
	[ "$(jget "$T/tok1.json" scope)" = "$SCOPE" ] && [ "$(jget "$T/idt1.json" sub)" = alice ] &&
	[ "$(jget "$T/idt1.json" preferred_username)" = alice ] && [ "$(jget "$T/idt1.json" email)" = alice@example.test ] &&
	[ "$(jget "$T/idt1.json" email_verified)" = true ] && [ "$(jget "$T/idt1.json" groups)" = "users admins" ] &&
	[ "$(jget "$T/idt1.json" aud)" = pam-oidc-confidential ] && [ "$(jget "$T/idt1.json" iss)" = "$ISS" ]; then
	t_pass "poll after approval: ID token (sub, preferred_username, email, email_verified, groups), refresh token"
else t_fail "poll after approval" "$(cat "$T/tok1.json") $(cat "$T/idt1.json")"; fi
# The refresh token works like a device-flow one...
refresh() {
	curl -s --cacert "$A/ca.pem" $BASIC -d grant_type=refresh_token --data-urlencode refresh_token="$(jget "$T/tok1.json" refresh_token)" \
		-o "$1" "$ISS/token"
}
refresh "$T/ref1.json"
[ -n "$(jget "$T/ref1.json" id_token)" ] && t_pass "refresh after a CIBA login" || t_fail "refresh" "$(cat "$T/ref1.json")"
# ...until the auth_req_id is replayed: oidc-provider then revokes the grant.
poll "$A" "$T/p1b.json" "$ID1"
expect_error "a second poll of a used auth_req_id" "$T/p1b.json" invalid_grant
refresh "$T/ref2.json"
expect_error "refresh after the auth_req_id was replayed (grant revoked)" "$T/ref2.json" invalid_grant

# Scopes: openid alone gives no profile claims and no refresh token.
ba "$A" "$T/ba2.json" $BASIC -d scope=openid -d login_hint=bob@example.test
ID2=$(jget "$T/ba2.json" auth_req_id)
approve_ciba "$A" bob && poll "$A" "$T/tok2.json" "$ID2"
payload "$T/tok2.json" > "$T/idt2.json"
if [ "$(jget "$T/idt2.json" sub)" = bob ] && [ -z "$(jget "$T/idt2.json" preferred_username)" ] &&
	[ -z "$(jget "$T/tok2.json" refresh_token)" ]; then
	t_pass "login_hint by email, scope openid: sub bob, no profile claims, no refresh token (approve_ciba)"
else t_fail "openid only" "$(cat "$T/tok2.json") $(cat "$T/idt2.json")"; fi

# Deny.
ba "$A" "$T/ba3.json" $BASIC -d "scope=$SCOPE" -d login_hint=alice -d binding_message=deny-me
ID3=$(jget "$T/ba3.json" auth_req_id)
"$IDP/ciba.sh" "$A" deny account=alice > "$T/dn3.json"; rc=$?
[ $rc = 0 ] && [ "$(jget "$T/dn3.json" binding_message)" = deny-me ] && t_pass "ciba.sh deny account=alice: exit 0" ||
	t_fail "ciba.sh deny" "rc=$rc $(cat "$T/dn3.json")"
poll "$A" "$T/p3.json" "$ID3"
expect_error "poll after deny" "$T/p3.json" access_denied
# approve_ciba ... deny, and the newest of two requests for one account.
ba "$A" "$T/ba4.json" $BASIC -d scope=openid -d login_hint=alice -d binding_message=older
ba "$A" "$T/ba5.json" $BASIC -d scope=openid -d login_hint=alice -d binding_message=newer
approve_ciba "$A" alice deny 2
poll "$A" "$T/p5.json" "$(jget "$T/ba5.json" auth_req_id)"
poll "$A" "$T/p4.json" "$(jget "$T/ba4.json" auth_req_id)"
[ "$(jget "$T/p5.json" error)" = access_denied ] && [ "$(jget "$T/p4.json" error)" = authorization_pending ] &&
	t_pass "approve_ciba deny resolves the newest request of the account only" ||
	t_fail "newest first" "$(cat "$T/p5.json" "$T/p4.json")"
"$IDP/ciba.sh" "$A" deny binding_message=older > /dev/null
t0=$(now_ms)
approve_ciba "$A" carol approve 1; rc=$?
el=$(($(now_ms) - t0))
[ $rc != 0 ] && [ $el -ge 900 ] && [ $el -lt 5000 ] && t_pass "approve_ciba with nothing pending fails after its wait (${el} ms)" ||
	t_fail "approve_ciba nothing pending" "rc=$rc in $el ms"

# Bad requests.
ba "$A" "$T/e1.json" $BASIC -d scope=openid -d login_hint=carol
expect_error "unknown login_hint" "$T/e1.json" unknown_user_id
ba "$A" "$T/e2.json" $BASIC -d scope=openid -d login_hint=alice -d "binding_message=web1 sshd"
expect_error "binding_message with a space" "$T/e2.json" invalid_binding_message
ba "$A" "$T/e3.json" $BASIC -d scope=openid -d login_hint=alice -d binding_message=abcdefghij0123456789x
expect_error "binding_message of 21 characters" "$T/e3.json" invalid_binding_message
ba "$A" "$T/e3b.json" $BASIC -d scope=openid -d login_hint=alice -d binding_message=abcdefghij0123456789
[ -n "$(jget "$T/e3b.json" auth_req_id)" ] && t_pass "binding_message of 20 characters accepted" ||
	t_fail "20 characters" "$(cat "$T/e3b.json")"
ba "$A" "$T/e4.json" $BASIC -d scope=openid
expect_error "no login_hint" "$T/e4.json" invalid_request
ba "$A" "$T/e5.json" $BASIC -d scope=profile -d login_hint=alice
expect_error "no openid scope" "$T/e5.json" invalid_request
ba "$A" "$T/e6.json" $BASIC -d scope=openid -d login_hint=alice -d user_code=1234
expect_error "a user_code" "$T/e6.json" invalid_user_code
ba "$A" "$T/e7.json" -u pam-oidc-confidential:wrong -d scope=openid -d login_hint=alice
expect_error "wrong client secret" "$T/e7.json" invalid_client
ba "$A" "$T/e8.json" -d client_id=pam-oidc -d scope=openid -d login_hint=alice
# oidc-provider answers invalid_request here (CIBA Core 13 would say
# unauthorized_client); any of the three is a refusal.
case $(jget "$T/e8.json" error) in
unauthorized_client | invalid_client | invalid_request)
	[ -z "$(jget "$T/e8.json" auth_req_id)" ] && t_pass "a public client is refused ($(jget "$T/e8.json" error))" ||
		t_fail "public client" "$(cat "$T/e8.json")" ;;
*) t_fail "public client" "$(cat "$T/e8.json")" ;;
esac
ba "$A" "$T/e9.json" $BASIC -d scope=openid -d login_hint=alice -d requested_expiry=0
expect_error "requested_expiry=0" "$T/e9.json" invalid_request
ba "$A" "$T/x1.json" $BASIC -d scope=openid -d login_hint=alice -d requested_expiry=30
[ "$(jget "$T/x1.json" expires_in)" = 30 ] && t_pass "requested_expiry=30 -> expires_in 30" || t_fail "requested_expiry" "$(cat "$T/x1.json")"
ba "$A" "$T/x2.json" $BASIC -d scope=openid -d login_hint=alice -d requested_expiry=5000
[ "$(jget "$T/x2.json" expires_in)" = 600 ] && t_pass "requested_expiry=5000 -> expires_in 600 (OP_CIBA_TTL)" ||
	t_fail "requested_expiry cap" "$(cat "$T/x2.json")"

# client_secret_post, and a request bound to its client.
ba "$A" "$T/ba6.json" -d client_id=pam-oidc-ciba-post -d client_secret=$SECRET -d "scope=$SCOPE" -d login_hint=alice -d binding_message=post-1
ID6=$(jget "$T/ba6.json" auth_req_id)
poll "$A" "$T/p6a.json" "$ID6"
expect_error "another client polls the request" "$T/p6a.json" invalid_grant
"$IDP/ciba.sh" "$A" approve binding_message=post-1 > /dev/null
poll "$A" "$T/tok6.json" "$ID6" -d client_id=pam-oidc-ciba-post -d client_secret=$SECRET
payload "$T/tok6.json" > "$T/idt6.json"
[ "$(jget "$T/idt6.json" sub)" = alice ] && [ "$(jget "$T/idt6.json" aud)" = pam-oidc-ciba-post ] && [ -n "$(jget "$T/tok6.json" refresh_token)" ] &&
	t_pass "client_secret_post client (pam-oidc-ciba-post): approve -> ID token, refresh token" ||
	t_fail "client_secret_post" "$(cat "$T/ba6.json" "$T/tok6.json")"

# No auth_req_id in the logs, the hooks' answers or stdout; the CIBA log.
ids=$(awk '$1 == "auth_req_id" { print $2 }' "$T/issued.txt")
n=$(echo "$ids" | grep -c .)
leak=
for id in $ids; do
	grep -lF -- "$id" "$A/requests.log" "$A/op.log" "$A/stdout.log" "$T/ciba.log" "$T"/pending*.json "$T"/ap*.json "$T"/dn*.json 2>/dev/null && leak=1
done
[ "$n" -ge 9 ] && [ -z "$leak" ] && t_pass "none of $n auth_req_ids in the request log, op.log, CIBA log or hook answers" ||
	t_fail "auth_req_id leak" "n=$n leak=$leak"
grep -q ' pending alice web1-sshd-4821$' "$T/ciba.log" && grep -q ' approved alice web1-sshd-4821$' "$T/ciba.log" &&
	grep -q ' denied alice deny-me$' "$T/ciba.log" && grep -q ' pending bob -$' "$T/ciba.log" &&
	t_pass "OP_CIBA_LOG: pending, approved, denied lines" || t_fail "OP_CIBA_LOG" "$(cat "$T/ciba.log")"

# Expiry and slow_down: OP_CIBA_TTL=2, OP_SLOW_DOWN=1, no OP_INTERVAL.
B=$T/idpB
if idp_start idpB OP_CIBA_TTL=2 OP_SLOW_DOWN=1 > /dev/null; then
	ba "$B" "$T/b1.json" $BASIC -d scope=openid -d login_hint=alice
	IDB=$(jget "$T/b1.json" auth_req_id)
	[ "$(jget "$T/b1.json" expires_in)" = 2 ] && [ -z "$(jget "$T/b1.json" interval)" ] &&
		t_pass "OP_CIBA_TTL=2: expires_in 2; no interval without OP_INTERVAL" || t_fail "OP_CIBA_TTL" "$(cat "$T/b1.json")"
	poll "$B" "$T/b2.json" "$IDB"; expect_error "OP_SLOW_DOWN=1: first CIBA poll" "$T/b2.json" slow_down
	poll "$B" "$T/b3.json" "$IDB"; expect_error "OP_SLOW_DOWN=1: second CIBA poll" "$T/b3.json" authorization_pending
	sleep 3
	poll "$B" "$T/b4.json" "$IDB"; expect_error "poll after 3 s with OP_CIBA_TTL=2" "$T/b4.json" expired_token
	"$IDP/ciba.sh" "$B" pending > "$T/b5.json"
	[ "$(cat "$T/b5.json")" = "[]" ] && t_pass "an expired request leaves the pending list" || t_fail "expired pending" "$(cat "$T/b5.json")"
	"$IDP/ciba.sh" "$B" approve account=alice > /dev/null; rc=$?
	[ $rc = 1 ] && t_pass "approving an expired request: exit 1" || t_fail "approve expired" "rc=$rc"
else
	t_fail "start IdP B" "$(cat "$B/op.log")"
fi

# OP_CIBA_AUTO=approve, then deny.
for mode in approve:"" deny:access_denied; do
	m=${mode%%:*}; want=${mode#*:}
	C=$T/idpC$m
	if idp_start "idpC$m" OP_CIBA_AUTO=$m OP_CIBA_AUTO_MS=300 > /dev/null; then
		ba "$C" "$T/c1.json" $BASIC -d scope=openid -d login_hint=alice
		poll "$C" "$T/c2.json" "$(jget "$T/c1.json" auth_req_id)"
		sleep 0.6
		poll "$C" "$T/c3.json" "$(jget "$T/c1.json" auth_req_id)"
		if [ "$(jget "$T/c2.json" error)" = authorization_pending ] && [ "$(jget "$T/c3.json" error)" = "$want" ] &&
			{ [ -n "$want" ] || [ -n "$(jget "$T/c3.json" id_token)" ]; }; then
			t_pass "OP_CIBA_AUTO=$m after OP_CIBA_AUTO_MS=300"
		else t_fail "OP_CIBA_AUTO=$m" "$(cat "$T/c2.json" "$T/c3.json")"; fi
	else
		t_fail "start IdP C ($m)" "$(cat "$C/op.log")"
	fi
	"$IDP/stop.sh" "$C"
done

# OP_CIBA=0: no endpoint, no grant; the device flow's clients unchanged.
D=$T/idpD
if idp_start idpD OP_CIBA=0 > /dev/null; then
	curl -s --cacert "$D/ca.pem" -o "$T/d1.json" "$(cat "$D/issuer")/.well-known/openid-configuration"
	if [ -z "$(jget "$T/d1.json" backchannel_authentication_endpoint)" ] &&
		! jget "$T/d1.json" grant_types_supported | tr ' ' '\n' | grep -qx "$CIBA_GRANT" &&
		jget "$T/d1.json" grant_types_supported | tr ' ' '\n' | grep -qx urn:ietf:params:oauth:grant-type:device_code; then
		t_pass "OP_CIBA=0: no backchannel endpoint, no CIBA grant in discovery"
	else t_fail "OP_CIBA=0 discovery" "$(cat "$T/d1.json")"; fi
	code=$(curl -s --cacert "$D/ca.pem" -o "$T/d2.json" -w '%{http_code}' $BASIC -d scope=openid -d login_hint=alice "$(cat "$D/issuer")/backchannel")
	[ "$code" = 404 ] && t_pass "OP_CIBA=0: POST /backchannel -> 404" || t_fail "OP_CIBA=0 endpoint" "$code $(cat "$T/d2.json")"
	curl -s --cacert "$D/ca.pem" -o "$T/d3.json" -d client_id=pam-oidc-ciba-post -d client_secret=$SECRET -d scope=openid \
		"$(cat "$D/issuer")/device/auth"
	[ -n "$(jget "$T/d3.json" device_code)" ] && t_pass "OP_CIBA=0: the confidential clients still do the device flow" ||
		t_fail "OP_CIBA=0 device flow" "$(cat "$T/d3.json")"
else
	t_fail "start IdP D" "$(cat "$D/op.log")"
fi
t_done
