#!/bin/bash
# pam_oidc.so under pamtester in a private mount namespace, against the real
# test IdP: the prompt, approval, denial, identity and policy failures, IdP
# down, expiry, and the one syslog line per attempt.
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

idp_a
e2e_world <<EOT
timeout = 30
# This suite is about the device flow itself: no session reuse.
reuse = none

[oidcauto]
prompt = auto

[oidcgroups]
prompt = auto
allowed_groups = admins

[oidcunknown]
prompt = auto
timeout = 10
EOT
cp "$NS/pam.d/oidctest" "$NS/pam.d/oidcauto"
cp "$NS/pam.d/oidctest" "$NS/pam.d/oidcgroups"
cp "$NS/pam.d/oidctest" "$NS/pam.d/oidcunknown"

# Module hygiene: only pam_sm_* exported, no libcurl.
syms=$(nm -D --defined-only "$MODULE" | awk '$2 == "T" {print $3}' | sort | tr '\n' ' ')
[ "$syms" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ] && t_pass "exports only pam_sm_*" || t_fail "exports" "$syms"
ldd "$MODULE" | grep -q curl && t_fail "no libcurl in the module" "$(ldd "$MODULE")" || t_pass "no libcurl in the module"

# pam_run NAME SERVICE USER ACCOUNT ACTION: ACTION is approve, deny, none,
# early (Enter before approving) or autoapprove (prompt=auto service).
pam_run() {
	name=$1; svc=$2; user=$3; account=$4; action=$5
	out=$T/$name.out
	rm -f "$T/$name.fifo"; mkfifo "$T/$name.fifo"
	exec 4<> "$T/$name.fifo"
	ns_run $SAN_ENV stdbuf -oL pamtester -I rhost=127.0.0.1 -I tty=pts/9 "$svc" "$user" authenticate < "$T/$name.fifo" > "$out" 2> "$out.err" &
	pid=$!
	if [ "$action" != none ]; then
		if code=$(wait_for "$out" 's/.*enter the code: //p'); then
			if [ "$action" = early ]; then
				printf '\n' >&4
				wait_for "$out" 's/.*\(Not approved yet\).*/\1/p' > /dev/null
			fi
			if [ "$action" = deny ]; then approve "$A" "$code" "$account" deny; else approve "$A" "$code" "$account"; fi
			[ "$svc" = oidctest ] && printf '\n' >&4
		fi
	fi
	wait $pid; PRC=$?
	exec 4>&-
}


pam_run approve oidctest alice alice approve
check "approve -> PAM_SUCCESS" 0 "successfully authenticated" "$T/approve.out"
grep -q "Sign-in requested for alice on .* (service oidctest, from 127.0.0.1)" "$T/approve.out" && t_pass "prompt names user, host, service, rhost" || t_fail "prompt header" "$(cat "$T/approve.out")"
grep -q "Press Enter after you have approved the sign-in" "$T/approve.out.err" && t_pass "Enter prompt shown" || t_fail "Enter prompt" "$(cat "$T/approve.out.err")"
check_log "syslog: success line" "result=success reason=ok service=oidctest user=alice mapped=alice iss=$ISS sub=alice rhost=127.0.0.1 tty=pts/9 session="

pam_run early oidctest alice alice early
check "Enter before approval -> told to wait, then success" 0 "successfully authenticated" "$T/early.out"
grep -q "Not approved yet (.* s left). Approve code" "$T/early.out" && t_pass "pending message" || t_fail "pending message" "$(cat "$T/early.out")"

pam_run auto oidcauto alice alice autoapprove
check "prompt=auto -> success without Enter" 0 "successfully authenticated" "$T/auto.out"
grep -q "Press Enter" "$T/auto.out.err" && t_fail "prompt=auto asks nothing" "asked" || t_pass "prompt=auto asks nothing"

pam_run deny oidcauto alice alice deny
check "deny -> PAM_AUTH_ERR" 1 "Authentication failure" "$T/deny.out"
grep -q "The sign-in was denied." "$T/deny.out"* && t_pass "deny message shown" || t_fail "deny message" "$(cat "$T/deny.out" "$T/deny.out.err")"
check_log "syslog: denied" "result=failure reason=access_denied service=oidcauto user=alice"

pam_run wrong oidcauto alice bob autoapprove
check "bob's token for alice -> PAM_AUTH_ERR" 1 "Authentication failure" "$T/wrong.out"
check_log "syslog names both users" "reason=user_mismatch service=oidcauto user=alice mapped=bob"

pam_run groups oidcgroups bob bob autoapprove
check "allowed_groups miss -> PAM_AUTH_ERR" 1 "Authentication failure" "$T/groups.out"
check_log "syslog names the policy rule" "reason=policy_denied"
pam_run groups2 oidcgroups alice alice autoapprove
check "allowed_groups hit -> success" 0 "successfully authenticated" "$T/groups2.out"

# An unknown user waits out a made-up code like a real one (issue 12,
# finding 11; tests/e2e/test_enum.sh attacks it over sshd).
pam_run unknown oidcunknown nosuchuser alice none
check "unknown local user -> made-up code, then PAM_USER_UNKNOWN" 1 "User not known" "$T/unknown.out"
grep -q "enter the code: [BCDFGHJKLMNPQRSTVWXZ]\{4\}-[BCDFGHJKLMNPQRSTVWXZ]\{4\}$" "$T/unknown.out" && grep -q "expired before it was approved" "$T/unknown.out"* && t_pass "unknown user: a code in the IdP's format, the same final message" || t_fail "unknown user flow" "$(cat "$T/unknown.out"*)"
check_log "syslog: unknown_user for the admin" "reason=unknown_user service=oidcunknown user=nosuchuser"
pam_run badname oidcauto '../etc' alice none
check "invalid user name -> PAM_USER_UNKNOWN" 1 "User not known" "$T/badname.out"
check_log "syslog: invalid name not echoed" "reason=invalid_user_name service=oidcauto user=(invalid)"

# Expiry: a second IdP whose device codes live 3 s.
B=$T/idpB
ISSB=$(idp_start idpB OP_INTERVAL=1 OP_DEVICE_TTL=3)
sed -e "s#$ISS#$ISSB#" -e "s#$A/ca.pem#$B/ca.pem#" "$CONF" > "$T/expire.conf"; chmod 644 "$T/expire.conf"
sed "s#config=$CONF#config=$T/expire.conf prompt=auto#" "$NS/pam.d/oidcauto" > "$NS/pam.d/oidcexpire"
pam_run expire oidcexpire alice alice none
check "expired code -> PAM_AUTH_ERR" 1 "Authentication failure" "$T/expire.out"
grep -q "expired before it was approved" "$T/expire.out"* && t_pass "expiry message shown" || t_fail "expiry message" "$(cat "$T/expire.out"*)"
check_log "syslog: expiry" "reason=login_expired"

# Broken configuration -> PAM_SERVICE_ERR, reason in syslog, nothing else.
printf 'issuer = %s\nclient_id = pam-oidc\ntimout = 5\n' "$ISS" > "$T/broken.conf"; chmod 644 "$T/broken.conf"
sed "s#config=$CONF#config=$T/broken.conf prompt=auto#" "$NS/pam.d/oidcauto" > "$NS/pam.d/oidcbroken"
pam_run broken oidcbroken alice alice none
check "config error -> PAM_SERVICE_ERR" 1 "System error\|service module" "$T/broken.out"
grep 'pam_oidc' "$T/syslog.log" | tail -1 | grep -q "configuration error: $T/broken.conf:3: unknown key \"timout\"" && t_pass "syslog names file, line and key" || t_fail "config syslog" "$(last_log)"

# IdP down -> PAM_AUTHINFO_UNAVAIL, fast.
"$IDP/stop.sh" "$A"
t0=$(now_ms)
pam_run down oidcauto alice alice none
ms=$(($(now_ms) - t0))
check "IdP down -> PAM_AUTHINFO_UNAVAIL (${ms} ms)" 1 "Authentication service cannot retrieve authentication info" "$T/down.out"
check_log "syslog: idp_unavailable" "reason=idp_unavailable"

# Nothing secret in any log line.
if grep -E 'eyJ[A-Za-z0-9_-]{10,}|device_code|refresh_token' "$T/syslog.log"; then t_fail "no token in syslog" "found"; else t_pass "no token in syslog"; fi
[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
