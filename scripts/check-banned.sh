#!/bin/sh
# Functions the product code must not call (HACKING.md): unbounded copies,
# unchecked conversions, shell-running calls, non-reentrant lookups.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|rand|srand|system|popen|getpwnam|getpwuid|strtok|tmpnam|mktemp)[[:space:]]*\(' \
	lib/*/*.c pam/*.c helper/*.c cli/*.c fuzz/*.c | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
if [ -n "$hits" ]; then
	echo "banned functions in product code:"
	echo "$hits"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "[  PASSED  ] 1 test(s)."
echo "banned-function check: clean"
