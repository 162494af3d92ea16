#!/bin/sh
# Plays the person's phone for CIBA (OpenID CIBA Core 1.0, poll mode) through
# the test IdP's test-only hooks (see provider.mjs).
# Usage: ciba.sh DIR pending
#        ciba.sh DIR approve|deny [binding_message=TEXT|account=NAME]
# DIR is a start.sh folder (ca.pem, issuer). pending prints the JSON array of
# pending requests; approve/deny resolve the newest pending request that
# matches (with no selector: the newest of all) and print the IdP's answer.
# Exit status: 0 done, 1 no such pending request, 2 usage or IdP error.
set -u
d=${1:-}; op=${2:-}
[ -n "$d" ] && [ -f "$d/issuer" ] && [ -f "$d/ca.pem" ] || { echo "usage: ciba.sh DIR pending|approve|deny [binding_message=..|account=..]" >&2; exit 2; }
iss=$(cat "$d/issuer")
c() { curl -s --max-time 10 --cacert "$d/ca.pem" -o "$out" -w '%{http_code}' "$@"; }
out=$(mktemp); trap 'rm -f "$out"' EXIT
case $op in
pending)
	code=$(c "$iss/test/ciba/pending") || code=000 ;;
approve|deny)
	sel=${3:-}
	case $sel in
	'' | binding_message=* | account=*) ;;
	*) echo "ciba.sh: select by binding_message=.. or account=.." >&2; exit 2 ;;
	esac
	code=$(c -X POST --data-urlencode "$sel" "$iss/test/ciba/$op") || code=000 ;;
*)
	echo "usage: ciba.sh DIR pending|approve|deny [binding_message=..|account=..]" >&2; exit 2 ;;
esac
cat "$out"; echo
case $code in
200) exit 0 ;;
404) exit 1 ;;
*) echo "ciba.sh: $op: HTTP $code from $iss" >&2; exit 2 ;;
esac
