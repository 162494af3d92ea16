#!/bin/sh
# The manuals, pam-oidc check-config and the code agree: every key the
# parser knows is documented in pam_oidc.conf(5), and every page lints clean.
. "$top_srcdir/tests/lib.sh"
CLI=${PAM_OIDC_CLI:?}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
printf 'issuer = https://idp.example.test\nclient_id = x\n' > "$T/c.conf"; chmod 644 "$T/c.conf"
"$CLI" check-config --config "$T/c.conf" > "$T/out" || t_fail "check-config" "$(cat "$T/out")"
keys=$(sed -n 's/^\([a-z_]*\) = .*/\1/p' "$T/out" | sort -u)
[ "$(echo "$keys" | wc -l)" -ge 30 ] && t_pass "check-config prints every key" || t_fail "keys" "$keys"
# Documented keys: the words of .B/.BR lines right after .TP in pam_oidc.conf(5).
documented=$(awk '/^\.TP/ { tp = 1; next } tp && /^\.BR? / { gsub(/"[^"]*"/, ""); for (i = 2; i <= NF; i++) print $i } { tp = 0 }' \
	"$top_srcdir/doc/pam_oidc.conf.5" | sort -u)
for k in $keys; do
	echo "$documented" | grep -qx "$k" && t_pass "pam_oidc.conf(5) documents $k" || t_fail "pam_oidc.conf(5) documents $k" "missing"
done
for m in pam_oidc.8 pam_oidc.conf.5 pam-oidc.8; do
	if command -v mandoc > /dev/null; then
		out=$(mandoc -T lint -W warning "$top_srcdir/doc/$m" 2>&1)
		[ -z "$out" ] && t_pass "mandoc lint $m" || t_fail "mandoc lint $m" "$out"
	fi
done
# Every pam-oidc subcommand is in pam-oidc(8).
for c in $("$CLI" --help | awk '/^  [a-z-]+ / {print $1}'); do
	grep -q "^\.B pam-oidc $c" "$top_srcdir/doc/pam-oidc.8" && t_pass "pam-oidc(8) documents $c" || t_fail "pam-oidc(8) documents $c" "missing"
done
t_done
