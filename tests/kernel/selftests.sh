#!/bin/sh
# Linux's own vDSO and timer selftests, from the very tree the guest
# kernel was built from, run inside the patched guest with a page bound
# (tests/kernel/selftests-guest.sh is the guest side).
. tests/lib/report.sh
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
st=$tree/tools/testing/selftests
out=build/tests/kernel/selftests
mkdir -p "$out"
cc="gcc -O2 -std=gnu99 -D_GNU_SOURCE -I$st -w"
build() {	# NAME SOURCES... [LIBS]
	n=$1; shift
	$cc -static -o "$out/$n" "$@" -lrt -lpthread -lm ||
		{ fail "build $n"; summary; }
}
build vdso_test_gettimeofday "$st/vDSO/vdso_test_gettimeofday.c" "$st/vDSO/parse_vdso.c"
build vdso_test_clock_getres "$st/vDSO/vdso_test_clock_getres.c"
build vdso_test_abi "$st/vDSO/vdso_test_abi.c" "$st/vDSO/parse_vdso.c"
build inconsistency-check "$st/timers/inconsistency-check.c"
build posix_timers "$st/timers/posix_timers.c"
build nanosleep "$st/timers/nanosleep.c"
# vdso_test_correctness finds the vDSO with dlopen(): dynamic, with the
# loader and libc shipped beside it.
$cc -o "$out/vdso_test_correctness" "$st/vDSO/vdso_test_correctness.c" -ldl ||
	{ fail "build vdso_test_correctness"; summary; }
libs=""
for l in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6 \
	 /lib/x86_64-linux-gnu/libdl.so.2; do
	[ -e "$l" ] && libs="$libs --file $(readlink -f "$l"):$l"
done
bins=""
for b in vdso_test_gettimeofday vdso_test_clock_getres vdso_test_abi \
	 inconsistency-check posix_timers nanosleep; do
	bins="$bins --bin $out/$b"
done
# shellcheck disable=SC2086 # word lists on purpose
exec tests/kernel/guest.py --mode "${1:-ivshmem}" $bins $libs \
	--file "$out/vdso_test_correctness:/bin/vdso_test_correctness" \
	--file tests/kernel/selftests-guest.sh:/bin/selftests-guest.sh \
	-- selftests-guest.sh
