#!/bin/bash
# pam-oidc check-config --probe: the IdP's discovery, fetched through the
# helper, against what the configuration relies on. The real test IdP
# (with and without CIBA) for a good IdP and for configurations it cannot
# serve; the bad server for discoveries the real one never sends (no
# device endpoint, another issuer, HS256 only, no or malformed lists).
# Exit 0 all required there, 1 something required missing or mismatched,
# 2 configuration error or discovery unavailable; never the client secret.
. "$top_srcdir/tests/integration/lib.sh"

SECRET=probe-secret-$$-DO-NOT-PRINT
printf '%s\n' "$SECRET" > "$T/secret"
chmod 600 "$T/secret"

# probe CONF [args]: runs the probe; PRC exit code, output in $T/out.
probe() {
	c=$1; shift
	"$CLI" check-config --probe --config "$c" "$@" > "$T/out" 2> "$T/err"
	PRC=$?
	if grep -q -- "$SECRET" "$T/out" "$T/err"; then
		t_fail "no secret printed ($c)" "the client secret appears in the output"
	fi
}

# expect NAME RC LINE...: the exit code and each line, whole, in the output.
expect() {
	name=$1; want=$2; shift 2
	if [ "$PRC" != "$want" ]; then
		t_fail "$name" "exit $PRC, want $want: $(cat "$T/out" "$T/err")"
		return
	fi
	for l in "$@"; do
		if ! grep -qxF -- "$l" "$T/out"; then
			t_fail "$name" "no line '$l' in: $(cat "$T/out" "$T/err")"
			return
		fi
	done
	t_pass "$name"
}

# expect_no NAME PATTERN: no output line matches the (grep -E) pattern.
expect_no() {
	if grep -qE -- "$2" "$T/out"; then t_fail "$1" "a line matches '$2': $(cat "$T/out")"
	else t_pass "$1"; fi
}

# --- the real test IdP ---------------------------------------------------------
idp_a
write_config "$T/good.conf" "$ISS" "$A" pam-oidc "allowed_groups = admins"
probe "$T/good.conf"
expect "good IdP, device flow: exit 0, every check ok" 0 \
	"ok      $T/good.conf is valid" \
	"ok      issuer matches $ISS" \
	"ok      token_endpoint $ISS/token" \
	"ok      jwks_uri $ISS/jwks" \
	"ok      device_authorization_endpoint $ISS/device/auth" \
	"ok      grant_types_supported has urn:ietf:params:oauth:grant-type:device_code" \
	"ok      id_token_signing_alg_values_supported offers RS256,ES256,EdDSA (algorithms = default)" \
	"ok      scopes_supported has every scope of scopes = openid profile email offline_access" \
	"ok      claims_supported has \"preferred_username\" (username_claim)" \
	"ok      claims_supported has \"groups\" (groups_claim)"
expect_no "good IdP: no warn, MISSING or MISMATCH line" '^(warn|MISSING|MISMATCH|FAILED) '
if tail -1 "$T/out" | grep -qxF "probe: OK, 9 ok, 0 warnings, 0 missing or mismatched"; then
	t_pass "good IdP: the summary line counts the checks"
else
	t_fail "good IdP: the summary line counts the checks" "$(tail -1 "$T/out")"
fi

# The helper is the one that fetched (its own request, op discover), and
# the request carries no client secret: a probe authenticates nowhere.
cat > "$T/spy-helper" <<EOF
#!/bin/sh
IFS= read -r line
printf '%s\n' "\$line" > $T/spy-request
{ printf '%s\n' "\$line"; exec /bin/cat; } | $HELPER
EOF
chmod 755 "$T/spy-helper"
write_config "$T/ciba.conf" "$ISS" "$A" pam-oidc-confidential "client_secret_file = $T/secret" "flow = ciba"
sed -i "s|^helper = .*|helper = $T/spy-helper|" "$T/ciba.conf"
probe "$T/ciba.conf"
expect "good IdP, flow = ciba: the backchannel endpoint in poll mode" 0 \
	"ok      backchannel_authentication_endpoint $ISS/backchannel" \
	"ok      backchannel_token_delivery_modes_supported has \"poll\"" \
	"ok      grant_types_supported has urn:openid:params:grant-type:ciba" \
	"ok      token_endpoint_auth_methods_supported has client_secret_basic"
if [ -s "$T/spy-request" ] && grep -q '"op":"discover"' "$T/spy-request" &&
	! grep -q -e client_secret -e "$SECRET" "$T/spy-request"; then
	t_pass "the probe's helper request is op discover, without the client secret"
else
	t_fail "the probe's helper request is op discover, without the client secret" "$(cat "$T/spy-request" 2>&1)"
fi

write_config "$T/auto.conf" "$ISS" "$A" pam-oidc-confidential "client_secret_file = $T/secret" "flow = auto"
probe "$T/auto.conf"
expect "flow = auto with a confidential client reports CIBA" 0 \
	"ok      flow = auto will use ciba (the IdP offers it in poll mode)" \
	"ok      backchannel_authentication_endpoint $ISS/backchannel"
write_config "$T/auto-pub.conf" "$ISS" "$A" pam-oidc "flow = auto"
probe "$T/auto-pub.conf"
expect "flow = auto with a public client reports the device flow" 0 \
	"ok      flow = auto will use the device flow (no client_secret_file: CIBA needs a confidential client)" \
	"ok      device_authorization_endpoint $ISS/device/auth"

write_config "$T/es512.conf" "$ISS" "$A" pam-oidc "algorithms = ES512"
probe "$T/es512.conf"
expect "algorithms = ES512 only, not offered: exit 1" 1 \
	"MISMATCH id_token_signing_alg_values_supported offers none of algorithms = ES512" \
	"probe: MISMATCH, 7 ok, 0 warnings, 1 missing or mismatched"
write_config "$T/es512rs.conf" "$ISS" "$A" pam-oidc "algorithms = ES512, RS256"
probe "$T/es512rs.conf"
expect "algorithms = ES512,RS256: one offered, a warning for the other, exit 0" 0 \
	"ok      id_token_signing_alg_values_supported offers RS256 (algorithms = RS256,ES512)" \
	"warn    id_token_signing_alg_values_supported lacks ES512 (algorithms = RS256,ES512)"

write_config "$T/scopes.conf" "$ISS" "$A" pam-oidc "required_amr = hwk" "username_claim = email"
sed -i 's/^scopes = .*/scopes = openid email groups/' "$T/scopes.conf"
probe "$T/scopes.conf"
expect "a scope and a claim the IdP does not list are warnings, exit 0" 0 \
	"warn    scopes_supported lacks \"groups\" (scopes = openid email groups)" \
	"ok      claims_supported has \"email\" (username_claim)" \
	"warn    claims_supported lacks \"amr\" (required_amr is set)"

# [service] sections: --service probes that section's effective settings.
write_config "$T/svc.conf" "$ISS" "$A" pam-oidc "[sudo]" "algorithms = ES512"
probe "$T/svc.conf"
expect "without --service the global section is probed" 0
probe "$T/svc.conf" --service sudo
expect "--service sudo probes the section's algorithms" 1 \
	"ok      $T/svc.conf is valid; probing the settings of service sudo" \
	"MISMATCH id_token_signing_alg_values_supported offers none of algorithms = ES512"

# The same IdP without CIBA.
B=$T/idpB
ISSB=$(idp_start idpB OP_CIBA=0) || { t_fail "start IdP without CIBA" "$(cat "$B/op.log")"; t_done; }
write_config "$T/noc.conf" "$ISSB" "$B" pam-oidc-confidential "client_secret_file = $T/secret" "flow = ciba"
probe "$T/noc.conf"
expect "flow = ciba at an IdP without CIBA: exit 1, MISSING lines" 1 \
	"MISSING backchannel_authentication_endpoint (flow = ciba needs it)" \
	"MISSING \"poll\" in backchannel_token_delivery_modes_supported (absent; flow = ciba needs it)"
write_config "$T/noc-auto.conf" "$ISSB" "$B" pam-oidc-confidential "client_secret_file = $T/secret" "flow = auto"
probe "$T/noc-auto.conf"
expect "flow = auto at an IdP without CIBA reports the device flow" 0 \
	"ok      flow = auto will use the device flow (the IdP offers no CIBA in poll mode)" \
	"ok      device_authorization_endpoint $ISSB/device/auth"

# --- a lying helper: the caller checks the helper's event itself --------------------
# liar NAME EVENT: a helper that answers any request with EVENT.
liar() {
	printf '#!/bin/sh\nIFS= read -r line\nprintf "%%s\\n" '"'%s'"'\n' "$2" > "$T/liar-$1"
	chmod 755 "$T/liar-$1"
	write_config "$T/liar-$1.conf" "$ISS" "$A" pam-oidc
	sed -i "s|^helper = .*|helper = $T/liar-$1|" "$T/liar-$1.conf"
}
liar iss '{"event":"discovery","issuer":"https://evil.test/\u001b[2J","token_endpoint":"https://evil.test/t","jwks_uri":"https://evil.test/j"}'
probe "$T/liar-iss.conf"
expect "a helper naming another issuer: MISMATCH, exit 1" 1 \
	"MISMATCH issuer: discovery names https://evil.test/[2J, configured is $ISS" \
	"probe: MISMATCH, 0 ok, 0 warnings, 1 missing or mismatched"
LC_ALL=C grep -q "$(printf '\033')" "$T/out" && t_fail "no control character from the helper printed" "$(cat -v "$T/out")" ||
	t_pass "no control character from the helper printed"
liar http '{"event":"discovery","issuer":"'"$ISS"'","token_endpoint":"https://evil.test/t","jwks_uri":"https://evil.test/j","device_authorization_endpoint":"http://evil.test/d"}'
probe "$T/liar-http.conf"
expect "a helper's malformed discovery event (http endpoint): exit 2" 2
grep -q "^FAILED  .*malformed discovery event" "$T/out" && t_pass "a malformed event: the FAILED line names it" ||
	t_fail "a malformed event: the FAILED line names it" "$(cat "$T/out")"

# --- the bad server: discoveries the real IdP never sends ----------------------------
bad_ca "$T/bad"
mkcert good IP:127.0.0.1
mkcert wrong DNS:wrong.example.test
chmod 644 "$d"/*.pem
node "$IDP/badserver.mjs" "$d/good.key" "$d/good.pem" "$d/wrong.key" "$d/wrong.pem" > "$d/ports" 2>"$d/log" &
BAD_PID=$!
for _ in $(seq 100); do [ -s "$d/ports" ] && break; sleep 0.05; done
read -r P1 _ < "$d/ports"
BASE=https://127.0.0.1:$P1
# bad_config NAME MODE [extra lines]: $T/NAME.conf for the bad server's MODE.
bad_config() {
	n=$1; m=$2; shift 2
	write_config "$T/$n.conf" "$BASE/$m" "$d" pam-oidc "$@"
	sed -i 's/^scopes = .*/scopes = openid profile/' "$T/$n.conf"
}

bad_config pgood probe-good "allowed_groups = admins"
probe "$T/pgood.conf"
expect "a complete discovery: exit 0" 0 "ok      issuer matches $BASE/probe-good" \
	"ok      id_token_signing_alg_values_supported offers RS256,ES256 (algorithms = default)"

bad_config nodev probe-nodevice
probe "$T/nodev.conf"
expect "no device_authorization_endpoint: exit 1" 1 \
	"MISSING device_authorization_endpoint (flow = device needs it)" \
	"probe: MISMATCH, 7 ok, 0 warnings, 1 missing or mismatched"
bad_config nodev2 probe-nodevice "device_authorization_endpoint = $BASE/probe-nodevice/device/auth"
probe "$T/nodev2.conf"
expect "no device endpoint in discovery, one in pam_oidc.conf: exit 0" 0 \
	"ok      device_authorization_endpoint $BASE/probe-nodevice/device/auth (pam_oidc.conf)"

bad_config iss disc-issuer
probe "$T/iss.conf"
expect "discovery for another issuer: exit 1, MISMATCH issuer" 1 \
	"MISMATCH issuer: issuer_mismatch: discovery document names issuer \"$BASE/disc-issuer-other\", configured is \"$BASE/disc-issuer\"" \
	"probe: MISMATCH, 0 ok, 0 warnings, 1 missing or mismatched"

bad_config hs probe-hs256
probe "$T/hs.conf"
expect "HS256 and none only: no algorithm we accept, exit 1" 1 \
	"MISMATCH id_token_signing_alg_values_supported offers none of algorithms = RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA"

bad_config nocl probe-noclaims "allowed_groups = admins"
probe "$T/nocl.conf"
expect "no claims_supported (optional): a warning, exit 0" 0 \
	"warn    claims_supported absent; cannot check the claims the config uses (username_claim = preferred_username, ...)"

bad_config mal probe-malformed "client_secret_file = $T/secret" "flow = ciba"
probe "$T/mal.conf"
expect "malformed lists and an http backchannel endpoint: exit 1" 1 \
	"MISSING backchannel_authentication_endpoint: not an https URL (flow = ciba needs it)" \
	"warn    scopes_supported malformed; cannot check scopes = openid profile" \
	"warn    claims_supported malformed; cannot check the claims the config uses (username_claim = preferred_username)"

bad_config nopoll probe-nopoll "client_secret_file = $T/secret" "flow = ciba"
probe "$T/nopoll.conf"
expect "CIBA without poll mode: exit 1" 1 \
	"ok      backchannel_authentication_endpoint $BASE/probe-nopoll/bc" \
	"MISSING \"poll\" in backchannel_token_delivery_modes_supported (not listed; flow = ciba needs it)"

# A broken [section] makes the file invalid for the probe too.
write_config "$T/badsec.conf" "$ISS" "$A" pam-oidc "[sudo]" "algorithms = HS256"
probe "$T/badsec.conf"
expect "an invalid [service] section: exit 2, no probe" 2
[ -s "$T/out" ] && t_fail "an invalid section: nothing probed" "$(cat "$T/out")" ||
	t_pass "an invalid section: nothing probed"

# --- exit 2: discovery not available, configuration invalid -------------------------
bad_config nj disc-notjson
probe "$T/nj.conf"
expect "a discovery that is not JSON: exit 2" 2
grep -q '^FAILED  discovery of ' "$T/out" && t_pass "not JSON: a FAILED line names it" ||
	t_fail "not JSON: a FAILED line names it" "$(cat "$T/out")"
# A port nothing listens on: the bad server's, once it is gone.
kill "$BAD_PID"; wait "$BAD_PID" 2>/dev/null; BAD_PID=
probe "$T/pgood.conf"
expect "unreachable IdP: exit 2 with a clear line" 2 "probe: FAILED, 0 ok, 0 warnings, 0 missing or mismatched"
if grep -q "^FAILED  discovery of $BASE/probe-good: idp_unavailable: idp_unreachable: " "$T/out"; then
	t_pass "unreachable IdP: the FAILED line says idp_unreachable"
else
	t_fail "unreachable IdP: the FAILED line says idp_unreachable" "$(cat "$T/out")"
fi
printf 'issuer = %s\nnonsense_key = 1\n' "$ISS" > "$T/badkey.conf"
chmod 644 "$T/badkey.conf"
probe "$T/badkey.conf"
expect "an invalid configuration: exit 2" 2
"$CLI" check-config --service sudo --config "$T/good.conf" > /dev/null 2>&1
[ $? = 2 ] && t_pass "--service without --probe is a usage error" || t_fail "--service without --probe is a usage error" "exit $?"
"$CLI" check-config --help | grep -q -- '--probe' && t_pass "--help describes --probe" ||
	t_fail "--help describes --probe" "$("$CLI" check-config --help)"

sleep 0.3
no_leftover && t_pass "no helper left running" || t_fail "no helper left running" "$(helper_pids)"
t_done
