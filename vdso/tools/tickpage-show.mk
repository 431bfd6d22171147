# tickpage-show: decode a page file for a person (host shm file, or
# /dev/tickpage in a guest). Static, so the same binary can go into a
# test guest's initramfs, which has no C library.
TICKPAGE_SHOW := $(O)/vdso/tools/tickpage-show

$(TICKPAGE_SHOW): $(O)/vdso/tools/tickpage-show.o
	$(quiet) LD $@
	$(Q)$(CC) -static -o $@ $^

ALL_TARGETS += $(TICKPAGE_SHOW)
DEMO_DEPS += $(TICKPAGE_SHOW)
LINT_C += vdso/tools/tickpage-show.c
