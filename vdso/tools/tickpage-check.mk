# tickpage-check: the guest-side invariant checker. Static, because the
# test guests' initramfs has no C library.
TICKPAGE_CHECK := $(O)/vdso/tools/tickpage-check

$(O)/vdso/tools/tickpage-check.o: CPPFLAGS += -Itests/lib

$(TICKPAGE_CHECK): $(O)/vdso/tools/tickpage-check.o $(LIBTP_A)
	$(quiet) LD $@
	$(Q)$(CC) -static -pthread -o $@ $^

ALL_TARGETS += $(TICKPAGE_CHECK)
LINT_C += vdso/tools/tickpage-check.c
