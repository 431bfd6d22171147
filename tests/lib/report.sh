# Shell twin of tests/lib/report.h: source it, call pass/fail/skip,
# end with `summary` (exits 0 pass, 1 fail, 77 skip).
_passes=0 _fails=0 _skips=0
pass() { echo "PASS: $*"; _passes=$((_passes + 1)); }
fail() { echo "FAIL: $*"; _fails=$((_fails + 1)); }
skip() { echo "SKIP: $*"; _skips=$((_skips + 1)); }
# check DESCRIPTION COMMAND...: pass when COMMAND succeeds.
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
summary() {
	echo "SUMMARY: $_passes passed, $_fails failed, $_skips skipped"
	[ $_fails -gt 0 ] && exit 1
	[ $_passes -eq 0 ] && exit 77
	exit 0
}
