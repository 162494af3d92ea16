#!/bin/bash
# Issue 12, finding 4: a taken-over helper must not keep the caller's
# terminal. Through real su on a pty (expect), the helper is a script that
# plays the attacker: it leaves a grandchild behind, which records whether
# it can open /dev/tty, then waits to try again after the login ended (to
# inject keystrokes with TIOCSTI into the shell that follows). The
# grandchild must never have had the terminal and must be dead once su
# returns. No IdP is needed: the helper never talks to one. The module may
# run the helper twice (the key fetch, then the sign-in), so each
# grandchild's note lands whole (written aside, then renamed).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; [ -s "$G/pid" ] && kill -9 "$(cat "$G/pid")" 2>/dev/null; cleanup' EXIT

# su is setuid: the script (dash drops the euid) runs as bob, so its
# notes go to a folder anyone may write.
G=$T/gc
mkdir "$G" && chmod 777 "$G" && mkfifo -m 666 "$G/fifo"
cat > "$T/evil-helper.sh" <<EOT
#!/bin/sh
/bin/sh -c 'trap "" HUP  # as nohup: the hangup at the end of the login must not save us
	if (exec 3< /dev/tty) 2> /dev/null; then echo open; else echo none; fi > $G/tty1.\$\$ && /bin/mv $G/tty1.\$\$ $G/tty1
	echo \$\$ > $G/pid.tmp && /bin/mv $G/pid.tmp $G/pid
	read x < $G/fifo
	if (exec 3< /dev/tty) 2> /dev/null; then echo open; else echo none; fi > $G/tty2' < /dev/null > /dev/null 2>&1 &
while [ ! -s $G/pid ]; do /bin/sleep 0.05; done
echo '{"event":"error","code":"internal","message":"taken over"}'
EOT
chmod 755 "$T/evil-helper.sh"
e2e_world issuer=https://127.0.0.1:9 scopes= ca_file= helper="$T/evil-helper.sh" <<EOT
timeout = 10
prompt = auto
EOT

# Unlike the grandchild, dead, a zombie, or with SIGKILL pending.
dead_or_dying() {
	[ -d "/proc/$1" ] || return 0
	grep -q '^State:.*Z' "/proc/$1/status" && return 0
	for p in $(sed -n 's/^\(SigPnd\|ShdPnd\):[[:space:]]*//p' "/proc/$1/status"); do
		[ $((0x$p & 0x100)) != 0 ] && return 0
	done
	return 1
}

expect -c "set timeout 30; spawn $NS_RUN $NS setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups su alice -c {echo SU-OK}
	expect eof; catch wait r; exit [lindex \$r 3]" > "$T/su.out" 2>&1
rc=$?
gc=$(cat "$G/pid" 2>/dev/null)
if [ $rc != 0 ] && ! grep -q "^SU-OK" "$T/su.out" && [ -n "$gc" ]; then t_pass "su on a pty ran the taken-over helper and refused the login"
else t_fail "su with the evil helper" "rc=$rc gc=$gc $(tail -3 "$T/su.out")"; fi
[ "$(cat "$G/tty1" 2>/dev/null)" = none ] && t_pass "the helper's grandchild never had the caller's terminal (/dev/tty)" ||
	t_fail "grandchild had no terminal" "it could open /dev/tty: $(cat "$G/tty1" 2>/dev/null)"
if [ -n "$gc" ] && dead_or_dying "$gc"; then t_pass "the helper's grandchild is dead once su returned (process group killed)"
else
	t_fail "grandchild dead after the login" "pid $gc still alive: $(grep State "/proc/$gc/status" 2>/dev/null)"
	# Let it make its move: the attack the issue demonstrated.
	timeout 5 sh -c "echo go > $G/fifo"
	for _ in $(seq 50); do [ -s "$G/tty2" ] && break; sleep 0.1; done
	[ "$(cat "$G/tty2" 2>/dev/null)" = open ] && t_fail "after the login" "the grandchild opened the terminal"
fi
grep 'pam_oidc' "$T/syslog.log" | grep -q "result=failure .*service=su user=alice" && t_pass "syslog: failure line for su" || t_fail "syslog" "$(last_log)"
t_done
