# Sourced by the bench-smoke scripts, from the top of the tree: the
# reporter, the build directory O (exported for scripts/bench) and checks.
. tests/lib/report.sh
O=${O:-build}
export O
#
# check_key FILE KEY [positive]: FILE (a summary.txt) has exactly one
# "KEY NUMBER" line; with "positive", the number is above zero.
check_key() {
	check "summary has $2 = a ${3:+$3 }number" awk -v k="$2" -v pos="${3:+1}" '
		$1 == k { n++
			  if ($2 !~ /^-?[0-9]+(\.[0-9]+)?$/ || NF != 2 || (pos && !($2 > 0)))
				  bad = 1 }
		END { exit !(n == 1 && !bad) }' "$1"
}

# need_built FILE...: skip the test (exit 77) unless every FILE exists.
need_built() {
	for f; do
		[ -e "$f" ] || { echo "SKIP: $f not built (make bench builds it)"; exit 77; }
	done
}
