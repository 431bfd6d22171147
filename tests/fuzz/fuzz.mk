# tests/fuzz/: libFuzzer targets (clang, with ASan and UBSan), their
# seed corpora, a bounded run in tests.list and `make fuzz` for a long
# one (FUZZ_SECONDS per target, default 300: ten minutes in all).
FUZZ         := $(O)/tests/fuzz
FUZZ_TARGETS := $(FUZZ)/fuzz-read $(FUZZ)/fuzz-writer
FUZZ_SEEDS   := $(FUZZ)/seeds-read $(FUZZ)/seeds-writer
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS  := -g -O1 -std=gnu11 $(WARNINGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Ivdso/include -Ihv

$(FUZZ)/fuzz-read: tests/fuzz/fuzz-read.c vdso/include/tickpage-read.h \
		vdso/include/tickpage-abi.h
	$(quiet) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $<

# The writer is compiled into the target so the sanitizers see it too.
$(FUZZ)/fuzz-writer: tests/fuzz/fuzz-writer.c hv/tickpage-writer.c \
		hv/tickpage-writer.h vdso/include/tickpage-read.h \
		vdso/include/tickpage-abi.h
	$(quiet) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz-writer.c hv/tickpage-writer.c

$(FUZZ)/mkseeds: $(O)/tests/fuzz/mkseeds.o $(O)/hv/tickpage-writer.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

$(FUZZ_SEEDS): $(FUZZ)/mkseeds
	$(quiet) GEN $(FUZZ)/seeds-*
	$(Q)rm -rf $(FUZZ_SEEDS) && mkdir -p $(FUZZ_SEEDS)
	$(Q)$(FUZZ)/mkseeds $(FUZZ_SEEDS)

ALL_TARGETS += $(FUZZ_TARGETS) $(FUZZ_SEEDS)
LINT_C += tests/fuzz/fuzz-read.c tests/fuzz/fuzz-writer.c tests/fuzz/mkseeds.c

fuzz: $(FUZZ_TARGETS) $(FUZZ_SEEDS)
	$(Q)tests/fuzz/run-fuzz.sh fuzz-read $(FUZZ_SECONDS) && \
		tests/fuzz/run-fuzz.sh fuzz-writer $(FUZZ_SECONDS)
