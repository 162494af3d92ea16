#!/bin/bash
# Issue 12, finding 12: caps on concurrent device flows, attacked through
# pamtester as sshd would be (rhost set): attempts that nobody approves
# (prompt=auto) hold their slots; the one over a cap is refused at once
# with a syslog line naming the cap while another host still gets a code;
# a killed attempt frees its slots; an unknown user's made-up flow takes a
# slot like a real one.
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'flow_stop_all; ns_cleanup; cleanup' EXIT

idp_a
e2e_world <<EOT
timeout = 20
prompt = auto
reuse = none
max_flows = 4
max_flows_per_host = 2
max_flows_per_user = 2
EOT

# waiting NAME: it shows a code (so it holds its slots) and is still waiting.
waiting() {
	if wait_for "$T/$1.out" 's/.*enter the code: //p' > /dev/null && kill -0 "$(eval echo \$PID_"$1")"; then t_pass "$2"
	else t_fail "$2" "$(cat "$T/$1.out")"; fi
}
# refused NAME CAP TEXT: ended without a code, with the syslog line naming CAP,
# while the attempts holding the slots (the rest of the args) still wait.
refused() {
	name=$1; cap=$2; what=$3; shift 3
	wait "$(eval echo \$PID_"$name")"; rc=$?
	alive=1
	for o in "$@"; do kill -0 "$(eval echo \$PID_"$o")" 2>/dev/null || alive=0; done
	if [ $rc = 1 ] && [ $alive = 1 ] && ! grep -q "enter the code" "$T/$name.out" &&
		grep -q "Too many sign-ins are in progress" "$T/$name.out" &&
		grep "pam_oidc" "$T/syslog.log" | grep "reason=too_many_flows" | grep -q "detail=$cap="; then t_pass "$what"
	else t_fail "$what" "rc=$rc others_waiting=$alive: $(tail -3 "$T/$name.out") | $(last_log)"; fi
}

flow_start a1 alice 192.0.2.1
flow_start a2 bob 192.0.2.1
waiting a1 "first attempt from a host gets a code"
waiting a2 "second attempt from the host gets a code"
flow_start a3 bob 192.0.2.1
refused a3 max_flows_per_host "third attempt from the host: refused at once, syslog names max_flows_per_host" a1 a2
flow_start a4 alice 2001:db8::1
waiting a4 "another host still gets a code"
flow_start a5 alice 198.51.100.7
refused a5 max_flows_per_user "third attempt for alice (from a fresh host): refused, syslog names max_flows_per_user" a1 a4
# The same IPv6 /64 is one host.
flow_start a5b bob 2001:db8::2
waiting a5b "2001:db8::2 gets a code (second flow of that /64)"
flow_start a5c bob 2001:db8::3
refused a5c max_flows_per_host "third address of the same IPv6 /64: refused as the same host" a4 a5b
kill -9 "$PID_a5b"; wait "$PID_a5b" 2>/dev/null

kill -9 "$PID_a1"; wait "$PID_a1" 2>/dev/null
flow_start a6 alice 192.0.2.1
waiting a6 "a killed attempt frees its host and user slots"
# Made-up flows of unknown users take slots like real ones.
flow_start a7 nosuchuser 203.0.113.5
waiting a7 "an unknown user's made-up flow is shown (and holds a slot)"
flow_start a8 bob 203.0.113.9
refused a8 max_flows "fifth flow in total: refused, syslog names max_flows" a2 a4 a6 a7

flow_stop_all
# Every slot is free again: the caps count live attempts only.
flow_start b1 alice 192.0.2.1
flow_start b2 bob 192.0.2.1
waiting b1 "after the attempts ended: the host's slots are free again"
waiting b2 "after the attempts ended: and the total's"
flow_stop_all
t_done
