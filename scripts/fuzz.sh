#!/bin/sh
# make fuzz: build each libFuzzer target with clang and ASan/UBSan from the
# same library sources as the product, seed it from the generated fixtures,
# and run it for FUZZ_SECONDS (default 60). Exits non-zero on any crash.
set -eu
srcdir=$1; fixtures=$2; seconds=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
out=fuzz/run; mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$srcdir/include -I."
libs="$(pkg-config --libs libcrypto jansson) -lm"
libsrc="$srcdir/lib/alg.c $srcdir/lib/b64url.c $srcdir/lib/error.c $srcdir/lib/idtoken.c $srcdir/lib/jsonutil.c $srcdir/lib/jwk.c $srcdir/lib/jws.c"
targets=${FUZZ_TARGETS:-"jws jwks claims"}

# Seed corpora from the fixtures: tokens, key sets, and decoded payloads.
for t in $targets; do mkdir -p "$out/corpus-$t"; done
for f in "$fixtures"/*.jwt; do
	[ -d "$out/corpus-jws" ] && cp "$f" "$out/corpus-jws/"
	[ -d "$out/corpus-claims" ] && cut -d. -f2 "$f" | tr -d '\n' | tr '_-' '/+' |
		base64 -d > "$out/corpus-claims/$(basename "$f" .jwt).json" 2>/dev/null || true
done
[ -d "$out/corpus-jwks" ] && cp "$fixtures"/jwks*.json "$out/corpus-jwks/"

status=0
for t in $targets; do
	# shellcheck disable=SC2086
	$CLANG $cflags -o "$out/fuzz_$t" "$srcdir/fuzz/fuzz_$t.c" $libsrc $libs
	echo "== fuzz_$t for ${seconds}s"
	if "$out/fuzz_$t" -max_total_time="$seconds" -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/crash-$t-" "$out/corpus-$t" > "$out/fuzz_$t.log" 2>&1; then
		grep -E '^(#[0-9]+ *DONE|Done [0-9]+ runs)' "$out/fuzz_$t.log" | tail -1
	else
		status=1
		tail -40 "$out/fuzz_$t.log"
	fi
done
exit $status
