#!/bin/sh
# Plays the person in the browser: opens the verification page, enters the
# user code, confirms, logs in as an account of the test IdP and consents.
# Usage: approve.sh CA_FILE VERIFICATION_URI USER_CODE ACCOUNT [deny]
set -eu
ca=$1; vu=$2; code=$3; login=$4; mode=${5:-approve}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
jar=$w/jar
c() { curl -sf --max-time 20 --cacert "$ca" -c "$jar" -b "$jar" "$@"; }
xsrf() { sed -n 's/.*name="xsrf" value="\([^"]*\)".*/\1/p' "$1" | head -1; }
uid_from() { sed -n 's#.*action="[^"]*/interaction/\([^"/]*\)".*#\1#p' "$1" | head -1; }
iss=${vu%/device}

c "$vu" > "$w/p1.html"
c -d xsrf="$(xsrf "$w/p1.html")" --data-urlencode user_code="$code" "$vu" > "$w/p2.html"
if ! grep -q deviceConfirmForm "$w/p2.html"; then
	echo "approve.sh: the IdP did not accept user code $code" >&2
	exit 1
fi
if [ "$mode" = deny ]; then
	c -L -d xsrf="$(xsrf "$w/p2.html")" --data-urlencode user_code="$code" -d abort=yes "$vu" > "$w/p3.html"
	exit 0
fi
c -L -d xsrf="$(xsrf "$w/p2.html")" --data-urlencode user_code="$code" -d confirm=yes "$vu" > "$w/p3.html"
uid1=$(uid_from "$w/p3.html")
c -L -d prompt=login -d login="$login" -d password=x "$iss/interaction/$uid1" > "$w/p4.html"
uid2=$(uid_from "$w/p4.html")
if grep -q 'name="prompt" value="consent"' "$w/p4.html"; then
	c -L -d prompt=consent "$iss/interaction/$uid2" > "$w/p5.html"
else
	cp "$w/p4.html" "$w/p5.html"
fi
grep -q 'Sign-in Success' "$w/p5.html" || { echo "approve.sh: no success page" >&2; exit 1; }
