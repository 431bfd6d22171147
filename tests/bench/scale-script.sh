#!/bin/sh
# bench-smoke: scripts/bench 50-scale boots one idle guest per host mode
# (quick mode, N=1, into a scratch directory) and leaves every documented
# scale_* key for N=1 with a number (the reference tickpaged's among
# them), scale.csv and scale-runs.csv with their rows, and the plot. The figures are not judged; no QEMU or
# tickpaged of its own is left running.
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

need_built "$O/qemu/qemu-system-x86_64" "$O/hv/tickpaged" \
	"$O/vdso/tools/tickpage-bench-static" "$O/vm/guest-kernel.env"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

before=$(pgrep -f "tickpage-bench-scale-" | tr '\n' ' ')
SCALE_N=1 TICKPAGE_BENCH_OUT=$tmp TICKPAGE_BENCH_QUICK=1 scripts/bench scale \
	> "$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
check "scripts/bench 50-scale exits 0" [ $rc -eq 0 ]
for m in own shared ivshmem; do
	check_key "$tmp/summary.txt" "scale_pub_cpu_pct_${m}_n1"
	check_key "$tmp/summary.txt" "scale_lag_p99_us_${m}_n1" positive
	check_key "$tmp/summary.txt" "scale_flatness_$m" positive
	check "scale.csv has the $m row for N=1" grep -q "^$m,1,1," "$tmp/scale.csv"
done
for k in scale_idle_cpu_pct_n1 scale_rounds scale_window_s scale_flatness_n \
	 host_loadavg_scale_start host_loadavg_scale_end scale_tickpaged_cpu_pct_n1 \
	 scale_qemu_cpu_pct_shared_n1 scale_added_cpu_pct_shared_n1 \
	 scale_added_cpu_pct_ivshmem_n1; do
	check_key "$tmp/summary.txt" "$k"
done
# The paired figures: a reference tickpaged, read in the same windows.
for k in scale_tickpaged_ref_cpu_pct scale_tickpaged_ref_cpu_pct_n1 \
	 scale_flatness_shared_paired scale_flatness_shared_min \
	 scale_flatness_shared_max; do
	check_key "$tmp/summary.txt" "$k" positive
done
check "scale-runs.csv has one window per mode" awk -F, '
	NR > 1 { seen[$2]++ } END { exit !(seen["none"] == 1 && seen["own"] == 1 &&
					 seen["shared"] == 1 && seen["ivshmem"] == 1) }' \
	"$tmp/scale-runs.csv"
if command -v gnuplot >/dev/null; then
	check "scale.svg and scale.png written" [ -s "$tmp/scale.svg" -a -s "$tmp/scale.png" ]
else
	skip "gnuplot missing: no plot to check"
fi
# Its guests and tickpaged name its scratch directory in /dev/shm
# (another run's, already there before, may go on).
left_running() {
	for p in $(pgrep -f "tickpage-bench-scale-"); do
		case " $before " in *" $p "*) ;; *) return 0 ;; esac
	done
	return 1
}
check "no QEMU or tickpaged of its own left running" eval '! left_running'
summary
