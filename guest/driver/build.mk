# guest/driver/: tickpage.ko, built against the test guests' kernel
# (scripts/guest-kernel: Debian's cloud kernel and its headers), or any
# other with GUEST_KDIR=/lib/modules/VERSION/build. The sources are first
# laid out as a self-contained tree (the DKMS layout, headers in
# include/) under build/, so that Kbuild writes nothing into guest/.
# Kbuild gets an empty MAKEFLAGS: our O= and V= mean other things to it.
# Warnings (W=1 included) fail the build through KCFLAGS=-Werror, as for
# the rest of the tree; WERROR=0 lets them through.
GUEST_KO     := $(O)/guest/driver/tickpage.ko
GUEST_TREE   := $(O)/guest/driver/tree
GUEST_KO_SRC := $(wildcard guest/driver/*.c guest/driver/*.h) \
		guest/driver/Kbuild guest/driver/Makefile guest/driver/dkms.conf \
		vdso/include/tickpage-abi.h vdso/include/tickpage-read.h \
		vdso/include/tickpage-dev.h

GUEST_KDIR_FILE := $(O)/guest/driver/kdir

# Which kernel to build for: GUEST_KDIR, else the test guests' kernel as
# tests/vm/build.mk's vm-kernel resolves it (build/vm/guest-kernel.env, which
# also installs its headers). Rewritten only when it changes (a new Debian
# point release), so that the module follows it and is otherwise kept.
$(GUEST_KDIR_FILE): $(if $(GUEST_KDIR),guest-driver-kdir-always,vm-kernel)
	$(Q)mkdir -p $(@D); kdir="$(GUEST_KDIR)"; \
	[ -n "$$kdir" ] || kdir=$$(sed -n 's/^KDIR=//p' $(O)/vm/guest-kernel.env); \
	[ -d "$$kdir" ] || { echo "guest-driver: no kernel headers at '$$kdir'" >&2; exit 1; }; \
	[ "$$(cat $@ 2>/dev/null)" = "$$kdir" ] || echo "$$kdir" > $@

$(GUEST_KO): $(GUEST_KO_SRC) $(GUEST_KDIR_FILE)
	$(quiet) KMOD $@
	$(Q)kdir=$$(cat $(GUEST_KDIR_FILE)); \
	rm -rf $(GUEST_TREE) && \
	$(MAKE) -s --no-print-directory -C guest/driver tree DEST=$(abspath $(GUEST_TREE)) && \
	MAKEFLAGS= $(MAKE) --no-print-directory -C "$$kdir" M=$(abspath $(GUEST_TREE)) \
		W=1 $(if $(filter 1,$(WERROR)),KCFLAGS=-Werror) KBUILD_VERBOSE=$(V) \
		modules >$(O)/guest/driver/kbuild.log 2>&1 || \
		{ cat $(O)/guest/driver/kbuild.log >&2; exit 1; }; \
	cp $(GUEST_TREE)/tickpage.ko $@

.PHONY: guest-driver guest-driver-kdir-always
guest-driver: $(GUEST_KO)

CHECK_DEPS += $(GUEST_KO)
DEMO_DEPS  += $(GUEST_KO)
