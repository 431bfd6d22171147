# guest/linux/: the patched guest kernel. The build itself is cached
# outside the tree (scripts/build-guest-kernel); this stamp only records
# which cache entry the tests use.
#
#   make guest-kernel    build (or find the cached) kernel
#   make linux-patches   regenerate the series (patch 1 from the shared files)
GUEST_KERNEL := $(O)/guest/linux/bzImage.path

.PHONY: guest-kernel guest-kernel-stock linux-patches
guest-kernel $(GUEST_KERNEL): scripts/build-guest-kernel \
		guest/linux/tickpage.config $(wildcard guest/linux/*.patch)
	$(quiet) KERNEL $(GUEST_KERNEL)
	$(Q)mkdir -p $(O)/guest/linux
	$(Q)scripts/build-guest-kernel >$(GUEST_KERNEL).tmp
	$(Q)mv $(GUEST_KERNEL).tmp $(GUEST_KERNEL)

linux-patches:
	$(Q)scripts/gen-linux-patches

guest-kernel-stock:
	$(Q)scripts/build-guest-kernel --stock >/dev/null

CHECK_DEPS += $(GUEST_KERNEL)
BENCH_DEPS += $(GUEST_KERNEL)
# make bench compares with the same source and config unpatched
# (scripts/bench.d/40-guest-vdso, 45-vdso-image).
BENCH_DEPS += guest-kernel-stock
