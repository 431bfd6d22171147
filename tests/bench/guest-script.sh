#!/bin/sh
# bench-smoke: scripts/bench 30-guest boots a guest (quick mode, into a
# scratch directory) and leaves every documented guest_* key with a
# number and guest.csv with the four paths. The figures are not judged.
# Also: tickpage-bench --lib refuses a page that libtickpage cannot
# serve (no driver on the host), rather than timing its fallback.
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

need_built "$O/qemu/qemu-system-x86_64" "$O/guest/driver/tickpage.ko" \
	"$O/vdso/tools/tickpage-bench-static" "$O/vm/guest-kernel.env" \
	"$O/tests/guest/tp-publish"
tmp=$(mktemp -d) || exit 1
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT

"$O/tests/guest/tp-publish" --period=1ms "$tmp/page" &
pid=$!
i=0
until "$O/vdso/tools/tickpage-bench" --page="$tmp/page" --loop=page \
	--count=1 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { fail "test publisher's page never became valid"; summary; }
	sleep 0.1
done
"$O/vdso/tools/tickpage-bench" --page="$tmp/page" --lib --rounds=1 \
	--round-ms=1 > "$tmp/lib.out" 2> "$tmp/lib.err"
rc=$?
sed 's/^/# /' "$tmp/lib.err"
check "--lib without the driver's guest page exits 1" [ $rc -eq 1 ]
check "... with one error line saying why" awk '
	/--lib needs the driver.s device/ { n++ }
	END { exit !(n == 1 && NR == 1) }' "$tmp/lib.err"
kill $pid
wait $pid 2>/dev/null
pid=""

TICKPAGE_BENCH_OUT=$tmp TICKPAGE_BENCH_QUICK=1 scripts/bench 30-guest \
	> "$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
check "scripts/bench 30-guest exits 0" [ $rc -eq 0 ]
for k in guest_lib_read_ns guest_page_read_ns guest_vdso_coarse_ns \
	 guest_syscall_ns guest_lib_vs_vdso_coarse_ratio \
	 guest_page_vs_vdso_coarse_ratio guest_lib_vs_syscall_ratio \
	 guest_accel_kvm; do
	check_key "$tmp/summary.txt" "$k"
done
check "guest.csv: lib, page, vdso-coarse, syscall, positive, no fallback" \
	awk -F, '
	NR == 1 { ok = ($1 == "path" && $2 == "ns_per_call" && $8 == "fallbacks"); next }
	$2 + 0 <= 0 || $8 != 0 { ok = 0 }
	{ seen[$1] = 1 }
	END { exit !(ok && seen["lib"] && seen["page"] && seen["vdso-coarse"] && seen["syscall"]) }' \
	"$tmp/guest.csv"
summary
