#!/bin/sh
# The guest kernel series imports the files scripts/series.shared lists
# for linux through its first patch and nowhere else, and the kernel
# built from it holds them byte for byte as they are in this checkout.
. tests/lib/report.sh
list=$(awk '$1 == "linux" { print $2, $3 }' scripts/series.shared)
[ -n "$list" ] || fail "scripts/series.shared lists no linux files"
import=$(ls guest/linux/0001-*.patch)
while read -r dst src; do
	[ -n "$dst" ] || continue
	carriers=$(grep -l "^+++ b/$dst\$" guest/linux/0*.patch)
	if [ "$carriers" = "$import" ]; then
		pass "$dst comes from patch 1 alone"
	else
		fail "$dst is in: ${carriers:-no patch} (want ${import##*/} alone)"
	fi
done <<LIST
$list
LIST
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
while read -r dst src; do
	[ -n "$dst" ] || continue
	if cmp -s "$src" "$tree/$dst"; then
		pass "$dst is byte-identical to $src"
	else
		fail "$dst differs from $src: regenerate (scripts/gen-linux-patches)"
	fi
done <<LIST
$list
LIST
# The built kernel really has the driver and the vDSO hook in it.
if grep -qx CONFIG_TICKPAGE=y "$tree/.config"; then
	pass "CONFIG_TICKPAGE=y in the built kernel"
else
	fail "CONFIG_TICKPAGE is not set in the built kernel"
fi
summary
