#!/bin/sh
# qemu-patches/ must be what scripts/gen-qemu-patches makes of hv/ and
# vdso/, and apply with git am alone.
. tests/lib/report.sh
check "qemu-patches/ is a fresh generation and applies with git am" \
	scripts/gen-qemu-patches --check
summary
