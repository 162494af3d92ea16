#!/bin/bash
# Runs tests/e2e/test_conv (libpamtest) inside the private namespace.
. "$top_srcdir/tests/lib.sh"
if [ ! -x "$top_builddir/tests/e2e/test_conv" ]; then
	t_skip "exact conversation" "configure found no libpamtest (libpamtest0-dev)"
	t_done
fi
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT
idp_a
e2e_world scopes="openid profile" <<EOT
timeout = 30
EOT
cp "$NS/pam.d/oidctest" "$NS/pam.d/oidc-conv"
if ns_run "$top_builddir/tests/e2e/test_conv" "$IDP/approve.sh" "$A/ca.pem" "$ISS" > "$T/conv.out" 2>&1; then
	t_pass "exact conversation: $(tail -1 "$T/conv.out")"
else
	t_fail "exact conversation" "$(cat "$T/conv.out")"
fi
t_done
