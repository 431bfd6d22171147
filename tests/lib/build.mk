# tests/lib/: the tests' shared code. The Python package tickpage/ needs
# one build product: the page layout as the compiler sees the ABI header
# (abi-layout.c), which its page decoder reads instead of spelling
# offsets by hand.
ABI_LAYOUT := $(O)/tests/lib/abi-layout.txt

$(O)/tests/lib/abi-layout: $(O)/tests/lib/abi-layout.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

$(ABI_LAYOUT): $(O)/tests/lib/abi-layout
	$(quiet) GEN $@
	$(Q)$< >$@.tmp && mv $@.tmp $@

ALL_TARGETS += $(ABI_LAYOUT)
CHECK_DEPS += $(ABI_LAYOUT)
LINT_C += tests/lib/abi-layout.c tests/lib/args.h tests/lib/snapshot.h
