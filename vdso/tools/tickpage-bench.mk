# tickpage-bench: page read vs vDSO vs system call, and page staleness.
# One object, two links: the dynamic one for the host and callgrind, the
# static one for the test guests' initramfs, which has no C library.
# Both carry libtickpage for --lib (it only serves in a guest).
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
