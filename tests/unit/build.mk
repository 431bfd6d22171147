# tests/unit/: the ABI, reader, writer and publishing policy, each test
# built with both gcc ($(CC)) and clang, plus the reader built like a
# vDSO (no libc), as jsmn's Makefile builds one test several ways.
# reader-builds.sh adds the -m32 variant, which needs a compiler that
# can target i386.
UNIT        := $(O)/tests/unit
UNIT_CLANG  := $(UNIT)/clang
UNIT_TESTS  := abi-test reader-test writer-test policy-test
UNIT_BINS   := $(UNIT_TESTS:%=$(UNIT)/%) $(UNIT_TESTS:%=$(UNIT)/%-clang)
UNIT_NOLIBC := $(UNIT)/reader-nolibc $(UNIT)/reader-nolibc-clang

# The way a vDSO is built: nothing from the C library or the compiler's
# runtime may be pulled in, so the link itself is the first check.
NOLIBC_CFLAGS := -std=gnu11 $(WARNINGS) -O2 -ffreestanding -nostdlib \
		 -fno-builtin -fno-stack-protector -fno-pie -static

UNIT_DEPS_abi-test    := tests/unit/abi-test.o hv/tickpage-writer.o
UNIT_DEPS_reader-test := tests/unit/reader-test.o tests/unit/page-trace.o
UNIT_DEPS_writer-test := tests/unit/writer-test.o tests/unit/page-trace.o \
			 hv/tickpage-writer.o
UNIT_DEPS_policy-test := tests/unit/policy-test.o hv/tickpage-policy.o \
			 hv/tickpage-duration.o

$(UNIT)/%.o $(UNIT_CLANG)/tests/unit/%.o: CPPFLAGS += -Itests/lib

# gcc objects come from the top-level pattern rule; clang ones from this.
$(UNIT_CLANG)/%.o: %.c
	$(quiet) CLANG $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# One gcc and one clang link per test.
define unit_links
$(UNIT)/$(1): $(addprefix $(O)/,$(UNIT_DEPS_$(1)))
	$$(quiet) LD $$@
	$$(Q)$$(CC) -o $$@ $$^

$(UNIT)/$(1)-clang: $(addprefix $(UNIT_CLANG)/,$(UNIT_DEPS_$(1)))
	$$(quiet) LD $$@
	$$(Q)$$(CLANG) -o $$@ $$^
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_links,$(t))))

$(UNIT)/reader-nolibc: tests/unit/reader-nolibc.c
	$(quiet) CC-NOLIBC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(NOLIBC_CFLAGS) -Ivdso/include -MMD -MP -o $@ $<

$(UNIT)/reader-nolibc-clang: tests/unit/reader-nolibc.c
	$(quiet) CLANG-NOLIBC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(NOLIBC_CFLAGS) -Ivdso/include -MMD -MP -o $@ $<

ALL_TARGETS += $(UNIT_BINS) $(UNIT_NOLIBC)
LINT_C += tests/unit/abi-test.c tests/unit/reader-test.c \
	  tests/unit/writer-test.c tests/unit/policy-test.c \
	  tests/unit/page-trace.c \
	  tests/unit/page-trace.h tests/unit/reader-nolibc.c
