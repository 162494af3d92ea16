#!/bin/bash
# Issue 13, item 1: one decision path. The same bad inputs (forged tokens
# from a lying helper) go through the module (pamtester in the namespace)
# and through pam-oidc login; both must name the same reason (the module's
# reason= in syslog, the CLI's "reason=" line) and answer with the
# documented codes: pam_oidc(8) for PAM, pam-oidc(8) for the exit status
# (1 rejected, 2 configuration).
. "$top_srcdir/tests/e2e/liar-lib.sh"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@legit.jwks"}'

fake_conf < /dev/null
ns_setup "$CONF"
AUTHERR="Authentication failure"
SERVICE="Error in service module"
DIRECT=$T/pam_oidc.conf

# run_both NAME USER TOKEN PAM_MSG CLI_RC REASON: one forged token through
# the module (as USER) and through pam-oidc login --user USER.
run_both() {
	name=$1 user=$2 tok=$3 pam_msg=$4 cli_rc=$5 reason=$6
	case "$tok" in
	'{'*) ev "$T/login.ev" "$tok" ;;   # an event instead of a token
	*) ev "$T/login.ev" '{"event":"metadata","discovery":'"$DISC"'}' '{"event":"tokens","id_token":"'"$tok"'"}' ;;
	esac
	ns_run $SAN_ENV pamtester -I tty=pts/5 oidctest "$user" authenticate < /dev/null > "$T/pam.out" 2>&1
	prc=$?
	log=$(last_log)
	# No $SAN_ENV: in the sanitizer build the CLI carries its own runtime.
	ns_run "$CLI" login --config "$CONF" --user "$user" < /dev/null > "$T/cli.out" 2> "$T/cli.err"
	crc=$?
	cli_reason=$(sed -n 's/^pam-oidc: reason=//p' "$T/cli.err" | tail -1)
	pam_reason=$(printf '%s\n' "$log" | sed -n 's/.* reason=\([a-z_]*\) .*/\1/p')
	if [ "$prc" = 1 ] && grep -q "$pam_msg" "$T/pam.out" && [ "$crc" = "$cli_rc" ] &&
		[ "$pam_reason" = "$reason" ] && [ "$cli_reason" = "$reason" ]; then
		t_pass "$name: module and CLI both say $reason ($pam_msg / exit $cli_rc)"
	else
		t_fail "$name" "pam rc=$prc reason=$pam_reason out='$(tr '\n' ' ' < "$T/pam.out")' log='$log'; cli rc=$crc reason=$cli_reason err='$(tr '\n' ' ' < "$T/cli.err")'"
	fi
}

NOW=$(date +%s)
good=$(token legit "$NOW" $((NOW + 3600)))

# The control: the same token admits alice in both.
ev "$T/login.ev" '{"event":"metadata","discovery":'"$DISC"'}' '{"event":"tokens","id_token":"'"$good"'"}'
ns_run $SAN_ENV pamtester -I tty=pts/5 oidctest alice authenticate < /dev/null > "$T/pam.out" 2>&1
prc=$?
ns_run "$CLI" login --config "$CONF" --user alice < /dev/null > "$T/cli.out" 2> "$T/cli.err"
crc=$?
if [ $prc = 0 ] && [ $crc = 0 ] && grep -q "reason=ok" <<< "$(last_log)" && grep -q "local user alice" "$T/cli.out"; then
	t_pass "control: a genuine token admits alice in the module and in the CLI"
else
	t_fail "control" "pam rc=$prc cli rc=$crc log='$(last_log)' err='$(cat "$T/cli.err")'"
fi

run_both "token for alice, login as bob" bob "$good" "$AUTHERR" 1 user_mismatch
run_both "token signed by an unknown key" alice "$(token rogue "$NOW" $((NOW + 3600)))" "$AUTHERR" 1 key_not_found
run_both "expired token" alice "$(token legit "$NOW" $((NOW - 600)))" "$AUTHERR" 1 expired
run_both "token for daemon (a system account)" daemon "$($FORGE token "$T" legit "$ISS" pam-oidc daemon "$NOW" \
	$((NOW + 3600)))" "$AUTHERR" 1 policy_denied

run_both "the person denied the sign-in" alice '{"event":"error","code":"access_denied","message":"no"}' \
	"$AUTHERR" 1 access_denied

echo "allowed_users = bob" | fake_conf
run_both "allowed_users refuses alice" alice "$good" "$AUTHERR" 1 policy_denied

# The disagreement issue 13 found: a broken map_file is the administrator's
# to fix (PAM_SERVICE_ERR, exit 2), not a rejected person.
printf 'sub-alice bad/name\n' > "$T/users.map"
chmod 644 "$T/users.map"
printf 'username_claim = sub\nmap_file = %s\n' "$T/users.map" | fake_conf
run_both "a map_file with a malformed line" alice "$good" "$SERVICE" 2 config_error
# ... and a name the map does not list is the person's: rejected in both.
printf 'sub-bob bob\n' > "$T/users.map"
run_both "a token the map_file does not list" alice "$good" "$AUTHERR" 1 user_mismatch

t_done
