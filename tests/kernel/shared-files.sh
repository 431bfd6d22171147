#!/bin/sh
# The built guest kernel tree holds the canonical ABI/reader headers and
# the out-of-tree driver's sources byte for byte, and the patch series
# carries no copy of any of them (it only adds the glue around them).
. tests/lib/report.sh
tree=$(scripts/build-guest-kernel --print --tree 2>/dev/null) || {
	skip "patched guest kernel not built (scripts/build-guest-kernel)"
	summary
}
while read -r dst src; do
	if cmp -s "$src" "$tree/$dst"; then
		pass "$dst is byte-identical to $src"
	else
		fail "$dst differs from $src"
	fi
	name=$(basename "$dst")
	if grep -q "^+++ b/.*/$name\$" guest/linux/*.patch; then
		fail "the series carries its own copy of $name"
	fi
done <<LIST
include/vdso/tickpage-abi.h vdso/include/tickpage-abi.h
include/vdso/tickpage-read.h vdso/include/tickpage-read.h
drivers/virt/tickpage/tickpage-dev.h vdso/include/tickpage-dev.h
drivers/virt/tickpage/tickpage-drv.h guest/driver/tickpage-drv.h
drivers/virt/tickpage/tickpage-core.c guest/driver/tickpage-core.c
drivers/virt/tickpage/tickpage-pci.c guest/driver/tickpage-pci.c
drivers/virt/tickpage/tickpage-chardev.c guest/driver/tickpage-chardev.c
drivers/virt/tickpage/tickpage-sysfs.c guest/driver/tickpage-sysfs.c
LIST
# The built kernel really has the driver and the vDSO hook in it.
if grep -qx CONFIG_TICKPAGE=y "$tree/.config"; then
	pass "CONFIG_TICKPAGE=y in the built kernel"
else
	fail "CONFIG_TICKPAGE is not set in the built kernel"
fi
summary
