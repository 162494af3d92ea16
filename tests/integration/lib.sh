# Shared set-up for suites that need the test IdP (tests/idp). Sourced.
. "$top_srcdir/tests/lib.sh"
CLI=$top_builddir/cli/pam-oidc
IDP=$top_srcdir/tests/idp

if [ ! -d "$IDP/node_modules/oidc-provider" ] || ! command -v node >/dev/null; then
	echo "the test IdP is not installed (scripts/install-deps.sh runs npm ci)" >&2
	[ "${PAM_OIDC_REQUIRE_IDP:-}" = 1 ] && exit 1
	exit 77
fi

T=$(mktemp -d /tmp/pam_oidc_test.XXXXXX)
chmod 755 "$T"
# A private copy of the helper: "no leftover helper" checks then see only
# this suite's processes, even with suites running in parallel.
cp "$top_builddir/helper/pam_oidc_helper" "$T/pam_oidc_helper"
HELPER=$T/pam_oidc_helper
# Slack on time limits for the helper's own start-up and exit.
SLACK_MS=1500
# HELPER_VALGRIND=1 (CI's valgrind stage): every helper run, by the suite,
# the CLI or the module, goes through valgrind; the suite then also fails
# on any memory error or definite leak. The helper keeps its path, so
# "no leftover helper" only sees valgrind's own executable and is weaker.
if [ -n "${HELPER_VALGRIND:-}" ]; then
	mv "$T/pam_oidc_helper" "$T/pam_oidc_helper.bin"
	cat > "$HELPER" <<EOF
#!/bin/sh
exec /usr/bin/valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	--log-file=$T/valgrind.%p.log $T/pam_oidc_helper.bin
EOF
	chmod 755 "$HELPER"
	SLACK_MS=15000
	t_before_done() {
		n=$(find "$T" -maxdepth 1 -name 'valgrind.*.log' | wc -l)
		bad=$(find "$T" -maxdepth 1 -name 'valgrind.*.log' -size +0 | head -1)
		if [ -n "$bad" ]; then t_fail "valgrind over the helper" "$(head -60 "$bad")"
		elif [ "$n" -eq 0 ]; then t_fail "valgrind over the helper" "no helper ran under valgrind"
		else t_pass "valgrind over the helper: $n runs, no memory error, no definite leak"; fi
	}
fi
BAD_PID=
cleanup() {
	for d in "$T"/idp*; do [ -d "$d" ] && "$IDP/stop.sh" "$d"; done
	[ -n "$BAD_PID" ] && kill "$BAD_PID" 2>/dev/null
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# bad_ca DIR: a CA of the bad server's own in DIR/ca.pem (d=DIR); then
# mkcert NAME SAN issues DIR/NAME.pem and DIR/NAME.key from it.
bad_ca() {
	d=$1; mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=bad CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
}
mkcert() { # name san
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "$2" > "$d/$1.ext"
	openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 1 \
		-extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# PIDs running this suite's helper copy, matched by executable: the module
# and the CLI start it with argv[0] "pam_oidc_helper", so a command-line
# match would never see them.
helper_pids() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$HELPER" ] && echo "${p#/proc/}"
	done
}

# helper_run REQUEST LIMIT_S: runs the suite's helper with REQUEST on its
# stdin, held open (as the module does), killed after LIMIT_S seconds; HRC
# exit code, HMS elapsed ms, output in $T/hout.
helper_run() {
	rm -f "$T/fifo"; mkfifo "$T/fifo"
	"$HELPER" < "$T/fifo" > "$T/hout" 2> "$T/herr" &
	hp=$!
	exec 3> "$T/fifo"
	t0=$(now_ms)
	printf '%s\n' "$1" >&3
	( sleep "$2"; kill -9 $hp 2>/dev/null ) & wd=$!
	wait $hp; HRC=$?
	HMS=$(($(now_ms) - t0))
	kill $wd 2>/dev/null; wait $wd 2>/dev/null
	exec 3>&-
}

no_leftover() { [ -z "$(helper_pids)" ]; }

# idp_start NAME [VAR=value...]: prints the issuer.
idp_start() {
	name=$1; shift
	# One retry: in CI a start was twice ended by a SIGTERM whose sender is
	# still unknown (see the closing note); the first failure stays visible.
	env "$@" "$IDP/start.sh" "$T/$name" && return 0
	echo "idp_start: $name failed once; retrying" >&2
	"$IDP/stop.sh" "$T/$name"
	env "$@" "$IDP/start.sh" "$T/$name"
}

# idp_a [VAR=value...]: the suite's IdP, idpA (its folder in A, its issuer
# in ISS), approving every second; the suite ends here if it cannot start.
idp_a() {
	A=$T/idpA
	ISS=$(idp_start idpA OP_INTERVAL=1 "$@") || { t_fail "start IdP" "$(cat "$A/op.log")"; t_done; }
}

# write_config FILE ISSUER IDPDIR CLIENT [extra lines...]
write_config() {
	f=$1; iss=$2; d=$3; client=$4; shift 4
	{
		echo "issuer = $iss"
		echo "client_id = $client"
		echo "scopes = openid profile email offline_access"
		echo "ca_file = $d/ca.pem"
		echo "helper = $HELPER"
		# These suites run on the host, whose /etc is never changed: no
		# _pam_oidc user there (the namespace of tests/e2e has one).
		echo "helper_user = nobody"
		echo "state_dir = $T/state"
		echo "timeout = 30"
		for l in "$@"; do echo "$l"; done
	} > "$f"
	chmod 644 "$f"
}

# login_bg CONF OUT [args]: pam-oidc login in the background; LOGIN_PID.
login_bg() {
	conf=$1; out=$2; shift 2
	( "$CLI" login --config "$conf" "$@" > "$out" 2> "$out.err"; echo $? > "$out.rc" ) &
	LOGIN_PID=$!
}

# wait_code OUT: prints the user code once the CLI shows it.
wait_code() {
	i=0
	while [ $i -lt 100 ]; do
		c=$(sed -n 's/.*enter the code: //p' "$1" 2>/dev/null)
		[ -n "$c" ] && { echo "$c"; return 0; }
		[ -s "$1.rc" ] && return 1
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# approve IDPDIR CODE ACCOUNT [deny]
approve() {
	"$IDP/approve.sh" "$1/ca.pem" "$(cat "$1/issuer")/device" "$2" "$3" ${4:-}
}

# login_wait OUT: waits for the background login; its exit code in LRC.
login_wait() { wait "$LOGIN_PID"; LRC=$(cat "$1.rc" 2>/dev/null); }

# count_req IDPDIR METHOD PATH [grant]: requests seen by the IdP.
count_req() {
	awk -v m="$2" -v p="$3" -v g="${4:-}" '$2 == m && $3 == p && (g == "" || $5 == g) { n++ } END { print n + 0 }' \
		"$1/requests.log"
}

# approve_ciba IDPDIR ACCOUNT [approve|deny] [SECONDS]: plays the person's
# phone for CIBA: waits (up to SECONDS, default 10) until a request for
# ACCOUNT is pending at the test IdP, then approves or denies the newest one.
# Fails when none came in time.
approve_ciba() {
	_end=$(($(now_ms) + ${4:-10} * 1000))
	while :; do
		"$IDP/ciba.sh" "$1" "${3:-approve}" account="$2" > /dev/null
		case $? in 0) return 0 ;; 1) ;; *) return 1 ;; esac
		[ "$(now_ms)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}
