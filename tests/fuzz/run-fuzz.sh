#!/bin/sh
# Run one libFuzzer target for a bounded time and report the result.
#
# Usage: tests/fuzz/run-fuzz.sh TARGET SECONDS
#   TARGET is fuzz-read, fuzz-writer or fuzz-vdso (built by
#   tests/fuzz/build.mk); fuzz-vdso runs the patched guest kernel's vDSO
#   image, and skips when that kernel is not built.
# The corpus grows in build/tests/fuzz/corpus-TARGET across runs, seeded
# from mkseeds; a crash, a failed CHECK or a sanitizer report fails the
# test and leaves the input in build/tests/fuzz/artifacts/.
. tests/lib/report.sh
O=${O:-build}
dir=$O/tests/fuzz
target=$1 secs=$2
bin=$dir/$target
case $target in
fuzz-read) seeds=$dir/seeds-read ;;
fuzz-writer) seeds=$dir/seeds-writer ;;
fuzz-vdso)
	# The patched kernel's own vDSO image (fuzz-vdso.c).
	seeds=$dir/seeds-vdso
	tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
		skip "fuzz-vdso: patched guest kernel not built (make guest-kernel)"
		summary
	}
	TICKPAGE_VDSO_IMAGE=$tree/arch/x86/entry/vdso/vdso64.so.dbg
	export TICKPAGE_VDSO_IMAGE
	# A raw page needs 72 bytes beyond the state's: not too slow a start.
	extra=-max_len=256 ;;
*) echo "run-fuzz.sh: unknown target '$target' (fuzz-read, fuzz-writer or fuzz-vdso)" >&2
   exit 2 ;;
esac
case $secs in
''|*[!0-9]*) echo "run-fuzz.sh: SECONDS must be a whole number, not '$secs'" >&2
   exit 2 ;;
esac
if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
	fail "$target: not built (make $bin $seeds)"
	summary
fi
corpus=$dir/corpus-$target
mkdir -p "$corpus" "$dir/artifacts"
log=$dir/$target.log

# -timeout: a read that spins too long counts as a hang; the reader's
# retry bound keeps a read far below it. fuzz-vdso fails a call long
# before, past its instruction budget.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=abort_on_error=1 \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 ${extra:-} \
	-print_final_stats=1 -artifact_prefix="$dir/artifacts/$target-" \
	"$corpus" "$seeds" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
insns=$(sed -n 's/^fuzz-vdso: most instructions in one call: /; most instructions per call: /p' "$log" | tail -n 1)
if [ $rc -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ] &&
   ! grep -qE 'ERROR: (AddressSanitizer|libFuzzer)|runtime error:' "$log"; then
	pass "$target: ${secs}s, $execs inputs ($rate/s), $cov, no crash, no sanitizer report$insns"
else
	tail -n 40 "$log" | sed 's/^/    /'
	fail "$target: exit $rc after ${execs:-0} inputs (log $log, inputs in $dir/artifacts/)"
fi
summary
