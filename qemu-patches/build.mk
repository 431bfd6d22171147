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

# The wakeup floor the device benchmark compares against.
QEMU_WAKEUP := $(O)/tests/qemu/tickpage-wakeup
$(QEMU_WAKEUP): $(O)/tests/qemu/tickpage-wakeup.o
	$(quiet) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^
BENCH_DEPS += $(QEMU_WAKEUP)
LINT_C += tests/qemu/tickpage-wakeup.c
