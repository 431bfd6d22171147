#!/bin/sh
# Guest side of tests/kernel/selftests.sh: run each selftest, one
# PASS/FAIL line per program (its own output is kept above it).
_passes=0 _fails=0
run() {	# NAME COMMAND...
	n=$1; shift
	echo "# $*"
	if "$@"; then
		echo "PASS: selftest $n"; _passes=$((_passes + 1))
	else
		echo "FAIL: selftest $n (exit $?)"; _fails=$((_fails + 1))
	fi
}
# Let the driver hand the page to the vDSO before anything reads it.
sleep 1
grep -q . /sys/class/misc/tickpage/status 2>/dev/null &&
	echo "# page status: $(cat /sys/class/misc/tickpage/status)"
run vdso_test_gettimeofday vdso_test_gettimeofday
run vdso_test_clock_getres vdso_test_clock_getres
run vdso_test_abi vdso_test_abi
run vdso_test_correctness vdso_test_correctness
run "inconsistency-check REALTIME_COARSE" inconsistency-check -c 5 -t 5
run "inconsistency-check MONOTONIC_COARSE" inconsistency-check -c 6 -t 5
run posix_timers posix_timers
run nanosleep nanosleep
echo "SUMMARY: $_passes passed, $_fails failed, 0 skipped"
[ $_fails -eq 0 ]
