# qemu-patches/: the "-device tickpage" series and the QEMU built with it.
#
#   make qemu            build (or verify the cached) QEMU: scripts/build-qemu
#   make qemu-patches    regenerate this series from hv/ and the ABI header
.PHONY: qemu qemu-patches
qemu:
	$(Q)scripts/build-qemu

qemu-patches:
	$(Q)scripts/gen-qemu-patches

CHECK_DEPS += qemu
BENCH_DEPS += qemu
DEMO_DEPS += qemu
