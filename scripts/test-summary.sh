#!/bin/sh
# Sums the cmocka-style summary lines of every suite's log into one line:
# "N passed, N failed". Usage: test-summary.sh BUILDDIR...
passed=0; failed=0
for dir in "$@"; do
	for f in $(find "$dir" -name '*.log' ! -name 'test-suite.log' ! -name config.log 2>/dev/null); do
		p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$f" | awk '{s+=$1} END {print s+0}')
		x=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$f" | awk '{s+=$1} END {print s+0}')
		# A suite that crashed before printing a summary counts as one failure.
		if [ -f "${f%.log}.trs" ] && grep -q '^:test-result: \(FAIL\|ERROR\)' "${f%.log}.trs" && [ "$x" -eq 0 ]; then
			x=1
		fi
		passed=$((passed + p)); failed=$((failed + x))
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
