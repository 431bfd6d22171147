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
# The coarse clocks' page path, __vdso_clock_gettime() and the jump it
# takes to do_coarse_tickpage_{mono,real}(), must lie in one 4 KiB page
# of the vDSO text: under TCG a jump to another page cannot be chained
# and costs a lookup, a quarter of a page read (docs/vdso.md). The
# series puts them first in .text, in a section of their own.
hot_pages() {	# IMAGE -> the page of each hot function's first and last byte
	nm -S "$1" | while read -r addr size _ name; do
		case $name in
		__vdso_clock_gettime | do_coarse_tickpage_mono | \
		do_coarse_tickpage_mono.constprop.[0-9]* | \
		do_coarse_tickpage_real | do_coarse_tickpage_real.constprop.[0-9]*)
			case $name in *.cold) continue ;; esac
			echo "$name $((0x$addr / 4096)) $(((0x$addr + 0x$size - 1) / 4096))" ;;
		esac
	done
}
pages=$(hot_pages "$tree/arch/x86/entry/vdso/vdso64.so.dbg")
echo "$pages" | sed 's/^/# hot: /'
n=$(echo "$pages" | grep -c .)
distinct=$(echo "$pages" | awk '{ print $2; print $3 }' | sort -u | wc -l)
if [ "$n" -eq 3 ] && [ "$distinct" -eq 1 ]; then
	pass "the page path's three functions share one page of the vDSO text"
else
	fail "the page path's functions ($n found, want 3) span $distinct pages of the vDSO text, want 1"
fi
rc=0
[ "$_fails" -eq 0 ] || rc=1
for t in "$tree" $(scripts/build-guest-kernel --stock --print --tree 2>/dev/null); do
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$t/.config")
	echo "# $t (CONFIG_HZ=$hz)"
	"$bin" --check --hz="$hz" "$t/arch/x86/entry/vdso/vdso64.so.dbg" || rc=1
done
exit $rc
