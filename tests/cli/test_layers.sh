#!/bin/sh
# The layout is the architecture (doc/design.md): lib/util at the bottom,
# lib/jose, lib/ipc and lib/store on it, lib/core on top. A layer includes
# only its own headers and those below it; the helper reaches util and ipc
# only, so it can decide nothing; no crypto header leaks out of lib/jose.
# The link proves the rest: the helper binary holds no JOSE, store or core
# code and needs no libcrypto, the module needs no libcurl.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1

# includes_only DIR ALLOWED...: every project include of DIR's files names
# one of the ALLOWED folders.
includes_only() {
	dir=$1; shift
	allowed=$(printf '%s|' "$@"); allowed=${allowed%|}
	bad=$(grep -HnE '^#include "[a-z_]+/' "$dir"/*.c "$dir"/*.h 2>/dev/null |
		grep -vE "#include \"($allowed)/")
	[ -z "$bad" ] && t_pass "$dir includes only $*" || t_fail "$dir includes only $*" "$bad"
}
includes_only lib/util util
includes_only lib/jose jose util
includes_only lib/ipc ipc util
includes_only lib/store store util
includes_only lib/core core jose ipc store util
includes_only helper ipc util

bad=$(grep -lE '#include <openssl/' lib/*/*.h | grep -v '^lib/jose/internal\.h$')
[ -z "$bad" ] && t_pass "no header but lib/jose/internal.h includes OpenSSL" || t_fail "crypto headers leak" "$bad"
bad=$(grep -lE '#include <openssl/' lib/core/* lib/ipc/* lib/store/* lib/util/* pam/*.[ch] cli/*.[ch] 2>/dev/null)
[ -z "$bad" ] && t_pass "nothing above lib/jose includes OpenSSL (digests through jose/digest.h)" || t_fail "OpenSSL above lib/jose" "$bad"
bad=$(grep -ln 'jose/internal\.h' lib/core/* lib/ipc/* lib/store/* lib/util/* pam/* cli/* helper/* 2>/dev/null)
[ -z "$bad" ] && t_pass "only lib/jose and its tests use jose/internal.h" || t_fail "jose/internal.h used above jose" "$bad"

cd "$top_builddir" || exit 1
helper=helper/pam_oidc_helper
[ -x helper/.libs/pam_oidc_helper ] && helper=helper/.libs/pam_oidc_helper
module=pam/.libs/pam_oidc.so
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
if ! command -v readelf > /dev/null || ! command -v nm > /dev/null; then
	t_skip "link checks" "readelf/nm (binutils) not installed"
	t_done
fi
n=$(needed "$helper")
echo "$n" | grep -q '^libcurl' && t_pass "the helper links libcurl" || t_fail "helper NEEDED" "$n"
echo "$n" | grep -qE '^lib(crypto|ssl|qrencode)' && t_fail "the helper links no libcrypto/libqrencode" "$n" ||
	t_pass "the helper links no libcrypto/libqrencode"
n=$(needed "$module")
echo "$n" | grep -q '^libcurl' && t_fail "the module links no libcurl" "$n" || t_pass "the module links no libcurl"
# Issue 16: what every cached sudo maps needs no cryptography.
echo "$n" | grep -qE '^lib(crypto|ssl|qrencode)' && t_fail "the module links no libcrypto/libqrencode" "$n" ||
	t_pass "the module links no libcrypto/libqrencode"
undef=$(nm -D --undefined-only "$module" | awk '{print $2}' | grep -E '^(EVP_|OPENSSL_|CRYPTO_|ERR_|BN_|QR)')
[ -z "$undef" ] && t_pass "the module needs no libcrypto/libqrencode symbol" || t_fail "module symbols" "$undef"
verify=pam/.libs/pam_oidc_verify.so
n=$(needed "$verify")
echo "$n" | grep -q '^libcrypto' && t_pass "the verification object links libcrypto" || t_fail "verify NEEDED" "$n"
echo "$n" | grep -q '^libcurl' && t_fail "the verification object links no libcurl" "$n" ||
	t_pass "the verification object links no libcurl"
ex=$(nm -D --defined-only "$verify" | awk '{print $3}')
[ "$ex" = pam_oidc_verify_ops ] && t_pass "the verification object exports only its table" || t_fail "verify exports" "$ex"
ex=$(nm -D --defined-only "$module" | awk '{print $3}' | grep -v '^pam_sm_')
[ -z "$ex" ] && t_pass "the module exports only pam_sm_*" || t_fail "module exports" "$ex"

# Defined functions of each upper layer, from its own objects.
layer_syms() { nm -g --defined-only "$top_builddir"/lib/"$1"/.libs/*.o 2>/dev/null | awk '$2 == "T" {print $3}' | sort -u; }
hs=$(nm "$helper" | awk '$2 ~ /^[Tt]$/ {print $3}' | sort -u)
for layer in jose store; do
	s=$(layer_syms "$layer")
	[ -n "$s" ] || { t_fail "symbols of lib/$layer" "no objects found"; continue; }
	common=$(printf '%s\n' "$s" | grep -Fxf - <<EOF
$hs
EOF
)
	[ -z "$common" ] && t_pass "the helper holds no lib/$layer code" || t_fail "the helper holds lib/$layer code" "$common"
done
s=$(nm -g --defined-only lib/core/.libs/*.o 2>/dev/null | awk '$2 == "T" {print $3}' | sort -u)
common=$(printf '%s\n' "$s" | grep -Fxf - <<EOF
$hs
EOF
)
[ -n "$s" ] && [ -z "$common" ] && t_pass "the helper holds no lib/core code" || t_fail "the helper holds lib/core code" "${common:-no core objects found}"
t_done
