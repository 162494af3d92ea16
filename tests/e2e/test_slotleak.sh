#!/bin/bash
# Found by an outside review of issue 12 (finding 12): an ssh client that
# disconnects during a device flow
# gets sshd's PAM process killed with SIGTERM (auth-pam.c: the PAM
# "thread" is a forked child, cancelled by kill(SIGTERM)); ratelimit_release
# never runs, so the flock goes but the slot files stay under
# /run/pam_oidc/flows. The user-<hash> name comes from the typed user name
# (unknown users take slots too), so a remote client with no account leaks
# one file per made-up name: unbounded inodes in /run. Now every take
# sweeps the slots nobody holds: the folder holds the live flows and at
# most the last one that died.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap '[ -s "$T/askpass.pids" ] && kill $(cat "$T/askpass.pids") 2>/dev/null; ns_cleanup; sshd_stop; cleanup' EXIT

idp_a
e2e_world <<EOT
timeout = 30
reuse = none
EOT

sshd_start
# askpass: log the prompt, then hang (the client is killed at the prompt).
cat > "$T/hang-askpass.sh" <<EOT
#!/bin/sh
printf '%s\n---\n' "\$1" >> "\$ASKPASS_LOG"
echo \$\$ >> $T/askpass.pids
exec sleep 60
EOT
chmod 755 "$T/hang-askpass.sh"

# try USER: connect, wait for the code prompt, kill the client.
try() {
	log=$T/$1.askpass; rm -f "$log"
	ASKPASS_LOG=$log SSH_ASKPASS=$T/hang-askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		setsid $SSH "$1@127.0.0.1" true < /dev/null > /dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q "enter the code" "$log" 2>/dev/null && break; sleep 0.05; done
	kill "$pid"; wait "$pid" 2>/dev/null

}
FL=$NS/run/pam_oidc/flows
for u in ghost1 ghost2 ghost3 ghost4 ghost5 alice; do try "$u"; done
sleep 2
ls -l "$FL" > "$T/flows.ls" 2>&1
n=$(ls "$FL" 2>/dev/null | grep -c '^user-')
[ "$n" -le 1 ] && t_pass "6 clients with 6 names went away: $n user slot file left (not one per name)" ||
	t_fail "slot files leaked after clients disconnected ($n user-* files for 6 names)" "$(cat "$T/flows.ls")"
t_done
