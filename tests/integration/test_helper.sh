#!/bin/bash
# pam_oidc_helper on its own: the framed protocol, every transport and
# protocol fault of a misbehaving server (its own error code, within its
# timeout, no crash, no leftover process), cancellation and privilege drop.
. "$top_srcdir/tests/integration/lib.sh"

# Certificates: the bad server's own CA, and a cert for another host name.
bad_ca "$T/bad"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=other CA" \
	-keyout "$d/other-ca.key" -out "$d/other-ca.pem" 2>/dev/null
mkcert good IP:127.0.0.1
mkcert wrong DNS:wrong.example.test
chmod 644 "$d"/*.pem
node "$IDP/badserver.mjs" "$d/good.key" "$d/good.pem" "$d/wrong.key" "$d/wrong.pem" > "$d/ports" 2>"$d/log" &
BAD_PID=$!
for _ in $(seq 100); do [ -s "$d/ports" ] && break; sleep 0.05; done
read -r P1 P2 < "$d/ports"
CA=$d/ca.pem

req() { # op issuer timeout [ca]
	printf '{"op":"%s","issuer":"%s","client_id":"pam-oidc","scope":"openid","ca_file":"%s","helper_user":"nobody","timeout":%s,"connect_timeout":2}' \
		"$1" "$2" "${4:-$CA}" "$3"
}

# fault NAME ISSUER TIMEOUT EXPECTED_CODE
fault() {
	helper_run "$(req login "$2" "$3" "${5:-}")" $(($3 + 5))
	code=$(sed -n 's/.*"event":"error","code":"\([a-z_]*\)".*/\1/p' "$T/hout")
	if [ "$code" = "$4" ] && [ "$HRC" -eq 1 ] && [ "$HMS" -le $(($3 * 1000 + SLACK_MS)) ] && no_leftover; then
		t_pass "fault $1 -> $4 (${HMS} ms)"
	else
		t_fail "fault $1" "want $4 rc 1 within ${3}s, got '$code' rc $HRC in ${HMS} ms: $(cat "$T/hout")"
	fi
}

B=https://127.0.0.1:$P1
fault "connection refused" "https://127.0.0.1:1" 5 idp_unreachable
fault "discovery stalls" "$B/disc-stall" 3 timeout
fault "discovery 500" "$B/disc-500" 5 http_status
fault "discovery not JSON" "$B/disc-notjson" 5 bad_response
fault "discovery 10 MB" "$B/disc-huge" 5 too_large
fault "discovery issuer differs" "$B/disc-issuer" 5 issuer_mismatch
fault "discovery redirect" "$B/disc-redirect" 5 http_status
fault "discovery duplicate member" "$B/disc-dup" 5 bad_response
fault "discovery http endpoint" "$B/disc-http" 5 bad_response
fault "certificate for another host" "https://127.0.0.1:$P2/ok" 5 tls_error
fault "server not signed by ca_file" "$B/ok" 5 tls_error "$d/other-ca.pem"
fault "http issuer" "http://127.0.0.1:$P1/ok" 5 bad_request
fault "device 500" "$B/dev-500" 5 http_status
fault "device not JSON" "$B/dev-notjson" 5 bad_response
fault "device fields missing" "$B/dev-missing" 5 bad_response
fault "device http verification_uri" "$B/dev-http-uri" 5 bad_response
fault "device stalls" "$B/dev-stall" 3 timeout
fault "device invalid_client" "$B/dev-invalid-client" 5 invalid_client
if grep -q "$(printf '\033')" "$T/hout"; then t_fail "IdP text sanitized" "escape reached the caller"; else t_pass "IdP text sanitized"; fi
fault "token 503 three times" "$B/tok-500" 8 http_status
fault "token access_denied" "$B/tok-denied" 5 access_denied
fault "token 10 MB" "$B/tok-huge" 5 too_large
fault "token without id_token" "$B/tok-noid" 5 bad_response
fault "token unknown error" "$B/tok-weird" 5 oauth_error
fault "token endpoint stalls after the code" "$B/tok-stall" 5 idp_unreachable
fault "never approved" "$B/ok" 3 timeout
grep -q '"event":"device"' "$T/hout" && t_pass "device event before timeout" || t_fail "device event before timeout" "$(cat "$T/hout")"
if grep -q 'dc-ok' "$T/hout"; then t_fail "device_code never sent to caller" "leaked"; else t_pass "device_code never sent to caller"; fi

# Protocol errors.
helper_run 'this is not json' 5
grep -q '"code":"bad_request"' "$T/hout" && [ $HRC -eq 2 ] && t_pass "garbage request" || t_fail "garbage request" "rc $HRC $(cat "$T/hout")"
helper_run '{"op":"frobnicate","issuer":"https://127.0.0.1:1"}' 5
grep -q '"code":"bad_request"' "$T/hout" && t_pass "unknown op" || t_fail "unknown op" "$(cat "$T/hout")"
# SIGTERM while it waits for its request: gone at once, nothing said.
rm -f "$T/fifo"; mkfifo "$T/fifo"
"$HELPER" < "$T/fifo" > "$T/hout" 2>/dev/null &
hp=$!
exec 3> "$T/fifo"
sleep 0.3
t0=$(now_ms); kill -TERM $hp
for _ in $(seq $((SLACK_MS / 25))); do kill -0 $hp 2>/dev/null || break; sleep 0.05; done
ms=$(($(now_ms) - t0))
if ! kill -0 $hp 2>/dev/null && [ $ms -le $((SLACK_MS * 2 / 3)) ] && [ ! -s "$T/hout" ]; then
	t_pass "SIGTERM before the request: gone in ${ms} ms, no output"
else
	kill -9 $hp 2>/dev/null; t_fail "SIGTERM before the request" "${ms} ms, output: $(cat "$T/hout")"
fi
wait $hp 2>/dev/null
exec 3>&-
"$HELPER" < /dev/null > "$T/hout"; rc=$?
grep -q '"code":"bad_request"' "$T/hout" && [ $rc -eq 2 ] && t_pass "empty stdin" || t_fail "empty stdin" "rc $rc"

# Cancellation: stdin closed mid-poll, and SIGTERM mid-poll.
cancel_test() { # how
	rm -f "$T/fifo"; mkfifo "$T/fifo"
	"$HELPER" < "$T/fifo" > "$T/hout" 2>/dev/null &
	hp=$!
	exec 3> "$T/fifo"
	req login "$B/ok" 60 >&3; echo >&3
	for _ in $(seq $((SLACK_MS / 15))); do grep -q '"event":"pending"' "$T/hout" && break; sleep 0.05; done
	if [ "$1" = root-check ]; then
		uid=$(awk '/^Uid:/ {print $2}' /proc/$hp/status); nnp=$(awk '/^NoNewPrivs:/ {print $2}' /proc/$hp/status)
		want=$(id -u nobody)
		[ "$(id -u)" != 0 ] && want=$(id -u)
		if [ "$uid" = "$want" ] && [ "$nnp" = 1 ]; then t_pass "helper polls as uid $uid with no_new_privs"
		else t_fail "helper privilege drop" "uid=$uid nnp=$nnp"; fi
		set -- close
	fi
	t0=$(now_ms)
	if [ "$1" = close ]; then exec 3>&-; else kill -TERM $hp; fi
	for _ in $(seq $((SLACK_MS / 25))); do kill -0 $hp 2>/dev/null || break; sleep 0.05; done
	ms=$(($(now_ms) - t0))
	exec 3>&- 2>/dev/null
	if ! kill -0 $hp 2>/dev/null && [ $ms -le $((SLACK_MS * 2 / 3)) ]; then t_pass "helper gone ${ms} ms after $1"
	else kill -9 $hp; t_fail "helper exits on $1" "still running after ${ms} ms"; fi
	wait $hp 2>/dev/null
}
cancel_test root-check
cancel_test term
no_leftover && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"

t_done
