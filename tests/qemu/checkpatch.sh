#!/bin/sh
# QEMU's scripts/checkpatch.pl on every patch of the series, run from the
# patched tree that scripts/build-qemu built (checkpatch wants a QEMU root).
. tests/lib/report.sh
src=build/qemu/src
if [ ! -x "$src/scripts/checkpatch.pl" ]; then
	skip "$src/scripts/checkpatch.pl missing (run 'make qemu')"
	summary
fi
top=$(pwd)
# QEMU's own checkpatch.pl, unpatched: the series imports what it does
# not check under include/standard-headers/, as QEMU imports Linux's.
if grep -l '^+++ b/scripts/checkpatch.pl$' qemu-patches/*.patch; then
	fail "the series changes QEMU's scripts/checkpatch.pl"
else
	pass "the series leaves QEMU's scripts/checkpatch.pl alone"
fi
for p in qemu-patches/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	out=$(cd "$src" && ./scripts/checkpatch.pl "$top/$p" 2>&1)
	rc=$?
	echo "$out" | grep -E '^(ERROR|WARNING)|^total' | sed 's/^/# /'
	check "checkpatch $(basename "$p")" test "$rc" -eq 0
done
summary
