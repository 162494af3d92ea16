#!/bin/sh
# Everything the README's commands need before `make`: dependencies,
# autotools, configure. Idempotent; extra arguments go to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	./autogen.sh >/dev/null 2>&1 || ./autogen.sh
fi
want="$*"
have=$(sed -n 's/^ac_cs_config=.\(.*\).$/\1/p' config.status 2>/dev/null | sed "s/'//g") || have=
if [ ! -f Makefile ] || [ "$want" != "$have" ] || [ configure -nt config.status ]; then
	./configure --quiet "$@"
fi
