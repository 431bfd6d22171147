# hv/: the page writer core, shared by tickpaged and the QEMU device.
HV_WRITER_OBJ := $(O)/hv/tickpage-writer.o
ALL_TARGETS += $(HV_WRITER_OBJ)
LINT_C += hv/tickpage-writer.c hv/tickpage-writer.h

# tickpaged: the standalone host publisher (docs/tickpaged.md).
TICKPAGED := $(O)/hv/tickpaged
TICKPAGED_SRCS := $(sort $(wildcard hv/tickpaged*.c))
TICKPAGED_OBJS := $(TICKPAGED_SRCS:%.c=$(O)/%.o) $(HV_WRITER_OBJ)

$(TICKPAGED): $(TICKPAGED_OBJS)
	$(quiet) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^

ALL_TARGETS += $(TICKPAGED)
DEMO_DEPS += $(TICKPAGED)
LINT_C += $(TICKPAGED_SRCS) hv/tickpaged.h
