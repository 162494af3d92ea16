#!/bin/sh
# make demo: verify a freshly signed ID token with pam-oidc verify-token,
# then show a forged one being rejected.
set -eu
FX=tests/fixtures/out
ISS=https://idp.example.test/realms/main
echo "== pam-oidc verify-token on a valid RS256 ID token"
cli/pam-oidc verify-token --issuer "$ISS" --audience pam-oidc --jwks "$FX/jwks.json" \
	--now 1800000000 "$FX/ok_rs256.jwt"
echo "== the same token with preferred_username changed to root"
if cli/pam-oidc verify-token --issuer "$ISS" --audience pam-oidc --jwks "$FX/jwks.json" \
	--now 1800000000 "$FX/sig_payload_tampered.jwt"; then
	echo "demo: a forged token was accepted" >&2
	exit 1
fi
echo "== a token signed with alg none"
cli/pam-oidc verify-token --issuer "$ISS" --audience pam-oidc --jwks "$FX/jwks.json" \
	--now 1800000000 "$FX/alg_none_unsigned.jwt" || true
