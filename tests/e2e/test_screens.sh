#!/bin/bash
# What the person at the prompt sees, captured on real terminals (expect,
# inside the private world: ptys from its own devpts, so /dev/pts/0) for
# ssh, sudo, su and a console login, each approved, denied, expired and
# with the IdP going away after the code was shown. The screens, with
# codes, ports, times, durations and the host name normalised, must equal
# doc/screens/*.txt; `make screens` (SCREENS_UPDATE=1) writes them anew.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; sshd_stop; cleanup' EXIT

SCREENS=$top_srcdir/doc/screens
UPDATE=${SCREENS_UPDATE:-}
[ -n "$UPDATE" ] && mkdir -p "$SCREENS"

idp_a
ISSE=$(idp_start idpE OP_INTERVAL=1 OP_DEVICE_TTL=3) || { t_fail "start IdP E" "$(cat "$T/idpE/op.log")"; t_done; }
ISSD=$(idp_start idpD OP_INTERVAL=1) || { t_fail "start IdP D" "$(cat "$T/idpD/op.log")"; t_done; }
PORTD=${ISSD##*:}
e2e_world <<EOT
timeout = 30
qr = no
reuse = none
EOT
# One configuration per IdP: the normal one, the one whose codes live 3 s
# (expire) and the one that goes away (down).
sed "s#^issuer = .*#issuer = $ISSE#; s#^ca_file = .*#ca_file = $T/idpE/ca.pem#" "$CONF" > "$T/conf-expire"
sed "s#^issuer = .*#issuer = $ISSD#; s#^ca_file = .*#ca_file = $T/idpD/ca.pem#" "$CONF" > "$T/conf-down"
cp "$CONF" "$T/conf-approve"; cp "$CONF" "$T/conf-deny"
chmod 644 "$T"/conf-*
# A console login with nothing but the sign-in: no motd, no last login.
touch "$NS/home/alice/.hushlogin"

# stack MODE: every caller's PAM stack on that mode's configuration;
# sudo, su and login show information at once (prompt = auto).
stack() {
	for svc in sshd sudo su login; do
		arg=
		[ $svc != sshd ] && arg=" prompt=auto"
		cat > "$NS/pam.d/$svc" <<EOT
auth     required  $MODULE config=$T/conf-$1$arg
account  required  pam_permit.so
session  required  pam_permit.so
password required  pam_deny.so
EOT
	done
}

sshd_start
HOST=$(hostname)
# normalise: what changes from run to run, from host to host.
normalise() {
	tr -d '\r' | sed -E \
		-e 's/[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}/XXXX-XXXX/g' \
		-e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' \
		-e 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/HH:MM:SS/g' \
		-e 's/\(([0-9]+) s\)/(N s)/g; s/\(([0-9]+) s left\)/(N s left)/g' \
		-e "s/ on $HOST / on HOST /g; s/^$HOST login: /HOST login: /" \
		-e '/^spawn /d' -e '$a\'
}

# capture CALLER MODE CMD...: one screen, as the person sees it.
capture() {
	local caller=$1 how=$2 idp=A rc ms t0 file oldpid
	shift 2
	case $how in expire) idp=E ;; down) idp=D ;; esac
	oldpid=$(cat "$T/idpD/pid")
	stack "$how"
	t0=$(now_ms)
	ns_run expect "$E2E/screen.exp" "$how" alice "$T/idp$idp" "$IDP/approve.sh" "$IDP/stop.sh $T/idpD" "$@" \
		> "$T/screen.raw" 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	{ echo "\$ $SHOWN"; normalise < "$T/screen.raw"; } > "$T/screen.txt"
	file=$caller-$how.txt
	if [ "$how" = down ]; then
		# The IdP comes back for the next screen, at the same address.
		for _ in $(seq 100); do kill -0 "$oldpid" 2> /dev/null || break; sleep 0.05; done
		idp_start idpD OP_INTERVAL=1 OP_PORT="$PORTD" > /dev/null ||
			{ t_fail "restart IdP D" "$(tail -5 "$T/idpD/op.log")"; t_done; }
	fi
	if grep -q TIMEOUT "$T/screen.raw"; then
		t_fail "$file: the screen never settled (expect timed out)" "$(tail -5 "$T/screen.raw")"
	elif [ -n "$UPDATE" ]; then
		cp "$T/screen.txt" "$SCREENS/$file"
		t_pass "$file written (rc $rc, ${ms} ms)"
	elif diff -u "$SCREENS/$file" "$T/screen.txt" > "$T/screen.diff"; then
		t_pass "$file as in doc/screens (rc $rc, ${ms} ms)"
	else
		t_fail "$file differs from doc/screens ('make screens' writes it anew)" "$(cat "$T/screen.diff")"
	fi
}

for mode in approve deny expire down; do
	SHOWN="ssh alice@127.0.0.1 id -un"
	capture ssh $mode $SSH alice@127.0.0.1 id -un
	SHOWN="sudo id -u"
	capture sudo $mode setpriv --reuid=$ALICE_UID --regid=$ALICE_UID --init-groups sudo -k id -u
	SHOWN="su alice -c 'id -un'"
	capture su $mode setpriv --reuid=$BOB_UID --regid=$BOB_UID --init-groups su alice -c 'id -un'
	SHOWN="login"
	capture login $mode login
done

# The README shows one screen as it is.
sed -n '/waits and how it ended/,/^sshd shows nothing/p' "$top_srcdir/README.md" | sed '1,2d;$d' | sed '$d' > "$T/readme-screen"
if diff -u "$SCREENS/su-deny.txt" "$T/readme-screen" > "$T/readme.diff"; then t_pass "README.md shows doc/screens/su-deny.txt as it is"
else t_fail "README.md's screen differs from doc/screens/su-deny.txt" "$(cat "$T/readme.diff")"; fi

[ -z "$(helper_pids)" ] && t_pass "no leftover helper" || t_fail "no leftover helper" "$(helper_pids)"
t_done
