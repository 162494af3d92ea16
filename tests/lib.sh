# Shared helpers for shell test suites. Each suite ends with t_done, which
# prints the same summary lines as cmocka so every suite can be summed.
T_PASS=0
T_FAIL=0
T_SKIP=0

t_pass() { T_PASS=$((T_PASS + 1)); printf '[       OK ] %s\n' "$1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); printf '[  FAILED  ] %s: %s\n' "$1" "$2"; }
t_skip() { T_SKIP=$((T_SKIP + 1)); printf '[  SKIPPED ] %s: %s\n' "$1" "$2"; }

# t_check NAME COMMAND...: passes when the command exits 0.
t_check() {
	name=$1; shift
	if "$@"; then t_pass "$name"; else t_fail "$name" "command failed: $*"; fi
}

t_done() {
	# A suite may define t_before_done for checks over the whole run.
	if command -v t_before_done > /dev/null; then t_before_done; fi
	printf '[==========] %d test(s) run.\n' $((T_PASS + T_FAIL))
	printf '[  PASSED  ] %d test(s).\n' "$T_PASS"
	if [ "$T_FAIL" -gt 0 ]; then
		printf '[  FAILED  ] %d test(s), listed above.\n' "$T_FAIL"
		exit 1
	fi
	if [ "$T_PASS" -eq 0 ]; then
		[ "$T_SKIP" -gt 0 ] && exit 77
		echo "no test ran" >&2
		exit 1
	fi
	exit 0
}
