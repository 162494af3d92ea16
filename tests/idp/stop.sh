#!/bin/sh
# Stops the test IdP started by start.sh DIR. Only a process that really is
# this DIR's IdP is signalled: a stale pid file must never hit a process
# that reused the number (another suite's IdP, say).
d=$1
[ -f "$d/pid" ] || exit 0
pid=$(cat "$d/pid")
rm -f "$d/pid"
if ! cat "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n' | grep -qx "OP_TLS_CERT=$d/server.pem"; then
	exit 0
fi
kill "$pid" 2>/dev/null || exit 0
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null
exit 0
