#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# The Debian packages (debian/, docs/packaging.md) on this machine:
#   - `make deb` builds every binary package and lintian finds no error
#     and no warning in them (the build fails otherwise);
#   - a second build, version bumped, from a copy of the tree;
#   - under systemd, in a container on a throw-away overlay of this
#     machine's root: install starts the unit (user, modes, options),
#     upgrade restarts it (the page's generation + 1), purge stops it;
#   - install: every path dpkg -L lists exists; the system user, the
#     runtime directory, the unit enabled (and not started here: this
#     machine's PID 1 is not systemd; with systemd it is stopped again
#     by the purge); the installed daemon publishes and the installed
#     tickpage-show reads its page; a program built with pkg-config
#     links libtickpage; the preload library loads; dkms built and
#     installed tickpage.ko for every kernel with headers, with the PCI
#     modaliases udev loads it by;
#   - upgrade to the bumped version: a changed conffile is kept, the DKMS
#     module moves to the new version, the old one is gone;
#   - purge: no path of any package is left, nothing new on the file
#     system (but what Debian keeps on purpose, listed), no tickpaged the
#     test started is running.
# Needs root, debhelper, dh-dkms and lintian (apt-get install debhelper
# dh-dkms lintian); skips otherwise (the systemd part alone without
# systemd-nspawn or overlayfs). Leaves nothing installed, even when
# it fails half-way (the EXIT trap purges what it installed).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/report.sh
. tests/deb/lib.sh

# apt, as a user installs local packages (README), and because it waits
# for dpkg's lock where dpkg would fail: the machine is shared. Nothing is
# downloaded: every dependency is already installed.
APT="apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=300"

[ "$(id -u)" = 0 ] || { skip "needs root (apt-get install)"; summary; }
for t in dpkg-buildpackage dh dh_dkms lintian dkms pkg-config cc; do
	command -v $t >/dev/null ||
		{ skip "no $t (apt-get install debhelper dh-dkms lintian dkms pkgconf)"; summary; }
done
for p in $PKGS; do
	if dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null |
			grep -qv '^not-installed$'; then
		skip "$p is already on this machine (dpkg -l $p): not touching it"
		summary
	fi
done
[ -z "$(dkms status -m tickpage 2>/dev/null)" ] ||
	{ skip "dkms already has a tickpage module (dkms status)"; summary; }

# One run at a time: dpkg has one database.
exec 9>/run/lock/tickpage-deb-test.lock
flock -w 900 9 || { fail "another tests/deb run holds the lock"; summary; }

# nspawn's runtime directories: removed again if this run made them and
# nothing else uses them (rmdir takes only empty ones).
nspawn_made=""
for d in /run/systemd/nspawn /run/systemd/nspawn-root; do
	[ -e "$d" ] || nspawn_made="$nspawn_made $d"
done
work=$(mktemp -d /tmp/tickpage-deb-test.XXXXXX) || exit 1
daemon="" user_before=1 restore="" ovl_mounted=""
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	# Whatever is still installed after a failure goes again.
	left=""
	for p in $PKGS; do
		dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null |
			grep -qv '^not-installed$' && left="$left $p"
	done
	[ -n "$left" ] && $APT purge $left >"$work/cleanup.log" 2>&1
	# This machine as the test found it: what the packages keep on
	# purpose (the system user, depmod's indices; see the end) goes
	# when the test made it.
	if [ -z "$user_before" ] && getent passwd tickpaged >/dev/null; then
		userdel tickpaged
		getent group tickpaged >/dev/null && groupdel tickpaged
	fi
	[ -n "$restore" ] && rm -f $restore
	if [ -n "$ovl_mounted" ]; then
		umount "$work/ovl/root" && umount "$work/ovl/t" && ovl_mounted=""
	fi
	for d in $nspawn_made; do rmdir "$d/propagate" "$d/locks" "$d" 2>/dev/null; done
	# Never through a view of / that failed to unmount.
	[ -z "$ovl_mounted" ] && rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- build ----------------------------------------------------------------
# make deb fails on any lintian error or warning; grep the log too, so a
# change to LINTIAN_FLAGS cannot hide one.
lintian_clean() { ! grep -E '^[EW]: ' "$1/deb/lintian.log" "$1/deb/lintian-kernel.log"; }

if build "$top" "$work/v1"; then pass "make deb ($ver)"; else
	tail -n 30 "$work/v1.log"; fail "make deb ($ver)"; summary; fi
check "lintian: no error, no warning ($ver)" lintian_clean "$work/v1"
for d in $(debs "$work/v1" "$ver"); do
	check "built $(basename "$d")" test -s "$d"
done
# The patched kernel's package (never installed on this machine: the
# guest image and tests/deb/lifecycle.sh's chroot take it).
kdeb=$(kernel_deb "$work/v1" "$ver")
check "built the patched kernel's package: ${kdeb:+$(basename "$kdeb")}" test -s "$kdeb"
check "it holds the patched kernel, /boot/vmlinuz-*-tickpage" \
	sh -c "dpkg-deb -c '$kdeb' | grep -q ' ./boot/vmlinuz-.*-tickpage$'"

# The bumped version: the same tree, copied, with a changelog entry on top.
bumped_tree "$work/tree" tests/deb/deb.sh
if build "$work/tree" "$work/v2"; then pass "make deb ($new, a copy)"; else
	tail -n 30 "$work/v2.log"; fail "make deb ($new, a copy)"; summary; fi
check "lintian: no error, no warning ($new)" lintian_clean "$work/v2"

# --- under systemd ---------------------------------------------------------
# This machine's PID 1 is not systemd, so here the maintainer scripts
# start nothing. To see what they do on a real Debian system, boot
# systemd in a container on a throw-away copy-on-write view of this
# machine's root (overlayfs: this root below, a tmpfs above; the
# container's writes go to the tmpfs and vanish with it), and install,
# upgrade and purge tickpaged there. policy-rc.d (which this machine has,
# and which forbids starting services) is removed in that view only.
# systemd boots to a target of the test's own: none of this machine's
# enabled services start, and the container has no network.
systemd_phase() {
	command -v systemd-nspawn >/dev/null ||
		{ skip "under systemd: no systemd-nspawn (package systemd-container)"; return; }
	[ -x /lib/systemd/systemd ] || { skip "under systemd: no /lib/systemd/systemd"; return; }
	o=$work/ovl
	mkdir -p "$o/t" "$o/root" "$o/out"
	mount -t tmpfs -o size=1g,mode=0755 tpdeb "$o/t" || {
		skip "under systemd: cannot mount a tmpfs"; return; }
	mkdir "$o/t/u" "$o/t/w"
	if ! mount -t overlay tpdeb -o "lowerdir=/,upperdir=$o/t/u,workdir=$o/t/w" \
			"$o/root" 2>"$o/mount.err"; then
		umount "$o/t"
		skip "under systemd: no overlay of / ($(cat "$o/mount.err"))"; return
	fi
	ovl_mounted=1
	r=$o/root
	rm -f "$r/usr/sbin/policy-rc.d"
	mkdir -p "$r/opt/tp-debs/v1" "$r/opt/tp-debs/v2"
	for p in tickpaged libtickpage1 tickpage-tools; do
		cp "$work/v1/deb/${p}_${ver}_$arch.deb" "$r/opt/tp-debs/v1/"
		cp "$work/v2/deb/${p}_${new}_$arch.deb" "$r/opt/tp-debs/v2/"
	done
	cat >"$r/etc/systemd/system/tp-deb.target" <<'EOF'
[Unit]
Description=tickpage deb test
Requires=basic.target
After=basic.target
Wants=tp-check.service
EOF
	cat >"$r/etc/systemd/system/tp-check.service" <<'EOF'
[Unit]
Description=tickpage deb test: install, upgrade, purge tickpaged
After=basic.target
[Service]
Type=oneshot
ExecStart=/opt/tp-check.sh
ExecStopPost=/bin/systemctl --no-block poweroff
EOF
	cat >"$r/opt/tp-check.sh" <<'EOF'
#!/bin/sh
exec >/out/facts 2>/out/log
set -x
fact() { echo "$1 $2"; }
gen() { od -A n -t u8 -j 24 -N 8 /run/tickpage/page | tr -d ' '; }
wait_page() {
	i=0
	until tickpage-show /run/tickpage/page >/dev/null 2>&1 || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1)); done
}
fact systemd "$(cat /proc/1/comm)"
dpkg -i /opt/tp-debs/v1/*.deb >&2; fact install $?
fact active "$(systemctl is-active tickpaged)"
fact enabled "$(systemctl is-enabled tickpaged)"
fact user "$(getent passwd tickpaged | cut -d: -f1,7)"
wait_page
tickpage-show /run/tickpage/page >&2; fact show $?
fact modes "$(stat -c '%a:%U:%G' /run/tickpage /run/tickpage/page | tr '\n' ' ')"
fact cmdline "$(tr '\0' ' ' </proc/$(systemctl show -P MainPID tickpaged)/cmdline)"
g1=$(gen); p1=$(systemctl show -P MainPID tickpaged)
dpkg -i /opt/tp-debs/v2/*.deb >&2; fact upgrade $?
fact active2 "$(systemctl is-active tickpaged)"
wait_page
g2=$(gen); p2=$(systemctl show -P MainPID tickpaged)
fact restarted "$([ "$p1" != "$p2" ] && echo yes || echo no)"
fact generation "$g1 $g2"
dpkg --purge tickpaged tickpage-tools libtickpage1 >&2; fact purge $?
fact active3 "$(systemctl is-active tickpaged)"
fact running "$(pgrep -x tickpaged | wc -l)"
fact unit "$(systemctl list-unit-files tickpaged.service | grep -c tickpaged)"
fact runtime "$(ls -d /run/tickpage 2>&1 | grep -vc 'No such')"
fact user_kept "$(getent passwd tickpaged | cut -d: -f1)"
journalctl -b -u tickpaged --no-pager >&2
fact done yes
EOF
	chmod +x "$r/opt/tp-check.sh"
	keep=
	[ "$(cat /proc/1/comm)" = systemd ] || keep=--keep-unit
	# CAP_IPC_LOCK: tickpaged's --sched=fifo locks memory, which nspawn's
	# seccomp filter refuses a container without it (tests/tickpaged/unit.sh).
	timeout 240 systemd-nspawn -D "$r" --register=no $keep --quiet \
		--private-network --capability=CAP_IPC_LOCK -M "tpdeb$$" \
		--bind="$o/out":/out \
		-b systemd.firstboot=off systemd.unit=tp-deb.target \
		>"$o/console" 2>&1
	rc=$?
	umount "$o/root" && umount "$o/t" && ovl_mounted=""
	if ! grep -q '^done yes' "$o/out/facts" 2>/dev/null; then
		if grep -q -i 'failed to .*namespace\|not supported\|permission denied' \
				"$o/console"; then
			skip "under systemd: systemd-nspawn cannot boot here (exit $rc)"
			return
		fi
		tail -n 20 "$o/console"; tail -n 30 "$o/out/log" 2>/dev/null
		fail "under systemd: the container ran the check to its end (nspawn exit $rc)"
		return
	fi
	sed 's/^/    | /' "$o/out/facts"
	f() { sed -n "s/^$1 //p" "$o/out/facts"; }
	check "under systemd (PID 1 $(f systemd)): dpkg -i tickpaged" test "$(f install)" = 0
	check "under systemd: the postinst enabled and started it ($(f enabled), $(f active))" \
		test "$(f enabled) $(f active)" = "enabled active"
	check "under systemd: user tickpaged, no login ($(f user))" \
		test "$(f user)" = tickpaged:/usr/sbin/nologin
	check "under systemd: the page is valid (tickpage-show)" test "$(f show)" = 0
	check "under systemd: /run/tickpage 0750, page 0640, tickpaged:kvm ($(f modes))" \
		test "$(f modes)" = "750:tickpaged:kvm 640:tickpaged:kvm "
	check "under systemd: runs with /etc/default's options ($(f cmdline))" \
		test "$(f cmdline)" = "/usr/sbin/tickpaged $(cat "$work/opts") /run/tickpage/page "
	check "under systemd: upgrade restarted it ($(f upgrade) $(f active2) restarted=$(f restarted))" \
		test "$(f upgrade) $(f active2) $(f restarted)" = "0 active yes"
	set -- $(f generation)
	check "under systemd: the restart continued the page, generation $1 -> ${2:-?}" \
		test "${2:-0}" = $((${1:-0} + 1))
	check "under systemd: purge stopped it ($(f purge) $(f active3), $(f running) running)" \
		test "$(f purge) $(f running)" = "0 0"
	check "under systemd: purge removed the unit and /run/tickpage" \
		test "$(f unit) $(f runtime)" = "0 0"
	check "under systemd: purge kept the system user (Debian's rule)" \
		test "$(f user_kept)" = tickpaged
}
# The default options, as the tree's unit has them.
sed -n 's|^ExecStart=/usr/local/bin/tickpaged \(.*\) /run/tickpage/page$|\1|p' \
	hv/tickpaged.service >"$work/opts"
ovl_mounted=""
systemd_phase

# --- the file system before -------------------------------------------------
# Paths (not contents) under the places packages and their scripts write.
# /usr/lib/modules is /lib/modules here (merged /usr). Not /usr/local,
# which no package writes and other work on this machine may.
snapshot() {
	find /etc /usr /var/lib/dkms /var/lib/systemd /run/tickpage \
		-xdev -path /usr/local -prune -o -print 2>/dev/null | sort
}
snapshot >"$work/before"
getent passwd tickpaged >/dev/null || user_before=""

running_daemons() { # pids of an installed tickpaged
	for e in /proc/[0-9]*/exe; do
		[ "$(readlink "$e" 2>/dev/null)" = /usr/sbin/tickpaged ] &&
			{ p=${e#/proc/}; echo "${p%/exe}"; }
	done
}

# --- install ---------------------------------------------------------------
if $APT install $(debs "$work/v1" "$ver") >"$work/install.log" 2>&1; then
	pass "apt-get install ./the five packages ($ver)"
else
	tail -n 30 "$work/install.log"; fail "apt-get install ($ver)"; summary
fi
missing_paths() { # PKG: the paths it lists that do not exist
	dpkg -L "$1" | while read -r f; do
		[ -e "$f" ] || [ -L "$f" ] || echo "$f"
	done
}
for p in $PKGS; do
	m=$(missing_paths "$p")
	if [ -z "$m" ]; then pass "$p: every path of dpkg -L exists"; else
		echo "$m" | sed 's/^/    missing: /'; fail "$p: dpkg -L vs file system"; fi
	dpkg -L "$p" >"$work/files.$p"
done

check "system user tickpaged (sysusers.d)" getent passwd tickpaged
check "/run/tickpage is tickpaged:kvm 0750 (tmpfiles.d)" \
	test "$(stat -c '%U:%G %a' /run/tickpage 2>/dev/null)" = "tickpaged:kvm 750"
check "/etc/default/tickpaged is a conffile" \
	sh -c "dpkg-query -W -f '\${Conffiles}' tickpaged | grep -q ' /etc/default/tickpaged '"
check "the unit is enabled" \
	test -L /etc/systemd/system/multi-user.target.wants/tickpaged.service
check "the unit runs /usr/sbin/tickpaged with /etc/default's options" \
	grep -q '^ExecStart=/usr/sbin/tickpaged \$TICKPAGED_OPTS ' \
		/lib/systemd/system/tickpaged.service
if [ -d /run/systemd/system ]; then
	check "systemd started tickpaged.service" systemctl is-active -q tickpaged
else
	check "no systemd here (PID 1 is $(cat /proc/1/comm)): nothing started" \
		test -z "$(running_daemons)"
fi
check "man pages: tickpaged(8), tickpage-show(1), -check(1), -bench(1)" \
	sh -c 'for m in tickpaged tickpage-show tickpage-check tickpage-bench; do
		man -w $m >/dev/null || exit 1; done'
# The man pages are written by hand: every option a program's own usage
# text names must be in its page.
man_has_opts() { # PROGRAM SECTION
	opts=$("/usr/${3:-bin}/$1" --help 2>&1 | grep -v unrecognized |
		grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	text=$(MANWIDTH=200 man -l "/usr/share/man/man$2/$1.$2.gz" 2>/dev/null)
	miss=""
	for o in $opts; do
		printf '%s\n' "$text" | grep -qE -- "$o([^a-z0-9-]|$)" || miss="$miss $o"
	done
	[ -z "$miss" ] || echo "    $1($2) lacks:$miss"
	[ -n "$opts" ] && [ -z "$miss" ]
}
check "tickpaged(8) has every option of tickpaged --help" man_has_opts tickpaged 8 sbin
for t in tickpage-show tickpage-check tickpage-bench; do
	check "$t(1) has every option of its usage" man_has_opts $t 1
done

# The installed daemon, as its user, on a page of the test's own; the
# installed tickpage-show reads it.
mkdir "$work/page" && chown tickpaged:kvm "$work/page" && chmod 0750 "$work/page"
chmod 0711 "$work"
setpriv --reuid=tickpaged --regid=kvm --clear-groups \
	/usr/sbin/tickpaged --quiet "$work/page/page" 2>"$work/daemon.log" &
daemon=$!
i=0
until /usr/bin/tickpage-show "$work/page/page" >"$work/show.out" 2>&1 ||
		[ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
check "/usr/sbin/tickpaged publishes, /usr/bin/tickpage-show reads it" \
	/usr/bin/tickpage-show "$work/page/page"
kill "$daemon"; wait "$daemon"; rc=$?; daemon=""
check "tickpaged exits 0 on SIGTERM" test "$rc" = 0

# libtickpage-dev: a program built with pkg-config, run (no /dev/tickpage
# on a host: the library falls back to the C library, page-only reads
# say why).
cat >"$work/p.c" <<'EOF'
#include <stdio.h>
#include <tickpage.h>
int main(void)
{
	struct timespec ts;

	if (tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 1;
	if (tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts) >= 0)
		return 2;	/* no page on a host: never served from one */
	printf("%lld\n", (long long)tickpage_time(NULL));
	return 0;
}
EOF
check "cc \$(pkg-config --cflags --libs tickpage) links libtickpage" \
	sh -c "cc -o '$work/p' '$work/p.c' \$(pkg-config --cflags --libs tickpage)"
check "the program runs" sh -c "\"$work/p\" >/dev/null"
check "on the installed libtickpage.so.1" \
	sh -c "ldd '$work/p' | grep -q '=> /.*lib/.*/libtickpage.so.1 '"
preload=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/tickpage/libtickpage-preload.so
check "LD_PRELOAD=$preload date" sh -c "LD_PRELOAD=$preload date >/dev/null 2>$work/preload.err && ! test -s $work/preload.err"

# DKMS: built for every kernel whose headers are here (Debian's cloud
# kernel of the test guests, if scripts/guest-kernel installed them).
kvers=""
for k in /lib/modules/*; do
	[ -d "$k/build" ] && kvers="$kvers ${k#/lib/modules/}"
done
dkms_installed() { # MODVER KVER
	dkms status -m tickpage -v "$1" -k "$2" 2>/dev/null | grep -q ': installed'
}
if [ -z "$kvers" ]; then
	skip "DKMS build: no kernel headers in /lib/modules/*/build (scripts/guest-kernel installs the guest kernel's)"
else
	for k in $kvers; do
		check "dkms installed tickpage/$ver for $k" dkms_installed "$ver" "$k"
		ko=$(find /lib/modules/$k/updates -name 'tickpage.ko*' 2>/dev/null | head -n 1)
		check "$k: tickpage.ko aliases the tickpage device and ivshmem" \
			sh -c "modinfo -F alias '$ko' | grep -qx 'pci:v00001B36d000000F0sv\*sd\*bc\*sc\*i\*' &&
				modinfo -F alias '$ko' | grep -qx 'pci:v00001AF4d00001110sv\*sd\*bc\*sc\*i\*'"
		check "$k: modules.alias maps both to tickpage (what udev's modprobe reads)" \
			sh -c "grep -c 'alias pci:v0000\(1B36d000000F0\|1AF4d00001110\).* tickpage$' \
				/lib/modules/$k/modules.alias | grep -qx 2"
	done
fi
check "udev rule names the PTP clock /dev/ptp_tickpage" \
	grep -q 'ATTR{clock_name}=="tickpage", SYMLINK+="ptp_tickpage"' \
		/lib/udev/rules.d/70-tickpage-ptp.rules
check "chrony snippet shipped for the admin to enable" \
	test -f /usr/share/tickpage/chrony-tickpage.conf

# --- upgrade ---------------------------------------------------------------
echo "# local change" >>/etc/default/tickpaged
if $APT install $(debs "$work/v2" "$new") >"$work/upgrade.log" 2>&1; then
	pass "upgrade: apt-get install ./the five packages ($ver -> $new)"
else
	tail -n 30 "$work/upgrade.log"; fail "upgrade to $new"; summary
fi
for p in $PKGS; do
	check "$p is $new" \
		test "$(dpkg-query -W -f '${Version}' "$p")" = "$new"
done
check "upgrade kept the local change to /etc/default/tickpaged" \
	grep -qx '# local change' /etc/default/tickpaged
check "upgrade removed /usr/src/tickpage-$ver" test ! -e "/usr/src/tickpage-$ver"
for k in $kvers; do
	check "dkms: tickpage/$new installed for $k, $ver gone" \
		sh -c "dkms status -m tickpage -v '$new' -k '$k' | grep -q ': installed' &&
			test -z \"\$(dkms status -m tickpage -v '$ver')\""
done
for p in $PKGS; do
	m=$(missing_paths "$p")
	check "$p $new: every path of dpkg -L exists" test -z "$m"
	dpkg -L "$p" >>"$work/files.$p"
done

# --- purge -----------------------------------------------------------------
if $APT purge $PKGS >"$work/purge.log" 2>&1; then
	pass "apt-get purge the five packages"
else
	tail -n 30 "$work/purge.log"; fail "apt-get purge"; summary
fi
for p in $PKGS; do
	# Files and links must be gone; directories only if no other package
	# has them (dpkg -S).
	left=$(sort -u "$work/files.$p" | while read -r f; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		# A directory (or merged /usr's /lib -> usr/lib) another
		# package has, or the root, is not ours to remove.
		if [ -d "$f" ]; then
			case $f in /.|/) continue ;; esac
			[ -L "$f" ] && continue
			dpkg -S "$f" >/dev/null 2>&1 && continue
		fi
		echo "$f"
	done)
	if [ -z "$left" ]; then pass "$p: nothing of dpkg -L left after purge"; else
		echo "$left" | sed 's/^/    left: /'; fail "$p: left after purge"; fi
done
check "dkms knows no tickpage module" test -z "$(dkms status -m tickpage)"
check "no tickpage.ko left in /lib/modules" \
	test -z "$(find /lib/modules -name 'tickpage.ko*' 2>/dev/null)"
check "no alias to tickpage left in any modules.alias" \
	sh -c "! grep -qs ' tickpage$' /lib/modules/*/modules.alias"
check "no installed tickpaged running" test -z "$(running_daemons)"

# New paths: each is either another package's (someone installed
# something meanwhile: not ours) or one Debian keeps on purpose.
snapshot >"$work/after"
comm -13 "$work/before" "$work/after" | while read -r f; do
	if dpkg -S "$f" >/dev/null 2>&1; then
		echo "    (another package's, not ours: $f)"; continue; fi
	case $f in
	# depmod's indices of a kernel: dkms runs depmod for it on install
	# and again on remove, which leaves them describing the kernel's
	# modules without tickpage (checked above).
	# They are new only where a kernel's headers are installed without
	# its image (whose own postinst makes them): this machine's guest
	# kernel. The test removes them again on exit.
	/lib/modules/*/modules.*|/usr/lib/modules/*/modules.*)
		echo "    (kept: $f, depmod's index; removed by the test)"
		echo "$f" >>"$work/restore"; continue ;;
	# dkms's module-signing key: dkms makes it on its first build of
	# any module on a machine and signs every later one with it (the
	# key a user enrolls); it is dkms's, like dkms itself, which stays.
	# New only where dkms never built before, as on a fresh machine.
	/var/lib/dkms/mok.key|/var/lib/dkms/mok.pub)
		echo "    (kept: $f, dkms's own signing key; removed by the test)"
		echo "$f" >>"$work/restore"; continue ;;
	esac
	echo "$f"
done >"$work/new"
grep -v '^    (' "$work/new" >"$work/leftover"
sed -n 's/^    (/    (/p' "$work/new"
[ -s "$work/restore" ] && restore=$(cat "$work/restore")
if [ -s "$work/leftover" ]; then
	sed 's/^/    left: /' "$work/leftover"; fail "new paths after purge"
else
	pass "purge left no new path in /etc /usr /var/lib/dkms /var/lib/systemd /run/tickpage"
fi
if [ -z "$user_before" ] && getent passwd tickpaged >/dev/null; then
	echo "    (kept: system user tickpaged, as Debian keeps system users:"
	echo "     a later user given its uid would own whatever it left;"
	echo "     removed by the test, which made it)"
fi
summary
