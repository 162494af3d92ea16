#!/bin/sh
# pam-oidc verify-token: exit codes and output for every fixture case, plus
# usage and I/O errors. This interface is used by outside checks.
. "$top_srcdir/tests/lib.sh"
CLI=${PAM_OIDC_CLI:?}
FX=${FIXTURES_DIR:?}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

tab=$(printf '\t')
while IFS=$tab read -r name expect tok jwks iss aud now leeway algs; do
	set -- --issuer "$iss" --audience "$aud" --jwks "$FX/$jwks" --now "$now" --leeway "$leeway"
	[ "$algs" = - ] || set -- "$@" --algs "$algs"
	"$CLI" verify-token "$@" "$FX/$tok" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$expect" = ok ]; then
		if [ $rc -eq 0 ] && grep -q '"preferred_username": "alice"' "$TMP/out" && [ ! -s "$TMP/err" ]; then
			t_pass "cli $name"
		else
			t_fail "cli $name" "rc=$rc $(cat "$TMP/err")"
		fi
	elif [ "$jwks" != jwks.json ] && [ "$expect" = jwks_empty ]; then
		if [ $rc -eq 2 ] && grep -q "jwks_empty" "$TMP/err"; then t_pass "cli $name"
		else t_fail "cli $name" "rc=$rc $(cat "$TMP/err")"; fi
	else
		if [ $rc -eq 1 ] && grep -q "^rejected: $expect: ." "$TMP/err" && [ ! -s "$TMP/out" ]; then
			t_pass "cli $name"
		else
			t_fail "cli $name" "rc=$rc want $expect, got: $(cat "$TMP/err")"
		fi
	fi
done < "$FX/cases.tsv"

ISS=https://idp.example.test/realms/main
base="--issuer $ISS --audience pam-oidc --jwks $FX/jwks.json --now 1800000000"

# Token on standard input.
# shellcheck disable=SC2086
if "$CLI" verify-token $base - < "$FX/ok_es256.jwt" > "$TMP/out"; then t_pass "cli stdin"; else t_fail "cli stdin" "rc=$?"; fi

expect_rc() {
	want=$1; name=$2; shift 2
	"$CLI" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq "$want" ]; then t_pass "$name"; else t_fail "$name" "rc=$rc want $want: $(cat "$TMP/err")"; fi
}
# shellcheck disable=SC2086
{
expect_rc 2 "cli no args"
expect_rc 2 "cli unknown command" frobnicate
expect_rc 0 "cli --help" --help
expect_rc 0 "cli verify --help" verify-token --help
expect_rc 2 "cli missing issuer" verify-token --audience x --jwks "$FX/jwks.json" "$FX/ok_rs256.jwt"
expect_rc 2 "cli two token files" verify-token $base "$FX/ok_rs256.jwt" "$FX/ok_rs256.jwt"
expect_rc 2 "cli token file missing" verify-token $base "$TMP/nope.jwt"
expect_rc 2 "cli jwks missing" verify-token --issuer $ISS --audience pam-oidc --jwks "$TMP/nope.json" "$FX/ok_rs256.jwt"
expect_rc 2 "cli jwks malformed" verify-token --issuer $ISS --audience pam-oidc --jwks "$FX/jwks-malformed.json" "$FX/ok_rs256.jwt"
expect_rc 2 "cli jwks empty" verify-token --issuer $ISS --audience pam-oidc --jwks "$FX/jwks-empty.json" "$FX/ok_rs256.jwt"
expect_rc 2 "cli leeway out of range" verify-token $base --leeway 301 "$FX/ok_rs256.jwt"
expect_rc 2 "cli leeway not a number" verify-token $base --leeway 5s "$FX/ok_rs256.jwt"
expect_rc 2 "cli now not a number" verify-token $base --now yesterday "$FX/ok_rs256.jwt"
expect_rc 2 "cli algs none" verify-token $base --algs none "$FX/ok_rs256.jwt"
expect_rc 2 "cli algs HS256" verify-token $base --algs RS256,HS256 "$FX/ok_rs256.jwt"
expect_rc 1 "cli real clock rejects fixture (expired)" verify-token --issuer $ISS --audience pam-oidc --jwks "$FX/jwks.json" --now 1900000000 "$FX/ok_rs256.jwt"
}
grep -q '^rejected: expired: ' "$TMP/err" && t_pass "cli expired message" || t_fail "cli expired message" "$(cat "$TMP/err")"
# The replay bound (issue 12, finding 3): the fixture was issued at now - 10.
# shellcheck disable=SC2086
{
expect_rc 1 "cli --not-before after iat + leeway rejects" verify-token $base --not-before 1800000100 "$FX/ok_rs256.jwt"
grep -q '^rejected: token_too_old: ' "$TMP/err" && t_pass "cli token_too_old message" ||
	t_fail "cli token_too_old message" "$(cat "$TMP/err")"
expect_rc 0 "cli --not-before within leeway accepts" verify-token $base --not-before 1800000040 "$FX/ok_rs256.jwt"
expect_rc 2 "cli --not-before not a number" verify-token $base --not-before soon "$FX/ok_rs256.jwt"
}

t_done
