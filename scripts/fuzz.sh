#!/bin/sh
# make fuzz: build every libFuzzer target with clang and ASan/UBSan from the
# same sources as the product, seed it from the committed corpus
# (fuzz/corpus/T) plus the generated fixtures, and run it for FUZZ_SECONDS
# each (default 60). FUZZ_TARGETS picks a subset. Exits non-zero on any
# crash; the crashing input is left as fuzz/run/crash-T-*: copy it to
# fuzz/regress/T/ with the fix so make check replays it for good.
# Usage: fuzz.sh SRCDIR FIXTURES_DIR
set -eu
srcdir=$1; fixtures=$2; seconds=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
out=fuzz/run; mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$srcdir/lib -I$srcdir/fuzz -I$srcdir/helper -I."
libs="$(pkg-config --libs libcrypto jansson) -lm"
if grep -q '^#define HAVE_QRENCODE 1' config.h 2>/dev/null; then
	libs="$libs $(pkg-config --libs libqrencode)"
fi
libsrc="$(ls "$srcdir"/lib/*/*.c) $srcdir/helper/oauth_parse.c"
targets=${FUZZ_TARGETS:-"jws jwks claims discovery device ciba token helper_request helper_events config mapfile session"}

# The working corpus (which grows) starts from the committed seeds, the
# regression inputs and, for the token parsers, every generated fixture.
for t in $targets; do
	mkdir -p "$out/corpus-$t"
	cp "$srcdir/fuzz/corpus/$t"/* "$out/corpus-$t/"
	if [ -d "$srcdir/fuzz/regress/$t" ]; then cp "$srcdir/fuzz/regress/$t"/* "$out/corpus-$t/"; fi
done
if [ -d "$fixtures" ]; then
	for f in "$fixtures"/*.jwt; do
		[ -d "$out/corpus-jws" ] && cp "$f" "$out/corpus-jws/"
		[ -d "$out/corpus-claims" ] && cut -d. -f2 "$f" | tr -d '\n' | tr '_-' '/+' |
			base64 -d > "$out/corpus-claims/$(basename "$f" .jwt).json" 2>/dev/null || true
	done
	[ -d "$out/corpus-jwks" ] && cp "$fixtures"/jwks*.json "$out/corpus-jwks/"
fi

status=0
summary=""
for t in $targets; do
	# shellcheck disable=SC2086
	$CLANG $cflags -o "$out/fuzz_$t" "$srcdir/fuzz/fuzz_$t.c" $libsrc $libs
	echo "== fuzz_$t for ${seconds}s"
	if "$out/fuzz_$t" -max_total_time="$seconds" -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/crash-$t-" "$out/corpus-$t" > "$out/fuzz_$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz_$t.log" | tail -1)
		cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz_$t.log" | sed -n 's/.*cov: \([0-9]*\).*/\1/p' | tail -1)
		echo "   $runs runs, coverage $cov"
		summary="$summary$(printf '%-16s %10s runs  cov %s' "$t" "$runs" "$cov")
"
	else
		status=1
		tail -40 "$out/fuzz_$t.log"
		summary="$summary$(printf '%-16s CRASHED (see %s)' "$t" "$out/fuzz_$t.log")
"
	fi
done
echo "== fuzz summary (${seconds}s per target)"
printf '%s' "$summary"
exit $status
