#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
#
# scripts/tickpage-virt-xml without a daemon: every mode on sample
# domains (tests/libvirt/xml/), a default no guest can write (the
# guest-writable mode only when asked for by name), the namespaces and
# comments it must keep, and every bad input it must refuse with one
# line, exit 1 and no file touched (checksums before and after, no
# temporary file left over).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/report.sh

TOOL=scripts/tickpage-virt-xml
X=tests/libvirt/xml
QNS=http://libvirt.org/schemas/domain/qemu/1.0
command -v virt-xml-validate >/dev/null || { skip "virt-xml-validate missing (run scripts/setup)"; summary; }
command -v xmllint >/dev/null || { skip "xmllint missing (run scripts/setup)"; summary; }

work=$(mktemp -d /tmp/tickpage-virt-xml-test.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

# xp FILE XPATH: the string value of XPATH in FILE ('' if none).
xp() { xmllint --xpath "string($2)" "$1" 2>/dev/null; }
# xpq FILE XPATH: same, where qemu:NAME means NAME in libvirt's qemu
# namespace (xmllint --xpath cannot bind a prefix; its --shell can, but
# truncates long strings).
xpq() {
	q=$(printf '%s' "$2" | sed "s|qemu:\([a-z]*\)|*[local-name()='\1' and namespace-uri()='$QNS']|g")
	xmllint --xpath "string($q)" "$1" 2>/dev/null
}
valid() { virt-xml-validate "$1" domain >/dev/null 2>&1; }

# ---- the default: read-only for the guest -----------------------------
out=$work/default.xml
if $TOOL $X/plain.xml -o "$out" 2>"$work/err"; then
	pass "default: plain domain accepted"
else
	fail "default: plain domain refused: $(cat "$work/err")"
fi
check "default: result validates" valid "$out"
check "default: nothing on stderr" test ! -s "$work/err"
check "default: tickpaged's default page as a readonly=on backend (shmem-ro)" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")" = \
	"memory-backend-file,id=tickpage-mem,share=on,readonly=on,mem-path=/run/tickpage/page,size=4096"
check "default: ivshmem-plain not master (no save of a read-only page)" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[4]/@value")" = \
	"ivshmem-plain,id=tickpage,memdev=tickpage-mem,master=off,addr=0x1c"
check "default: no <shmem> (libvirt would map it read-write)" \
	test "$(xp "$out" "count(//shmem)")" = 0
check "default: no master=on, no backend without readonly=on anywhere" \
	sh -c "! grep -e 'master=on' -e 'memory-backend-file' '$out' | grep -v 'readonly=on' | grep -q ."
check "default: emulator left alone" \
	test "$(xp "$out" "/domain/devices/emulator")" = /usr/bin/qemu-system-x86_64
check "default: serial device kept" test "$(xp "$out" "count(/domain/devices/serial)")" = 1

out=$work/page.xml
$TOOL --page=/srv/tp/page $X/plain.xml -o "$out" 2>/dev/null
check "default: --page=PATH maps PATH read-only" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")" = \
	"memory-backend-file,id=tickpage-mem,share=on,readonly=on,mem-path=/srv/tp/page,size=4096"

out=$work/default-emu.xml
$TOOL --emulator=/opt/tp/qemu-system-x86_64 $X/plain.xml -o "$out" 2>/dev/null
check "default with --emulator: device-shared, tickpaged's page read-only, no ivshmem" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")|$(xpq "$out" "/domain/qemu:commandline/qemu:arg[4]/@value")|$(xp "$out" "count(//shmem)")/$(grep -c ivshmem "$out")" = \
	"memory-backend-file,id=tickpage-mem,share=on,readonly=on,mem-path=/run/tickpage/page,size=4096|tickpage,id=tickpage,memdev=tickpage-mem,addr=0x1c|0/0"
check "default with --emulator: the emulator is the one given" \
	test "$(xp "$out" "string(/domain/devices/emulator)")" = /opt/tp/qemu-system-x86_64
check "default with --emulator: valid" valid "$out"

out=$work/device.xml
$TOOL --mode=device --emulator=/opt/tp/qemu-system-x86_64 $X/plain.xml -o "$out" 2>/dev/null
check "device mode: a page of its own (a ROM BAR), no backend, no ivshmem" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")/$(xpq "$out" "count(/domain/qemu:commandline/qemu:arg)")/$(grep -c ivshmem "$out")" = "tickpage,id=tickpage,addr=0x1c/2/0"

out=$work/shared-name.xml
$TOOL --mode=device-shared --emulator=/q --shmem-name=tp1 $X/plain.xml -o "$out" 2>/dev/null
check "device-shared --shmem-name: maps /dev/shm/NAME read-only" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")" = \
	"memory-backend-file,id=tickpage-mem,share=on,readonly=on,mem-path=/dev/shm/tp1,size=4096"

out=$work/ns-default.xml
$TOOL $X/qemu-ns.xml -o "$out" 2>/dev/null
check "default: qemu namespace and its args kept, ours appended" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")/$(xpq "$out" "count(/domain/qemu:commandline/qemu:arg)")" = timestamp=on/6
check "default: qemu:env kept" test "$(xpq "$out" "/domain/qemu:commandline/qemu:env/@name")" = TICKPAGE_TEST
check "default: comment kept" grep -q 'the console a person attaches to' "$out"
check "default: kvm domain accepted and valid" valid "$out"

# ---- shmem-writable: only by name, and it says what it allows ---------
check "--help says shmem-writable lets any guest set every VM's time" \
	sh -c "$TOOL --help | grep -A2 -e '--mode=shmem-writable' | grep -qi \"any guest can then set every VM's time\""
out=$work/shmem.xml
if $TOOL --mode=shmem-writable $X/plain.xml -o "$out" 2>"$work/err"; then
	pass "shmem-writable: plain domain accepted"
else
	fail "shmem-writable: plain domain refused: $(cat "$work/err")"
fi
check "shmem-writable: one warning line on stderr naming the risk" \
	test "$(grep -c "warning: --mode=shmem-writable: .*can set the time of every VM" "$work/err")/$(wc -l <"$work/err")" = 1/1
check "shmem-writable: result validates" valid "$out"
check "shmem-writable: <shmem name='tickpage' role='master'>" \
	test "$(xp "$out" "count(/domain/devices/shmem[@name='tickpage'][@role='master'])")" = 1
check "shmem-writable: the domain XML carries an UNSAFE comment" \
	grep -q "<!-- tickpage mode shmem-writable, UNSAFE: .*every VM" "$out"
check "shmem-writable: model ivshmem-plain" \
	test "$(xp "$out" "/domain/devices/shmem/model/@type")" = ivshmem-plain
check "shmem-writable: size 1 MiB (libvirt's minimum)" \
	test "$(xp "$out" "/domain/devices/shmem/size/@unit")$(xp "$out" "/domain/devices/shmem/size")" = M1

out=$work/named.xml
$TOOL --mode=shmem-writable --shmem-name=tp-rack1 --shmem-role=peer $X/plain.xml -o "$out" 2>/dev/null
check "shmem-writable: --shmem-name and --shmem-role honoured" \
	test "$(xp "$out" "/domain/devices/shmem/@name")/$(xp "$out" "/domain/devices/shmem/@role")" = tp-rack1/peer

out=$work/ns-shmem.xml
$TOOL --mode=shmem-writable $X/qemu-ns.xml -o "$out" 2>/dev/null
check "shmem-writable: qemu namespace and its args kept" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")" = timestamp=on
check "shmem-writable: qemu:env kept" test "$(xpq "$out" "/domain/qemu:commandline/qemu:env/@name")" = TICKPAGE_TEST
check "shmem-writable: comment kept" grep -q 'the console a person attaches to' "$out"
check "shmem-writable: kvm domain accepted and valid" valid "$out"

# ---- device mode ------------------------------------------------------
out=$work/device.xml
$TOOL --mode=device --emulator=/opt/tp/qemu-system-x86_64 --period=2ms \
	$X/plain.xml -o "$out" 2>"$work/err"
check "device: result validates" valid "$out"
check "device: emulator replaced" \
	test "$(xp "$out" "/domain/devices/emulator")" = /opt/tp/qemu-system-x86_64
check "device: -device tickpage with the period and a fixed slot in qemu:commandline" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[1]/@value") $(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")" = "-device tickpage,id=tickpage,period-ns=2000000,addr=0x1c"
check "device: qemu namespace declared on <domain>" grep -q "xmlns:qemu=\"$QNS\"" "$out"
check "device: no <shmem> added" test "$(xp "$out" "count(//shmem)")" = 0

out=$work/device-ns.xml
$TOOL --mode=device --emulator=/opt/tp/q --datadir=/usr/share/qemu $X/qemu-ns.xml -o "$out" 2>/dev/null
check "device: existing qemu args kept, ours appended" \
	test "$(xpq "$out" "count(/domain/qemu:commandline/qemu:arg)")/$(xpq "$out" "/domain/qemu:commandline/qemu:arg[1]/@value")/$(xpq "$out" "/domain/qemu:commandline/qemu:arg[6]/@value")" = "6/-msg/tickpage,id=tickpage,addr=0x1c"
check "device: one qemu:commandline only" \
	test "$(xpq "$out" "count(/domain/qemu:commandline)")" = 1
check "device: --datadir becomes -L" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[3]/@value") $(xpq "$out" "/domain/qemu:commandline/qemu:arg[4]/@value")" = "-L /usr/share/qemu"
check "device: result validates" valid "$out"

check "device: qemu:env still after the args (schema order)" \
	test "$(xpq "$out" "local-name(/domain/qemu:commandline/*[last()])")" = env

out=$work/slot.xml
$TOOL --mode=device --emulator=/q --pci-slot=9 $X/plain.xml -o "$out" 2>/dev/null
check "device: --pci-slot=9 gives addr=0x9" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value")" = "tickpage,id=tickpage,addr=0x9"

out=$work/datadirs.xml
$TOOL --mode=device --emulator=/q --datadir=/a --datadir=/b $X/plain.xml -o "$out" 2>/dev/null
check "device: --datadir twice gives -L /a -L /b before -device" \
	test "$(xpq "$out" "count(/domain/qemu:commandline/qemu:arg)") $(xpq "$out" "/domain/qemu:commandline/qemu:arg[2]/@value") $(xpq "$out" "/domain/qemu:commandline/qemu:arg[4]/@value") $(xpq "$out" "/domain/qemu:commandline/qemu:arg[5]/@value")" = "6 /a /b -device"

# ---- shmem-ro mode ----------------------------------------------------
out=$work/ro.xml
$TOOL --mode=shmem-ro --shmem-name=tp-ro $X/qemu-ns.xml -o "$out" 2>/dev/null
check "shmem-ro: result validates" valid "$out"
check "shmem-ro: read-only 4 KiB backend on /dev/shm/NAME" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[4]/@value")" = \
	"memory-backend-file,id=tickpage-mem,share=on,readonly=on,mem-path=/dev/shm/tp-ro,size=4096"
check "shmem-ro: ivshmem-plain peer at a fixed slot" \
	test "$(xpq "$out" "/domain/qemu:commandline/qemu:arg[6]/@value")" = \
	"ivshmem-plain,id=tickpage,memdev=tickpage-mem,master=off,addr=0x1c"
check "shmem-ro: no <shmem>, emulator left alone" \
	test "$(xp "$out" "count(//shmem)")/$(xp "$out" "/domain/devices/emulator")" = 0//usr/bin/qemu-system-x86_64
$TOOL --mode=shmem-writable --shmem-name=tp-ro "$out" >/dev/null 2>"$work/err"
check "shmem-ro then shmem-writable on the same file: refused" grep -q "already maps /dev/shm/tp-ro" "$work/err"
$TOOL --mode=shmem-writable "$work/default.xml" >/dev/null 2>"$work/err"
check "the default then shmem-writable (another file): refused, one page a domain" \
	grep -q "already has '-device ivshmem-plain,id=tickpage," "$work/err"

# ---- --in-place --------------------------------------------------------
cp $X/plain.xml "$work/inplace.xml"
before=$(sha256sum <"$work/inplace.xml")
$TOOL --in-place "$work/inplace.xml" 2>/dev/null
check "--in-place: rewrites the file" test "$(sha256sum <"$work/inplace.xml")" != "$before"
check "--in-place: result validates" valid "$work/inplace.xml"
after=$(sha256sum <"$work/inplace.xml")
$TOOL --in-place "$work/inplace.xml" 2>/dev/null
check "--in-place twice: second run refused, file unchanged" \
	test $? = 1 -a "$(sha256sum <"$work/inplace.xml")" = "$after"

# ---- refusals: one line, exit 1, nothing touched ----------------------
# refuse DESC WANT-IN-MESSAGE INPUT ARGS...: run on a copy of INPUT, both
# --in-place and with -o onto an existing file.
refuse() {
	desc=$1 want=$2 in=$3
	shift 3
	cp "$in" "$work/in.xml"
	echo "precious" >"$work/out.xml"
	sum_in=$(sha256sum <"$work/in.xml")
	sum_out=$(sha256sum <"$work/out.xml")
	$TOOL "$@" "$work/in.xml" -o "$work/out.xml" >"$work/stdout" 2>"$work/err"
	rc=$?
	$TOOL "$@" --in-place "$work/in.xml" >>"$work/stdout" 2>>"$work/err2"
	rc2=$?
	lines=$(wc -l <"$work/err")
	left=$(find "$work" -name '.tickpage-virt-xml.*' | wc -l)
	if [ $rc = 1 ] && [ $rc2 = 1 ] && [ "$lines" = 1 ] &&
	   grep -q "^tickpage-virt-xml: .*$want" "$work/err" &&
	   [ ! -s "$work/stdout" ] && [ "$left" = 0 ] &&
	   [ "$(sha256sum <"$work/in.xml")" = "$sum_in" ] &&
	   [ "$(sha256sum <"$work/out.xml")" = "$sum_out" ]; then
		pass "refused, untouched: $desc ($(cat "$work/err"))"
	else
		fail "$desc: rc=$rc/$rc2 lines=$lines temp-left=$left err=$(cat "$work/err")"
	fi
	rm -f "$work/err2"
}

refuse "not XML" "not well-formed XML" $X/not-xml.xml
refuse "not a domain" "not a libvirt domain" $X/network.xml
refuse "no <devices>" "no <devices>" $X/no-devices.xml
refuse "--mode=shmem, the former writable default" "now --mode=shmem-writable, because any guest can then set every VM's time" $X/plain.xml --mode=shmem
refuse "--shmem-role without shmem-writable" "is for --mode=shmem-writable" $X/plain.xml --shmem-role=master
refuse "--shmem-role in shmem-ro mode" "is for --mode=shmem-writable" $X/plain.xml --mode=shmem-ro --shmem-role=peer
refuse "lxc domain, default mode" "domain type 'lxc'" $X/lxc.xml
refuse "lxc domain, device mode" "domain type 'lxc'" $X/lxc.xml --mode=device --emulator=/q
refuse "device mode without --emulator" "needs --emulator" $X/plain.xml --mode=device
refuse "relative --emulator" "absolute path" $X/plain.xml --mode=device --emulator=build/qemu/q
refuse "already has the shmem" "already has a tickpage" $X/has-shmem.xml
refuse "already has the shmem (device mode asked)" "already has a tickpage" \
	$X/has-shmem.xml --mode=device --emulator=/q
refuse "already has -device tickpage" "already has a tickpage" $X/has-device.xml --mode=device --emulator=/q
refuse "period without a unit" "not a duration" $X/plain.xml --mode=device --emulator=/q --period=5
refuse "period below 100us" "out of range" $X/plain.xml --mode=device --emulator=/q --period=50us
refuse "period above 1s" "out of range" $X/plain.xml --mode=device --emulator=/q --period=2s
refuse "--period in the default mode" "is for the device modes" $X/plain.xml --period=1ms
refuse "--period in shmem-writable mode" "is for the device modes" $X/plain.xml --mode=shmem-writable --period=1ms
refuse "--emulator in shmem-ro mode" "is for the device modes" $X/plain.xml --mode=shmem-ro --emulator=/q
refuse "--period in device-shared mode (tickpaged's period)" "the period is tickpaged's" $X/plain.xml --emulator=/q --period=1ms
refuse "device-shared without --emulator" "needs --emulator" $X/plain.xml --mode=device-shared
refuse "relative --page" "must be an absolute path" $X/plain.xml --page=run/tickpage/page
refuse "--page with a comma (QEMU's separator)" "without a comma" $X/plain.xml --page=/run/a,b
refuse "--page and --shmem-name" "give one" $X/plain.xml --page=/run/a --shmem-name=b
refuse "--page in shmem-writable mode" "always /dev/shm/NAME" $X/plain.xml --mode=shmem-writable --page=/run/a
refuse "--page in device mode" "is for --mode=shmem-ro or device-shared" $X/plain.xml --mode=device --emulator=/q --page=/run/a
refuse "--shmem-name in device mode" "not --mode=device" $X/plain.xml --mode=device --emulator=/q --shmem-name=x
refuse "PCI slot out of range" "not a PCI slot" $X/plain.xml --mode=device --emulator=/q --pci-slot=0x20
refuse "PCI slot not a number" "not a PCI slot" $X/plain.xml --mode=shmem-ro --pci-slot=x
refuse "relative --datadir" "absolute path" $X/plain.xml --mode=device --emulator=/q --datadir=/usr/share/qemu --datadir=share
refuse "shmem name with a slash" "plain file name" $X/plain.xml --shmem-name=../etc/passwd
refuse "result fails libvirt's schema (no <name>)" "does not validate" $X/no-name.xml

$TOOL $work/missing.xml -o "$work/out2.xml" 2>"$work/err"
check "missing input: exit 1, one line, no output file" \
	test $? = 1 -a "$(wc -l <"$work/err")" = 1 -a ! -e "$work/out2.xml"

summary
