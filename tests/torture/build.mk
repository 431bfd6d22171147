# tests/torture/: torn-read torture of the reader against the writer.
# Always -O2 (the barriers and single loads are what is under test, so
# test them as a release build compiles them).
TORTURE := $(O)/tests/torture/tickpage-torture
TORTURE_READS ?= 1000000000

$(O)/tests/torture/%.o: CPPFLAGS += -Itests/lib
$(O)/tests/torture/%.o: CFLAGS += -O2

$(TORTURE): $(O)/tests/torture/torture.o $(O)/hv/tickpage-writer.o
	$(quiet) LD $@
	$(Q)$(CC) -pthread -o $@ $^

ALL_TARGETS += $(TORTURE)
LINT_C += tests/torture/torture.c tests/torture/torture-pattern.h

# The long run: >= 1e9 reads over two reader threads and two processes.
torture: $(TORTURE)
	$(Q)$(TORTURE) --reads=$(TORTURE_READS) --threads=2 --procs=2
