#!/bin/sh
# The DKMS packaging works: `make -C guest/driver tree` + dkms.conf build
# tickpage.ko for the test guests' kernel through dkms itself, in a
# private dkms tree (nothing is installed on this machine).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/report.sh"

command -v dkms >/dev/null || { skip "dkms not installed (scripts/setup)"; summary; }
eval "$("$top/scripts/guest-kernel" --print 2>/dev/null)" || {
	fail "scripts/guest-kernel"; summary; }
[ -d "/lib/modules/$KVER/build" ] || {
	skip "no /lib/modules/$KVER/build (headers: scripts/guest-kernel as root)"; summary; }

tmp=$(mktemp -d /tmp/tickpage-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/guest/driver/dkms.conf")
mkdir -p "$tmp/src" "$tmp/tree"
check "source tree for DKMS (make tree)" \
	make -s -C "$top/guest/driver" tree DEST="$tmp/src/tickpage-$ver"
check "headers carried in the tree" \
	test -f "$tmp/src/tickpage-$ver/include/tickpage-abi.h"
if dkms build -m tickpage -v "$ver" -k "$KVER" --dkmstree "$tmp/tree" \
		--sourcetree "$tmp/src" >"$tmp/log" 2>&1; then
	pass "dkms build tickpage/$ver for $KVER"
else
	sed 's/^/    /' "$tmp/log" | tail -n 30
	fail "dkms build tickpage/$ver for $KVER"
fi
ko=$(find "$tmp/tree" -name 'tickpage.ko*' | head -n 1)
check "dkms produced tickpage.ko ($KVER)" test -n "$ko"
[ -n "$ko" ] && check "its vermagic is $KVER" \
	sh -c "modinfo -F vermagic '$ko' | grep -q '^$KVER '"
summary
