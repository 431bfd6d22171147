#!/bin/sh
# A bad period is refused at -device time: non-zero exit, one clear line.
. tests/lib/report.sh
qemu=build/qemu/qemu-system-x86_64
if [ ! -x "$qemu" ]; then
	skip "$qemu not built (run 'make qemu')"
	summary
fi
refused() {
	prop=$1 want=$2
	err=$("$qemu" -machine q35 -accel tcg -display none -nodefaults -S \
		-device "tickpage,$prop" </dev/null 2>&1 >/dev/null)
	rc=$?
	echo "# $prop: exit $rc: $err"
	check "$prop refused (exit $rc)" test "$rc" -ne 0
	case $err in
	*"$want"*) pass "$prop: message says \"$want\"" ;;
	*) fail "$prop: message lacks \"$want\"" ;;
	esac
}
refused period-ns=99999 "period-ns=99999 is out of range: it must be 100000..1000000000 ns"
refused period-ns=2000000000 "period-ns=2000000000 is out of range"
refused period-ns=0 "period-ns=0 is out of range"
refused period-ns=1ms "Parameter 'period-ns' expects integer"
refused period=1000000 "Property 'tickpage.period' not found"
out=$("$qemu" -device tickpage,help 2>&1)
case $out in
*"period-ns=<uint64>"*"100000..1000000000"*) pass "-device tickpage,help lists period-ns and its range" ;;
*) fail "-device tickpage,help: $out" ;;
esac
summary
