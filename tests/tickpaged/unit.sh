#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# hv/tickpaged.service under a real systemd, without touching this
# machine: systemd-nspawn boots this machine's own /usr with an empty,
# throw-away root (--volatile=yes), and the unit, hv/tickpaged.sysusers
# and the binary are bind-mounted in read-only. Inside, a one-shot unit
# starts tickpaged and records what the unit really gives it: its user,
# group, capabilities and seccomp, the runtime directory and the page's
# modes, its scheduling policy (SCHED_FIFO from CPUSchedulingPolicy=,
# under RestrictRealtime=) and locked memory, who can read the page,
# systemd-analyze security's score, what
# restart, SIGHUP and stop do to the page. Nothing of it outlives the
# container.
. tests/lib/report.sh

BIN=$(readlink -f "${TICKPAGED:-build/hv/tickpaged}")
SHOW=$(readlink -f build/vdso/tools/tickpage-show)
UNIT=hv/tickpaged.service
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for systemd-nspawn"; exit 77; }
command -v systemd-nspawn >/dev/null ||
	{ echo "SKIP: no systemd-nspawn (package systemd-container)"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: no systemd in /usr"; exit 77; }

# nspawn's own runtime directories: removed again if this run made them
# and nothing else uses them (rmdir only takes empty ones).
made=""
for d in /run/systemd/nspawn /run/systemd/nspawn-root; do
	[ -e "$d" ] || made="$made $d"
done
work=$(mktemp -d /tmp/tickpaged-test-unit.XXXXXX) || exit 1
trap 'rm -rf "$work"; for d in $made; do rmdir "$d/propagate" "$d" 2>/dev/null; done' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$work/out" "$work/dropin"

# The unit's own command line, with the binary where the container has it.
{
	echo "[Service]"
	echo "ExecStart="
	sed -n 's|^ExecStart=/usr/local/bin/tickpaged |ExecStart=/opt/tickpaged |p' \
		"$UNIT"
} >"$work/dropin/binary.conf"
grep -q '^ExecStart=/opt/tickpaged ' "$work/dropin/binary.conf" ||
	{ fail "$UNIT: no ExecStart=/usr/local/bin/tickpaged line"; summary; }

cat >"$work/check.service" <<'EOF'
[Unit]
Description=tickpaged unit test
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/opt/check.sh
ExecStopPost=/bin/systemctl --no-block poweroff
EOF

# Inside: one "key value" line per fact, for the checks below.
cat >"$work/check.sh" <<'EOF'
#!/bin/sh
exec >/out/facts 2>/out/log
page=/run/tickpage/page
gen() { od -A n -t u8 -j 24 -N 8 $page | tr -d ' '; }
show() { "$@" /opt/tickpage-show --once $page >/dev/null 2>&1; echo $?; }
fact() { echo "$*"; }

fact user "$(getent passwd tickpaged | cut -d: -f1,7)"
systemctl start tickpaged.service
i=0
while [ $i -lt 100 ] && [ "$(show)" != 0 ]; do sleep 0.05; i=$((i + 1)); done
fact active "$(systemctl is-active tickpaged.service)"
fact modes "$(stat -c '%a:%U:%G' /run/tickpage $page $page.lock | tr '\n' ' ')"
pid=$(systemctl show -P MainPID tickpaged.service)
fact ids "$(ps -o user:20=,group:20= -p "$pid" | tr -s ' ')"
# Not awk: the empty /etc has no /etc/alternatives for it.
fact caps "$(grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/"$pid"/status |
	tr -d '\t' | tr '\n' ' ')"
fact sched "$(chrt -p "$pid" | sed 's/.*: //' | tr '\n' ' ')"
fact vmlck "$(sed -n 's/^VmLck:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$pid"/status)"
fact show_root "$(show)"
fact show_kvm "$(show setpriv --reuid=65534 --regid=kvm --clear-groups)"
fact show_other "$(show setpriv --reuid=65534 --regid=65534 --clear-groups)"
fact score "$(systemd-analyze security tickpaged.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for tickpaged.service: \([0-9.]*\) .*/\1/p')"

g0=$(gen)
systemctl restart tickpaged.service
i=0
while [ $i -lt 100 ] && [ "$(gen)" = "$g0" ]; do sleep 0.05; i=$((i + 1)); done
fact restart "$g0 $(gen)"

# SIGHUP must not be a way to leave the page VALID and frozen.
i=0
while [ $i -lt 100 ] && [ "$(show)" != 0 ]; do sleep 0.05; i=$((i + 1)); done
systemctl kill -s HUP tickpaged.service
i=0
while [ $i -lt 100 ] && systemctl -q is-active tickpaged.service; do
	sleep 0.05; i=$((i + 1))
done
fact hup "$(systemctl show -P Result tickpaged.service) $(systemctl show -P ExecMainStatus tickpaged.service) $(show)"

systemctl start tickpaged.service
i=0
while [ $i -lt 100 ] && [ "$(show)" != 0 ]; do sleep 0.05; i=$((i + 1)); done
systemctl stop tickpaged.service
fact stop "$(systemctl show -P Result tickpaged.service) $(systemctl show -P ExecMainStatus tickpaged.service) $(show)"
fact after_stop "$(ls /run/tickpage | tr '\n' ' ')"
journalctl -b -u tickpaged.service --no-pager >&2
# --quiet leaves only warnings: the fallback, a failed mlockall().
fact sched_msgs "$(journalctl -b -u tickpaged.service --no-pager -o cat |
	grep -c 'cannot use SCHED_FIFO\|cannot lock memory')"
fact done yes
EOF
chmod +x "$work/check.sh"

# Not under systemd (a test container): no scope to make, stay in ours.
keep=
[ "$(cat /proc/1/comm)" = systemd ] || keep=--keep-unit
# CAP_IPC_LOCK for the container, not for tickpaged (whose bounding set
# stays empty): nspawn's own seccomp filter refuses mlockall() to a
# container without it (EPERM), which a host's systemd never does;
# tickpaged locks its memory under LimitMEMLOCK= alone.
timeout 90 systemd-nspawn -D / --volatile=yes --register=no $keep --quiet \
	--capability=CAP_IPC_LOCK \
	-M "tpunit$$" \
	--bind-ro="$(readlink -f $UNIT)":/etc/systemd/system/tickpaged.service \
	--bind-ro="$work/dropin":/etc/systemd/system/tickpaged.service.d \
	--bind-ro="$(readlink -f hv/tickpaged.sysusers)":/etc/sysusers.d/tickpaged.conf \
	--bind-ro="$work/check.service":/etc/systemd/system/tp-check.service \
	--bind-ro="$work/check.sh":/opt/check.sh \
	--bind-ro="$BIN":/opt/tickpaged \
	--bind-ro="$SHOW":/opt/tickpage-show \
	--bind="$work/out":/out \
	-b systemd.firstboot=off systemd.wants=tp-check.service \
	>"$work/console" 2>&1
rc=$?
if ! grep -q '^done yes' "$work/out/facts" 2>/dev/null; then
	if grep -q -i 'failed to .*namespace\|not supported\|permission denied' \
		"$work/console"; then
		echo "SKIP: systemd-nspawn cannot boot here (exit $rc): $(grep -m1 -i 'failed\|denied' "$work/console")"
		exit 77
	fi
	tail -20 "$work/console"
	cat "$work/out/log" 2>/dev/null
	fail "the container ran the check to its end (nspawn exit $rc)"
	summary
fi
cat "$work/out/facts"

f() { sed -n "s/^$1 //p" "$work/out/facts"; }
check "systemd-sysusers made user tickpaged, no login ($(f user))" \
	test "$(f user)" = tickpaged:/usr/sbin/nologin
check "the unit starts" test "$(f active)" = active
check "/run/tickpage 0750, page 0640, lock 0600, all tickpaged:kvm ($(f modes))" \
	test "$(f modes)" = "750:tickpaged:kvm 640:tickpaged:kvm 600:tickpaged:kvm "
check "runs as tickpaged:kvm ($(f ids))" test "$(f ids)" = "tickpaged kvm"
check "no capabilities, no new privileges, seccomp ($(f caps))" \
	test "$(f caps)" = "CapEff:0000000000000000 CapBnd:0000000000000000 NoNewPrivs:1 Seccomp:2 "
check "CPUSchedulingPolicy=fifo under RestrictRealtime=yes: $(f sched)" \
	test "$(f sched)" = "SCHED_FIFO 10 "
check "--sched=fifo locked its memory (VmLck $(f vmlck) kB)" \
	test "$(f vmlck)" -gt 0
check "no fallback or mlockall warning in the journal ($(f sched_msgs))" \
	test "$(f sched_msgs)" = 0
check "the page is valid to root" test "$(f show_root)" = 0
check "the page is valid to a kvm-group reader (QEMU)" test "$(f show_kvm)" = 0
check "the page is unreadable to another user" test "$(f show_other)" != 0
score=$(f score)
check "systemd-analyze security: $score (at most 0.5)" \
	awk "BEGIN { exit !(\"$score\" != \"\" && $score <= 0.5) }"
set -- $(f restart)
check "restart: generation $1 -> ${2:-?}" test "${2:-0}" = $(($1 + 1))
check "SIGHUP: result, exit status, page status ($(f hup); want success 0 3)" \
	test "$(f hup)" = "success 0 3"
check "stop: result, exit status, page status ($(f stop); want success 0 3)" \
	test "$(f stop)" = "success 0 3"
check "stop keeps the page for running VMs and drops the lock ($(f after_stop))" \
	test "$(f after_stop)" = "page "
summary
