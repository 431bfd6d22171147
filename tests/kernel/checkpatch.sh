#!/bin/sh
# Every patch of the series passes the kernel's own checkpatch.pl
# --strict, run from the very tree the series applies to.
. tests/lib/report.sh
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
top=$(pwd)
n=0
for p in guest/linux/*.patch; do
	case $p in */0000-*) continue ;; esac
	n=$((n + 1))
	# From inside the tree, as its own maintainers run it: a git
	# checkout around the current directory changes what it checks.
	if out=$(cd "$tree" && scripts/checkpatch.pl --strict -q "$top/$p" 2>&1); then
		pass "checkpatch --strict: $(basename "$p")"
	else
		fail "checkpatch --strict: $(basename "$p")"
		echo "$out" | head -n 40
	fi
	grep -q '^Signed-off-by: ' "$p" ||
		fail "$(basename "$p") has no Signed-off-by"
done
[ $n -gt 0 ] || fail "no patches in guest/linux/"
summary
