# tests/vm/: the booted-guest harness. Builds into $(O)/vm/:
#   guest-kernel.env    which Debian cloud kernel (scripts/guest-kernel)
#   initramfs.cpio.gz   busybox + tests/vm/init + every guest program and
#                       module the fragments list in VM_GUEST_BINS and
#                       VM_GUEST_MODULES (add yours with +=; the lists are
#                       read at build time, so any fragment may add to them)
#   ivshmem-page ...    this directory's static guest programs
# `make vm-prereqs` makes all of it; `make check` does too (CHECK_DEPS).

VM_DIR        := $(O)/vm
VM_INITRAMFS  := $(VM_DIR)/initramfs.cpio.gz
VM_KERNEL_ENV := $(VM_DIR)/guest-kernel.env
VM_PROGS      := $(VM_DIR)/ivshmem-page
VM_GUEST_BINS    += $(VM_PROGS)
VM_GUEST_MODULES +=

CHECK_DEPS += vm-prereqs
LINT_C += tests/vm/ivshmem-page.c tests/vm/pci-map.c tests/vm/pci-map.h

$(O)/tests/vm/%.o: CPPFLAGS += -Itests/lib -Itests/vm

# Guest programs are static: the initramfs has no libc.
$(VM_DIR)/ivshmem-page: $(O)/tests/vm/ivshmem-page.o $(O)/tests/vm/pci-map.o
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $(CFLAGS) -o $@ $^

.PHONY: vm-prereqs vm-kernel
vm-prereqs: vm-kernel $(VM_INITRAMFS)

# Always asks apt which point release is current (a second or two when
# cached); the file only changes when the answer does. As root it also
# installs the matching headers for module builds (KDIR).
vm-kernel:
	$(Q)mkdir -p $(VM_DIR)
	$(Q)scripts/guest-kernel --print $(if $(filter 0,$(shell id -u)),,--no-headers) \
		>$(VM_KERNEL_ENV).tmp
	$(Q)cmp -s $(VM_KERNEL_ENV).tmp $(VM_KERNEL_ENV) && rm -f $(VM_KERNEL_ENV).tmp || \
		mv $(VM_KERNEL_ENV).tmp $(VM_KERNEL_ENV)

# Kernel modules of the guest kernel, if a test needs some (by name).
VM_KERNEL_MODULES ?=

.SECONDEXPANSION:
$(VM_INITRAMFS): scripts/mkinitramfs tests/vm/init $$(VM_GUEST_BINS) $$(VM_GUEST_MODULES) \
		| vm-kernel
	$(quiet) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)scripts/mkinitramfs $@ $(foreach b,$(VM_GUEST_BINS),--bin $(b)) \
		$(foreach m,$(VM_GUEST_MODULES) $(VM_KERNEL_MODULES),--module $(m)) \
		$(if $(VM_KERNEL_MODULES),--kmod-dir $$(sed -n 's/^MODDIR=//p' $(VM_KERNEL_ENV)))

