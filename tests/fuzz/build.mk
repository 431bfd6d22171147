# tests/fuzz/: libFuzzer targets (clang, with ASan and UBSan), their
# seed corpora, a bounded run in tests.list and `make fuzz` for a long
# one (FUZZ_SECONDS per reader and writer target, default 300; the vDSO
# image's FUZZ_VDSO_SECONDS, default 600).
FUZZ         := $(O)/tests/fuzz
FUZZ_TARGETS := $(FUZZ)/fuzz-read $(FUZZ)/fuzz-writer $(FUZZ)/fuzz-vdso
FUZZ_SEEDS   := $(FUZZ)/seeds-read $(FUZZ)/seeds-writer
FUZZ_SECONDS ?= 300
# The vDSO target runs for ten minutes on its own.
FUZZ_VDSO_SECONDS ?= 600
FUZZ_CFLAGS  := -g -O1 -std=gnu11 $(WARNINGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Ivdso/include -Ihv -Itests/lib

$(FUZZ)/fuzz-read: tests/fuzz/fuzz-read.c tests/fuzz/fuzz-check.h tests/lib/snapshot.h \
		vdso/include/tickpage-read.h vdso/include/tickpage-abi.h
	$(quiet) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $<

# The writer is compiled into the target so the sanitizers see it too.
$(FUZZ)/fuzz-writer: tests/fuzz/fuzz-writer.c tests/fuzz/fuzz-input.h \
		tests/fuzz/fuzz-check.h tests/lib/snapshot.h hv/tickpage-writer.c hv/tickpage-writer.h vdso/include/tickpage-read.h \
		vdso/include/tickpage-abi.h
	$(quiet) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz-writer.c hv/tickpage-writer.c

# fuzz-vdso: the patched kernel's vDSO image (at run time, found by
# run-fuzz.sh) and the system call's computation, <vdso/tickpage-coarse.h>
# as the series adds it, compiled against the few kernel definitions it
# needs (tests/fuzz/kshim/) and the shared reader headers.
FUZZ_KINC := $(FUZZ)/kinc/vdso
FUZZ_COARSE_PATCH := $(shell grep -l '^+++ b/include/vdso/tickpage-coarse.h$$' \
	guest/linux/0*.patch | head -n 1)

$(FUZZ_KINC)/tickpage-coarse.h: $(FUZZ_COARSE_PATCH) vdso/include/tickpage-read.h \
		vdso/include/tickpage-abi.h
	$(quiet) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)cp vdso/include/tickpage-read.h vdso/include/tickpage-abi.h $(@D)/
	$(Q)awk '/^\+\+\+ b\/include\/vdso\/tickpage-coarse.h/ { f = 1; next } \
		/^diff --git/ { f = 0 } f && /^\+/ { print substr($$0, 2) }' \
		$(FUZZ_COARSE_PATCH) >$@.tmp && test -s $@.tmp && mv $@.tmp $@

# The system call's path twice (fuzz-vdso-sys.c): plain, to count its
# instructions, and sanitized.
FUZZ_KFLAGS := -I$(FUZZ)/kinc -Itests/fuzz/kshim

$(FUZZ)/fuzz-vdso: tests/fuzz/fuzz-vdso.c tests/fuzz/fuzz-vdso-sys.c tests/fuzz/fuzz-input.h \
		tests/kernel/vdso-load.c tests/kernel/vdso-load.h \
		$(FUZZ_KINC)/tickpage-coarse.h \
		$(wildcard tests/fuzz/kshim/vdso/*.h)
	$(quiet) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -O2 -std=gnu11 $(WARNINGS) $(FUZZ_KFLAGS) -Ivdso/include \
		-DSYS_GETTIME=sys_gettime_plain -c -o $@-sys-plain.o \
		tests/fuzz/fuzz-vdso-sys.c
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_KFLAGS) -DSYS_GETTIME=sys_gettime_san \
		-c -o $@-sys-san.o tests/fuzz/fuzz-vdso-sys.c
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_KFLAGS) -o $@ tests/fuzz/fuzz-vdso.c \
		tests/kernel/vdso-load.c $@-sys-plain.o $@-sys-san.o

$(FUZZ)/seeds-vdso: tests/fuzz/mkseeds-vdso.py
	$(quiet) GEN $@
	$(Q)rm -rf $@ && tests/fuzz/mkseeds-vdso.py $@

$(FUZZ)/mkseeds: $(O)/tests/fuzz/mkseeds.o $(O)/hv/tickpage-writer.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

$(FUZZ_SEEDS): $(FUZZ)/mkseeds
	$(quiet) GEN $(FUZZ)/seeds-*
	$(Q)rm -rf $(FUZZ_SEEDS) && mkdir -p $(FUZZ_SEEDS)
	$(Q)$(FUZZ)/mkseeds $(FUZZ_SEEDS)

ALL_TARGETS += $(FUZZ_TARGETS) $(FUZZ_SEEDS) $(FUZZ)/seeds-vdso
LINT_C += tests/fuzz/fuzz-read.c tests/fuzz/fuzz-writer.c tests/fuzz/mkseeds.c \
	  tests/fuzz/fuzz-input.h tests/fuzz/fuzz-check.h \
	  tests/fuzz/fuzz-vdso.c tests/fuzz/fuzz-vdso-sys.c

fuzz: $(FUZZ_TARGETS) $(FUZZ_SEEDS) $(FUZZ)/seeds-vdso $(GUEST_KERNEL)
	$(Q)tests/fuzz/run-fuzz.sh fuzz-read $(FUZZ_SECONDS) && \
		tests/fuzz/run-fuzz.sh fuzz-writer $(FUZZ_SECONDS) && \
		tests/fuzz/run-fuzz.sh fuzz-vdso $(FUZZ_VDSO_SECONDS)
