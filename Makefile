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
# Each directory that builds something has one fragment, build.mk, with
# its rules; FRAGMENTS below lists them (docs/contributing.md).

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

# In this order: a fragment may use the variables of those above it in
# its targets and prerequisites (they are expanded as it is read).
FRAGMENTS := \
	hv/build.mk \
	vdso/build.mk \
	vdso/lib/build.mk \
	vdso/tools/build.mk \
	guest/driver/build.mk \
	guest/linux/build.mk \
	qemu-patches/build.mk \
	tests/lib/build.mk \
	tests/unit/build.mk \
	tests/torture/build.mk \
	tests/fuzz/build.mk \
	tests/tickpaged/build.mk \
	tests/vm/build.mk \
	tests/guest/build.mk \
	tests/kernel/build.mk \
	tests/bench/build.mk \
	tests/libvirt/build.mk \
	tests/image/build.mk \
	scripts/build.mk
include $(FRAGMENTS)
# The Debian packaging's, while it is being written.
-include debian/deb.mk

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

-include $(shell find $(O) -name '*.d' -type f 2>/dev/null)
