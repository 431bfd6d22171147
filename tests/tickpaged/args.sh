#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# tickpaged refuses bad usage and unusable paths with one clear line on
# stderr ("tickpaged: ...") and the documented exit code (2 usage,
# 1 run time), and never clobbers a file that is not a tickpage.
. tests/lib/report.sh

BIN=${TICKPAGED:-build/hv/tickpaged}
dir=$(mktemp -d /dev/shm/tickpaged-test-args.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT

# expect CODE WHAT ARGS...: exit code CODE, exactly one stderr line that
# starts "tickpaged: ", and (for a runtime error) it names the path.
expect() {
	want=$1 what=$2; shift 2
	timeout 5 "$BIN" "$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	lines=$(wc -l <"$dir/err")
	if [ "$rc" = "$want" ] && [ "$lines" = 1 ] &&
	   grep -q '^tickpaged: ' "$dir/err"; then
		pass "$what: exit $rc: $(cat "$dir/err")"
	else
		fail "$what: exit $rc (want $want), $lines stderr lines: $(cat "$dir/err")"
	fi
}

expect 2 "two PATHs" "$dir/a" "$dir/b"
expect 2 "unknown option" --bogus "$dir/p"
expect 2 "option without its argument" "$dir/p" --period
expect 2 "period without a unit" --period=1000 "$dir/p"
expect 2 "period with a bad unit" --period=1xs "$dir/p"
expect 2 "period that is not a number" --period=ms "$dir/p"
expect 2 "period zero" --period=0ms "$dir/p"
expect 2 "period below 100us" --period=99us "$dir/p"
expect 2 "period above 1s" --period=1001ms "$dir/p"
expect 2 "period overflowing 64 bits" --period=99999999999999999999s "$dir/p"
expect 2 "--print-period of a bad period" --period=5 --print-period

# --print-period: what tickpage-virt-xml asks; prints, creates nothing.
for p in 100us:100000 1ms:1000000 4ms:4000000 1s:1000000000 ""; do
	out=$("$BIN" ${p:+--period=${p%%:*}} --print-period "$dir/pp" 2>&1)
	rc=$?
	want=${p#*:}
	[ -n "$p" ] || want=1000000
	if [ $rc = 0 ] && [ "$out" = "$want" ] && [ ! -e "$dir/pp" ]; then
		pass "--print-period ${p%%:*}: $out, no file made"
	else
		fail "--print-period ${p%%:*}: exit $rc, '$out' (want $want)"
	fi
done
expect 2 "size that is not a size" --size=big "$dir/p"
expect 2 "size below a page" --size=2K "$dir/p"
expect 2 "size not a power of two" --size=12K "$dir/p"
expect 2 "size above 64M" --size=128M "$dir/p"
expect 2 "mode that is not octal" --mode=0999 "$dir/p"
expect 2 "unknown group" --group=no-such-group-tickpage "$dir/p"
expect 2 "sched policy that is not one" --sched=rr "$dir/p"
expect 2 "sched policy empty" --sched= "$dir/p"
expect 2 "sched other with a priority" --sched=other:5 "$dir/p"
expect 2 "sched fifo priority 0" --sched=fifo:0 "$dir/p"
expect 2 "sched fifo priority 100" --sched=fifo:100 "$dir/p"
expect 2 "sched fifo priority not a number" --sched=fifo:high "$dir/p"
expect 2 "sched fifo priority missing" --sched=fifo: "$dir/p"
expect 2 "sched fifo priority with a sign" --sched=fifo:+5 "$dir/p"
# The clock seam is the test build's (tickpaged-test) alone: the daemon
# that ships has no way to publish a time other than the host's.
expect 2 "--test-wall-offset-file in the production binary" \
	--test-wall-offset-file="$dir/off" "$dir/p"
expect 2 "--test-mono-offset in the production binary" \
	--test-mono-offset=+1000s "$dir/p"
# The test build checks its own seam's values the same way.
TEST_BIN=${TICKPAGED_TEST:-build/tests/tickpaged/tickpaged-test}
if [ -x "$TEST_BIN" ]; then
	prod=$BIN BIN=$TEST_BIN
	expect 2 "test build: --test-mono-offset without a unit" \
		--test-mono-offset=1000 "$dir/p"
	expect 2 "test build: --test-mono-offset not a duration" \
		--test-mono-offset=+s "$dir/p"
	expect 2 "test build: --test-mono-offset out of range" \
		--test-mono-offset=-99999999999s "$dir/p"
	BIN=$prod
else
	skip "test build: $TEST_BIN not built"
fi
[ -e "$dir/p" ] && fail "a refused start created $dir/p" ||
	pass "refused starts created no file"

expect 1 "PATH is a directory" "$dir"
expect 1 "PATH in a missing directory" "$dir/missing/page"
expect 1 "PATH is not a regular file" /dev/null
mkfifo "$dir/fifo"
expect 1 "PATH is a FIFO" "$dir/fifo"

printf 'hello' >"$dir/small"
expect 1 "wrong-size file that is not a tickpage" "$dir/small"
check "the wrong-size file is left as it was" \
	test "$(cat "$dir/small")" = hello

# --size sizes a new file, and refuses an existing one it does not fit.
timeout 5 "$BIN" --size=1M "$dir/big" 2>/dev/null &
pid=$!
i=0
while [ "$(stat -c %s "$dir/big" 2>/dev/null)" != 1048576 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$pid" 2>/dev/null
wait "$pid"
check "--size=1M: a new file is 1 MiB (what libvirt's <shmem> maps)" \
	test "$(stat -c %s "$dir/big")" = 1048576
expect 1 "--size=4K on an existing 1 MiB page" --size=4K "$dir/big"
check "the mismatched page is left at its size" \
	test "$(stat -c %s "$dir/big")" = 1048576

head -c 4096 /dev/urandom >"$dir/junk"
cp "$dir/junk" "$dir/junk.orig"
expect 1 "page-size file holding something else" "$dir/junk"
check "the other file is left as it was" cmp -s "$dir/junk" "$dir/junk.orig"

# Root may write anything, so be someone else to see the refusal.
: >"$dir/ro"
chmod 0644 "$dir/ro"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0755 "$dir"
	BIN_ABS=$(readlink -f "$BIN")
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$BIN_ABS" "$dir/ro" >"$dir/out" 2>"$dir/err"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$dir/err")" = 1 ] &&
	   grep -q '^tickpaged: .*cannot open for writing' "$dir/err"; then
		pass "unwritable file: exit 1: $(cat "$dir/err")"
	else
		fail "unwritable file: exit $rc: $(cat "$dir/err")"
	fi
elif [ "$(id -u)" != 0 ]; then
	chmod 0444 "$dir/ro"
	expect 1 "unwritable file" "$dir/ro"
else
	skip "unwritable file: root without setpriv"
fi

# Without PATH: the unit's runtime directory. Only where it does not
# exist, so that this never publishes on a page a running unit owns.
if [ ! -e /run/tickpage ]; then
	expect 1 "default PATH without its runtime directory"
	check "the refusal names the default PATH and RuntimeDirectory=" \
		grep -q '^tickpaged: /run/tickpage/page: .*RuntimeDirectory=' \
		"$dir/err"
else
	skip "default PATH: /run/tickpage exists, a unit may be publishing there"
fi

"$BIN" --help >"$dir/out" 2>"$dir/err"
rc=$?
missing=""
for s in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS FILES EXAMPLES; do
	grep -q "^$s\$" "$dir/out" || missing="$missing $s"
done
if [ $rc = 0 ] && [ -z "$missing" ] && [ ! -s "$dir/err" ]; then
	pass "--help: exit 0, man-page sections on stdout"
else
	fail "--help: exit $rc, missing sections:$missing"
fi
check "--help gives the default PATH" grep -q '/run/tickpage/page' "$dir/out"
if grep -q 'test-wall-offset\|test-mono-offset' "$dir/out"; then
	fail "--help of the production binary mentions the test seam"
else
	pass "--help of the production binary does not mention the test seam"
fi

summary
