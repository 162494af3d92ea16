#!/bin/bash
# Issue 12, findings 2, 3, 7 and 13 (JWKS cache without discovery), through
# pamtester in a private mount namespace. The helper here is the attacker:
# it answers a login with its own keys, a lying discovery, a replayed token
# or no ID token at all. Keys come only from a fetch in a helper of its own,
# nothing is cached before a token verifies against it, a token issued before
# the attempt started is a replay, and jwks_file / jwks_pins pin the keys.
. "$top_srcdir/tests/e2e/liar-lib.sh"
ev "$T/fetch-attacker.ev" '{"event":"metadata","jwks":"@evil.jwks"}'

fake_conf < /dev/null
ns_setup "$CONF"

# --- finding 2: the login helper supplies the keys -------------------------
# Each attack starts from an empty cache, so it shows on its own.
rm -rf "$CACHE"; rm -f "$T/fetch.ev"
ev "$T/login.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@evil.jwks"}' \
	'{"event":"tokens","id_token":"'"$(token evil "$NOW" $((NOW + 3600)))"'"}'
attempt oidctest
check "a login helper's own JWKS is a protocol violation: refused, logged, nothing cached" \
	'[ $rc = 1 ] && has "$log" "reason=helper_protocol_violation" && has "$log" "JWKS during a login" &&
	[ -z "$(cache)" ] && [ "$(records)" = "$n0" ]'

# ... one step removed: its discovery names the attacker's jwks_uri.
rm -rf "$CACHE"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@legit.jwks"}'
ev "$T/login.ev" '{"event":"metadata","discovery":'"$LIAR_DISC"'}' \
	'{"event":"tokens","id_token":"'"$(token evil "$NOW" $((NOW + 3600)))"'"}'
attempt oidctest
check "a login helper's discovery is not trusted for jwks_uri: a fresh fetch helper, refused, nothing cached" \
	'[ $rc = 1 ] && [ "$fetches" = 1 ] && ! grep -q attacker_uri "$T/ops.log" &&
	has "$log" "result=failure" && [ -z "$(cache)" ] && [ "$(records)" = "$n0" ]'

# The genuine path: keys from the fetch, cached once the token verified.
ev "$T/login.ev" '{"event":"metadata","discovery":'"$LOGIN_DISC"'}' \
	'{"event":"tokens","id_token":"'"$(token legit "$NOW" $((NOW + 3600)))"'"}'
attempt oidctest
check "a genuine login: keys from one fetch, cached after the token verified, login discovery not kept" \
	'[ $rc = 0 ] && [ "$fetches" = 1 ] && has "$log" "reason=ok" && has "$(cache_sum)" "kids: legit;" &&
	has "$(cache_sum)" "jwks_uri: $ISS/jwks ;"'

# An unknown kid refetches; a refetched set that did not verify the token
# is never cached. When the IdP's set changed (a real rotation under way),
# the junk token must not stamp the rate limit either: the next genuine
# login with a new key would otherwise be refused for 5 minutes.
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@other.jwks"}'
signed_attempt oidctest rogue "$NOW" $((NOW + 3600))
check "junk kid during a rotation: the new set is not cached and the rate limit is not stamped" \
	'[ $rc = 1 ] && [ "$fetches" = 1 ] && has "$(cache_sum)" "kids: legit;" &&
	! has "$(cache_sum)" "kid_refetch"'
signed_attempt oidctest other "$NOW" $((NOW + 3600))
check "...so the next genuine login with the rotated key refetches, verifies and caches it" \
	'[ $rc = 0 ] && [ "$fetches" = 1 ] && has "$(cache_sum)" "kids: other;"'
# A refetch that brought nothing new stamps the limit on the trusted entry.
signed_attempt oidctest rogue "$NOW" $((NOW + 3600))
check "a failed kid refetch that brought nothing new caches no keys, only stamps the rate limit" \
	'[ $rc = 1 ] && [ "$fetches" = 1 ] && has "$(cache_sum)" "kids: other;" &&
	has "$(cache_sum)" "kid_refetch"'
attempt oidctest
check "...and the next junk token within the interval fetches nothing" \
	'[ $rc = 1 ] && [ "$fetches" = 0 ]'

# --- finding 3: replay ---------------------------------------------------
rm -rf "$CACHE"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@legit.jwks"}'
signed_attempt oidctest legit $((NOW - 365 * 86400)) $((NOW + 365 * 86400))
check "a validly signed token issued a year ago (exp in a year) is refused as token_too_old" \
	'[ $rc = 1 ] && has "$log" "reason=token_too_old" && [ "$(records)" = "$n0" ]'

# --- finding 7: a login's tokens event without id_token -----------------
ev "$T/login.ev" '{"event":"tokens","refresh_token":"rt-123"}'
attempt oidctest
check "a login's tokens event without id_token: no crash, PAM_AUTH_ERR, logged, no record" \
	'[ $rc = 1 ] && has "$out" "Authentication failure" && has "$log" "reason=helper_protocol_violation" &&
	has "$log" "no id_token" && [ "$(records)" = "$n0" ]'

# --- jwks_file: pinned keys, nothing fetched ---------------------------------
rm -rf "$CACHE"
cp "$T/legit.jwks" "$T/pinned.jwks"; chmod 644 "$T/pinned.jwks"
service oidcpin "jwks_file=$T/pinned.jwks"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@evil.jwks"}'
signed_attempt oidcpin evil "$NOW" $((NOW + 3600))
check "jwks_file: a token signed by a fetched key is refused, no JWKS fetched" \
	'[ $rc = 1 ] && [ "$fetches" = 0 ] && has "$log" "reason=key_not_found" && [ -z "$(cache)" ]'
signed_attempt oidcpin legit "$NOW" $((NOW + 3600))
check "jwks_file: the pinned key signs in, no JWKS fetched, nothing cached" \
	'[ $rc = 0 ] && [ "$fetches" = 0 ] && has "$log" "reason=ok" && [ -z "$(cache)" ]'
chmod 664 "$T/pinned.jwks"
attempt oidcpin
check "jwks_file writable by its group -> PAM_SERVICE_ERR, logged" \
	'[ $rc = 1 ] && has "$out" "service module" && has "$log" "reason=config_error" &&
	has "$log" "not writable by group or others" && [ "$(records)" = "$n0" ]'
chmod 644 "$T/pinned.jwks"; chown $ALICE_UID "$T/pinned.jwks"
attempt oidcpin
check "jwks_file not owned by root -> PAM_SERVICE_ERR, logged" \
	'[ $rc = 1 ] && has "$out" "service module" && has "$log" "must be owned by root" &&
	[ "$(records)" = "$n0" ]'

# --- jwks_pins: fetched keys that are not pinned are dropped ------------------
rm -rf "$CACHE"
service oidcpins "jwks_pins=$(cat "$T/other.thumb"),$(cat "$T/legit.thumb")"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@both.jwks"}'
signed_attempt oidcpins evil "$NOW" $((NOW + 3600))
check "jwks_pins: a fetched but unpinned key does not verify, nothing cached" \
	'[ $rc = 1 ] && has "$log" "reason=key_not_found" && [ -z "$(cache)" ]'
signed_attempt oidcpins legit "$NOW" $((NOW + 3600))
check "jwks_pins: the pinned key of the fetched set signs in" '[ $rc = 0 ] && has "$log" "reason=ok"'

# --- finding 13: the JWKS cache with explicit endpoints, no discovery -------
rm -rf "$CACHE"
service oidcexp "jwks_uri=$ISS/jwks token_endpoint=$ISS/token device_authorization_endpoint=$ISS/device"
ev "$T/fetch.ev" '{"event":"metadata","jwks":"@legit.jwks"}'
attempt oidcexp
check "explicit endpoints: the first login fetches the JWKS once" '[ $rc = 0 ] && [ "$fetches" = 1 ]'
attempt oidcexp
check "explicit endpoints: the second login is served from the JWKS cache (no fetch)" '[ $rc = 0 ] && [ "$fetches" = 0 ]'
t_done
