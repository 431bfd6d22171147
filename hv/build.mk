# hv/: the publisher core, shared by tickpaged and the QEMU device: the
# page writer, the publishing policy (deadline grid, step detection) and
# the duration parser (tickpaged, and tickpage-virt-xml through it).
HV_WRITER_OBJ := $(O)/hv/tickpage-writer.o
HV_CORE_SRCS := hv/tickpage-writer.c hv/tickpage-policy.c \
		hv/tickpage-duration.c
HV_CORE_OBJS := $(HV_CORE_SRCS:%.c=$(O)/%.o)
ALL_TARGETS += $(HV_CORE_OBJS)
LINT_C += $(HV_CORE_SRCS) $(HV_CORE_SRCS:%.c=%.h)

# tickpaged: the standalone host publisher (docs/tickpaged.md).
TICKPAGED := $(O)/hv/tickpaged
TICKPAGED_SRCS := $(sort $(wildcard hv/tickpaged*.c))
TICKPAGED_OBJS := $(TICKPAGED_SRCS:%.c=$(O)/%.o) $(HV_CORE_OBJS)

$(TICKPAGED): $(TICKPAGED_OBJS)
	$(quiet) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^

ALL_TARGETS += $(TICKPAGED)
DEMO_DEPS += $(TICKPAGED)
LINT_C += $(TICKPAGED_SRCS) hv/tickpaged.h
