#!/bin/sh
# bench-smoke: the benchmark programs run against a live page and print
# well-formed figures. Speed is not judged here (make bench measures it):
# only that every field is there, is a number, and is self-consistent.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/report.sh

O=${O:-build}
bench=$O/vdso/tools/tickpage-bench
pub=$O/tests/guest/tp-publish
icount=$O/tests/bench/tickpage-icount
for f in "$bench" "$bench-static" "$pub" "$icount"; do
	[ -x "$f" ] || { echo "SKIP: $f not built (make check builds it)"; exit 77; }
done

tmp=$(mktemp -d) || exit 1
page=$tmp/page
"$pub" --period=1ms "$page" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
until "$bench" --page="$page" --loop=page --count=1 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { fail "test publisher's page never became valid"; summary; }
	sleep 0.1
done

# A speed CSV: the header, then page, vdso-coarse, syscall[, vdso-fine]
# with positive numbers, min <= median <= max, vdso-coarse's ratio 1,
# no fallback.
read_csv_ok() {
	awk -F, -v want="$2" '
	function num(x) { return x ~ /^[0-9]+(\.[0-9]+)?$/ }
	NR == 1 { ok = ($0 == "path,ns_per_call,ns_min,ns_max,ratio_vs_vdso_coarse,rounds,calls_per_round,fallbacks"); next }
	{
		got = got (got == "" ? "" : " ") $1
		if (NF != 8) ok = 0
		for (i = 2; i <= 8; i++) if (!num($i)) ok = 0
		if (!($2 > 0 && $3 <= $2 && $2 <= $4 && $5 > 0 && $7 > 0)) ok = 0
		if ($1 == "vdso-coarse" && $5 != 1) ok = 0
		if ($8 != 0) ok = 0
	}
	END { exit !(ok && got == want) }' "$1"
}

for b in "$bench" "$bench-static"; do
	n=${b##*/}
	"$b" --page="$page" --rounds=3 --round-ms=2 --csv > "$tmp/read.csv"
	check "$n: speed run exits 0" [ $? -eq 0 ]
	check "$n: speed CSV well-formed" \
		read_csv_ok "$tmp/read.csv" "page vdso-coarse syscall"
	"$b" --page="$page" --rounds=3 --round-ms=2 --vdso-fine --csv > "$tmp/read.csv"
	check "$n: --vdso-fine adds its column" \
		read_csv_ok "$tmp/read.csv" "page vdso-coarse syscall vdso-fine"
done

"$bench" --page="$page" --rounds=3 --round-ms=2 > "$tmp/table"
check "table names every path" sh -c "grep -q '^  page ' $tmp/table &&
	grep -q '^  vdso-coarse ' $tmp/table && grep -q '^  syscall ' $tmp/table"

# Staleness: one row, min <= p50 <= p90 <= p99 <= max, samples > 0,
# the period the publisher was given.
"$bench" --page="$page" --lag --duration=500 --csv > "$tmp/lag.csv"
check "lag run exits 0" [ $? -eq 0 ]
check "lag CSV well-formed and ordered" awk -F, '
	NR == 1 { ok = ($0 == "period_us,samples,lag_min_us,lag_p50_us,lag_p90_us,lag_p99_us,lag_max_us,negative,fallbacks"); next }
	NR == 2 { ok = ok && NF == 9 && $1 == 1000 && $2 > 0 && $3 <= $4 &&
		  $4 <= $5 && $5 <= $6 && $6 <= $7 && $8 == 0 }
	END { exit !(ok && NR == 2) }' "$tmp/lag.csv"

for p in page vdso-coarse syscall vdso-fine empty; do
	check "--loop=$p runs" \
		"$bench" --page="$page" --loop="$p" --count=1000
done

# Bad input: one clear line, non-zero exit.
bad() {
	"$bench" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -ne 0 ] && [ "$(wc -l < "$tmp/err")" -ge 1 ] && [ ! -s "$tmp/out" ]
}
check "missing page refused" bad --page="$tmp/none"
check "page that is not a tickpage refused" sh -c "head -c 4096 /dev/zero > $tmp/zero &&
	! $bench --page=$tmp/zero --loop=page --count=1 2>/dev/null"
check "unknown --loop path refused" bad --page="$page" --loop=nope --count=1
check "--loop without --count refused" bad --page="$page" --loop=page
check "bad --rounds refused" bad --page="$page" --rounds=x

# Instruction counts: integers, the harness itself 0, every read > 0.
"$icount" --page="$page" --count=20 > "$tmp/ic.csv"
check "tickpage-icount exits 0" [ $? -eq 0 ]
check "tickpage-icount CSV well-formed" awk -F, '
	NR == 1 { ok = ($0 == "path,instructions,instructions_worst"); next }
	{ got = got " " $1; if (!($2 ~ /^[0-9]+$/ && $3 >= $2)) ok = 0 }
	$1 == "empty" && $2 != 0 { ok = 0 }
	$1 != "empty" && $2 <= 0 { ok = 0 }
	END { exit !(ok && got == " page vdso-coarse syscall empty") }' "$tmp/ic.csv"

summary
