#!/bin/sh
# The patched guest kernel's own vDSO, run on the host (vdso-image.c):
# every state it serves the coarse clocks from, against the value the
# state implies. The unpatched build of the same source, when there is
# one, must serve its no-page states the same.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/report.sh

bin=${O:-build}/tests/kernel/vdso-image
[ -x "$bin" ] || { skip "$bin not built (make check builds it)"; summary; }
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
rc=0
for t in "$tree" $(scripts/build-guest-kernel --stock --print --tree 2>/dev/null); do
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$t/.config")
	echo "# $t (CONFIG_HZ=$hz)"
	"$bin" --check --hz="$hz" "$t/arch/x86/entry/vdso/vdso64.so.dbg" || rc=1
done
exit $rc
