#!/bin/sh
# Runs a command inside the private world built by tests/e2e/lib.sh.
# Usage: ns-run.sh NSDIR CMD...
# With PAM_OIDC_VERIFY_BUILT and PAM_OIDC_VERIFY_PATH set (tests/e2e/lib.sh,
# scripts/demo.sh), the built verification object is installed at the path
# compiled into pam_oidc.so, in this namespace only: an overlay on the
# nearest folder that exists, so the host's folders stay as they are.
exec unshare -m --propagation private sh -c '
	NS=$1; shift
	mount --bind "$NS/pam.d" /etc/pam.d || exit 99
	for f in passwd shadow group sudoers; do mount --bind "$NS/etc/$f" /etc/$f || exit 99; done
	mount --bind "$NS/run" /run && mkdir -p -m 755 /run/sshd || exit 99
	mount -t tmpfs tmpfs /var/log || exit 99
	mount --rbind /dev "$NS/hostdev" && mount -t tmpfs -o mode=755,nosuid tmpfs /dev || exit 99
	for n in null zero full random urandom tty console; do
		[ -e "$NS/hostdev/$n" ] || continue
		touch /dev/$n && mount --bind "$NS/hostdev/$n" /dev/$n
	done
	# A devpts instance of our own: sshd and sudo allocate ptys from it.
	mkdir /dev/pts /dev/shm && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts || exit 99
	ln -s pts/ptmx /dev/ptmx
	[ -d "$NS/hostdev/shm" ] && mount --rbind "$NS/hostdev/shm" /dev/shm
	ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
	touch /dev/log && mount --bind "$NS/devlog" /dev/log || exit 99
	if [ -n "${PAM_OIDC_VERIFY_BUILT:-}" ] && [ -n "${PAM_OIDC_VERIFY_PATH:-}" ]; then
		vd=$(dirname "$PAM_OIDC_VERIFY_PATH"); low=$vd
		while [ ! -d "$low" ]; do low=$(dirname "$low"); done
		ov=$(mktemp -d "$NS/verify-overlay.XXXXXX") && mkdir "$ov/up" "$ov/work" &&
			mount -t overlay overlay -o "lowerdir=$low,upperdir=$ov/up,workdir=$ov/work" "$low" &&
			mkdir -p -m 755 "$vd" && install -m 755 "$PAM_OIDC_VERIFY_BUILT" "$PAM_OIDC_VERIFY_PATH" || exit 99
	fi
	exec "$@"' ns-run "$@"
