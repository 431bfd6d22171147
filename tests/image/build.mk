# tests/image/: the Debian 12 guest image (scripts/build-guest-image,
# docs/guest-image.md) and its boot tests (group "image").
#
#   make guest-image   make deb, then the image from those .debs, cached
#                      in ${TICKPAGE_CACHE:-~/.cache/tickpage}/image-HASH/
#                      (HASH over the .debs, which `make deb` builds byte
#                      for byte the same from the same tree, the script,
#                      the package list): ~3 min cold, ~1 min when only
#                      our packages changed, make deb's ~30 s warm.
#                      $(O)/image/image.env says where it is.
#
# `make check` makes it (CHECK_DEPS). Without the tools (mmdebstrap,
# apt-ftparchive, dpkg-buildpackage, dh_dkms, lintian) or root, it
# says so and makes nothing: the image tests then skip with that reason.
IMAGE_DIR := $(O)/image
IMAGE_ENV := $(IMAGE_DIR)/image.env
IMAGE_TOOLS := mmdebstrap apt-ftparchive qemu-img dpkg-buildpackage dh_dkms lintian

CHECK_DEPS += guest-image
LINT_C += tests/image/coarse-clocks.c

# tests/kernel/'s tp-coarse, built against the C library for the image's
# Debian userland (the same release as this machine's), not static:
# test-image.py copies it over a serial line to the patched kernel.
IMAGE_TP_COARSE := $(O)/tests/image/tp-coarse
$(IMAGE_TP_COARSE): $(TP_COARSE_SRC)
	$(quiet) CCLD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -s -pthread -o $@ $<
ALL_TARGETS += $(IMAGE_TP_COARSE)

.PHONY: guest-image
guest-image:
	$(Q)missing=""; for t in $(IMAGE_TOOLS); do \
		command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ] || [ "$$(id -u)" != 0 ]; then \
		echo "guest-image: not built (missing:$${missing:- none}; root: $$(id -u))"; \
	else \
		$(MAKE) --no-print-directory deb && \
		mkdir -p $(IMAGE_DIR) && \
		nice -n 10 scripts/build-guest-image --deb-dir $(O)/deb >$(IMAGE_ENV).tmp && \
		mv $(IMAGE_ENV).tmp $(IMAGE_ENV); \
	fi
