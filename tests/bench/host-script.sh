#!/bin/sh
# bench-smoke: scripts/bench runs the host benchmark (quick mode, into a
# scratch directory) and it leaves every documented summary key with a
# number, the CSV files and the plot. The figures are not judged.
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

command -v valgrind >/dev/null || { echo "SKIP: valgrind missing"; exit 77; }
if [ -x "$O/hv/tickpaged" ]; then
	unset TICKPAGE_BENCH_PUBLISHER
else
	# Only proves the script; make bench itself insists on tickpaged.
	echo "# tickpaged not built: running the script on the test publisher"
	TICKPAGE_BENCH_PUBLISHER=$O/tests/guest/tp-publish
	export TICKPAGE_BENCH_PUBLISHER
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

TICKPAGE_BENCH_OUT=$tmp TICKPAGE_BENCH_QUICK=1 scripts/bench 10-host > "$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
check "scripts/bench 10-host exits 0" [ $rc -eq 0 ]

# Keys docs/benchmarks.md promises, each exactly once with a number.
for k in host_read_ns host_vdso_coarse_ns host_syscall_ns host_vdso_fine_ns \
	 host_read_vs_vdso_coarse_ratio host_read_fallbacks \
	 host_read_instructions host_vdso_coarse_instructions \
	 host_read_instructions_stepped \
	 tickpaged_lag_p50_us_1ms tickpaged_lag_p99_us_1ms \
	 tickpaged_lag_max_us_1ms tickpaged_lag_p50_us_4ms \
	 tickpaged_lag_p99_us_4ms tickpaged_lag_max_us_4ms \
	 tickpaged_cpu_pct_1ms tickpaged_cpu_us_per_tick_1ms tickpaged_cpu_pct_4ms \
	 target_read_le_half_vdso_coarse_met target_lag_p99_1ms_met \
	 target_tickpaged_cpu_1ms_met; do
	check_key "$tmp/summary.txt" "$k"
done
check "every summary line is 'key number'" awk '
	NF != 2 || $2 !~ /^-?[0-9]+(\.[0-9]+)?$/ { bad = 1 }
	END { exit !(NR > 0 && !bad) }' "$tmp/summary.txt"
check "host.csv: header and four fields a row" awk -F, '
	NR == 1 { ok = ($0 == "section,name,value,unit"); next }
	NF != 4 || $3 !~ /^-?[0-9]+(\.[0-9]+)?$/ { ok = 0 }
	END { exit !(ok && NR > 20) }' "$tmp/host.csv"
check "lag CSV has the 1 ms and 4 ms rows" awk -F, '
	NR > 1 { p = p " " $1 ":" $2 } END { exit !(p ~ / 1ms:1000.0( |$)/ && p ~ / 4ms:4000.0( |$)/) }' "$tmp/host-lag.csv"
if command -v gnuplot >/dev/null; then
	check "host.svg is an SVG" grep -q '<svg' "$tmp/host.svg"
else
	skip "gnuplot missing: no plot to check"
fi
check "the table is printed" grep -q 'tickpaged staleness' "$tmp/log"

# A failing bench script is reported and does not stop the others.
mkdir -p "$tmp/fw/scripts/bench.d"
cp scripts/bench "$tmp/fw/scripts/bench"
printf '#!/bin/sh\necho one 1 >> "$TICKPAGE_BENCH_OUT/summary.txt"\nexit 3\n' \
	> "$tmp/fw/scripts/bench.d/10-fails"
printf '#!/bin/sh\necho two 2 >> "$TICKPAGE_BENCH_OUT/summary.txt"\n' \
	> "$tmp/fw/scripts/bench.d/20-works"
chmod +x "$tmp/fw/scripts/bench.d/"*
echo "stale 0" > "$tmp/fw/summary.txt"
TICKPAGE_BENCH_OUT=$tmp/fw "$tmp/fw/scripts/bench" > "$tmp/fw.log" 2>&1
rc=$?
check "framework: a failing script makes the run fail" [ $rc -ne 0 ]
check "framework: the failure is reported by name" grep -q 'FAILED.*10-fails\|10-fails FAILED' "$tmp/fw.log"
check "framework: later scripts still run" grep -qx 'two 2' "$tmp/fw/summary.txt"
check "framework: summary.txt starts empty each run" sh -c "! grep -q stale '$tmp/fw/summary.txt'"
summary
