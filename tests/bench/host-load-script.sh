#!/bin/sh
# bench-smoke: scripts/bench 15-host-load runs tickpaged under stress-ng
# and under a parallel build (quick mode, into a scratch directory) and
# leaves every documented key with a number and one CSV row per run,
# the FIFO runs too where SCHED_FIFO is allowed. The figures are not
# judged; no load is left running.
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

command -v stress-ng >/dev/null ||
	{ echo "SKIP: stress-ng missing (scripts/setup installs it)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

before=$(pgrep -x stress-ng | tr '\n' ' ')
TICKPAGE_BENCH_OUT=$tmp TICKPAGE_BENCH_QUICK=1 scripts/bench host-load \
	> "$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
check "scripts/bench 15-host-load exits 0" [ $rc -eq 0 ]

runs="loaded_cfs build_cfs"
if [ "$(id -u)" = 0 ] && chrt -f 1 true 2>/dev/null; then
	runs="$runs loaded_fifo build_fifo"
	check_key "$tmp/summary.txt" target_lag_p99_1ms_loaded_fifo_met
else
	skip "SCHED_FIFO not allowed here: no FIFO runs to check"
fi
for r in $runs; do
	for k in samples p50_us p99_us max_us; do
		check_key "$tmp/summary.txt" "tickpaged_lag_${k}_1ms_$r" positive
	done
	check_key "$tmp/summary.txt" "tickpaged_lag_ahead_1ms_$r"
	check_key "$tmp/summary.txt" "tickpaged_ticks_per_s_1ms_$r" positive
	check "host-load-lag.csv has the $r row at 1 ms" \
		grep -q "^1ms_$r,1000.0," "$tmp/host-load-lag.csv"
done
check "every summary line is 'key number'" awk '
	NF != 2 || $2 !~ /^-?[0-9]+(\.[0-9]+)?$/ { bad = 1 }
	END { exit !(NR > 0 && !bad) }' "$tmp/summary.txt"
check "the table is printed" grep -q 'tickpaged at 1 ms, every CPU busy' "$tmp/log"
# Its loads run in sessions of their own, ended with the script: no
# stress-ng that was not there before, no make loop of its own.
left_running() {
	for p in $(pgrep -x stress-ng); do
		case " $before " in *" $p "*) ;; *) return 0 ;; esac
	done
	pgrep -f 'make -s -j"\$2"' >/dev/null
}
check "no stress-ng or build of its own left running" eval '! left_running'
summary
