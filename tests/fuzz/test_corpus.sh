#!/bin/sh
# Replays every fuzz target over its committed seed corpus (fuzz/corpus/T)
# and its regression inputs (fuzz/regress/T): the fuzzers' invariants are
# checked on every `make check`, not only when someone runs `make fuzz`.
# REPLAY_WRAPPER (e.g. "valgrind --error-exitcode=1") runs each replay under
# a tool.
. "$top_srcdir/tests/lib.sh"

for t in $FUZZ_TARGETS; do
	bin=$top_builddir/fuzz/replay_$t
	set -- "$top_srcdir/fuzz/corpus/$t"
	[ -d "$top_srcdir/fuzz/regress/$t" ] && set -- "$@" "$top_srcdir/fuzz/regress/$t"
	if [ ! -d "$top_srcdir/fuzz/corpus/$t" ]; then
		t_fail "corpus $t" "no seed corpus in fuzz/corpus/$t"
		continue
	fi
	# shellcheck disable=SC2086
	out=$(${REPLAY_WRAPPER:-} "$bin" "$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		t_pass "fuzz target $t: $(echo "$out" | tail -1) replayed"
	else
		t_fail "fuzz target $t" "exit status $rc: $(echo "$out" | tail -20)"
	fi
done
t_done
