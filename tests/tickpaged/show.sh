#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# tickpage-show decodes what tickpaged publishes: the generation and
# period it prints are the page's (read independently here with od), a
# watch shows the update count moving, a stopped page is reported as not
# valid (exit 3) and a file that is not a tickpage is refused (exit 1).
. tests/lib/report.sh

BIN=${TICKPAGED:-build/hv/tickpaged}
SHOW=build/vdso/tools/tickpage-show
page=/dev/shm/tickpaged-test-show-$$
out=/dev/shm/tickpaged-test-show-$$.out
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -f "$page" "$out"' EXIT

# u64 at byte offset $1 of the page, independently of tickpage-read.h.
field() { od -A n -t u8 -j "$1" -N 8 "$page" | tr -d ' '; }

"$BIN" -q --period=2ms "$page" & pid=$!
i=0
while [ $i -lt 300 ] && ! "$SHOW" --once "$page" >/dev/null 2>&1; do
	sleep 0.01; i=$((i + 1))
done

"$SHOW" --once "$page" >"$out"; rc=$?
gen=$(field 24)
check "--once on a live page exits 0 ($rc)" test $rc = 0
check "--once shows the page's generation $gen" grep -q "^generation  *$gen\$" "$out"
check "--once shows the period 2ms" grep -q '^period  *2ms$' "$out"
check "--once says valid" grep -q '^status  *valid$' "$out"

"$SHOW" --watch 1 "$page" >"$out"; rc=$?
n=$(grep -c '^valid ' "$out")
first=$(grep '^valid ' "$out" | head -n 1 | awk '{print $3}')
last=$(grep '^valid ' "$out" | tail -n 1 | awk '{print $3}')
check "--watch 1 exits 0 ($rc)" test $rc = 0
check "--watch 1 prints a line per ~200 ms ($n lines)" test "$n" -ge 4 -a "$n" -le 7
check "--watch sees updates move ($first -> $last)" test "${last:-0}" -gt "${first:-0}"

kill -TERM $pid; wait $pid; pid=""
"$SHOW" --once "$page" >"$out"; rc=$?
check "--once on a stopped page exits 3 ($rc)" test $rc = 3
check "--once says NOT VALID" grep -q '^status  *NOT VALID' "$out"

head -c 4096 /dev/zero >"$page"
"$SHOW" --once "$page" >"$out" 2>&1; rc=$?
check "--once on a zero page exits 1 ($rc)" test $rc = 1
"$SHOW" --watch 0 "$page" >/dev/null 2>&1; rc=$?
check "--watch 0 is bad usage, exit 2 ($rc)" test $rc = 2

summary
