# tests/tickpaged: the host publisher, run as a real process on a
# private shm file and read back through tickpage-read.h.
TPD_TESTS := period step signals consumers restart files scribble hosts
TPD_TEST_BINS := $(TPD_TESTS:%=$(O)/tests/tickpaged/%)

$(TPD_TESTS:%=$(O)/tests/tickpaged/%.o): CPPFLAGS += -Itests/lib

$(O)/tests/tickpaged/%: $(O)/tests/tickpaged/%.o
	$(quiet) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $<

# tickpaged-test: the same sources with the clock seam
# (--test-wall-offset-file, --test-mono-offset) compiled in. It never
# ships: the production build/hv/tickpaged has no way to publish a time
# other than the host's.
TICKPAGED_TEST := $(O)/tests/tickpaged/tickpaged-test
TICKPAGED_TEST_OBJS := $(TICKPAGED_SRCS:hv/%.c=$(O)/tests/tickpaged/hooks/%.o)

$(O)/tests/tickpaged/hooks/%.o: hv/%.c
	$(quiet) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -DTICKPAGED_TEST_HOOKS $(CFLAGS) -MMD -MP -c -o $@ $<

$(TICKPAGED_TEST): $(TICKPAGED_TEST_OBJS) $(HV_CORE_OBJS)
	$(quiet) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^

CHECK_DEPS += $(TPD_TEST_BINS) $(TICKPAGED) $(TICKPAGED_TEST) $(TICKPAGE_SHOW)
LINT_C += $(TPD_TESTS:%=tests/tickpaged/%.c) tests/tickpaged/tpd.h
