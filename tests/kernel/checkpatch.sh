#!/bin/sh
# Every patch of the series passes the kernel's own checkpatch.pl
# --strict, run from the very tree the series applies to.
#
# Patch 1 imports files shared with user space and QEMU
# (scripts/series.shared): they compile there unchanged, so they use C99
# types and attributes, a keyword macro for either world and the vDSO's
# own <asm/processor.h>, and make lint checks them at their source with
# the same exceptions. Patch mode also reads "flags & TICKPAGE_F_VALID"
# in tickpage-read.h as an address-of (SPACING), which checkpatch -f on
# the file does not.
. tests/lib/report.sh
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
shared_ignore=PREFER_KERNEL_TYPES,CAMELCASE,BIT_MACRO,PREFER_DEFINED_ATTRIBUTE_MACRO,ARCH_DEFINES,COMPLEX_MACRO,MACRO_ARG_REUSE,LINE_SPACING,SPACING,INCLUDE_LINUX
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
