# vdso/lib/: libtickpage (API, shared and static), the LD_PRELOAD
# library and tickpage.pc. Objects are position-independent so that the
# same ones go into the .so and the .a (the .a is what static guest
# programs link).
LIBTP_DIR   := $(O)/vdso/lib
LIBTP_OBJS  := $(LIBTP_DIR)/tickpage-lib.o $(LIBTP_DIR)/tickpage-api.o
LIBTP_PRE   := $(LIBTP_DIR)/tickpage-lib.o $(LIBTP_DIR)/tickpage-preload.o
LIBTP_SO    := $(LIBTP_DIR)/libtickpage.so
LIBTP_A     := $(LIBTP_DIR)/libtickpage.a
LIBTP_PRELOAD := $(LIBTP_DIR)/libtickpage-preload.so
LIBTP_PC    := $(LIBTP_DIR)/tickpage.pc
TICKPAGE_PREFIX ?= /usr/local

$(LIBTP_OBJS) $(LIBTP_PRE): CFLAGS += -fPIC
$(LIBTP_OBJS) $(LIBTP_PRE): CPPFLAGS += -Ivdso/lib

# libtickpage.so.1 (the soname programs record) and the link-time name.
$(LIBTP_SO).1: $(LIBTP_OBJS)
	$(quiet) LD $@
	$(Q)$(CC) -shared -Wl,-soname,libtickpage.so.1 -o $@ $^

$(LIBTP_SO): $(LIBTP_SO).1
	$(Q)ln -sf libtickpage.so.1 $@

$(LIBTP_A): $(LIBTP_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBTP_PRELOAD): $(LIBTP_PRE)
	$(quiet) LD $@
	$(Q)$(CC) -shared -o $@ $^ -ldl

$(LIBTP_PC): vdso/lib/tickpage.pc.in
	$(quiet) GEN $@
	$(Q)mkdir -p $(@D) && sed 's|@PREFIX@|$(TICKPAGE_PREFIX)|' $< > $@

ALL_TARGETS += $(LIBTP_SO) $(LIBTP_A) $(LIBTP_PRELOAD) $(LIBTP_PC)
# tickpage-dev.h is shared with the driver: checkpatch checks it instead.
LINT_C += vdso/include/tickpage.h \
	  vdso/lib/tickpage-lib.h vdso/lib/tickpage-fast.h \
	  vdso/lib/tickpage-lib.c \
	  vdso/lib/tickpage-api.c vdso/lib/tickpage-preload.c
