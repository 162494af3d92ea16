#!/bin/bash
# Issue 17: a caller with no one to see the code (no conversation function;
# or su, sudo, login with no terminal and no remote client: cron, a script
# piping into su) fails at once with PAM_AUTHINFO_UNAVAIL and a syslog
# reason, and no device flow starts; the callers a person sits at (sshd's
# keyboard-interactive, su on a terminal, pamtester) still sign in. And an
# IdP that stops answering after the code was shown is unreachable, not
# "not approved in time".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; cleanup' EXIT

idp_a
helper_counter
e2e_world helper="$T/helper-count.sh" <<EOT
timeout = 30
reuse = none
EOT
# su, sudo and pamtester show information at once; sshd keeps the Enter prompt.
for svc in oidctest su sudo; do sed -i "s#config=$CONF\$#config=$CONF prompt=auto#" "$NS/pam.d/$svc"; done

# --- prompt = auto: the countdown (in the background while the rest runs) ----
# Its own IdP: the one of the rest goes away below.
ISSW=$(idp_start idpW OP_INTERVAL=1) || { t_fail "start IdP W" "$(cat "$T/idpW/op.log")"; t_done; }
sed "s#^issuer = .*#issuer = $ISSW#; s#^ca_file = .*#ca_file = $T/idpW/ca.pem#; s#^helper = .*#helper = $HELPER#" "$CONF" > "$T/conf-wait"
chmod 644 "$T/conf-wait"
sed "s#config=$CONF prompt=auto\$#config=$T/conf-wait prompt=auto timeout=40#" "$NS/pam.d/oidctest" > "$NS/pam.d/oidcwait"
"$NS_RUN" "$NS" $SAN_ENV stdbuf -oL pamtester oidcwait alice authenticate < /dev/null > "$T/wait.out" 2>&1 &
WAIT_PID=$!

# --- su from a pipe, no controlling terminal (cron, a script) ---------------
n0=$(helpers)
t0=$(now_ms)
ns_run setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups setsid -w sh -c 'echo | su - alice -c true' \
	< /dev/null > "$T/pipe.out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
if [ $rc != 0 ] && [ $ms -lt 5000 ] && [ "$(helpers)" = "$n0" ] && ! grep -q "enter the code" "$T/pipe.out"; then
	t_pass "echo | su - alice from no terminal: refused at once (${ms} ms), no helper, no code"
else
	t_fail "su from a pipe" "rc=$rc ${ms} ms helpers $n0->$(helpers): $(cat "$T/pipe.out")"
fi
check_log "...syslog: reason=no_one_to_see, rhost=- tty=-" "reason=no_one_to_see service=su-l user=alice mapped=- iss=- sub=- rhost=- tty=- "
grep -q "su: Authentication service cannot retrieve authentication info" "$T/pipe.out" &&
	t_pass "...su reports PAM_AUTHINFO_UNAVAIL" || t_fail "su's PAM code" "$(cat "$T/pipe.out")"
# The same from su without "-" (service su).
ns_run setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups setsid -w sh -c 'echo | su alice -c true' \
	< /dev/null > "$T/pipe2.out" 2>&1
check_log "...su without -: the same reason" "reason=no_one_to_see service=su user=alice"

# --- sudo -S from a script, no terminal --------------------------------------
t0=$(now_ms)
ns_run setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups setsid -w sh -c 'sudo -S -k true' \
	< /dev/null > "$T/sudo.out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
if [ $rc != 0 ] && [ $ms -lt 5000 ] && [ "$(helpers)" = "$n0" ]; then t_pass "sudo -S with no terminal: refused at once (${ms} ms)"
else t_fail "sudo -S no terminal" "rc=$rc ${ms} ms $(cat "$T/sudo.out")"; fi
check_log "...syslog: reason=no_one_to_see" "reason=no_one_to_see service=sudo user=alice"

# --- no conversation function --------------------------------------------------
if [ -x "$top_builddir/tests/e2e/nullconv" ]; then
	ns_run "$top_builddir/tests/e2e/nullconv" oidctest alice > "$T/null.out" 2>&1
	grep -q "pam_authenticate=9 " "$T/null.out" && t_pass "conv->conv NULL: PAM_AUTHINFO_UNAVAIL ($(cat "$T/null.out"))" ||
		t_fail "conv NULL" "$(cat "$T/null.out")"
	check_log "...syslog: no conversation function" "reason=no_one_to_see service=oidctest user=alice"
	# An unknown user gets the same answer (no flow, real or made up).
	ns_run "$top_builddir/tests/e2e/nullconv" oidctest nosuchuser > "$T/null2.out" 2>&1
	grep -q "pam_authenticate=9 " "$T/null2.out" && t_pass "...an unknown user: the same answer" || t_fail "conv NULL unknown" "$(cat "$T/null2.out")"
	check_log "...syslog: the same reason" "reason=no_one_to_see service=oidctest user=nosuchuser"
	[ "$(helpers)" = "$n0" ] && t_pass "...no helper ever started" || t_fail "helpers started" "$n0 -> $(helpers)"
else
	t_fail "nullconv" "tests/e2e/nullconv was not built"
fi

# --- who still signs in ------------------------------------------------------------
# su on a terminal (expect gives it a pty); it is a terminal service.
expect "$E2E/device.exp" auto alice "$A" "$IDP/approve.sh" \
	"$NS_RUN" "$NS" setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups su alice -c 'echo SU-OK $(id -un)' > "$T/su.out" 2>&1
grep -q "^SU-OK alice" "$T/su.out" && t_pass "su on a terminal still signs in" || t_fail "su on a terminal" "$(tail -5 "$T/su.out")"
# pamtester reading a pipe: another caller, whose output may reach a person.
flow_start pt alice ""
code=$(wait_for "$T/pt.out" 's/.*enter the code: //p') && "$IDP/approve.sh" "$A/ca.pem" "$ISS/device" "$code" alice > /dev/null 2>&1
wait "$PID_pt"; PRC=$?
check "pamtester from a pipe, no terminal, no rhost: still signs in" 0 "Signed in as alice" "$T/pt.out"
check_log "...syslog: rhost=- (unset), never an empty rhost=" "result=success reason=ok service=oidctest user=alice mapped=alice"
case "$(last_log)" in *"rhost=-"*"tty=-"*) t_pass "...rhost=- tty=-" ;; *) t_fail "rhost dash" "$(last_log)" ;; esac
grep 'pam_oidc' "$T/syslog.log" | grep -E ' [a-z_]+= |=$' && t_fail "an empty key= in syslog" "$(grep 'pam_oidc' "$T/syslog.log" | grep -E ' [a-z_]+= |=$')" ||
	t_pass "no syslog line has an empty key="
# sshd: a conversation (keyboard-interactive) and no terminal at auth time.
sshd_start
ASKPASS_LOG=$T/askpass.log ASKPASS_ACCOUNT=alice ASKPASS_MODE= APPROVE_SH=$IDP/approve.sh IDP_DIR=$A \
SSH_ASKPASS=$E2E/askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	timeout 60 setsid -w $SSH alice@127.0.0.1 'echo LOGIN-OK $(id -un)' < /dev/null > "$T/ssh.out" 2> "$T/ssh.err"
grep -q "LOGIN-OK alice" "$T/ssh.out" && t_pass "sshd (no terminal at auth time) still signs in" || t_fail "sshd" "$(cat "$T/ssh.err")"

# --- the IdP stops answering after the code was shown ----------------------------
# SIGSTOP: connections are accepted, nothing answers (a hung IdP); the
# helper's polls time out. Not "not approved in time": unreachable.
flow_start stall alice 127.0.0.1
wait_for "$T/stall.out" 's/.*enter the code: //p' > /dev/null
idp_pid=$(cat "$A/pid")
kill -STOP "$idp_pid"
t0=$(now_ms)
wait "$PID_stall"; PRC=$?
ms=$(($(now_ms) - t0))
kill -CONT "$idp_pid"
check "IdP hangs after the code: pamtester fails with PAM_AUTHINFO_UNAVAIL (${ms} ms)" 1 \
	"Authentication service cannot retrieve authentication info" "$T/stall.out"
grep -q "The identity provider cannot be reached right now." "$T/stall.out" && t_pass "...the person reads: cannot be reached" ||
	t_fail "stall message" "$(cat "$T/stall.out")"
check_log "...syslog: idp_unavailable, stopped answering" "reason=idp_unavailable"
case "$(last_log)" in *"stopped answering"*) t_pass "...detail: the identity provider stopped answering" ;;
	*) t_fail "stall detail" "$(last_log)" ;; esac
# Killed after the code: the helper's polls are refused.
flow_start killed alice 127.0.0.1
wait_for "$T/killed.out" 's/.*enter the code: //p' > /dev/null
"$IDP/stop.sh" "$A"
wait "$PID_killed"; PRC=$?
check "IdP killed after the code: PAM_AUTHINFO_UNAVAIL" 1 "Authentication service cannot retrieve authentication info" "$T/killed.out"
check_log "...syslog: idp_unavailable" "reason=idp_unavailable"

wait "$WAIT_PID"
n=$(grep -c "^Still waiting for approval ([0-9]* s left)\.$" "$T/wait.out")
if grep -q "^Waiting for approval until [0-9][0-9]:[0-9][0-9]:[0-9][0-9] (40 s)\.$" "$T/wait.out" && [ "$n" = 1 ] &&
	grep -q "^Still waiting for approval (1[0-9] s left)\.$" "$T/wait.out" &&
	tail -2 "$T/wait.out" | grep -q "The sign-in expired before it was approved."; then
	t_pass "prompt=auto, 40 s unanswered: 'Waiting ... until', one countdown at 30 s, then 'expired'"
else
	t_fail "prompt=auto countdown" "$n countdown lines: $(cat "$T/wait.out")"
fi

[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
