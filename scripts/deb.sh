#!/bin/sh
# Builds the Debian package from a clean copy of the tree, checks it with
# lintian, lists it, and unpacks it into a throwaway root to run
# pam-oidc check-config on the shipped sample. Prints a cmocka-style summary.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/pam_oidc_deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "[       OK ] $1"; }
ko() { fail=$((fail + 1)); echo "[  FAILED  ] $1: $2"; }
git -C "$top" archive --format=tar --prefix=src/ HEAD | tar -x -C "$W"
if (cd "$W/src" && dpkg-buildpackage -b -us -uc > "$W/build.log" 2>&1); then ok "dpkg-buildpackage -b"; else ko "dpkg-buildpackage" "$(tail -20 "$W/build.log")"; fi
deb=$(ls "$W"/libpam-oidc_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
	cp "$deb" "$top/" 2>/dev/null
	if lintian --fail-on error "$deb" > "$W/lintian.log" 2>&1; then ok "lintian: no errors ($(grep -c '^W:' "$W/lintian.log") warnings)"; else ko "lintian" "$(cat "$W/lintian.log")"; fi
	dpkg -c "$deb" | tee "$W/contents" | awk '{print "    " $6}'
	for f in security/pam_oidc.so usr/libexec/pam_oidc_helper usr/sbin/pam-oidc man8/pam_oidc.8.gz man5/pam_oidc.conf.5.gz \
		man8/pam-oidc.8.gz usr/share/pam-configs/oidc usr/lib/tmpfiles.d/pam_oidc.conf etc/security/pam_oidc.conf \
		pam_oidc/pam_oidc_verify.so; do
		grep -q "$f" "$W/contents" && ok "ships $f" || ko "ships $f" "missing"
	done
	dpkg-deb -f "$deb" Package >/dev/null && dpkg-deb -e "$deb" "$W/control" && grep -q '/etc/security/pam_oidc.conf' "$W/control/conffiles" && ok "pam_oidc.conf is a conffile" || ko "conffile" "$(cat "$W/control/conffiles" 2>/dev/null)"
	dpkg -x "$deb" "$W/root"
	"$W/root/usr/sbin/pam-oidc" --version > /dev/null && ok "installed pam-oidc runs" || ko "pam-oidc runs" "rc $?"
	# Issue 16: the module loads its verification object from the path
	# compiled in, which must be where the package puts it; the module
	# itself maps no libcrypto.
	mod=$(find "$W/root" -name pam_oidc.so | head -1)
	vpath=$(strings -n 8 "$mod" | grep -m1 '^/.*/pam_oidc_verify\.so$')
	[ -n "$vpath" ] && [ -f "$W/root$vpath" ] && ok "the verification object is where the module looks ($vpath)" ||
		ko "verification object path" "module looks at '$vpath'; shipped: $(grep pam_oidc_verify "$W/contents")"
	readelf -d "$mod" | grep NEEDED | grep -qE 'libcrypto|libqrencode' && ko "module NEEDED" "$(readelf -d "$mod" | grep NEEDED)" ||
		ok "the shipped module links no libcrypto/libqrencode"
	# The sample is all comments: check-config must name the missing issuer.
	"$W/root/usr/sbin/pam-oidc" check-config --config "$W/root/etc/security/pam_oidc.conf" > "$W/cc" 2>&1
	grep -q "issuer is not set" "$W/cc" && ok "check-config on the shipped sample" || ko "check-config sample" "$(cat "$W/cc")"
	grep -q "^Default: no" "$W/root/usr/share/pam-configs/oidc" && ok "pam-auth-update profile disabled by default" || ko "profile" "default"
fi
echo "[  PASSED  ] $pass test(s)."
[ $fail = 0 ] || echo "[  FAILED  ] $fail test(s), listed above."
[ $fail = 0 ]
