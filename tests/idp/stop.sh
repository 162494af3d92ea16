#!/bin/sh
# Stops the test IdP started by start.sh DIR.
d=$1
[ -f "$d/pid" ] || exit 0
pid=$(cat "$d/pid")
kill "$pid" 2>/dev/null || exit 0
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null
rm -f "$d/pid"
