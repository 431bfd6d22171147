# hv/: the page writer core, shared by tickpaged and the QEMU device.
HV_WRITER_OBJ := $(O)/hv/tickpage-writer.o
ALL_TARGETS += $(HV_WRITER_OBJ)
LINT_C += hv/tickpage-writer.c hv/tickpage-writer.h
