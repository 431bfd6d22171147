#!/bin/sh
# Run QEMU's own tickpage qtest (tests/qtest/tickpage-test.c in the series)
# against the built emulator; one PASS/FAIL line per qtest path.
. tests/lib/report.sh
qemu=build/qemu/qemu-system-x86_64
t=build/qemu/tickpage-test
if [ ! -x "$qemu" ] || [ ! -x "$t" ]; then
	skip "$qemu or $t not built (run 'make qemu')"
	summary
fi
out=$(QTEST_QEMU_BINARY=$qemu timeout 120 "$t" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
n=$(echo "$out" | grep -c '^ok ')
# qtest paths have no spaces; no pipeline, so the counters survive.
for path in $(echo "$out" | sed -n 's/^ok [0-9]* \(.*\)/\1/p'); do
	pass "qtest $path"
done
for path in $(echo "$out" | sed -n 's/^not ok [0-9]* \([^ ]*\).*/\1/p'); do
	fail "qtest $path"
done
# The plan line ("1..4") says how many ran; a crash shows as a shortfall.
plan=$(echo "$out" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
check "qtest ran its plan of ${plan:-?} tests and exited 0 ($n ok, exit $rc)" \
	test "$rc" -eq 0 -a -n "$plan" -a "$n" = "$plan"
summary
