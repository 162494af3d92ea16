#!/bin/bash
# pam_oidc_helper's CIBA (OpenID CIBA Core 1.0, poll mode; issue 14) against
# the real test IdP: the helper binary alone, a JSON request on stdin, the
# person's phone played by tests/idp/ciba.sh. Approve, deny, expiry,
# slow_down, an unknown login_hint, an IdP without CIBA (flow ciba and
# auto), auto's choice, both client authentication methods (also for a
# refresh), a public client, the binding_message at the IdP, and no
# auth_req_id in anything the helper writes.
. "$top_srcdir/tests/integration/lib.sh"

SECRET=test-secret
SCOPE="openid profile email offline_access"

# ev FILE EVENT [KEY]: KEY of the first EVENT event the helper wrote to FILE
# (without KEY: 1 if there is one); events FILE: the kinds, in order.
ev() {
	node -e 'const [f, kind, key] = process.argv.slice(1);
		for (const l of require("fs").readFileSync(f, "utf8").split("\n")) {
			if (!l) continue;
			const e = JSON.parse(l);
			if (e.event !== kind) continue;
			const v = key === undefined ? 1 : e[key];
			process.stdout.write(v === undefined ? "" : String(v));
			break;
		}' "$@" 2>/dev/null
}
events() {
	node -e 'process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)
		.map((l) => JSON.parse(l).event).join(" "))' "$1" 2>/dev/null
}
# claim FILE NAME: a claim of the ID token in FILE's tokens event.
claim() {
	node -e 'const [f, name] = process.argv.slice(1);
		for (const l of require("fs").readFileSync(f, "utf8").split("\n")) {
			if (!l) continue;
			const e = JSON.parse(l);
			if (e.event !== "tokens" || !e.id_token) continue;
			const v = JSON.parse(Buffer.from(e.id_token.split(".")[1], "base64url").toString())[name];
			process.stdout.write(v === undefined ? "" : String(v));
		}' "$1" "$2" 2>/dev/null
}
# code FILE: the error code the helper ended with.
code() { ev "$1" error code; }

# creq IDPDIR CLIENT TIMEOUT [MEMBERS]: a login request of the confidential
# client CLIENT (its secret), MEMBERS (",\"flow\":\"ciba\",...") appended.
creq() {
	printf '{"op":"login","issuer":"%s","client_id":"%s","client_secret":"%s","scope":"%s","ca_file":"%s/ca.pem","helper_user":"nobody","timeout":%s,"connect_timeout":2%s}' \
		"$(cat "$1/issuer")" "$2" "$SECRET" "$SCOPE" "$1" "$3" "${4:-}"
}
# run NAME REQUEST LIMIT_S: helper_run, its output kept as $T/out.NAME.
run() {
	helper_run "$2" "$3"
	cp "$T/hout" "$T/out.$1"
	OUT=$T/out.$1
}
CIBA=',"flow":"ciba","login_hint":"alice"'

idp_a OP_SECRET_LOG="$T/issued.txt"

# Approve, with a binding_message the IdP shows the person.
(
	for _ in $(seq 100); do
		"$IDP/ciba.sh" "$A" pending > "$T/pending.json"
		[ "$(cat "$T/pending.json")" != "[]" ] && break
		sleep 0.1
	done
	"$IDP/ciba.sh" "$A" approve binding_message=web1-sshd-4821 > /dev/null
) &
ap=$!
run approve "$(creq "$A" pam-oidc-confidential 30 "$CIBA,\"binding_message\":\"web1-sshd-4821\"")" 35
wait $ap
if [ "$HRC" = 0 ] && [ "$(events "$OUT" | sed 's/ pending//g')" = "metadata ciba tokens" ] &&
	[ "$(ev "$OUT" ciba expires_in)" = 600 ] && [ "$(ev "$OUT" ciba interval)" = 1 ] &&
	[ "$(claim "$OUT" sub)" = alice ] && [ "$(claim "$OUT" aud)" = pam-oidc-confidential ] &&
	[ -n "$(ev "$OUT" tokens refresh_token)" ]; then
	t_pass "flow ciba, approved: metadata, ciba (expires_in 600, interval 1), tokens with alice's ID token"
else t_fail "flow ciba, approved" "rc $HRC: $(events "$OUT") $(cut -c1-300 "$OUT")"; fi
node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	process.exit(p.length === 1 && p[0].binding_message === "web1-sshd-4821" && p[0].login_hint === "alice"
		&& p[0].scope === process.argv[2] ? 0 : 1)' "$T/pending.json" "$SCOPE" &&
	t_pass "binding_message, login_hint and scope reach the IdP (pending request)" ||
	t_fail "binding_message at the IdP" "$(cat "$T/pending.json")"
[ "$(count_req "$A" POST /backchannel)" = 1 ] && [ "$(count_req "$A" POST /token urn:openid:params:grant-type:ciba)" -ge 1 ] &&
	t_pass "one backchannel request, polls with the CIBA grant" || t_fail "IdP requests" "$(cat "$A/requests.log")"
cp "$OUT" "$T/approved.out"

# Deny.
approve_ciba "$A" alice deny 10 &
ap=$!
run deny "$(creq "$A" pam-oidc-confidential 30 "$CIBA")" 35
wait $ap
[ "$(code "$OUT")" = access_denied ] && [ "$HRC" = 1 ] && [ -n "$(ev "$OUT" ciba)" ] &&
	t_pass "flow ciba, denied -> access_denied" || t_fail "flow ciba, denied" "rc $HRC: $(cat "$OUT")"

# requested_expiry reaches the IdP (its expires_in), acr_values is sent.
approve_ciba "$A" bob approve 10 &
ap=$!
run expiry "$(creq "$A" pam-oidc-confidential 30 ',"flow":"ciba","login_hint":"bob@example.test","requested_expiry":30')" 35
wait $ap
[ "$HRC" = 0 ] && [ "$(ev "$OUT" ciba expires_in)" = 30 ] && [ "$(claim "$OUT" sub)" = bob ] &&
	t_pass "requested_expiry=30 -> ciba expires_in 30; login_hint by email -> bob" ||
	t_fail "requested_expiry" "rc $HRC: $(cut -c1-300 "$OUT")"

# An unknown login_hint.
run unknown "$(creq "$A" pam-oidc-confidential 10 ',"flow":"ciba","login_hint":"carol"')" 15
[ "$(code "$OUT")" = unknown_user ] && [ -z "$(ev "$OUT" ciba)" ] && [ "$HRC" = 1 ] &&
	t_pass "unknown login_hint -> unknown_user, no ciba event" || t_fail "unknown login_hint" "rc $HRC: $(cat "$OUT")"

# A public client: refused before any request.
n0=$(wc -l < "$A/requests.log")
run public "$(printf '{"op":"login","issuer":"%s","client_id":"pam-oidc","scope":"openid","ca_file":"%s/ca.pem","helper_user":"nobody","timeout":10%s}' \
	"$ISS" "$A" "$CIBA")" 15
[ "$(code "$OUT")" = bad_request ] && grep -q 'CIBA needs an authenticated client' "$OUT" && [ "$(wc -l < "$A/requests.log")" = "$n0" ] &&
	t_pass "flow ciba without client_secret -> bad_request, nothing sent to the IdP" || t_fail "public client" "$(cat "$OUT")"

# auto: a confidential client and an IdP that offers CIBA -> CIBA.
approve_ciba "$A" alice approve 10 &
ap=$!
run auto "$(creq "$A" pam-oidc-confidential 30 ',"flow":"auto","login_hint":"alice"')" 35
wait $ap
[ "$HRC" = 0 ] && [ -n "$(ev "$OUT" ciba)" ] && [ -z "$(ev "$OUT" device)" ] && [ "$(claim "$OUT" sub)" = alice ] &&
	t_pass "flow auto against a CIBA IdP: ciba event, tokens" || t_fail "flow auto, CIBA IdP" "rc $HRC: $(cut -c1-300 "$OUT")"
# auto: a public client -> the device flow.
run auto-public "$(printf '{"op":"login","issuer":"%s","client_id":"pam-oidc","scope":"openid","ca_file":"%s/ca.pem","helper_user":"nobody","timeout":4,"flow":"auto","login_hint":"alice"}' \
	"$ISS" "$A")" 10
[ -n "$(ev "$OUT" device)" ] && [ -z "$(ev "$OUT" ciba)" ] &&
	t_pass "flow auto, public client: the device flow" || t_fail "flow auto, public client" "$(cat "$OUT")"
# auto: every device endpoint named, no backchannel one -> the device flow, no discovery.
d0=$(count_req "$A" GET /.well-known/openid-configuration)
run auto-named "$(creq "$A" pam-oidc-confidential 4 ",\"flow\":\"auto\",\"login_hint\":\"alice\",\"device_authorization_endpoint\":\"$ISS/device/auth\",\"token_endpoint\":\"$ISS/token\"")" 10
[ "$(events "$OUT" | cut -d' ' -f1)" = device ] && [ "$(count_req "$A" GET /.well-known/openid-configuration)" = "$d0" ] &&
	t_pass "flow auto, device endpoints named: the device flow, no discovery" ||
	t_fail "flow auto, device endpoints named" "$(events "$OUT"): $(cat "$OUT")"
# ciba with every endpoint named: no discovery either.
approve_ciba "$A" alice approve 10 &
ap=$!
run named "$(creq "$A" pam-oidc-confidential 30 "$CIBA,\"backchannel_authentication_endpoint\":\"$ISS/backchannel\",\"token_endpoint\":\"$ISS/token\"")" 35
wait $ap
[ "$HRC" = 0 ] && [ "$(events "$OUT" | sed 's/ pending//g')" = "ciba tokens" ] &&
	[ "$(count_req "$A" GET /.well-known/openid-configuration)" = "$d0" ] &&
	t_pass "flow ciba, endpoints named: no discovery, ciba, tokens" || t_fail "flow ciba, endpoints named" "rc $HRC: $(events "$OUT")"

# client_secret_post: pam-oidc-ciba-post, then a refresh with client_auth post.
approve_ciba "$A" alice approve 10 &
ap=$!
run post "$(creq "$A" pam-oidc-ciba-post 30 "$CIBA,\"client_auth\":\"post\"")" 35
wait $ap
RT=$(ev "$OUT" tokens refresh_token)
[ "$HRC" = 0 ] && [ "$(claim "$OUT" aud)" = pam-oidc-ciba-post ] && [ -n "$RT" ] &&
	t_pass "client_auth post (pam-oidc-ciba-post): ciba, tokens" || t_fail "client_auth post" "rc $HRC: $(cut -c1-300 "$OUT")"
run post-refresh "$(printf '{"op":"refresh","issuer":"%s","client_id":"pam-oidc-ciba-post","client_secret":"%s","client_auth":"post","scope":"openid","ca_file":"%s/ca.pem","helper_user":"nobody","timeout":10,"refresh_token":"%s"}' \
	"$ISS" "$SECRET" "$A" "$RT")" 15
[ "$HRC" = 0 ] && [ "$(claim "$OUT" sub)" = alice ] && [ "$(claim "$OUT" aud)" = pam-oidc-ciba-post ] &&
	t_pass "refresh with client_auth post" || t_fail "refresh with client_auth post" "rc $HRC: $(cut -c1-300 "$OUT")"
# The secret is checked either way (oidc-provider takes both methods from
# any confidential client, so the method itself shows only in the body).
run post-wrong "$(creq "$A" pam-oidc-ciba-post 10 "$CIBA,\"client_auth\":\"post\"" | sed "s/\"$SECRET\"/\"wrong\"/")" 15
[ "$(code "$OUT")" = invalid_client ] && [ -z "$(ev "$OUT" ciba)" ] &&
	t_pass "client_auth post with a wrong client secret -> invalid_client" || t_fail "post, wrong secret" "$(cat "$OUT")"
run wrong-secret "$(creq "$A" pam-oidc-confidential 10 "$CIBA" | sed "s/\"$SECRET\"/\"wrong\"/")" 15
[ "$(code "$OUT")" = invalid_client ] && t_pass "client_auth basic with a wrong client secret -> invalid_client" || t_fail "wrong secret" "$(cat "$OUT")"

# Expiry: OP_CIBA_TTL=2, nobody approves.
B=$T/idpB
if idp_start idpB OP_INTERVAL=1 OP_CIBA_TTL=2 OP_SECRET_LOG="$T/issued.txt" > /dev/null; then
	run expired "$(creq "$B" pam-oidc-confidential 30 "$CIBA")" 35
	[ "$(code "$OUT")" = expired_token ] && [ "$(ev "$OUT" ciba expires_in)" = 2 ] && [ "$HMS" -lt $((4000 + SLACK_MS)) ] &&
		t_pass "OP_CIBA_TTL=2, not approved -> expired_token (${HMS} ms)" || t_fail "expiry" "rc $HRC in $HMS ms: $(cat "$OUT")"
	# The request's timeout first: timeout, as in the device flow.
	run timeout "$(creq "$B" pam-oidc-confidential 1 "$CIBA")" 6
	[ "$(code "$OUT")" = timeout ] && t_pass "timeout before expires_in -> timeout" || t_fail "timeout" "$(cat "$OUT")"
	"$IDP/stop.sh" "$B"
else t_fail "start IdP B" "$(cat "$B/op.log")"; fi

# slow_down: +5 s for every later poll, and the login still succeeds.
C=$T/idpC
if idp_start idpC OP_INTERVAL=1 OP_SLOW_DOWN=1 OP_SECRET_LOG="$T/issued.txt" > /dev/null; then
	approve_ciba "$C" alice approve 10 &
	ap=$!
	run slow "$(creq "$C" pam-oidc-confidential 30 "$CIBA")" 35
	wait $ap
	gaps=$(awk '$2 == "POST" && ($3 == "/backchannel" || $3 == "/token") { if (p) printf "%d ", $1 - p; p = $1 }' "$C/requests.log")
	set -- $gaps
	if [ "$HRC" = 0 ] && [ -n "$(ev "$OUT" tokens id_token)" ] && [ $# -ge 2 ] && [ "$1" -lt 3000 ] && [ "$2" -ge 5900 ] &&
		grep -q ' POST /token 400 - slow_down$' "$C/requests.log"; then
		t_pass "slow_down: the poll gap grew from $1 ms to $2 ms, tokens"
	else t_fail "slow_down" "rc $HRC, gaps $gaps: $(cut -c1-300 "$OUT")"; fi
	"$IDP/stop.sh" "$C"
else t_fail "start IdP C" "$(cat "$C/op.log")"; fi

# An IdP without CIBA: flow ciba -> ciba_unsupported; auto -> the device flow.
D=$T/idpD
if idp_start idpD OP_CIBA=0 > /dev/null; then
	run unsupported "$(creq "$D" pam-oidc-confidential 10 "$CIBA")" 15
	[ "$(code "$OUT")" = ciba_unsupported ] && [ -n "$(ev "$OUT" metadata)" ] && [ "$(count_req "$D" POST /backchannel)" = 0 ] &&
		t_pass "OP_CIBA=0, flow ciba -> ciba_unsupported" || t_fail "OP_CIBA=0 flow ciba" "$(cat "$OUT")"
	run auto-device "$(creq "$D" pam-oidc-confidential 4 ',"flow":"auto","login_hint":"alice"')" 10
	[ -n "$(ev "$OUT" device)" ] && [ -z "$(ev "$OUT" ciba)" ] && [ "$(code "$OUT")" = timeout ] &&
		t_pass "OP_CIBA=0, flow auto -> a device event" || t_fail "OP_CIBA=0 flow auto" "$(cat "$OUT")"
	"$IDP/stop.sh" "$D"
else t_fail "start IdP D" "$(cat "$D/op.log")"; fi

# No auth_req_id in anything the helper wrote (the IdP logs each one issued).
ids=$(awk '$1 == "auth_req_id" { print $2 }' "$T/issued.txt")
n=$(echo "$ids" | grep -c .)
leak=
for id in $ids; do grep -lF -- "$id" "$T"/out.* && leak=1; done
if [ "$n" -ge 8 ] && [ -z "$leak" ] && ! grep -q -e auth_req_id -e "$SECRET" "$T"/out.*; then
	t_pass "none of the $n auth_req_ids the IdP issued in the helper's output"
else t_fail "auth_req_id leak" "n=$n leak=$leak"; fi

no_leftover && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
