#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# --sched: as root, --sched=fifo:5 puts the publishing thread (and only
# it) at SCHED_FIFO 5 with its memory locked, and it publishes; without
# the option the policy is the one tickpaged was started with. As an
# unprivileged user, --sched=fifo falls back with exactly one line and
# still publishes every period; started at SCHED_FIFO already (what
# systemd's CPUSchedulingPolicy= does before exec) it asks for nothing
# and says nothing.
. tests/lib/report.sh

BIN=$(readlink -f "${TICKPAGED:-build/hv/tickpaged}")
SHOW=$(readlink -f build/vdso/tools/tickpage-show)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for SCHED_FIFO and other users"; exit 77; }
for c in setpriv chrt; do
	command -v $c >/dev/null || { echo "SKIP: needs $c"; exit 77; }
done
chrt -f 1 true 2>/dev/null ||
	{ echo "SKIP: SCHED_FIFO is not allowed here, even to root"; exit 77; }

# A uid nobody has: no user is created, setpriv takes bare numbers.
uid=60920
while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done

dir=$(mktemp -d /dev/shm/tickpaged-test-sched.XXXXXX) || exit 1
chmod 0777 "$dir"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM

# start NAME [launcher...] -- [options...]: tickpaged on $dir/NAME in the
# background, stderr in $dir/NAME.err, $pid the daemon's own.
start() {
	name=$1
	shift
	launch=""
	while [ "$1" != -- ]; do launch="$launch $1"; shift; done
	shift
	# shellcheck disable=SC2086
	$launch "$BIN" "$@" "$dir/$name" 2>"$dir/$name.err" &
	pid=$!
	i=0
	while [ $i -lt 300 ] && ! "$SHOW" --once "$dir/$name" >/dev/null 2>&1; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.01
		i=$((i + 1))
	done
}
stop() { kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=""; }
# policy/priority of one task, as chrt prints them: "SCHED_FIFO 5".
sched_of() { chrt -p "$1" | sed 's/.*: //' | tr '\n' ' ' | sed 's/ $//'; }
updates() { od -A n -t u8 -j 32 -N 8 "$1" | tr -d ' '; }
# publishes DESCRIPTION FILE: the update count moves by 200 or more in
# 0.5 s (500 at 1 ms; a stopped or stuck publisher, 0).
publishes() {
	u0=$(updates "$2")
	sleep 0.5
	u1=$(updates "$2")
	check "$1: $((u1 - u0)) updates in 0.5 s" test $((u1 - u0)) -ge 200
}
helper() {
	for t in /proc/$pid/task/*; do
		[ "${t##*/}" = "$pid" ] || { echo "${t##*/}"; return; }
	done
}
vmlck() { sed -n 's/^VmLck:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status; }

# Root: SCHED_FIFO 5 for the publisher, the helper as started.
start root -- --sched=fifo:5
check "root, --sched=fifo:5: publisher at $(sched_of $pid)" \
	test "$(sched_of $pid)" = "SCHED_FIFO 5"
h=$(helper)
check "the step-watch thread stays at $(sched_of "$h")" \
	test "$(sched_of "$h")" = "SCHED_OTHER 0"
check "memory locked: VmLck $(vmlck) kB" test "$(vmlck)" -gt 0
publishes "publishes" "$dir/root"
check "the start-up line names the policy" \
	grep -q '^tickpaged: publishing .*, SCHED_FIFO priority 5$' "$dir/root.err"
stop

# Without --sched, or with --sched=other: whatever it was started with.
start plain -- -q
check "no --sched: $(sched_of $pid), no memory locked" \
	test "$(sched_of $pid) $(vmlck)" = "SCHED_OTHER 0 0"
stop
start other chrt -f 3 -- -q --sched=other
check "--sched=other under chrt -f 3: kept at $(sched_of $pid)" \
	test "$(sched_of $pid)" = "SCHED_FIFO 3"
stop

# Unprivileged: one line, then publishing at normal priority.
as_user="setpriv --reuid=$uid --regid=$uid --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs"
# shellcheck disable=SC2086
start user $as_user -- -q --sched=fifo
cat "$dir/user.err"
check "unprivileged --sched=fifo: still runs, at $(sched_of $pid)" \
	test "$(sched_of $pid)" = "SCHED_OTHER 0"
publishes "... and publishes" "$dir/user"
check "... having said exactly one line" test "$(wc -l <"$dir/user.err")" = 1
check "... that it fell back" grep -q \
	'^tickpaged: cannot use SCHED_FIFO (Operation not permitted): publishing at normal priority$' \
	"$dir/user.err"
stop
check "... and nothing more on the way out" test "$(wc -l <"$dir/user.err")" = 1

# Started at SCHED_FIFO 10 (as the unit's CPUSchedulingPolicy= does) by
# a user who may not change it: nothing to ask for, nothing to say.
# shellcheck disable=SC2086
start unit chrt -f 10 $as_user -- -q --sched=fifo:10
check "unprivileged, started at SCHED_FIFO 10, --sched=fifo:10: $(sched_of $pid)" \
	test "$(sched_of $pid)" = "SCHED_FIFO 10"
check "... memory locked under RLIMIT_MEMLOCK alone: VmLck $(vmlck) kB" \
	test "$(vmlck)" -gt 0
publishes "... publishes" "$dir/unit"
stop
check "... and said nothing ($(cat "$dir/unit.err"))" test ! -s "$dir/unit.err"

# Started at SCHED_FIFO 10, asked for 20, not allowed: says what it kept.
# shellcheck disable=SC2086
start keep chrt -f 10 $as_user -- -q --sched=fifo:20
check "unprivileged, at SCHED_FIFO 10, --sched=fifo:20: kept $(sched_of $pid)" \
	test "$(sched_of $pid)" = "SCHED_FIFO 10"
stop
check "... one line saying so ($(cat "$dir/keep.err"))" grep -q \
	'^tickpaged: cannot use SCHED_FIFO priority 20 (Operation not permitted): publishing at SCHED_FIFO priority 10$' \
	"$dir/keep.err"

summary
