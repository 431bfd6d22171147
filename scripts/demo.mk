# `make demo` stage 2 (scripts/demo-guest.py) boots a guest: it needs the
# guest kernel (vm-prereqs), the module and the static guest programs.
# Literal paths: this fragment is read before vdso/'s defines them.
DEMO_DEPS += vm-prereqs $(O)/guest/driver/tickpage.ko \
	     $(O)/vdso/tools/tickpage-check $(O)/vdso/tools/tickpage-bench-static
# Stage 3 (scripts/demo-vdso.py) boots the patched kernel and runs
# tp-coarse in it and in the stock kernel.
DEMO_DEPS += $(O)/guest/linux/bzImage.path $(O)/tests/kernel/tp-coarse
