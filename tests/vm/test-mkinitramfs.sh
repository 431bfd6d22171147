#!/bin/sh
# scripts/mkinitramfs: what goes in, what is refused, and reproducibility.
. tests/lib/report.sh
mk=scripts/mkinitramfs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A static program of our own to pack.
printf 'int main(void) { return 0; }\n' >"$tmp/s.c"
cc -static -o "$tmp/static-prog" "$tmp/s.c" || { fail "cannot link a static program"; summary; }

check "builds with a static program" $mk "$tmp/a.cpio.gz" --bin "$tmp/static-prog" \
	--file tests/vm/init:/etc/copy
$mk "$tmp/b.cpio.gz" --bin "$tmp/static-prog" --file tests/vm/init:/etc/copy
check "same inputs give the same bytes" cmp -s "$tmp/a.cpio.gz" "$tmp/b.cpio.gz"

list=$(zcat "$tmp/a.cpio.gz" | cpio -itv 2>/dev/null)
has() { printf '%s\n' "$list" | grep -Eq "$1"; }
check "has /init, executable" has '^-rwxr-xr-x .* init$'
check "has busybox and its applets" has ' bin/modprobe -> busybox$'
check "has /dev/console as a character device" has '^crw------- .* 5, +1 .* dev/console$'
check "has the --bin program in /bin" has ' bin/static-prog$'
check "has the --file at its destination" has ' etc/copy$'

# Bad input: one clear line, non-zero exit, no archive.
refused() {
	what=$1; shift
	rm -f "$tmp/bad.cpio.gz"
	err=$($mk "$tmp/bad.cpio.gz" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && [ ! -e "$tmp/bad.cpio.gz" ] &&
	   [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] &&
	   printf '%s' "$err" | grep -q "^mkinitramfs: "; then
		pass "refuses $what: $err"
	else
		fail "refuses $what (rc $rc): $err"
	fi
}
refused "a dynamically linked program" --bin /bin/true
refused "a missing program" --bin "$tmp/nope"
refused "a missing module" --module "$tmp/nope.ko"
cp "$tmp/s.c" "$tmp/s.ko"
refused "a .ko that is not a module" --module "$tmp/s.ko"
refused "a kernel module name without --kmod-dir" --module virtio_console
refused "a --file without a destination" --file tests/vm/init
summary
