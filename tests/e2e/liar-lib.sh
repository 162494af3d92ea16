# The world of the lying-helper suites (test_keys.sh, test_review.sh): the
# namespace, keys and tokens forged by tests/e2e/forge.mjs, and a helper that
# answers each op (fetch, login, refresh) with the events the test wrote.
. "$top_srcdir/tests/integration/lib.sh"
E2E_PAMTESTER_ONLY=1
. "$top_srcdir/tests/e2e/lib.sh"
trap 'ns_cleanup; cleanup' EXIT

ISS=https://127.0.0.1:1
FORGE="node $top_srcdir/tests/e2e/forge.mjs"
# legit: the IdP's key; evil: a taken-over helper's; rogue, other: unknown to anyone.
for k in legit evil rogue other; do $FORGE key "$T" $k > "$T/$k.thumb" || exit 1; done
token() { $FORGE token "$T" "$1" "$ISS" pam-oidc alice "$2" "$3"; }
NOW=$(date +%s)

# ev FILE JSON...: one event per argument; "@name" in a string is the content
# of $T/name (a JWKS travels as a JSON string).
ev() {
	f=$1; shift
	python3 - "$T" "$@" > "$f" <<'PY'
import json, sys
t = sys.argv[1]
def sub(v):
    if isinstance(v, dict): return {k: sub(x) for k, x in v.items()}
    if isinstance(v, str) and v.startswith('@'): return open(f'{t}/{v[1:]}').read().strip()
    return v
for a in sys.argv[2:]: print(json.dumps(sub(json.loads(a))))
PY
}
DISC='{"issuer":"'$ISS'","token_endpoint":"'$ISS'/token","device_authorization_endpoint":"'$ISS'/device","jwks_uri":"'$ISS'/jwks"}'
LOGIN_DISC='{"issuer":"'$ISS'","token_endpoint":"'$ISS'/token","device_authorization_endpoint":"'$ISS'/device","jwks_uri":"'$ISS'/login-jwks"}'
LIAR_DISC='{"issuer":"'$ISS'","token_endpoint":"'$ISS'/token","device_authorization_endpoint":"'$ISS'/device","jwks_uri":"https://attacker.example/jwks"}'
python3 -c "import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); print(json.dumps({'keys':a['keys']+b['keys']}))" \
	"$T/evil.jwks" "$T/legit.jwks" > "$T/both.jwks"

# The helper: logs each run's operation (and whether its request names the
# attacker's jwks_uri); a fetch answers $T/fetch.ev, or with the attacker's
# keys when asked for the attacker's jwks_uri; a login answers $T/login.ev.
FAKE=$T/fake-helper.sh
cat > "$FAKE" <<EOT
#!/bin/sh
read -r req || exit 3
case "\$req" in *'"op":"fetch"'*) op=fetch ;; *'"op":"login"'*) op=login ;; *'"op":"refresh"'*) op=refresh ;; *) op=other ;; esac
case "\$req" in *attacker.example*) echo "\$op attacker_uri" >> $T/ops.log ;; *) echo "\$op" >> $T/ops.log ;; esac
if [ \$op = fetch ]; then
	case "\$req" in *attacker.example*) exec cat $T/fetch-attacker.ev ;; esac
	[ -f $T/fetch.ev ] && exec cat $T/fetch.ev
	exit 1
fi
[ \$op = refresh ] && exec cat $T/refresh.ev
echo '{"event":"device","verification_uri":"https://127.0.0.1:1/device","user_code":"ABCD-EFGH","expires_in":600,"interval":1}'
cat $T/login.ev
# Stay until the module closes our stdin (no sleep: test_badinput.sh, which
# may run beside us, counts leftover sleeps as its own).
exec cat > /dev/null
EOT
chmod 755 "$FAKE"

# What the suites look at and how they run one attempt (they write $CONF).
RECS=$NS/run/pam_oidc/sessions
CACHE=$NS/run/pam_oidc/cache
records() { find "$RECS" -name '*.json' 2>/dev/null | wc -l; }
cache() { cat "$CACHE"/meta-*.json 2>/dev/null; }
# "kids: legit; jwks_uri: ...; kid_refetch" of the cache entry, or nothing.
cache_sum() {
	python3 - "$CACHE" <<'PY' 2>/dev/null
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/meta-*.json"):
    m = json.load(open(f))
    kids = " ".join(k.get("kid", "?") for k in json.loads(m.get("jwks") or "{}").get("keys", []))
    print(f"kids: {kids}; jwks_uri: {(m.get('discovery') or {}).get('jwks_uri')} ; {' '.join(sorted(m))}")
PY
}
service() { # NAME ARGS: a service whose module line carries ARGS
	printf 'auth required %s config=%s %s\naccount required pam_permit.so\n' "$MODULE" "$CONF" "$2" > "$NS/pam.d/$1"
}

# attempt SERVICE: one pamtester login as alice; sets rc, log, out, fetches, n0.
attempt() {
	n0=$(records)
	: > "$T/ops.log"
	ns_run $SAN_ENV pamtester -I tty=pts/5 "$1" alice authenticate < /dev/null > "$T/out" 2>&1
	rc=$?
	log=$(last_log)
	out=$(tr '\n' ' ' < "$T/out")
	fetches=$(grep -c '^fetch' "$T/ops.log")
}
# signed_attempt SERVICE KEY IAT EXP: the login helper answers with an ID
# token signed by KEY, issued at IAT, expiring at EXP; then attempt SERVICE.
signed_attempt() {
	ev "$T/login.ev" '{"event":"tokens","id_token":"'"$(token "$2" "$3" "$4")"'"}'
	attempt "$1"
}
has() { case "$1" in *"$2"*) true ;; *) false ;; esac; }
check() { # NAME CONDITION...: CONDITION is evaluated
	name=$1; shift
	if eval "$*"; then t_pass "$name"
	else t_fail "$name" "rc=$rc fetches=$fetches records=$(records)/$n0 log='$log' out='$out' cache='$(cache_sum)'"; fi
}
