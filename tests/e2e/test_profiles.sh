#!/bin/bash
# Provider profiles (issue 17): pam_oidc.so under pamtester logs in through
# Google, Microsoft Entra ID, Keycloak, Okta, Authentik and Dex as
# tests/idp/profiles.mjs reproduces them from their documentation, each with
# the configuration doc/idp-guides.md gives, and refuses each quirk's
# forgery: a bare iss anywhere but Google, an unverified email, a wrong or
# missing hd, Entra's groups overage, a Keycloak subgroup of the same name.
#
# The real issuers (https://accounts.google.com,
# https://login.microsoftonline.com/TENANT/v2.0, ...) are tested as they
# are: the suite runs in a network namespace of its own (only lo, no route
# anywhere) whose private /etc/hosts maps those names to 127.0.0.1, where
# the profile server answers on port 443 with a certificate from a
# throwaway CA. Nothing can reach a real address.
if [ -z "${PROFILES_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -n -m true 2>/dev/null; then
		echo "needs root and network namespaces" >&2
		[ "${PAM_OIDC_REQUIRE_IDP:-}" = 1 ] && exit 1
		exit 77
	fi
	PROFILES_NETNS=1 exec unshare -n -m --propagation private bash "$0" "$@"
fi
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
PROF_PID=
trap 'ns_cleanup; [ -n "$PROF_PID" ] && kill "$PROF_PID" 2>/dev/null; cleanup' EXIT

ip link set lo up || { t_fail "lo up in the namespace" "ip link failed"; t_done; }
NAMES="accounts.google.com oauth2.googleapis.com www.googleapis.com login.microsoftonline.com keycloak.example.test
dev-31337.okta.com authentik.example.test dex.example.test"
{ echo "127.0.0.1 localhost"; for n in $NAMES; do echo "127.0.0.1 $n"; done; } > "$T/hosts"
chmod 644 "$T/hosts"
mount --bind "$T/hosts" /etc/hosts || { t_fail "private /etc/hosts" "bind mount failed"; t_done; }
# The namespace has no route out: a real address is unreachable.
# (A curl that fails proves nothing by itself: the namespace must also have
# no link but lo and no route but lo's.)
if curl -s --max-time 3 -o /dev/null https://8.8.8.8/ 2>/dev/null; then t_fail "no route out of the namespace" "8.8.8.8 answered"
elif ip -o link show | grep -qv ': lo:'; then t_fail "no route out of the namespace" "links: $(ip -o link show)"
elif ip route show table all | grep -v ' dev lo ' | grep -q .; then t_fail "no route out of the namespace" "routes: $(ip route show table all)"
else t_pass "no route out of the namespace"; fi

P=$T/prof
mkdir -p "$P" && chmod 755 "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=pam_oidc profiles test CA" \
	-keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=accounts.google.com" \
	-keyout "$P/server.key" -out "$P/server.csr" 2>/dev/null
{ printf 'subjectAltName='; printf 'DNS:%s,' $NAMES | sed 's/,$//'; printf '\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n'; } > "$P/ext.cnf"
openssl x509 -req -in "$P/server.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
	-extfile "$P/ext.cnf" -out "$P/server.pem" 2>/dev/null
chmod 644 "$P/ca.pem"
PROF_INTERVAL=1 node "$IDP/profiles.mjs" "$P/server.key" "$P/server.pem" 443 8080 > "$P/server.log" 2>&1 &
PROF_PID=$!
for _ in $(seq 200); do
	curl -sf --max-time 2 --cacert "$P/ca.pem" -o /dev/null https://accounts.google.com/.well-known/openid-configuration && break
	sleep 0.05
done
curl -sf --cacert "$P/ca.pem" -o /dev/null https://accounts.google.com/.well-known/openid-configuration ||
	{ t_fail "profile server starts" "$(cat "$P/server.log")"; t_done; }

CTL=http://127.0.0.1:8080
TID=5b0ec24a-8e1c-4f3a-9d2b-6c7e1f0a3d44
GROUP=0b6ad3e4-1a37-4c5b-9b0e-2b2c5e7a1f00
printf 'GOCSPX-test-only-secret\n' > "$T/google.secret"
chmod 600 "$T/google.secret"

# prof_conf NAME < LINES: $T/NAME.conf (the lines the guide gives, then the
# test's own) and a PAM service NAME using it.
prof_conf() {
	{
		cat
		echo "ca_file = $P/ca.pem"
		echo "helper = $HELPER"
		echo "timeout = 30"
		echo "prompt = auto"
		echo "reuse = none"
	} > "$T/$1.conf"
	chmod 644 "$T/$1.conf"
	cat > "$NS/pam.d/$1" <<EOT
auth     required  $MODULE config=$T/$1.conf
account  required  pam_permit.so
EOT
}

ns_setup "$T/none.conf"

# Each block is the guide's configuration (doc/idp-guides.md) verbatim,
# names aside.
prof_conf google <<EOT
issuer = https://accounts.google.com
client_id = 407408718192-pamoidc.apps.googleusercontent.com
client_secret_file = $T/google.secret
client_auth = client_secret_post
scopes = openid email
username_claim = email
username_strip_domain = yes
allowed_domains = corp.example
allowed_hd = corp.example
EOT
prof_conf google-nosecret <<EOT
issuer = https://accounts.google.com
client_id = 407408718192-pamoidc.apps.googleusercontent.com
scopes = openid email
username_claim = email
username_strip_domain = yes
allowed_domains = corp.example
EOT
prof_conf google-offline <<EOT
issuer = https://accounts.google.com
client_id = 407408718192-pamoidc.apps.googleusercontent.com
client_secret_file = $T/google.secret
client_auth = client_secret_post
scopes = openid email offline_access
username_claim = email
username_strip_domain = yes
allowed_domains = corp.example
EOT
prof_conf entra <<EOT
issuer = https://login.microsoftonline.com/$TID/v2.0
client_id = c0ffee00-1234-4abc-8def-0123456789ab
scopes = openid profile email offline_access
username_strip_domain = yes
allowed_domains = contoso.example
allowed_groups = $GROUP
EOT
printf '00000000-0000-0000-66f3-3332eca7ea81 alice\n' > "$T/entra.map"
chmod 644 "$T/entra.map"
prof_conf entra-oid <<EOT
issuer = https://login.microsoftonline.com/$TID/v2.0
client_id = c0ffee00-1234-4abc-8def-0123456789ab
scopes = openid profile email offline_access
username_claim = oid
map_file = $T/entra.map
EOT
prof_conf keycloak <<EOT
issuer = https://keycloak.example.test/realms/staff
client_id = pam-oidc
scopes = openid profile email offline_access
allowed_groups = /unix-admins
EOT
prof_conf keycloak-nopath <<EOT
issuer = https://keycloak.example.test/realms/staff
client_id = pam-oidc
scopes = openid profile email offline_access
allowed_groups = unix-admins
EOT
prof_conf okta <<EOT
issuer = https://dev-31337.okta.com/oauth2/default
client_id = 0oa8pamoidcTEST5d7
scopes = openid profile email groups offline_access
username_strip_domain = yes
allowed_domains = example.com
allowed_groups = unix-admins
EOT
prof_conf authentik <<EOT
issuer = https://authentik.example.test/application/o/pam-oidc/
client_id = pamOidcAuthentikClientId0123456789
scopes = openid profile email offline_access
allowed_groups = unix-admins
EOT
prof_conf dex <<EOT
issuer = https://dex.example.test/dex
client_id = pam-oidc
scopes = openid profile email groups offline_access
username_claim = email
username_strip_domain = yes
allowed_domains = example.test
allowed_groups = unix-admins
EOT

# login NAME SERVICE USER [ACCOUNT [CLAIMS_JSON [deny]]]: one pamtester
# attempt; the person approves (or denies) as ACCOUNT with CLAIMS_JSON
# merged into the ID token, APPROVE_DELAY seconds after the code is shown.
# No ACCOUNT: nobody approves. PRC is the result.
login() {
	name=$1 svc=$2 user=$3 account=${4:-} claims=${5:-} deny=${6:+&deny=1}
	out=$T/$name.out
	rm -f "$T/$name.ctl" "$T/$name.account"
	[ -n "$account" ] && echo "$account" > "$T/$name.account"
	ns_run $SAN_ENV stdbuf -oL pamtester -I rhost=127.0.0.1 "$svc" "$user" authenticate < /dev/null > "$out" 2> "$out.err" &
	pid=$!
	if [ -n "$account" ]; then
		if code=$(wait_for "$out" 's/.*enter the code: //p'); then
			sleep "${APPROVE_DELAY:-0}"
			curl -sf -X POST --data-binary "$claims" "$CTL/approve?code=$code&account=$account$deny" > "$T/$name.ctl" ||
				echo "approval of $code as $account failed" >> "$out.err"
		fi
	fi
	wait $pid; PRC=$?
}
# expect_log NAME PATTERN...: the last pam_oidc syslog line has every PATTERN.
expect_log() {
	n=$1; shift
	l=$(last_log)
	for p in "$@"; do
		case "$l" in *"$p"*) ;; *) t_fail "$n" "no '$p' in syslog: $l"; return ;; esac
	done
	t_pass "$n"
}
ok() { check "$1" 0 "successfully authenticated" "$T/$2.out"; }
# refused DESC NAME [PATTERN...]: refused, after the person's approval went
# through (a refusal because nobody approved proves nothing), and the
# syslog line names each PATTERN (the reason under test).
refused() {
	d=$1 n=$2; shift 2
	if [ -f "$T/$n.account" ] && ! grep -q '"ok":true' "$T/$n.ctl" 2>/dev/null; then
		t_fail "$d" "the approval as $(cat "$T/$n.account") never went through: $(tail -2 "$T/$n.out.err")"
		return
	fi
	check "$d" 1 "Authentication failure" "$T/$n.out"
	[ $# -eq 0 ] || expect_log "$d: the reason" "$@"
}
reqlog() { curl -s "$CTL/log"; }

# --- check-config --probe ------------------------------------------------
# Each guide's configuration passes the probe against its provider's
# discovery (exit 0, the summary says OK); the guide promises that.
for name in google entra keycloak okta authentik dex; do
	ns_run "$CLI" check-config --probe --config "$T/$name.conf" > "$T/probe-$name.out" 2>&1
	prc=$?
	if [ $prc = 0 ] && tail -1 "$T/probe-$name.out" | grep -q '^probe: OK, '; then
		t_pass "$name: check-config --probe passes the guide's configuration"
	else
		t_fail "$name: check-config --probe passes the guide's configuration" "exit $prc: $(cat "$T/probe-$name.out")"
	fi
done
# Google offers no CIBA: a configuration that asks for it is a mismatch.
{ cat "$T/google.conf"; echo "flow = ciba"; } > "$T/google-ciba.conf"
ns_run "$CLI" check-config --probe --config "$T/google-ciba.conf" > "$T/probe-gciba.out" 2>&1
prc=$?
if [ $prc = 1 ] && grep -q '^MISSING' "$T/probe-gciba.out"; then
	t_pass "google: the probe reports flow = ciba as missing (exit 1)"
else
	t_fail "google: the probe reports flow = ciba as missing (exit 1)" "exit $prc: $(cat "$T/probe-gciba.out")"
fi

# --- Google ---------------------------------------------------------------
# Approved after four polls or more: more 428 answers in a row than the
# helper tolerates of an HTTP error it does not know (3).
APPROVE_DELAY=4.5 login g-ok google alice alice
ok "google: alice@corp.example (hd corp.example) logs in as alice" g-ok
expect_log "google: syslog names the issuer" "result=success" "mapped=alice iss=https://accounts.google.com sub=110169484474386276334"
grep -q "enter the code: " "$T/g-ok.out" && grep -q "https://www.google.com/device" "$T/g-ok.out" &&
	t_pass "google: verification_url shown" || t_fail "google: verification_url shown" "$(cat "$T/g-ok.out")"
reqlog > "$T/g.log"
grep -q "^oauth2.googleapis.com POST /token 428 post" "$T/g.log" && t_pass "google: 428 authorization_pending polled through, secret sent in the body" ||
	t_fail "google: 428 and client_secret_post" "$(cat "$T/g.log")"
grep -q "^www.googleapis.com GET /oauth2/v3/certs 200" "$T/g.log" && t_pass "google: keys from www.googleapis.com" ||
	t_fail "google: keys host" "$(cat "$T/g.log")"
# Google's slow_down comes with HTTP 403: the next poll waits 5 s more
# (RFC 8628 §3.5), not the old interval.
curl -sf -X POST "$CTL/slowdown?n=1" > /dev/null
login g-slow google alice alice
ok "google: 403 slow_down, then success" g-slow
gap=$(reqlog | awk '$3 == "/token" && $4 == 403 && $1 == "oauth2.googleapis.com" { t = $6; next } t && $3 == "/token" { print $6 - t; exit }')
if [ -n "$gap" ] && [ "$gap" -ge 5500 ]; then t_pass "google: the poll after slow_down came ${gap} ms later (interval 1 s + 5 s)"
else t_fail "google: interval +5 s after a 403 slow_down" "gap '$gap' ms: $(reqlog | tail -5)"; fi
login g-bare google alice alice '{"iss":"accounts.google.com"}'
ok "google: bare iss accounts.google.com accepted for https://accounts.google.com" g-bare
expect_log "google: a bare-iss login is recorded under the configured issuer" "result=success" "iss=https://accounts.google.com "
login g-hd google alice alice '{"hd":"other.example"}'
refused "google: hd other.example refused" g-hd
expect_log "google: syslog says allowed_hd" "reason=policy_denied" "allowed_hd: hd"
login g-nohd google alice alice '{"hd":null}'
refused "google: no hd (consumer account) refused" g-nohd
expect_log "google: syslog says no hd" "reason=policy_denied" 'no string claim "hd"'
login g-unv google alice alice '{"email_verified":false}'
refused "google: email_verified false refused" g-unv
expect_log "google: syslog says not verified" "is not verified"
login g-unvs google alice alice '{"email_verified":"true"}'
refused "google: email_verified \"true\" (a string) refused" g-unvs "reason=" "is not verified"
login g-bob google bob bob
refused "google: bob@gmail.example is outside allowed_domains" g-bob "is not in allowed_domains"
login g-deny google alice alice '' deny
refused "google: denied (403 access_denied) refused" g-deny
expect_log "google: syslog says access_denied" "reason=access_denied"
login g-nosecret google-nosecret alice
check "google: no client secret -> invalid_client (PAM_SERVICE_ERR)" 1 "misconfigured on this host" "$T/g-nosecret.out"
expect_log "google: syslog names the client problem" "invalid_client"
login g-offline google-offline alice
check "google: offline_access is not a Google device scope -> invalid_scope (PAM_SERVICE_ERR)" 1 "misconfigured on this host" "$T/g-offline.out"
expect_log "google: syslog says invalid_scope" "invalid_scope"

# --- Microsoft Entra ID ---------------------------------------------------
login e-ok entra alice alice
ok "entra: alice@contoso.example in group $GROUP logs in as alice" e-ok
expect_log "entra: syslog names the tenant issuer" "result=success" "iss=https://login.microsoftonline.com/$TID/v2.0 "
reqlog | grep -q "^login.microsoftonline.com POST /$TID/oauth2/v2.0/devicecode 200" &&
	t_pass "entra: the /devicecode endpoint (with its message member) was used" || t_fail "entra: /devicecode" "$(reqlog)"
login e-over entra bob bob
refused "entra: groups overage refused under allowed_groups" e-over
expect_log "entra: syslog reason=groups_overage" "reason=groups_overage" "groups overage"
login e-deny entra alice alice '' deny
refused "entra: authorization_declined refused" e-deny
expect_log "entra: authorization_declined is a denial" "reason=access_denied"
login e-bare entra alice alice "{\"iss\":\"login.microsoftonline.com/$TID/v2.0\"}"
refused "entra: a bare iss is no alias here" e-bare
expect_log "entra: syslog iss_mismatch" "reason=iss_mismatch"
login e-goog entra alice alice '{"iss":"accounts.google.com"}'
refused "entra: Google's bare iss is no alias here" e-goog "reason=iss_mismatch"
login e-dom entra alice alice '{"preferred_username":"alice@fabrikam.example"}'
refused "entra: UPN of another domain refused" e-dom "is not in allowed_domains"
login e-oid entra-oid alice alice '{"preferred_username":"alice@fabrikam.example"}'
ok "entra: mapped on the immutable oid, whatever the UPN says" e-oid
login e-oid-bob entra-oid bob bob
refused "entra: an oid not in map_file refused" e-oid-bob "is not in map_file"

# --- Keycloak -------------------------------------------------------------
login k-ok keycloak alice alice
ok "keycloak: alice in /unix-admins (full group path) logs in" k-ok
expect_log "keycloak: syslog names the realm issuer" "iss=https://keycloak.example.test/realms/staff "
login k-sub keycloak bob bob
refused "keycloak: /staff/unix-admins is not /unix-admins" k-sub
expect_log "keycloak: syslog allowed_groups" "reason=policy_denied" "allowed_groups"
login k-np keycloak-nopath alice alice
refused "keycloak: entry unix-admins does not match /unix-admins (exact match)" k-np "reason=policy_denied" "allowed_groups"
login k-np2 keycloak-nopath alice alice '{"groups":["unix-admins","devs"]}'
ok "keycloak: mapper without full path, entry unix-admins logs in" k-np2
login k-bare keycloak alice alice '{"iss":"keycloak.example.test/realms/staff"}'
refused "keycloak: iss without scheme refused" k-bare "reason=iss_mismatch"
login k-goog keycloak alice alice '{"iss":"accounts.google.com"}'
refused "keycloak: Google's bare iss refused" k-goog "reason=iss_mismatch"

# --- Okta -----------------------------------------------------------------
login o-ok okta alice alice
ok "okta: alice@example.com (custom authorization server) logs in as alice" o-ok
expect_log "okta: syslog names the authorization server issuer" "iss=https://dev-31337.okta.com/oauth2/default "
login o-grp okta alice alice '{"groups":["Everyone"]}'
refused "okta: not in unix-admins refused" o-grp "reason=policy_denied" "allowed_groups"

# --- Authentik ------------------------------------------------------------
login a-ok authentik alice alice
ok "authentik: alice logs in (slug issuer with trailing slash)" a-ok
expect_log "authentik: syslog names the slug issuer" "iss=https://authentik.example.test/application/o/pam-oidc/ "
login a-slug authentik alice alice '{"iss":"https://authentik.example.test/application/o/other-app/"}'
refused "authentik: another application's issuer refused" a-slug "reason=iss_mismatch"

# --- Dex ------------------------------------------------------------------
login d-ok dex alice alice
ok "dex: alice@example.test (email, LDAP connector sub) logs in as alice" d-ok
expect_log "dex: syslog keeps the opaque sub" "iss=https://dex.example.test/dex " "sub=CiVjbj1hbGljZSxvdT1wZW9wbGUsZGM9ZXhhbXBsZSxkYz10ZXN0EgRsZGFw"
login d-unv dex alice alice '{"email_verified":false}'
refused "dex: unverified email refused" d-unv "is not verified"

t_done
