#!/bin/sh
# Every patch of the series passes the kernel's own checkpatch.pl
# --strict, run from the very tree the series applies to.
#
# Patch 1 imports the files shared with user space and QEMU
# (scripts/series.shared), with the exceptions make lint allows them
# (scripts/lib/checkpatch-ignore.sh). Patch mode also reads
# "flags & TICKPAGE_F_VALID" in tickpage-read.h as an address-of
# (SPACING), and the reader includes the vDSO's own <asm/processor.h>
# where checkpatch wants <linux/...> (INCLUDE_LINUX).
. tests/lib/report.sh
. scripts/lib/checkpatch-ignore.sh
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
shared_ignore=$CHECKPATCH_SHARED,SPACING,INCLUDE_LINUX
top=$(pwd)
n=0
for p in guest/linux/*.patch; do
	case $p in */0000-*) continue ;; esac
	n=$((n + 1))
	ign=
	case $p in */0001-*) ign="--ignore $shared_ignore" ;; esac
	# From inside the tree, as its own maintainers run it: a git
	# checkout around the current directory changes what it checks.
	# shellcheck disable=SC2086 # ign is an option and its argument
	if out=$(cd "$tree" && scripts/checkpatch.pl --strict -q $ign "$top/$p" 2>&1); then
		pass "checkpatch --strict: $(basename "$p")${ign:+ (shared files: user-space exceptions)}"
	else
		fail "checkpatch --strict: $(basename "$p")"
		echo "$out" | head -n 40
	fi
	grep -q '^Signed-off-by: ' "$p" ||
		fail "$(basename "$p") has no Signed-off-by"
done
[ $n -gt 0 ] || fail "no patches in guest/linux/"
summary
