#!/bin/sh
# qemu-patches/ must be what scripts/gen-qemu-patches makes of hv/ and vdso/.
. tests/lib/report.sh
check "qemu-patches/ is a fresh generation of hv/, hv/qemu/ and the ABI header" \
	scripts/gen-qemu-patches --check
summary
