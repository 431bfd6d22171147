# tests/tickpaged: the host publisher, run as a real process on a
# private shm file and read back through tickpage-read.h.
TPD_TESTS := period step signals consumers restart files scribble
TPD_TEST_BINS := $(TPD_TESTS:%=$(O)/tests/tickpaged/%)

$(TPD_TESTS:%=$(O)/tests/tickpaged/%.o): CPPFLAGS += -Itests/lib

$(O)/tests/tickpaged/%: $(O)/tests/tickpaged/%.o
	$(quiet) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $<

CHECK_DEPS += $(TPD_TEST_BINS) $(TICKPAGED) $(TICKPAGE_SHOW)
LINT_C += $(TPD_TESTS:%=tests/tickpaged/%.c) tests/tickpaged/tpd.h
