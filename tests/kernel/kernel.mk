# tests/kernel/: programs that run inside the patched guest kernel
# (static: the test initramfs has no libc).
TP_COARSE := $(O)/tests/kernel/tp-coarse

$(TP_COARSE): tests/kernel/tp-coarse.c vdso/include/tickpage-dev.h \
	      vdso/include/tickpage-read.h vdso/include/tickpage-abi.h
	$(quiet) CCLD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -static -pthread -o $@ $<

ALL_TARGETS += $(TP_COARSE)
LINT_C += tests/kernel/tp-coarse.c
