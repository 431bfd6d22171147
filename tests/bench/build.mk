# tests/bench/: smoke tests for the benchmark programs (they run and
# print well-formed figures; speed itself is only measured by make bench).
# Their test publisher is tests/guest/tp-publish.
CHECK_DEPS += $(TP_PUBLISH) $(TICKPAGE_BENCH) $(TICKPAGE_BENCH_STATIC)

# tickpage-icount: instructions per read by ptrace single-stepping (the
# real vDSO path, which callgrind cannot see). Used by scripts/bench.d.
TICKPAGE_ICOUNT := $(O)/tests/bench/tickpage-icount

$(TICKPAGE_ICOUNT): $(O)/tests/bench/tickpage-icount.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

CHECK_DEPS += $(TICKPAGE_ICOUNT)
BENCH_DEPS += $(TICKPAGE_ICOUNT)
LINT_C += tests/bench/tickpage-icount.c
