#!/bin/bash
# Attacks found by an outside review of issue 12 (findings 2, 6, 13), each
# check failed on the reviewed code:
#  - a system account above UID_MAX (nobody, 65534) is a mapping target;
#  - a refresh helper's word was the whole recheck: an ID token signed by an
#    unknown key, for another user, kept the session serving, and its
#    refresh token replaced the stored one;
#  - the JWKS cache is keyed on the issuer alone: keys fetched for one
#    service's own jwks_uri verify logins of every service;
#  - one junk token (unknown kid) right after a key rotation drops the
#    genuine new key set and stamps kid_refetch: genuine logins fail 300 s.
. "$top_srcdir/tests/e2e/liar-lib.sh"
ev "$T/fetch-attacker.ev" '{"event":"metadata","jwks":"@evil.jwks"}'

fake_conf <<EOT

[oidcrecheck]
reuse = any
recheck = 2s
EOT
ns_setup "$CONF"


# --- finding 6: a system account above UID_MAX -------------------------------
rm -rf "$CACHE"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@legit.jwks"}'
signed_attempt oidctest legit "$NOW" $((NOW + 3600))
check "control: alice (uid $ALICE_UID) signs in" '[ $rc = 0 ]'
# A person at the IdP whose preferred_username is "nobody" (uid 65534, a
# system account that login.defs' UID_MIN..UID_MAX does not cover).
NOBODY_TOKEN=$($FORGE token "$T" legit "$ISS" pam-oidc nobody "$NOW" $((NOW + 3600)))
ev "$T/login.ev" '{"event":"tokens","id_token":"'"$NOBODY_TOKEN"'"}'
n0=$(records); : > "$T/ops.log"
ns_run $SAN_ENV pamtester -I tty=pts/5 oidctest nobody authenticate < /dev/null > "$T/out" 2>&1
rc=$?; log=$(last_log); out=$(tr '\n' ' ' < "$T/out"); fetches=$(grep -c '^fetch' "$T/ops.log")
check "nobody (uid 65534 > UID_MAX) is a system account: never a mapping target unless listed" '[ $rc != 0 ]'

# --- finding 2's rule applied to a refresh: the recheck ----------------------
cp "$NS/pam.d/oidctest" "$NS/pam.d/oidcrecheck"
rm -rf "$RECS"   # earlier records (no refresh token) would serve first
# alice signs in with a refresh token (as su/sudo run: real uid alice,
# effective uid 0, inside one session process); the record is due for
# recheck after 2 s. The refresh helper then answers with an ID token signed
# by a key nobody trusts, issued by another issuer, for another user: the
# module must not count that as a successful recheck.
ev "$T/login.ev" '{"event":"tokens","id_token":"'"$(token legit "$(date +%s)" $((NOW + 3600)))"'","refresh_token":"rt-1"}'
EVIL=$($FORGE token "$T" evil "https://attacker.example" someone-else mallory 1 4102444800)
ev "$T/refresh-forged.ev" '{"event":"tokens","id_token":"'"$EVIL"'","refresh_token":"rt-attacker"}'
AS_ALICE="python3 -c 'import os,sys; os.setresuid($ALICE_UID,0,0); os.execvp(sys.argv[1], sys.argv[1:])'"
# The fake helper is a script: /bin/sh drops to the real uid (alice).
: > "$T/ops.log"; chmod 666 "$T/ops.log"
if [ -n "${PAM_OIDC_SANITIZE:-}" ]; then
	# ruid != euid: the loader ignores the ASan preload (secure exec).
	t_skip "refresh answer checks" "need a setuid-like caller, which cannot load the ASan module"
else
	# A session of its own whose leader (this sh) lives through both
	# attempts: the record is bound to it, whatever ran the test suite.
	ns_run setsid -w sh -c "
		$AS_ALICE pamtester oidcrecheck alice authenticate < /dev/null > $T/r1.out 2>&1; echo \$? > $T/r1.rc
		sleep 3; cp $T/refresh-forged.ev $T/refresh.ev
		$AS_ALICE pamtester oidcrecheck alice authenticate < /dev/null > $T/r2.out 2>&1; echo \$? > $T/r2.rc
	"
	rc=$(cat "$T/r1.rc"); log=$(last_log); out=$(cat $T/r1.out)
	check "recheck set-up: alice signs in with a refresh token" '[ $rc = 0 ]'
	stored=$(grep -h -o '"refresh_token":"[^"]*"' "$RECS"/*/*.json 2>/dev/null | sort -u | tr '\n' ' ')
	ops=$(tr '\n' ' ' < "$T/ops.log")
	log=$(grep "pam_oidc(oidcrecheck:auth)" "$T/syslog.log" | tail -1)
	out="$(cat $T/r2.out) | ops: $ops | $(grep pam_oidc "$T/syslog.log" | tail -6 | cut -c1-260)"
	# The forged answer must neither serve the record nor leave its refresh
	# token; when the refresh ran (it normally does), the refusal is logged.
	check "a refresh answered with a forged ID token (unknown key, other iss/aud/user) is refused, its refresh token not stored" \
		'! has "$log" "reason=session_reuse" && ! has "$stored" "rt-attacker" &&
		{ ! has "$ops" "refresh" || grep -q "not reused: the refresh answer was refused" "$T/syslog.log"; }'
	has "$ops" "refresh" && t_pass "(the refresh ran: $ops)" || t_skip "refresh ran" "no refresh op this time: $out"
fi
# --- the JWKS cache is keyed on the issuer alone ------------------------------
# Service oidclab points jwks_uri (a per-service key) at another key set (a
# lab/staging endpoint, or one reached under another ca_file); its keys, once
# a lab token verified, then serve every other service of the same issuer.
rm -rf "$CACHE"
service oidclab "jwks_uri=https://attacker.example/jwks token_endpoint=$ISS/token device_authorization_endpoint=$ISS/device"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@legit.jwks"}'
signed_attempt oidclab evil "$(date +%s)" $((NOW + 3600))
check "set-up: oidclab (its own jwks_uri) accepts a token of its own key set" '[ $rc = 0 ]'
signed_attempt oidctest evil "$(date +%s)" $((NOW + 3600))
check "oidctest (discovery, the IdP's keys) does not accept keys cached for another service's jwks_uri" \
	'[ $rc != 0 ]'
# --- kid_refetch: one junk token at a key rotation locks everyone out --------
# The cache holds the IdP's key (legit); the IdP rotates to "other". A
# taken-over login helper sends a token with an unknown kid: the module
# refetches (a fresh, honest helper: it gets "other"), the junk does not
# verify, so the genuine new set is dropped and the rate limit stamped. The
# next genuine login (signed with "other") cannot refetch for 300 s.
rm -rf "$CACHE"
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@legit.jwks"}'
signed_attempt oidctest legit "$(date +%s)" $((NOW + 3600))
check "rotation set-up: the IdP's key cached" '[ $rc = 0 ] && has "$(cache_sum)" "kids: legit;"'
ev "$T/fetch.ev" '{"event":"metadata","discovery":'"$DISC"',"jwks":"@other.jwks"}'
signed_attempt oidctest rogue "$(date +%s)" $((NOW + 3600))
check "rotation: the junk token is refused (one refetch)" '[ $rc != 0 ] && [ "$fetches" = 1 ]'
signed_attempt oidctest other "$(date +%s)" $((NOW + 3600))
check "after a rotation, a genuine login with the new key is not locked out by an earlier junk token" '[ $rc = 0 ]'
t_done
