#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# tickpaged as hv/tickpaged.service runs it, without systemd: its own
# unprivileged user, group kvm, no capabilities, no new privileges, in a
# 0750 directory of its own (what RuntimeDirectory= makes of
# /run/tickpage). It publishes a 0640 page that a kvm-group reader (QEMU
# as libvirt-qemu:kvm) can read and nothing more: not write the page, not
# put a file into the directory, not open the lock file. Anyone else
# cannot even see the page. SIGHUP stops it cleanly and a restart
# continues the page with generation + 1.
. tests/lib/report.sh

BIN=$(readlink -f "${TICKPAGED:-build/hv/tickpaged}")
SHOW=$(readlink -f build/vdso/tools/tickpage-show)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to be other users"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: needs setpriv"; exit 77; }
kvm=$(getent group kvm | cut -d: -f3)
[ -n "$kvm" ] || { echo "SKIP: no group kvm"; exit 77; }

# Two uids nobody has: the daemon's and QEMU's stand-ins. No user is
# created; setpriv takes bare numbers.
free_uid() {
	u=$1
	while getent passwd "$u" >/dev/null; do u=$((u + 1)); done
	echo "$u"
}
tpd_uid=$(free_uid 60900)
qemu_uid=$(free_uid $((tpd_uid + 1)))

# Where RuntimeDirectory= would put it, but private to this test.
top=$(mktemp -d /dev/shm/tickpaged-test-user.XXXXXX) || exit 1
chmod 0755 "$top"
rundir=$top/tickpage
page=$rundir/page
mkdir -m 0750 "$rundir" && chown "$tpd_uid:$kvm" "$rundir"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$top"' EXIT
# So that a timeout's SIGTERM also cleans up, daemon included.
trap 'exit 1' HUP INT TERM

as_tpd() {
	setpriv --reuid="$tpd_uid" --regid="$kvm" --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs "$@"
}
# In the background, with $pid the daemon's own (not a subshell's).
start_tpd() {
	setpriv --reuid="$tpd_uid" --regid="$kvm" --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs \
		"$BIN" -q --mode=0640 "$page" &
	pid=$!
}
as_qemu() {
	setpriv --reuid="$qemu_uid" --regid="$kvm" --clear-groups "$@"
}
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}
wait_valid() {
	i=0
	while [ $i -lt 300 ] && ! "$SHOW" --once "$page" >/dev/null 2>&1; do
		sleep 0.01
		i=$((i + 1))
	done
	"$SHOW" --once "$page" >/dev/null 2>&1
}
# denied DESCRIPTION COMMAND...: pass when COMMAND fails.
denied() {
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$d"; else pass "$d"; fi
}
generation() { od -A n -t u8 -j 24 -N 8 "$page" | tr -d ' '; }

start_tpd
check "publishes as uid $tpd_uid, group kvm, no capabilities" wait_valid
check "the page is 0640 $tpd_uid:kvm" \
	test "$(stat -c '%a %u:%g' "$page")" = "640 $tpd_uid:$kvm"
check "the lock file is 0600 $tpd_uid" \
	test "$(stat -c '%a %u' "$page.lock")" = "600 $tpd_uid"

check "a kvm-group reader (QEMU) reads a valid page" \
	as_qemu "$SHOW" --once "$page"
gen=$(generation)
denied "the kvm-group reader cannot write the page" \
	as_qemu sh -c "printf 'XXXX' 1<>'$page'"
denied "the kvm-group reader cannot put a file into the directory" \
	as_qemu sh -c ": >'$rundir/other'"
denied "the kvm-group reader cannot put a symlink into the directory" \
	as_qemu ln -s /etc/shadow "$rundir/link"
denied "the kvm-group reader cannot open the lock file" \
	as_qemu cat "$page.lock"
denied "another user cannot read the page" as_nobody "$SHOW" --once "$page"

kill -HUP $pid
wait $pid; rc=$?; pid=""
check "SIGHUP: exit 0 ($rc)" test $rc = 0
"$SHOW" --once "$page" >/dev/null 2>&1; rc=$?
check "SIGHUP: the page reads as not valid ($rc)" test $rc = 3
check "the lock file is gone" test ! -e "$page.lock"

start_tpd
wait_valid
check "restart continues the page: generation $gen -> $(generation)" \
	test "$(generation)" = $((gen + 1))
kill -TERM $pid
wait $pid; pid=""

# Root's own file where the page goes (say a tickpaged run by hand) is
# not tickpaged's either, even when tickpaged could write it: refused,
# with what to do.
rm -f "$page"
: >"$page"
chmod 0666 "$page"
as_tpd "$BIN" -q "$page" 2>"$top/err"; rc=$?
if [ $rc = 1 ] && grep -q "owned by uid 0, not by tickpaged's uid $tpd_uid" \
	"$top/err"; then
	pass "a root-owned file at PATH: exit 1: $(cat "$top/err")"
else
	fail "a root-owned file at PATH: exit $rc: $(cat "$top/err")"
fi

summary
