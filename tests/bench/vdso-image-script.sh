#!/bin/sh
# bench-smoke: scripts/bench 45-vdso-image (quick mode, into a scratch
# directory) leaves every documented vdso_image_* key with a number and
# vdso-image.csv with its six rows. The figures are not judged, except
# that an instruction count is a positive number.
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

command -v valgrind >/dev/null || { echo "SKIP: valgrind missing"; exit 77; }
scripts/build-guest-kernel --print >/dev/null 2>&1 || {
	echo "SKIP: patched guest kernel not built (make check builds it)"
	exit 77
}
# make bench builds the unpatched kernel, make check does not: its rows
# are checked when it is there.
stock=
scripts/build-guest-kernel --stock --print >/dev/null 2>&1 && stock=1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

TICKPAGE_BENCH_OUT=$tmp TICKPAGE_BENCH_QUICK=1 scripts/bench 45-vdso-image > "$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
check "scripts/bench 45-vdso-image exits 0" [ $rc -eq 0 ]
keys="vdso_image_page_instructions vdso_image_fallback_instructions
      vdso_image_page_ns vdso_image_fallback_ns"
[ -n "$stock" ] && keys="$keys vdso_image_stock_instructions
	vdso_image_page_vs_stock_instructions_ratio
	vdso_image_fallback_vs_stock_instructions_ratio vdso_image_stock_ns
	vdso_image_page_vs_stock_ratio vdso_image_fallback_vs_stock_ratio
	vdso_image_page_vs_stock_instr_ratio_mono
	vdso_image_page_vs_stock_instr_ratio_real
	vdso_image_page_vs_stock_ns_ratio_mono
	vdso_image_page_vs_stock_ns_ratio_real"
for k in $keys; do
	check_key "$tmp/summary.txt" "$k" positive
done
rows=4
[ -n "$stock" ] && rows=6
check "vdso-image.csv: header and $rows rows, both clocks" awk -F, -v rows=$rows '
	NR == 1 { ok = ($0 == "variant,clock,instructions_per_call,ns_per_call,ns_min,ns_max"); next }
	{ seen[$1 "/" $2]++
	  if (NF != 6 || !($3 > 0) || !($5 > 0) || !($5 <= $4 && $4 <= $6)) ok = 0 }
	END { exit !(ok && NR == rows + 1 && seen["page/mono"] &&
		     seen["fallback/mono"] && seen["page/real"] &&
		     seen["fallback/real"] &&
		     (rows == 4 || (seen["stock/mono"] && seen["stock/real"]))) }' \
	"$tmp/vdso-image.csv"
summary
