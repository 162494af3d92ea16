# The private world end-to-end tests run in: a mount namespace whose bind
# mounts give it its own pam.d, passwd/shadow/group/sudoers, /run, /var/log and a /dev whose
# /dev/log feeds $T/syslog.log. The host's files are never touched.
# Sourced after tests/integration/lib.sh.
MODULE=$top_builddir/pam/.libs/pam_oidc.so
# ns-run.sh installs the verification object where pam_oidc.so looks for
# it (a path compiled in, never configurable), in the namespace only.
PAM_OIDC_VERIFY_BUILT=$top_builddir/pam/.libs/pam_oidc_verify.so
PAM_OIDC_VERIFY_PATH=$(strings -n 8 "$MODULE" | grep -m1 '^/.*/pam_oidc_verify\.so$')
export PAM_OIDC_VERIFY_BUILT PAM_OIDC_VERIFY_PATH
NS=$T/ns
ALICE_UID=4242
BOB_UID=4243
# The helper's own system user (helper_user's default), which the Debian
# package creates; only the namespace's passwd gets it.
HELPER_UID=4249

# In the sanitizer build the module needs the ASan runtime in its caller.
# pamtester gets it preloaded ($SAN_ENV, put before pamtester or stdbuf);
# ASan or UBSan findings then exit 99, which no test expects. sshd, sudo,
# su and pam_wrapper cannot take it (setuid, or a preload of their own):
# suites that need them say so with E2E_PAMTESTER_ONLY unset and are
# skipped there; they run in the normal build.
SAN_ENV=
if [ -n "${PAM_OIDC_SANITIZE:-}" ]; then
	if [ -z "${E2E_PAMTESTER_ONLY:-}" ]; then
		echo "skipped in the sanitizer build (sshd, sudo, su and pam_wrapper cannot load an ASan module)" >&2
		exit 77
	fi
	san_rt=$(${CC:-clang} -print-file-name=libclang_rt.asan-x86_64.so)
	if [ ! -f "$san_rt" ]; then
		echo "the shared ASan runtime is missing (libclang-rt-14-dev)" >&2
		exit 1
	fi
	SAN_ENV="env LD_PRELOAD=$san_rt ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:exitcode=99:verify_asan_link_order=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99"
fi
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "end-to-end tests need root and mount namespaces" >&2
	[ "${PAM_OIDC_REQUIRE_IDP:-}" = 1 ] && exit 1
	exit 77
fi

# ns_setup CONFIG: builds $NS; every service authenticates with pam_oidc.
ns_setup() {
	conf=$1
	mkdir -p "$NS/pam.d" "$NS/etc" "$NS/home/alice" "$NS/home/bob" "$NS/run" "$NS/hostdev"
	chmod 755 "$NS" "$NS/home"
	cp -a /etc/pam.d/. "$NS/pam.d/"   # read only: seeds the copy bind-mounted in the namespace
	for svc in oidctest sshd sudo; do
		cat > "$NS/pam.d/$svc" <<EOT
auth     required  $MODULE config=$conf
account  required  pam_permit.so
session  required  pam_permit.so
password required  pam_deny.so
EOT
	done
	cat > "$NS/pam.d/su" <<EOT
auth     sufficient pam_rootok.so
auth     required   $MODULE config=$conf
account  required   pam_permit.so
session  required   pam_permit.so
EOT
	cp /etc/passwd /etc/shadow /etc/group "$NS/etc/"
	cp /etc/sudoers "$NS/etc/sudoers" 2>/dev/null || : > "$NS/etc/sudoers"
	echo "alice:x:$ALICE_UID:$ALICE_UID:Alice Test:$NS/home/alice:/bin/sh" >> "$NS/etc/passwd"
	echo "bob:x:$BOB_UID:$BOB_UID:Bob Test:$NS/home/bob:/bin/sh" >> "$NS/etc/passwd"
	echo "alice:*:19000:0:99999:7:::" >> "$NS/etc/shadow"
	echo "bob:*:19000:0:99999:7:::" >> "$NS/etc/shadow"
	echo "alice:x:$ALICE_UID:" >> "$NS/etc/group"
	echo "_pam_oidc:x:$HELPER_UID:$HELPER_UID:pam_oidc helper:/nonexistent:/usr/sbin/nologin" >> "$NS/etc/passwd"
	echo "_pam_oidc:x:$HELPER_UID:" >> "$NS/etc/group"
	echo "bob:x:$BOB_UID:" >> "$NS/etc/group"
	{
		echo 'Defaults passwd_tries=1'
		echo 'Defaults !lecture'
		echo 'alice ALL=(ALL:ALL) ALL'
		echo 'bob ALL=(ALL:ALL) ALL'
	} >> "$NS/etc/sudoers"
	chmod 0440 "$NS/etc/sudoers"
	chown $ALICE_UID:$ALICE_UID "$NS/home/alice"
	chown $BOB_UID:$BOB_UID "$NS/home/bob"
	python3 "$top_srcdir/tests/e2e/syslogd.py" "$NS/devlog" "$T/syslog.log" &
	SYSLOG_PID=$!
	for _ in $(seq 100); do [ -S "$NS/devlog" ] && break; sleep 0.02; done
}

ns_cleanup() { [ -n "${SYSLOG_PID:-}" ] && kill "$SYSLOG_PID" 2>/dev/null; }

# conf_write [KEY=VALUE...] < LINES: $CONF, readable by all: the lines most
# suites share, then the suite's own LINES (a here-document; < /dev/null
# for none). The shared lines are issuer ($ISS), client_id (pam-oidc),
# scopes (openid profile email), ca_file ($A/ca.pem) and helper ($HELPER);
# KEY=VALUE gives one of them another value, KEY= leaves it out.
CONF=$T/pam_oidc.conf
conf_write() {
	local issuer=$ISS client_id=pam-oidc scopes="openid profile email" ca_file=$A/ca.pem helper=$HELPER kv k
	for kv in "$@"; do
		k=${kv%%=*}
		case $k in
		issuer | client_id | scopes | ca_file | helper) printf -v "$k" '%s' "${kv#*=}" ;;
		*) echo "conf_write: no shared line $k" >&2; return 1 ;;
		esac
	done
	{
		for k in issuer client_id scopes ca_file helper; do
			[ -z "${!k}" ] || echo "$k = ${!k}"
		done
		cat
	} > "$CONF" && chmod 644 "$CONF"
}

# e2e_world [KEY=VALUE...] < LINES: conf_write, then the private world on $CONF.
e2e_world() { conf_write "$@" && ns_setup "$CONF"; }

# fake_conf [KEY=VALUE...] < LINES: conf_write for a suite whose helper is
# a fake ($FAKE) that talks to no IdP: no scopes or CA, a short timeout,
# prompt=auto and no session reuse, then LINES.
fake_conf() {
	{ printf '%s\n' "timeout = 10" "prompt = auto" "reuse = none"; cat; } |
		conf_write scopes= ca_file= helper="$FAKE" "$@"
}

# helper_counter: $T/helper-count.sh runs $HELPER and counts each start in
# $T/helper.count (helpers prints the count). The module may run as su and
# sudo do (real uid of the user, effective uid 0) and /bin/sh then drops to
# the real uid: the counter takes every user's lines.
helper_counter() {
	cat > "$T/helper-count.sh" <<EOT
#!/bin/sh
echo started >> $T/helper.count
exec $HELPER
EOT
	chmod 755 "$T/helper-count.sh"
	: > "$T/helper.count"
	chmod 666 "$T/helper.count"
}
helpers() { wc -l < "$T/helper.count"; }

# ns_run CMD...: runs CMD inside the private world.
E2E=$top_srcdir/tests/e2e
NS_RUN=$E2E/ns-run.sh
ns_run() { "$NS_RUN" "$NS" "$@"; }

# flow_start NAME USER RHOST: an attempt nobody approves, in the background,
# as sshd would make it (rhost set); its pid in PID_NAME and in PIDS.
# (ns-run.sh execs down to pamtester: $! is the attempt itself.)
PIDS=
flow_start() {
	"$NS_RUN" "$NS" $SAN_ENV stdbuf -oL pamtester -I rhost="$3" "oidctest" "$2" authenticate < /dev/null > "$T/$1.out" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
}
# flow_stop_all: kills every attempt in PIDS.
flow_stop_all() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=
}

# check NAME WANT_RC PATTERN FILE: the last attempt ($PRC) ended with
# WANT_RC and FILE (or FILE.err) says PATTERN.
check() {
	if [ "$PRC" = "$2" ] && cat "$4" "$4.err" 2>/dev/null | grep -q -- "$3"; then t_pass "$1"
	else t_fail "$1" "rc=$PRC want $2, no '$3' in: $(cat "$4" "$4.err" 2>/dev/null | tail -4)"; fi
}
# check_log NAME PATTERN: the last pam_oidc syslog line holds PATTERN.
check_log() {
	l=$(last_log)
	case "$l" in *$2*) t_pass "$1" ;; *) t_fail "$1" "syslog: $l" ;; esac
}

# The last pam_oidc line in the captured syslog.
last_log() { grep 'pam_oidc' "$T/syslog.log" | tail -1; }

# wait_for FILE PATTERN [tenths]: prints the first capture of a sed pattern.
wait_for() {
	i=0
	while [ $i -lt "${3:-150}" ]; do
		v=$(sed -n "$2" "$1" 2>/dev/null | head -1)
		[ -n "$v" ] && { echo "$v"; return 0; }
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# sshd_start: sshd in the private world on a random loopback port, PAM and
# keyboard-interactive only (test-infra.md); sets PORT, SSHD_PID and SSH
# (the client command line). Its log is $T/sshd.log.
sshd_start() {
	PORT=$((20000 + RANDOM % 20000))
	ssh-keygen -q -t ed25519 -N '' -f "$NS/hostkey"
	cat > "$NS/sshd_config" <<EOT
Port $PORT
ListenAddress 127.0.0.1
HostKey $NS/hostkey
PidFile $NS/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no
StrictModes no
LogLevel VERBOSE
EOT
	ns_run /usr/sbin/sshd -D -e -f "$NS/sshd_config" > "$T/sshd.log" 2>&1 &
	SSHD_PID=$!
	for _ in $(seq 100); do grep -q "Server listening" "$T/sshd.log" && break; sleep 0.05; done
	SSH="ssh -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1"
}

# sshd_stop: sshd runs behind ns-run's exec chain; stop it by its PidFile.
sshd_stop() { [ -s "$NS/sshd.pid" ] && kill "$(cat "$NS/sshd.pid")" 2>/dev/null; }
