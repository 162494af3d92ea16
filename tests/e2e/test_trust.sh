#!/bin/bash
# Issue 12, findings 6, 9 and 10 as attacks through pam_oidc.so (pamtester
# in a private mount namespace) and pam-oidc login, against the real test
# IdP:
#  6  a token maps from an unverified email, from a domain nobody allowed,
#     or onto a system account;
#  9  map_file, ca_file and ca_path that someone else can write;
#  10 a TLS failure, a bad request, an internal error or a missing
#     helper_user read as "IdP unavailable" (the password fallback).
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

idp_a
ns_setup /nonexistent
UNAVAIL="Authentication service cannot retrieve authentication info"
SERVICE="Error in service module"
AUTHERR="Authentication failure"

# [SVC_CA=file] [SVC_HELPER=path] svc NAME [config lines...]: a PAM service
# NAME with a config of its own.
svc() {
	name=$1; shift
	printf '%s\n' "timeout = 20" "prompt = auto" "reuse = none" "$@" |
		CONF=$T/$name.conf conf_write ca_file="${SVC_CA:-$A/ca.pem}" helper="${SVC_HELPER:-$HELPER}"
	sed "s#config=/nonexistent#config=$T/$name.conf#" "$NS/pam.d/oidctest" > "$NS/pam.d/$name"
}

# attempt NAME SERVICE USER ACCOUNT: pamtester; ACCOUNT approves the code if
# one is shown (none: nobody does). Sets PRC, OUT.
attempt() {
	name=$1; OUT=$T/$1.out
	ns_run $SAN_ENV stdbuf -oL pamtester -I tty=pts/7 "$2" "$3" authenticate < /dev/null > "$OUT" 2>&1 &
	pid=$!
	if [ "$4" != none ]; then
		i=0; code=
		while [ $i -lt 150 ] && [ -z "$code" ] && kill -0 $pid 2>/dev/null; do
			code=$(sed -n 's/.*enter the code: //p' "$OUT" | head -1)
			[ -z "$code" ] && sleep 0.1; i=$((i + 1))
		done
		[ -n "$code" ] && approve "$A" "$code" "$4"
	fi
	wait $pid; PRC=$?
}

# expect LABEL RC PAM_TEXT LOG_TEXT: the attempt's code, what pamtester said
# and the module's last syslog line.
expect() {
	log=$(last_log)
	if [ "$PRC" = "$2" ] && grep -q -- "$3" "$OUT" && case "$log" in *"$4"*) true ;; *) false ;; esac; then
		t_pass "$1"
	else
		t_fail "$1" "rc=$PRC want $2; out: $(tail -2 "$OUT" | tr '\n' ' '); log: $log"
	fi
}

# --- finding 6: mapping from unverified or changeable claims ----------------
# The map_file is keyed on username_claim: with email, trudy's unverified
# root@attacker.example would be alice.
printf 'root@attacker.example alice\n' > "$T/email.map"; chmod 644 "$T/email.map"
svc f6email "username_claim = email" "map_file = $T/email.map"
attempt f6email f6email alice trudy
expect "F6: email-mapped login with email_verified false -> refused" 1 "$AUTHERR" \
	"reason=user_mismatch service=f6email user=alice"
grep -q "pam_oidc.*email \"root@attacker.example\" is not verified" "$T/syslog.log" &&
	t_pass "F6: syslog says the email is not verified" || t_fail "F6: unverified email log" "$(last_log)"

# The reported configuration: strip the domain of any address.
svc f6strip "username_claim = email" "username_strip_domain = yes"
attempt f6strip f6strip bob bob
expect "F6: username_strip_domain without allowed_domains -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"configuration error: username_strip_domain needs allowed_domains"

svc f6domain "username_claim = email" "username_strip_domain = yes" "allowed_domains = example.test"
attempt f6domain f6domain alice oscar
expect "F6: verified alice@attacker.example, domain not allowed -> refused" 1 "$AUTHERR" \
	"not in allowed_domains"
attempt f6domainok f6domain bob bob
expect "F6: bob@example.test, an allowed domain -> success" 0 "successfully authenticated" \
	"result=success reason=ok service=f6domain user=bob mapped=bob"

# trudy's preferred_username is daemon (uid 1): a system account.
svc f6system
attempt f6system f6system daemon trudy
expect "F6: token mapping to daemon (uid 1) -> refused" 1 "$AUTHERR" \
	"reason=policy_denied service=f6system user=daemon mapped=daemon"
grep -q "pam_oidc.*daemon (uid 1) is a system account" "$T/syslog.log" &&
	t_pass "F6: syslog names the system account" || t_fail "F6: system account log" "$(last_log)"
svc f6listed "allowed_system_users = backup daemon"
attempt f6listed f6listed daemon trudy
expect "F6: daemon listed in allowed_system_users -> success" 0 "successfully authenticated" \
	"result=success reason=ok service=f6listed user=daemon"

# pam-oidc login applies the same rule (on the host: helper_user nobody).
write_config "$T/cli.conf" "$ISS" "$A" pam-oidc
login_bg "$T/cli.conf" "$T/cli.out" --user daemon
if code=$(wait_code "$T/cli.out"); then approve "$A" "$code" trudy; fi
login_wait "$T/cli.out"
if [ "$LRC" = 1 ] && grep -q "policy refuses daemon: daemon (uid 1) is a system account" "$T/cli.out.err"; then
	t_pass "F6: pam-oidc login refuses a token mapping to daemon"
else
	t_fail "F6: pam-oidc login system account" "rc=$LRC $(cat "$T/cli.out.err")"
fi

# --- finding 9: files that decide trust ---------------------------------
printf 'alice alice\n' > "$T/gw.map"; chmod 664 "$T/gw.map"
svc f9mapgw "map_file = $T/gw.map"
attempt f9mapgw f9mapgw alice alice
expect "F9: group-writable map_file -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"map_file $T/gw.map must be owned by root and not writable by group or others"

printf 'alice alice\n' > "$T/foreign.map"; chmod 644 "$T/foreign.map"; chown $ALICE_UID "$T/foreign.map"
svc f9mapown "map_file = $T/foreign.map"
attempt f9mapown f9mapown alice alice
expect "F9: map_file owned by another user -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"map_file $T/foreign.map must be owned by root"

cp "$A/ca.pem" "$T/ow-ca.pem"; chmod 646 "$T/ow-ca.pem"
SVC_CA=$T/ow-ca.pem svc f9cafile
attempt f9cafile f9cafile alice alice
expect "F9: other-writable ca_file -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"configuration error: ca_file $T/ow-ca.pem must be owned by root and not writable by group or others"

cp "$A/ca.pem" "$T/foreign-ca.pem"; chmod 644 "$T/foreign-ca.pem"; chown $ALICE_UID "$T/foreign-ca.pem"
SVC_CA=$T/foreign-ca.pem svc f9caown
attempt f9caown f9caown alice alice
expect "F9: ca_file owned by another user -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"configuration error: ca_file $T/foreign-ca.pem must be owned by root"

mkdir -p "$T/cadir"; chmod 777 "$T/cadir"
svc f9capath "ca_path = $T/cadir"
attempt f9capath f9capath alice alice
expect "F9: world-writable ca_path -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"configuration error: ca_path $T/cadir must be owned by root and not writable by group or others"

# --- finding 10: internal errors never read as "IdP unavailable" ------------
# The real helper against a CA that did not sign the IdP's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" \
	-out "$T/other-ca.pem" -days 1 -subj /CN=other-ca > /dev/null 2>&1
chmod 644 "$T/other-ca.pem"
SVC_CA=$T/other-ca.pem svc f10tls
attempt f10tls f10tls alice none
expect "F10: TLS failure (wrong CA) -> PAM_SERVICE_ERR, not AUTHINFO_UNAVAIL" 1 "$SERVICE" \
	"reason=config_error service=f10tls user=alice"
grep -q "pam_oidc.*reason=config_error service=f10tls.*detail=tls_error" "$T/syslog.log" &&
	t_pass "F10: syslog names tls_error" || t_fail "F10: tls log" "$(last_log)"

svc f10user "helper_user = no_such_helper_user"
attempt f10user f10user alice none
expect "F10: missing helper_user -> PAM_SERVICE_ERR" 1 "$SERVICE" \
	"reason=internal_error service=f10user user=alice"
grep -q "pam_oidc.*helper_user \"no_such_helper_user\" does not exist; create it with: useradd --system" \
	"$T/syslog.log" && t_pass "F10: syslog says how to create helper_user" || t_fail "F10: helper_user hint" "$(last_log)"

# A helper that reports a request or internal error (as a taken-over or
# broken helper would): the module must not offer the fallback.
FAKE=$T/fake-helper.sh
cat > "$FAKE" <<EOT
#!/bin/sh
read -r req || exit 3
echo "{\"event\":\"error\",\"code\":\"\$(cat $T/fake.code)\",\"message\":\"injected\"}"
exit 1
EOT
chmod 755 "$FAKE"
SVC_HELPER=$FAKE svc f10fake
for code in tls_error bad_request internal_error issuer_mismatch some_new_code; do
	echo "$code" > "$T/fake.code"
	attempt "f10-$code" f10fake alice none
	expect "F10: helper error $code -> PAM_SERVICE_ERR" 1 "$SERVICE" "detail=$code: injected"
done
# Genuine reachability stays PAM_AUTHINFO_UNAVAIL (the fallback is meant
# for that).
for code in idp_unreachable timeout http_status; do
	echo "$code" > "$T/fake.code"
	attempt "f10-$code" f10fake alice none
	expect "F10: helper error $code -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" "reason=idp_unavailable"
done

[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
