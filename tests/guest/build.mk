# tests/guest/: host-side helpers and unit tests of the guest parts.
TP_PUBLISH := $(O)/tests/guest/tp-publish

$(TP_PUBLISH): $(O)/tests/guest/tp-publish.o $(HV_WRITER_OBJ)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

CHECK_DEPS += $(TP_PUBLISH)
LINT_C += tests/guest/tp-publish.c

LIBTP_TEST    := $(O)/tests/guest/libtickpage-test
PRELOAD_PROBE := $(O)/tests/guest/preload-probe

$(O)/tests/guest/libtickpage-test.o: CPPFLAGS += -Itests/lib

$(LIBTP_TEST): $(O)/tests/guest/libtickpage-test.o $(HV_WRITER_OBJ) $(O)/vdso/lib/libtickpage.a
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

$(PRELOAD_PROBE): $(O)/tests/guest/preload-probe.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

CHECK_DEPS += $(LIBTP_TEST) $(PRELOAD_PROBE) $(O)/vdso/lib/libtickpage-preload.so
LINT_C += tests/guest/libtickpage-test.c tests/guest/preload-probe.c

# The same test against the shared library: the public API is exported.
LIBTP_TEST_SO := $(O)/tests/guest/libtickpage-test-so

$(LIBTP_TEST_SO): $(O)/tests/guest/libtickpage-test.o $(HV_WRITER_OBJ) $(O)/vdso/lib/libtickpage.so
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $(O)/tests/guest/libtickpage-test.o $(HV_WRITER_OBJ) \
		-L$(O)/vdso/lib -ltickpage

CHECK_DEPS += $(LIBTP_TEST_SO)

# Programs for the test guests, static: they have no C library.
# tp-wall: the guest's wall clock against the page (tests/guest/wallclock.py);
# tp-phc: the driver's PTP clock, each way a PTP tool reads it (wallclock.py).
TP_WALL := $(O)/tests/guest/tp-wall
TP_PHC := $(O)/tests/guest/tp-phc

# tp-consistency: the guest's clocks in pairs (design invariant 6), static
# for the patched kernel's vDSO and dynamic for libtickpage-preload.so.
TP_CONSISTENCY := $(O)/tests/guest/tp-consistency $(O)/tests/guest/tp-consistency-dyn

$(TP_WALL) $(TP_PHC) $(O)/tests/guest/tp-consistency: %: %.o
	$(quiet) LD $@
	$(Q)$(CC) -static -o $@ $^

CHECK_DEPS += $(TP_WALL) $(TP_PHC)
LINT_C += tests/guest/tp-wall.c tests/guest/tp-phc.c

$(O)/tests/guest/tp-consistency-dyn: $(O)/tests/guest/tp-consistency.o
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^

CHECK_DEPS += $(TP_CONSISTENCY)
LINT_C += tests/guest/tp-consistency.c
