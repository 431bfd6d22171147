# scripts/: what `make demo` and `make bench` boot needs beyond `all`.

# Demo stage 2 (scripts/demo-guest.py) boots a guest: the guest kernel
# (vm-prereqs), the module and the static guest programs. Stage 3
# (scripts/demo-vdso.py) boots the patched kernel and runs tp-coarse and
# tp-consistency in it and in the stock kernel.
DEMO_DEPS += vm-prereqs $(GUEST_KO) $(TICKPAGE_CHECK) $(TICKPAGE_BENCH_STATIC) \
	     $(GUEST_KERNEL) $(TP_COARSE) $(TP_CONSISTENCY)

# scripts/bench.d/30-guest boots a guest with -device tickpage: the
# guest kernel, the module and the static tickpage-bench.
BENCH_DEPS += vm-prereqs $(GUEST_KO) $(TICKPAGE_BENCH_STATIC)
