#!/bin/sh
# Starts the test IdP over TLS on 127.0.0.1 and waits until it answers.
# Usage: start.sh DIR   (OP_* knobs from the environment; see provider.mjs)
# Leaves in DIR: ca.pem (trust anchor), issuer, pid, op.log, requests.log.
# A throwaway CA and server certificate are made on first use of DIR and
# kept, so a restart (key rotation, outage) keeps the same issuer if OP_PORT
# is given.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
d=$1
mkdir -p "$d"
chmod 755 "$d"
if [ ! -f "$d/server.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=pam_oidc test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$d/ext.cnf"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null
	chmod 644 "$d/ca.pem"
fi
: > "$d/stdout.log"
# Up to three tries: a fixed OP_PORT may still be held for a moment.
for try in 1 2 3; do
	OP_TLS_KEY="$d/server.key" OP_TLS_CERT="$d/server.pem" OP_REQUEST_LOG="${OP_REQUEST_LOG:-$d/requests.log}" \
		node "$here/provider.mjs" > "$d/stdout.log" 2>> "$d/op.log" &
	pid=$!
	echo $pid > "$d/pid"
	i=0
	# The provider prints its issuer first; oidc-provider's notices follow.
	while ! grep -q '^https://' "$d/stdout.log" 2>/dev/null && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05; i=$((i + 1))
	done
	grep -q '^https://' "$d/stdout.log" && break
	kill $pid 2>/dev/null; wait $pid; rc=$?
	echo "start.sh: try $try: the test IdP exited with status $rc" >> "$d/op.log"
	[ $try = 3 ] && { echo "start.sh: the test IdP did not start:" >&2; cat "$d/op.log" >&2; exit 1; }
	sleep 0.5
done
iss=$(grep -m1 '^https://' "$d/stdout.log")
echo "$iss" > "$d/issuer"
i=0
until curl -sf --max-time 5 --cacert "$d/ca.pem" -o /dev/null "$iss/.well-known/openid-configuration"; do
	i=$((i + 1)); [ $i -gt 300 ] && { echo "start.sh: $iss does not answer" >&2; exit 1; }
	sleep 0.05
done
echo "$iss"
