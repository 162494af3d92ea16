#!/bin/bash
# The bad-input matrix at the module's edges, through pamtester in a private
# mount namespace: a helper that misbehaves at every step of the protocol
# (dies, hangs, sends garbage, oversized or forged messages), hostile user
# names, and every invalid form of a module argument. Each case must end
# with a clear PAM error and one syslog line, within its timeout, with no
# session record written and no process left behind.
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

# A helper that misbehaves on purpose; the module starts it with an empty
# environment, so its mode comes from a file.
FAKE=$T/fake-helper.sh
cat > "$FAKE" <<EOT
#!/bin/sh
read -r req || exit 3
echo started >> $T/fake.count
mode=\$(cat $T/fake.mode)
case "\$req" in *'"op":"fetch"'*) exit 1 ;; esac
dev='{"event":"device","verification_uri":"https://127.0.0.1:1/device","user_code":"ABCD-EFGH","expires_in":600,"interval":1}'
case \$mode in
exit0) exit 0 ;;
exit1) exit 1 ;;
garbage) echo 'this is not json'; exec sleep 20.0417 ;;
notobject) echo '["event","device"]'; exec sleep 20.0417 ;;
huge) head -c 5000000 /dev/zero | tr '\\0' a; exec sleep 20.0417 ;;
unknown) echo '{"event":"shell","cmd":"id"}'; exec sleep 20.0417 ;;
httpuri) echo '{"event":"device","verification_uri":"http://evil.test/","user_code":"AB","expires_in":600,"interval":1}'; exec sleep 20.0417 ;;
longcode) printf '{"event":"device","verification_uri":"https://127.0.0.1:1/d","user_code":"%0100d","expires_in":600,"interval":1}\n' 0; exec sleep 20.0417 ;;
escape) echo '{"event":"device","verification_uri":"https://127.0.0.1:1/d","user_code":"\\u001b]0;pwned\\u0007\\u001b[2J","expires_in":600,"interval":1}'; exec sleep 20.0417 ;;
die_at_start) kill -9 \$\$ ;;
die_after_device) echo "\$dev"; sleep 1; kill -9 \$\$ ;;
die_after_pending) echo "\$dev"; echo '{"event":"pending","interval":1,"polls":1}'; sleep 1; kill -9 \$\$ ;;
close_after_device) echo "\$dev"; exec 1>&-; exec sleep 20.0417 ;;
hang) exec sleep 60.0417 ;;
hang_after_device) echo "\$dev"; exec sleep 60.0417 ;;
error_event) echo "\$dev"; echo '{"event":"error","code":"access_denied","message":"denied \\u001b[31m"}'; exec sleep 20.0417 ;;
tokens_bad_type) echo "\$dev"; echo '{"event":"tokens","id_token":42}'; exec sleep 20.0417 ;;
tokens_unsigned) echo "\$dev"; echo '{"event":"tokens","id_token":"eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovLzEyNy4wLjAuMToxIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJwYW0tb2lkYyIsImV4cCI6NDEwMjQ0NDgwMCwiaWF0IjoxNzAwMDAwMDAwLCJwcmVmZXJyZWRfdXNlcm5hbWUiOiJhbGljZSJ9."}'; exec sleep 20.0417 ;;
tokens_none) echo "\$dev"; echo '{"event":"tokens"}'; exec sleep 20.0417 ;;
esac
exit 2
EOT
chmod 755 "$FAKE"
: > "$T/fake.count"

fake_conf issuer=https://127.0.0.1:1 < /dev/null
ns_setup "$CONF"
RECS=$NS/run/pam_oidc/sessions

# The fakes sleep for an odd time, so that no other suite's sleep counts.
fakes() { for p in /proc/[0-9]*; do tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q "^/bin/sh $FAKE\|^sleep [26]0\.0417" && echo "${p#/proc/}"; done; }
records() { find "$RECS" -name '*.json' 2>/dev/null | wc -l; }

# helper_case MODE WANT_RC PAM_TEXT LOG_TEXT LIMIT_S
helper_case() {
	echo "$1" > "$T/fake.mode"
	n0=$(records)
	t0=$(now_ms)
	ns_run $SAN_ENV pamtester -I tty=pts/5 oidctest alice authenticate < /dev/null > "$T/$1.out" 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	sleep 0.2
	log=$(last_log)
	left=$(fakes)
	if [ $rc = "$2" ] && grep -q "$3" "$T/$1.out" && case "$log" in *"$4"*) true ;; *) false ;; esac &&
		[ "$(records)" = "$n0" ] && [ $ms -le $(($5 * 1000 + SLACK_MS)) ] && [ -z "$left" ]; then
		t_pass "helper $1 -> $4 in ${ms} ms, no record, nothing left"
	else
		t_fail "helper $1" "rc=$rc ms=$ms records=$(records)/$n0 left='$left' log='$log' out=$(tail -3 "$T/$1.out")"
		[ -n "$left" ] && kill -9 $left 2>/dev/null
	fi
}
UNAVAIL="Authentication service cannot retrieve authentication info"
# A helper that dies or breaks the protocol is not proof that the IdP is
# down: a service error, never the password fallback (issue 12).
SERVICE="Error in service module"
helper_case exit0 1 "$SERVICE" "reason=internal_error service=oidctest user=alice" 3
helper_case exit1 1 "$SERVICE" "reason=internal_error" 3
helper_case die_at_start 1 "$SERVICE" "reason=internal_error" 3
helper_case garbage 1 "$SERVICE" "the helper sent an unreadable message" 3
helper_case notobject 1 "$SERVICE" "reason=internal_error" 3
helper_case huge 1 "$SERVICE" "the helper sent an unreadable message (message longer than" 5
helper_case unknown 1 "$SERVICE" "helper sent an unknown event" 3
helper_case httpuri 1 "$SERVICE" "helper sent a malformed device event" 3
helper_case longcode 1 "$SERVICE" "helper sent a malformed device event" 3
helper_case hang 1 "$UNAVAIL" "reason=idp_unavailable" 11
helper_case die_after_device 1 "$SERVICE" "reason=internal_error" 4
helper_case die_after_pending 1 "$SERVICE" "reason=internal_error" 4
helper_case close_after_device 1 "$SERVICE" "reason=internal_error" 4
helper_case hang_after_device 1 "Authentication failure\|$UNAVAIL\|$SERVICE" "result=failure" 12
helper_case error_event 1 "Authentication failure" "reason=access_denied" 3
helper_case tokens_bad_type 1 "$SERVICE" "helper sent a malformed tokens event" 3
helper_case tokens_none 1 "Authentication failure\|$UNAVAIL\|$SERVICE" "result=failure" 3
helper_case tokens_unsigned 1 "Authentication failure\|$UNAVAIL\|$SERVICE" "result=failure" 3
# What the IdP (through the helper) says is shown without control bytes.
helper_case escape 1 "Authentication failure\|$UNAVAIL\|$SERVICE" "result=failure" 12
if grep -q "$(printf '\033')\|$(printf '\007')" "$T/escape.out" "$T/error_event.out" "$T/syslog.log"; then
	t_fail "control bytes from the helper never reach the terminal or syslog" "found"
else
	t_pass "control bytes from the helper never reach the terminal or syslog"
fi
[ "$(records)" = 0 ] && t_pass "no session record after any helper fault" || t_fail "records" "$(records)"

# Hostile user names: refused before any helper starts, never echoed.
echo exit0 > "$T/fake.mode"
name_case() { # label name
	n0=$(wc -l < "$T/fake.count")
	ns_run $SAN_ENV pamtester oidctest "$2" authenticate < /dev/null > "$T/name.out" 2>&1
	rc=$?
	log=$(last_log)
	if [ $rc = 1 ] && grep -q "User not known" "$T/name.out" &&
		case "$log" in *"reason=invalid_user_name service=oidctest user=(invalid)"*) true ;; *) false ;; esac &&
		[ "$(wc -l < "$T/fake.count")" = "$n0" ]; then
		t_pass "user name $1 -> PAM_USER_UNKNOWN, not echoed, no helper"
	else
		t_fail "user name $1" "rc=$rc log='$log' helpers=$(wc -l < "$T/fake.count")/$n0 $(tail -2 "$T/name.out")"
	fi
}
name_case "300 bytes long" "$(printf 'a%.0s' $(seq 300))"
name_case "with a slash" "alice/../root"
name_case "dot-dot" ".."
name_case "with a newline" "$(printf 'alice\nroot')"
name_case "with a control byte" "$(printf 'ali\001ce')"
name_case "with an escape" "$(printf 'alice\033[2J')"
name_case "with a space" "alice root"
name_case "non-UTF-8" "$(printf 'al\377ice')"
name_case "leading dash" "-alice"

# Invalid module arguments: PAM_SERVICE_ERR and a syslog line naming them.
arg_case() { # label args want-in-log
	printf 'auth required %s config=%s %s\naccount required pam_permit.so\n' "$MODULE" "$CONF" "$2" \
		> "$NS/pam.d/oidcargs"
	n0=$(wc -l < "$T/fake.count")
	ns_run $SAN_ENV pamtester oidcargs alice authenticate < /dev/null > "$T/arg.out" 2>&1
	rc=$?
	log=$(last_log)
	if [ $rc = 1 ] && grep -q "System error\|service module" "$T/arg.out" &&
		case "$log" in *"$3"*) true ;; *) false ;; esac && [ "$(wc -l < "$T/fake.count")" = "$n0" ]; then
		t_pass "module argument $1 -> PAM_SERVICE_ERR, named in syslog"
	else
		t_fail "module argument $1" "rc=$rc log='$log' $(tail -2 "$T/arg.out")"
	fi
}
arg_case "unknown key" "frobnicate=1" 'unknown key "frobnicate"'
arg_case "bare word" "frobnicate" 'argument "frobnicate" is not key=value'
arg_case "empty key" "=1" "has no valid key"
arg_case "empty value" "timeout=" "timeout has an empty value"
arg_case "bad number" "timeout=ten" "timeout must be"
arg_case "out of range" "timeout=100000" "timeout must be"
arg_case "bad enum" "prompt=sometimes" "prompt"
arg_case "relative path" "helper=pam_oidc_helper" "absolute path"
arg_case "missing config file" "config=/nonexistent/pam_oidc.conf" "cannot open /nonexistent/pam_oidc.conf"
t_done
