#!/bin/sh
# Install every build and test dependency of pam_oidc on Debian 12 (bookworm).
# Idempotent: packages already present are not downloaded again; npm ci runs
# only when the lock file changed since the last install.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
libpam0g-dev libcurl4-openssl-dev libssl-dev libjansson-dev libcmocka-dev
libqrencode-dev openssl ca-certificates curl python3 bc
pamtester openssh-server openssh-client expect sudo util-linux strace
libpam-wrapper libpamtest0-dev
clang libclang-rt-14-dev valgrind cppcheck clang-tidy mandoc
debhelper lintian dpkg-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if ! command -v node >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install:$missing" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

top=$(cd "$(dirname "$0")/.." && pwd)
idp="$top/tests/idp"
if [ -f "$idp/package-lock.json" ]; then
	stamp="$idp/node_modules/.pam_oidc-lock"
	if ! [ -f "$stamp" ] || ! cmp -s "$idp/package-lock.json" "$stamp"; then
		(cd "$idp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		cp "$idp/package-lock.json" "$stamp"
	fi
fi
