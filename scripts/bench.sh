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
echo "== 3. cached re-authentication, whole process (pamtester under pam_wrapper, median of 100 runs; goal ratio <= 1.2)"
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
echo "== 3b. cached re-authentication, whole process: real sudo -n true in a mount namespace (median of 100 runs)"
# A private /etc/pam.d, passwd, group, shadow and sudoers (bind mounts in a
# namespace of their own: the host's files are never touched); the user
# benchsudo runs sudo, which authenticates (timestamp_timeout=0) through
# pam_permit or through pam_oidc.so served from a record of this session.
# (noninteractive_auth: sudo -n still runs PAM, which needs no input there)
sudo_bench() { # stack-name -> median us
	unshare -m --propagation private sh -c '
		S=$1
		for f in passwd group shadow sudoers; do mount --bind "$S/etc/$f" /etc/$f || exit 99; done
		mount --bind "$S/pam.d-$2" /etc/pam.d || exit 99
		exec setpriv --reuid=4243 --regid=4243 --clear-groups sh -c "
			for _ in \$(seq 100); do
				t0=\$(date +%s%N); sudo -n true || echo FAIL >&2; echo \$(( (\$(date +%s%N) - t0) / 1000 ))
			done"' sudo-bench "$W/sudo" "$1" | sort -n | sed -n 50p
}
if command -v sudo > /dev/null && command -v unshare > /dev/null && command -v setpriv > /dev/null; then
	mkdir -p "$W/sudo/etc" "$W/sudo/pam.d-permit"
	cp /etc/passwd /etc/group /etc/shadow "$W/sudo/etc/"
	echo "benchsudo:x:4243:4243:bench:/nonexistent:/bin/sh" >> "$W/sudo/etc/passwd"
	echo "benchsudo:x:4243:" >> "$W/sudo/etc/group"
	echo "benchsudo:*:19000:0:99999:7:::" >> "$W/sudo/etc/shadow"
	printf 'Defaults timestamp_timeout=0\nDefaults noninteractive_auth\nDefaults lecture=never\nDefaults !syslog\nbenchsudo ALL=(ALL) ALL\n' > "$W/sudo/etc/sudoers"
	chmod 0440 "$W/sudo/etc/sudoers"
	cp -a /etc/pam.d/. "$W/sudo/pam.d-permit/"
	cp -a "$W/sudo/pam.d-permit" "$W/sudo/pam.d-oidc"
	printf 'auth required pam_permit.so\naccount required pam_permit.so\nsession required pam_permit.so\n' \
		> "$W/sudo/pam.d-permit/sudo"
	sed -e "s#^state_dir = .*#state_dir = $W/state-sudo#" "$W/pam_oidc.conf" > "$W/sudo/pam_oidc.conf"
	chmod 644 "$W/sudo/pam_oidc.conf"
	printf 'auth required %s config=%s\naccount required pam_permit.so\nsession required pam_permit.so\n' \
		"$build/pam/.libs/pam_oidc.so" "$W/sudo/pam_oidc.conf" > "$W/sudo/pam.d-oidc/sudo"
	unshare -m --propagation private sh -c 'mount --bind "$1/etc/passwd" /etc/passwd && exec "$2" --record "$3" benchsudo' \
		rec "$W/sudo" "$build/bench/bench_pam" "$W/state-sudo" || exit 1
	sp=$(sudo_bench permit 2> "$W/sudo-permit.err"); so=$(sudo_bench oidc 2> "$W/sudo-oidc.err")
	printf '%-20s %10s us\n%-20s %10s us\n%-20s %10.2f   (goal <= 1.2)\n' "pam_permit" "$sp" "pam_oidc (record)" "$so" \
		"ratio" "$(echo "$so / $sp" | bc -l)"
	grep -q FAIL "$W/sudo-permit.err" "$W/sudo-oidc.err" && { echo "sudo failed:"; sort "$W"/sudo-*.err | uniq -c | head -5; }
	# The proof in the real caller: what sudo has mapped once a record
	# served it (the command reads its parent's, sudo's, /proc maps).
	unshare -m --propagation private sh -c '
		for f in passwd group shadow sudoers; do mount --bind "$1/etc/$f" /etc/$f || exit 99; done
		mount --bind "$1/pam.d-oidc" /etc/pam.d || exit 99
		exec setpriv --reuid=4243 --regid=4243 --clear-groups sudo -n sh -c "cat /proc/\$PPID/maps"' \
		maps "$W/sudo" > "$W/sudo.maps" 2>&1
	m_mod=no m_crypto=no m_qr=no m_verify=no
	grep -q '/pam_oidc\.so' "$W/sudo.maps" && m_mod=yes
	grep -q '/libcrypto\.so' "$W/sudo.maps" && m_crypto=YES
	grep -q '/libqrencode\.so' "$W/sudo.maps" && m_qr=YES
	grep -q '/pam_oidc_verify\.so' "$W/sudo.maps" && m_verify=YES
	echo "mapped by sudo after a cached authentication: pam_oidc.so $m_mod, libcrypto $m_crypto, libqrencode $m_qr, pam_oidc_verify.so $m_verify"
	echo "{\"part\":\"whole_process_sudo\",\"permit_us\":$sp,\"oidc_us\":$so,\"sudo_maps_pam_oidc\":\"$m_mod\",\"sudo_maps_libcrypto\":\"$m_crypto\",\"sudo_maps_verify\":\"$m_verify\"}" >> "$lines"
else
	echo "(skipped: sudo, unshare or setpriv missing)"
fi

echo
echo "== 6b. shared libraries pam_oidc.so pulls in (readelf NEEDED, then ldd)"
readelf -d "$build/pam/.libs/pam_oidc.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/    NEEDED \1/p'
ldd "$build/pam/.libs/pam_oidc.so" | awk '{print "    " $1}'
ldd "$build/pam/.libs/pam_oidc.so" | grep -q curl && { echo "libcurl in the module!"; exit 1; }
ldd "$build/pam/.libs/pam_oidc.so" | grep -qE 'libcrypto|libqrencode' && { echo "libcrypto/libqrencode in the module!"; exit 1; }
echo "    pam_oidc_verify.so (loaded only for a sign-in or a recheck):"
readelf -d "$build/pam/.libs/pam_oidc_verify.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/    NEEDED \1/p'

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
