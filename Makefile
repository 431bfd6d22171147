# tickpage — top-level build.
#
#   make            build the host tools, libraries and tests
#   make demo       the main job: set up, build, show the time page working
#   make check      set up, build, run every test (tests/run; last line
#                   "N passed, N failed")
#   make bench      benchmarks; writes build/bench/
#   make torture    long torn-read torture (>= 1e9 reads)
#   make fuzz       long fuzzing run
#   make lint       checkpatch, cppcheck, clang-tidy
#   make fmt        clang-format in place
#
# V=1 shows every command; WERROR=0 lets warnings through.
# Each part adds its own rules in a *.mk fragment beside its sources.

O        ?= build
V        ?= 0
WERROR   ?= 1
CC       ?= cc
CLANG    ?= clang

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	    -Wpointer-arith -Wcast-align -Wwrite-strings -Wundef \
	    -Wformat=2 -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

CPPFLAGS += -Ivdso/include -Ihv -D_GNU_SOURCE
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARNINGS)

# Collected by the fragments.
ALL_TARGETS :=
CHECK_DEPS  :=
BENCH_DEPS  :=
DEMO_DEPS   :=
LINT_C      :=

.PHONY: all setup check demo bench torture fuzz lint fmt clean
all:

include $(sort $(shell find hv vdso guest qemu-patches tests scripts -name '*.mk' 2>/dev/null))

all: $(ALL_TARGETS)

setup:
	$(Q)scripts/setup

check: setup
	$(Q)$(MAKE) --no-print-directory all $(CHECK_DEPS)
	$(Q)tests/run $(TESTS)

demo: setup
	$(Q)$(MAKE) --no-print-directory all $(DEMO_DEPS)
	$(Q)scripts/demo

bench: setup
	$(Q)$(MAKE) --no-print-directory all $(BENCH_DEPS)
	$(Q)scripts/bench

lint:
	$(Q)scripts/lint

fmt:
	$(Q)clang-format -i $(LINT_C)

clean:
	rm -rf $(O)

# Objects: one pattern for everything built from the tree.
$(O)/%.o: %.c
	$(quiet) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(O) -name '*.d' 2>/dev/null)
