# tests/libvirt/: guests defined and run by the real libvirt daemon.
# Their initramfs (the harness's init, tickpage.ko, tp-watch, the
# in-guest reporter, and tp-attack, a hostile guest) is built here
# rather than taken from tests/vm, so that these tests do not depend on
# what other layers put in theirs.
LV_DIR       := $(O)/libvirt
LV_WATCH     := $(LV_DIR)/tp-watch
LV_ATTACK    := $(LV_DIR)/tp-attack
LV_INITRAMFS := $(LV_DIR)/initramfs.cpio.gz

$(O)/tests/libvirt/%.o: CPPFLAGS += -Itests/lib -Itests/vm

$(LV_WATCH): $(O)/tests/libvirt/tp-watch.o $(O)/vdso/lib/libtickpage.a
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -o $@ $^

# The hostile guest of test-guest-write.py: sysfs BAR mapping as tests/vm's.
$(LV_ATTACK): $(O)/tests/libvirt/tp-attack.o $(O)/tests/vm/pci-map.o
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -o $@ $^

$(LV_INITRAMFS): scripts/mkinitramfs tests/vm/init $(LV_WATCH) $(LV_ATTACK) \
		$(O)/guest/driver/tickpage.ko
	$(quiet) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)scripts/mkinitramfs $@ --bin $(LV_WATCH) --bin $(LV_ATTACK) \
		--module $(O)/guest/driver/tickpage.ko

.PHONY: libvirt-prereqs
# The tests' Python package decodes pages with the layout the build
# takes from the ABI header.
libvirt-prereqs: $(LV_INITRAMFS) $(O)/hv/tickpaged $(O)/tests/lib/abi-layout.txt

CHECK_DEPS += libvirt-prereqs
LINT_C += tests/libvirt/tp-watch.c tests/libvirt/tp-attack.c
