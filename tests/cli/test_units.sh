#!/bin/sh
# The shipped systemd units name what make install puts in place: after
# `make install DESTDIR=...`, pam-oidc-recheck.service's ExecStart is an
# executable in that tree (pam-oidc is installed in sbin), nothing is left
# unsubstituted, and systemd-analyze verify (when there is one) finds no
# unknown key and no missing command in it.
. "$top_srcdir/tests/lib.sh"
D=$(mktemp -d /tmp/pam-oidc-units.XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT
if ! make -s -C "$top_builddir" install DESTDIR="$D/root" > "$D/install.log" 2>&1; then
	t_fail "make install DESTDIR" "$(tail -5 "$D/install.log")"
	t_done
fi
unit=$(find "$D/root" -name pam-oidc-recheck.service -type f | head -1)
timer=$(find "$D/root" -name pam-oidc-recheck.timer -type f | head -1)
[ -n "$unit" ] && [ -n "$timer" ] && t_pass "make install puts the service and the timer in place (${unit#"$D/root"})" ||
	t_fail "units installed" "$(find "$D/root" -type f | head -20)"
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -n "$exec_path" ] && [ -x "$D/root$exec_path" ] && [ -f "$D/root$exec_path" ] &&
	t_pass "ExecStart=$exec_path is the installed pam-oidc" ||
	t_fail "ExecStart" "'$exec_path' is not in the installed tree: $(find "$D/root" -name pam-oidc -type f)"
grep -n '@[a-z_]*@' "$unit" > "$D/left" && t_fail "substitution" "$(cat "$D/left")" || t_pass "no @VARIABLE@ left in the unit"
rel=${unit#"$D/root"}
case "$rel" in
/lib/systemd/system/* | /usr/lib/systemd/system/* | /etc/systemd/system/*) in_path=1 ;;
*) in_path= ;;
esac
if [ -z "$in_path" ]; then
	# make distcheck installs under its own prefix, where systemd looks for no units.
	t_skip "systemd-analyze verify" "the unit folder $(dirname "$rel") is not one systemd searches"
elif command -v systemd-analyze > /dev/null 2>&1; then
	# The tree holds no sysinit.target (the unit's default dependency).
	systemd-analyze verify --man=no --root="$D/root" "${unit#"$D/root"}" > "$D/verify" 2>&1
	grep -v 'sysinit.target not found' "$D/verify" > "$D/verify.bad"
	[ ! -s "$D/verify.bad" ] && t_pass "systemd-analyze verify: no unknown key, ExecStart executable" ||
		t_fail "systemd-analyze verify" "$(cat "$D/verify.bad")"
else
	t_skip "systemd-analyze verify" "no systemd-analyze"
fi
t_done
