# tests/libvirt/: guests defined and run by the real libvirt daemon.
# Their initramfs (the harness's init, tickpage.ko and tp-watch, the
# in-guest reporter) is built here rather than taken from tests/vm, so
# that these tests do not depend on what other layers put in theirs.
# (Paths are spelled out: fragments are read in any order, so the
# other fragments' variables may not be set yet here.)
LV_DIR       := $(O)/libvirt
LV_WATCH     := $(LV_DIR)/tp-watch
LV_INITRAMFS := $(LV_DIR)/initramfs.cpio.gz

$(O)/tests/libvirt/%.o: CPPFLAGS += -Itests/lib

$(LV_WATCH): $(O)/tests/libvirt/tp-watch.o $(O)/vdso/lib/libtickpage.a
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -o $@ $^

$(LV_INITRAMFS): scripts/mkinitramfs tests/vm/init $(LV_WATCH) $(O)/guest/driver/tickpage.ko
	$(quiet) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)scripts/mkinitramfs $@ --bin $(LV_WATCH) --module $(O)/guest/driver/tickpage.ko

.PHONY: libvirt-prereqs
libvirt-prereqs: $(LV_INITRAMFS) $(O)/hv/tickpaged

CHECK_DEPS += libvirt-prereqs
LINT_C += tests/libvirt/tp-watch.c
