# vdso/tools/: the guest-side tools. Static links go into the test
# guests' initramfs, which has no C library.

# tickpage-show: decode a page file for a person (host shm file, or
# /dev/tickpage in a guest).
TICKPAGE_SHOW := $(O)/vdso/tools/tickpage-show

$(TICKPAGE_SHOW): $(O)/vdso/tools/tickpage-show.o
	$(quiet) LD $@
	$(Q)$(CC) -static -o $@ $^

ALL_TARGETS += $(TICKPAGE_SHOW)
DEMO_DEPS += $(TICKPAGE_SHOW)
LINT_C += vdso/tools/tickpage-show.c

# tickpage-check: the guest-side invariant checker.
TICKPAGE_CHECK := $(O)/vdso/tools/tickpage-check

$(TICKPAGE_CHECK): $(O)/vdso/tools/tickpage-check.o $(LIBTP_A)
	$(quiet) LD $@
	$(Q)$(CC) -static -pthread -o $@ $^

ALL_TARGETS += $(TICKPAGE_CHECK)
LINT_C += vdso/tools/tickpage-check.c

# tickpage-bench: page read vs vDSO vs system call, and page staleness.
# One object, two links: the dynamic one for the host and callgrind, the
# static one for the test guests. Both carry libtickpage for --lib (it
# only serves in a guest).
TICKPAGE_BENCH        := $(O)/vdso/tools/tickpage-bench
TICKPAGE_BENCH_STATIC := $(O)/vdso/tools/tickpage-bench-static

$(TICKPAGE_BENCH): $(O)/vdso/tools/tickpage-bench.o $(LIBTP_A)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

$(TICKPAGE_BENCH_STATIC): $(O)/vdso/tools/tickpage-bench.o $(LIBTP_A)
	$(quiet) LD $@
	$(Q)$(CC) -static -o $@ $^

ALL_TARGETS += $(TICKPAGE_BENCH) $(TICKPAGE_BENCH_STATIC)
BENCH_DEPS  += $(TICKPAGE_BENCH) $(TICKPAGE_BENCH_STATIC)
LINT_C += vdso/tools/tickpage-bench.c
