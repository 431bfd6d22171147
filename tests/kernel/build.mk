# tests/kernel/: programs that run inside the patched guest kernel
# (static: the test initramfs has no libc).
TP_COARSE := $(O)/tests/kernel/tp-coarse
# Its sources, also for the image's build of it (tests/image/build.mk).
TP_COARSE_SRC := tests/kernel/tp-coarse.c vdso/include/tickpage-dev.h \
		 vdso/include/tickpage-read.h vdso/include/tickpage-abi.h

$(TP_COARSE): $(TP_COARSE_SRC)
	$(quiet) CCLD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -static -pthread -o $@ $<

ALL_TARGETS += $(TP_COARSE)
LINT_C += tests/kernel/tp-coarse.c

# vdso-image: the built guest kernel's vDSO run on the host against data
# filled by the test (tests/kernel/vdso-image.sh, scripts/bench.d).
VDSO_IMAGE := $(O)/tests/kernel/vdso-image

$(VDSO_IMAGE): $(O)/tests/kernel/vdso-image.o $(O)/tests/kernel/vdso-load.o \
		$(O)/hv/tickpage-writer.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

CHECK_DEPS += $(VDSO_IMAGE)
BENCH_DEPS += $(VDSO_IMAGE)
LINT_C += tests/kernel/vdso-image.c tests/kernel/vdso-load.c
