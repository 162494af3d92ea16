#!/bin/bash
# make bench: the figures of issue "Benchmarks", each measured side by side
# with its baseline in the same run. Prints tables; writes bench/results.json.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILDDIR:-$PWD}
IDP=$top/tests/idp
W=$(mktemp -d /tmp/pam_oidc_bench.XXXXXX); chmod 755 "$W"
trap '"$IDP/stop.sh" "$W/idp" 2>/dev/null; "$IDP/stop.sh" "$W/idpc" 2>/dev/null; "$IDP/stop.sh" "$W/idpr" 2>/dev/null; rm -rf "$W"' EXIT
out=$build/bench/results.json
lines=$W/lines.json
: > "$lines"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

echo "== 1. ID-token validation cost (raw EVP_DigestVerify vs full validation)"
"$build/bench/bench_verify" "$build/tests/fixtures/out" "$W/verify.json" || exit 1

echo
"$build/bench/bench_pam" "$build/pam/.libs/pam_oidc.so" "$W" "$lines" || exit 1

echo
echo "== 3. cached re-authentication, whole process (pamtester under pam_wrapper, median of 100 runs)"
pw() { # service-dir
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$1" pamtester -I tty=pts/bench bench \
		"$(id -un)" authenticate > /dev/null 2>&1
}
median_ms() { # service-dir
	for _ in $(seq 100); do
		t0=$(date +%s%N); pw "$1" || echo FAIL >&2; echo $(( ($(date +%s%N) - t0) / 1000 ))
	done | sort -n | sed -n 50p
}
p=$(median_ms "$W/pam-permit"); o=$(median_ms "$W/pam-oidc")
printf '%-20s %10s us\n%-20s %10s us\n%-20s %10.2f\n' "pam_permit" "$p" "pam_oidc (record)" "$o" "ratio" "$(echo "$o / $p" | bc -l)"
echo "{\"part\":\"whole_process\",\"permit_us\":$p,\"oidc_us\":$o}" >> "$lines"

echo
echo "== 6b. shared libraries pam_oidc.so pulls in"
ldd "$build/pam/.libs/pam_oidc.so" | awk '{print "    " $1}'
ldd "$build/pam/.libs/pam_oidc.so" | grep -q curl && { echo "libcurl in the module!"; exit 1; }

echo
echo "== 7/8. network round trips per login, and our overhead after approval (test IdP, interval 1 s)"
ISS=$(OP_INTERVAL=1 "$IDP/start.sh" "$W/idp") || exit 1
cat > "$W/login.conf" <<EOT
issuer = $ISS
client_id = pam-oidc
scopes = openid profile email
ca_file = $W/idp/ca.pem
helper = $build/helper/pam_oidc_helper
state_dir = $W/state-login
# The host has no _pam_oidc user (the package creates it): nobody here.
helper_user = nobody
EOT
chmod 644 "$W/login.conf"
# count METHOD PATH [LOG]: requests the test IdP logged.
count() { awk -v m="$1" -v p="$2" '$2 == m && $3 == p { n++ } END { print n + 0 }' "${3:-$W/idp/requests.log}"; }
# after_token LOG END_MS: ms from the IdP's successful token response to
# END_MS: everything from there on is ours (verification, mapping, exit).
after_token() { echo $(($2 - $(awk '$2 == "POST" && $3 == "/token" && $4 == 200 { print $1 }' "$1" | tail -1))); }
login() { # name
	: > "$W/idp/requests.log"
	"$build/cli/pam-oidc" login --config "$W/login.conf" > "$W/$1.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do code=$(sed -n 's/.*enter the code: //p' "$W/$1.out"); [ -n "$code" ] && break; sleep 0.05; done
	"$IDP/approve.sh" "$W/idp/ca.pem" "$ISS/device" "$code" alice
	wait $pid
	after=$(after_token "$W/idp/requests.log" "$(now_ms)")
	echo "$1: discovery $(count GET /.well-known/openid-configuration), device_authorization $(count POST /device/auth), token polls $(count POST /token), jwks $(count GET /jwks), userinfo $(count GET /me); after the token response: $after ms"
	echo "{\"part\":\"login_$1\",\"discovery\":$(count GET /.well-known/openid-configuration),\"device\":$(count POST /device/auth),\"token\":$(count POST /token),\"jwks\":$(count GET /jwks),\"userinfo\":$(count GET /me),\"overhead_after_token_ms\":$after}" >> "$lines"
}
login cold
login warm
"$IDP/stop.sh" "$W/idp"

echo
echo "== 9. one pam-oidc recheck run over 1, 100 and 1000 live records (test IdP, confidential client: no rotation)"
RSECRET=bench-recheck-secret
printf '%s\n' "$RSECRET" > "$W/recheck.secret"; chmod 600 "$W/recheck.secret"
ISS=$(OP_CLIENT_SECRET=$RSECRET "$IDP/start.sh" "$W/idpr") || exit 1
cr() { curl -sf --max-time 20 --cacert "$W/idpr/ca.pem" -u "pam-oidc-confidential:$RSECRET" "$@"; }
# One grant, by the device flow: its refresh token is what every record holds.
cr -d scope="openid profile email offline_access" "$ISS/device/auth" > "$W/dev.json" || exit 1
"$IDP/approve.sh" "$W/idpr/ca.pem" "$ISS/device" "$(jq -r .user_code "$W/dev.json")" alice || exit 1
cr -d grant_type=urn:ietf:params:oauth:grant-type:device_code -d device_code="$(jq -r .device_code "$W/dev.json")" \
	"$ISS/token" > "$W/tok.json" || exit 1
sub=$(jq -r .id_token "$W/tok.json" | cut -d. -f2 | tr '_-' '/+' | { read -r p; printf '%s' "$p"; printf '%*s' $(( (4 - ${#p} % 4) % 4 )) '' | tr ' ' '='; } | base64 -d | jq -r .sub)
sed -e "s#^issuer = .*#issuer = $ISS#" -e "s#$W/idp/ca.pem#$W/idpr/ca.pem#" -e 's#^client_id = .*#client_id = pam-oidc-confidential#' \
	-e "s#state-login#state-recheck#" -e 's#^scopes = .*#scopes = openid profile email offline_access#' "$W/login.conf" > "$W/recheck.conf"
printf 'client_secret_file = %s\nrecheck = 1h\n' "$W/recheck.secret" >> "$W/recheck.conf"
chmod 644 "$W/recheck.conf"
sleep 600 & anchor=$!
astart=$(awk '{print $22}' /proc/$anchor/stat)
countr() { awk -v m="$1" -v p="$2" '$2 == m && $3 == p { n++ } END { print n + 0 }' "$W/idpr/requests.log"; }
for n in 1 100 1000; do
	rm -rf "$W/state-recheck"; mkdir -m 700 -p "$W/state-recheck/sessions/4242"
	now=$(date +%s)
	jq -c -n --arg iss "$ISS" --arg sub "$sub" --arg rt "$(jq -r .refresh_token "$W/tok.json")" --argjson now "$now" \
		--argjson pid "$anchor" --argjson start "$astart" \
		'{v:2, user:"alice", uid:4242, iss:$iss, sub:$sub, created:$now, expires:($now + 3600), checked:($now - 7200),
		  auth_time:$now, service:"sshd", refresh_token:$rt, anchor_pid:$pid, anchor_start:$start, anchor_uid:0, tty_dev:0}' \
		> "$W/rec.json"
	for i in $(seq "$n"); do
		id=$(printf '%032x' "$i")
		jq -c --arg id "$id" '.id = $id' "$W/rec.json" > "$W/state-recheck/sessions/4242/$id.json"
	done
	chmod 600 "$W/state-recheck/sessions/4242/"*.json
	: > "$W/idpr/requests.log"
	t0=$(now_ms)
	"$build/cli/pam-oidc" recheck --all --config "$W/recheck.conf" > "$W/recheck-$n.out" 2>&1; rc=$?
	ms=$(( $(now_ms) - t0 ))
	valid=$(grep -c ' valid ' "$W/recheck-$n.out")
	tokn=$(countr POST /token); disc=$(countr GET /.well-known/openid-configuration); jw=$(countr GET /jwks)
	printf '%5d records: %6d ms (%.1f ms/record), exit %d, %d valid; IdP requests: token %d, discovery %d, jwks %d (%.2f per record)\n' \
		"$n" "$ms" "$(echo "$ms / $n" | bc -l)" "$rc" "$valid" "$tokn" "$disc" "$jw" "$(echo "($tokn + $disc + $jw) / $n" | bc -l)"
	echo "{\"part\":\"recheck_$n\",\"records\":$n,\"ms\":$ms,\"exit\":$rc,\"valid\":$valid,\"token\":$tokn,\"discovery\":$disc,\"jwks\":$jw}" >> "$lines"
done
kill "$anchor"
"$IDP/stop.sh" "$W/idpr"

echo
echo "== 7/8 (CIBA). round trips per push-approved login, and our overhead after approval (the test IdP approves each request 200 ms after it arrives, interval 1 s)"
SECRET=bench-secret
ISS=$(OP_INTERVAL=1 OP_CIBA_AUTO=approve OP_CIBA_AUTO_MS=200 OP_CLIENT_SECRET=$SECRET "$IDP/start.sh" "$W/idpc") || exit 1
printf '%s\n' "$SECRET" > "$W/ciba.secret"; chmod 600 "$W/ciba.secret"
sed -e "s#^issuer = .*#issuer = $ISS#" -e "s#$W/idp/ca.pem#$W/idpc/ca.pem#" -e 's#^client_id = .*#client_id = pam-oidc-confidential#' \
	-e "s#state-login#state-ciba#" "$W/login.conf" > "$W/ciba.conf"
printf 'client_secret_file = %s\nflow = ciba\n' "$W/ciba.secret" >> "$W/ciba.conf"
chmod 644 "$W/ciba.conf"
countc() { count "$1" "$2" "$W/idpc/requests.log"; }
ciba_login() { # name
	: > "$W/idpc/requests.log"
	t0=$(now_ms)
	"$build/cli/pam-oidc" login --config "$W/ciba.conf" --user alice > "$W/ciba-$1.out" 2>&1 || { cat "$W/ciba-$1.out"; exit 1; }
	end=$(now_ms)
	after=$(after_token "$W/idpc/requests.log" "$end")
	echo "$1: discovery $(countc GET /.well-known/openid-configuration), backchannel $(countc POST /backchannel), token polls $(countc POST /token), jwks $(countc GET /jwks); whole login $((end - t0)) ms; after the token response: $after ms"
	echo "{\"part\":\"ciba_$1\",\"discovery\":$(countc GET /.well-known/openid-configuration),\"backchannel\":$(countc POST /backchannel),\"token\":$(countc POST /token),\"jwks\":$(countc GET /jwks),\"login_ms\":$((end - t0)),\"overhead_after_token_ms\":$after}" >> "$lines"
}
ciba_login cold
ciba_login warm
"$IDP/stop.sh" "$W/idpc"

{
	printf '{"validation": '
	sed -n 's/^{"validation": \(.*\)}$/\1/p' "$W/verify.json"
	printf ', "runs": ['
	paste -sd, "$lines"
	printf ']}\n'
} > "$out"
echo
echo "(all figures also in $out)"
