# scripts/bench.d/30-guest boots a guest with -device tickpage: it needs
# the guest kernel, the module and the static tickpage-bench.
BENCH_DEPS += vm-prereqs $(O)/guest/driver/tickpage.ko \
	      $(O)/vdso/tools/tickpage-bench-static
