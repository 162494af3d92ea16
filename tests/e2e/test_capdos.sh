#!/bin/bash
# Found by an outside review of issue 12 (finding 12): the caps as a lever.
# Remote flows filling the per-user or total cap locked people out of their
# own local su/sudo/console; a link-local address with a zone id counted as
# a host of its own. Local callers are now never counted, and the zone id
# is dropped before the /64 is taken.
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'flow_stop_all; ns_cleanup; cleanup' EXIT

idp_a
e2e_world <<EOT
timeout = 60
prompt = auto
reuse = none
max_flows = 6
EOT
got_code() { wait_for "$T/$1.out" 's/.*enter the code: //p' > /dev/null; }
# (1) One remote host, three pre-auth flows for alice (defaults): alice's
#     own local sudo/su (no rhost) is refused for as long as they are held.
flow_start r1 alice 192.0.2.1; flow_start r2 alice 192.0.2.1; flow_start r3 alice 192.0.2.1
got_code r1; got_code r2; got_code r3
"$NS_RUN" "$NS" $SAN_ENV stdbuf -oL pamtester "oidctest" alice authenticate < /dev/null > "$T/local.out" 2>&1 &
LP=$!; PIDS="$PIDS $LP"
sleep 3
if grep -q "Too many sign-ins" "$T/local.out"; then
	t_fail "a single unauthenticated remote host locks alice out of her local sign-in" "$(cat "$T/local.out") | $(last_log)"
else t_pass "alice's local sign-in is not locked out by remote flows"; fi
flow_stop_all
# (2) Link-local with a zone id: every fe80::N%lo is its own "host" (the /64
#     rule is skipped because inet_pton refuses the zone id).
for k in 1 2 3 4 5 6; do flow_start z$k "ghost$k" "fe80::$k%lo"; done
n=0; for k in 1 2 3 4 5 6; do got_code z$k && n=$((n+1)); done
[ $n -le 4 ] && t_pass "fe80::/64 counts as one host" ||
	t_fail "zone-id rhosts dodge max_flows_per_host=4: $n flows from fe80::/64 got a code"
flow_stop_all
# (3) The total cap is shared by remote and local callers: made-up users from
#     two remote hosts fill max_flows (6 here, 32 by default) and bob's local
#     sign-in (su/sudo/console, no rhost) is refused.
for i in 1 2 3; do flow_start ta$i "nousera$i" 192.0.2.10; flow_start tb$i "nouserb$i" 198.51.100.10; done
for k in 1 2 3; do got_code ta$k; got_code tb$k; done
"$NS_RUN" "$NS" $SAN_ENV stdbuf -oL pamtester "oidctest" bob authenticate < /dev/null > "$T/localbob.out" 2>&1 &
PIDS="$PIDS $!"
sleep 3
if grep -q "Too many sign-ins" "$T/localbob.out"; then
	t_fail "remote made-up users fill max_flows and lock out bob's local sign-in" "$(cat "$T/localbob.out") | $(last_log)"
else t_pass "local sign-in is not locked out by remote flows (total cap)"; fi
flow_stop_all
t_done
