# Debian packages (docs/packaging.md). The top-level Makefile includes
# this file with `-include debian/deb.mk`; standalone:
#   make -f Makefile -f debian/deb.mk deb
# (included twice, by both, it defines its rules once).
#
#   make deb        build every binary package from this tree into
#                   $(O)/deb/ and run lintian on them (fails on any error
#                   or warning)
#   make deb-clean  remove $(O)/deb/
#
# The tree is copied first (tracked files plus new ones git does not
# ignore, never $(O)) to a temporary directory, where dpkg-buildpackage
# stages and builds; only its results (.deb, .changes, .buildinfo, the
# log) come to $(O)/deb/. Nothing of the build is left in the tree or
# in $(O): the top-level Makefile's search for *.d files would take the
# staging's rules.d/ and tmpfiles.d/ directories for dependency files. The version is
# debian/changelog's. Build dependencies: debhelper, dh-dkms, lintian.
ifndef TICKPAGE_DEB_MK
TICKPAGE_DEB_MK := 1
DEB_DIR     := $(O)/deb
DEB_VERSION  = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_SRC      = $(DEB_DIR)/tickpage-$(DEB_VERSION)
DEB_BUILD_FLAGS ?= -b -us -uc
LINTIAN_FLAGS ?= --fail-on error,warning --display-info
# The patched guest kernel's package, linux-image-6.1.N-tickpage: Kbuild's
# bindeb-pkg in scripts/build-guest-kernel's cached tree (the first time,
# a cold kernel build), checked by lintian as strictly as ours.
# DEB_KERNEL=no builds ours only.
DEB_KERNEL ?= yes
# deb_lintian,PACKAGES,LOG: lintian on PACKAGES into LOG, which is
# printed (but for its warning about root); fails as LINTIAN_FLAGS say.
deb_lintian = lintian $(LINTIAN_FLAGS) $(1) >$(2) 2>&1; rc=$$?; \
	grep -v '^running with root privileges' $(2); exit $$rc

.PHONY: deb deb-clean
deb:
	$(quiet) DEB $(DEB_DIR)
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR) && \
	tmp=$$(mktemp -d /tmp/tickpage-deb.XXXXXX) && \
	trap 'rm -rf "$$tmp"' EXIT && src=$$tmp/tickpage-$(DEB_VERSION) && \
	mkdir $$src && \
	if git rev-parse --show-toplevel >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			{ grep -zv '^$(patsubst ./%,%,$(O))/' || :; } | \
			tar --null --ignore-failed-read -T - -cf - ; \
	else \
		tar --exclude=./$(patsubst ./%,%,$(O)) --exclude=./.git -cf - . ; \
	fi | tar -xf - -C $$src && test -f $$src/debian/changelog && \
	(cd $$src && dpkg-buildpackage $(DEB_BUILD_FLAGS)) \
		>$(DEB_DIR)/build.log 2>&1 || \
		{ tail -n 40 $(DEB_DIR)/build.log >&2; exit 1; }; \
	for f in $$tmp/*.deb $$tmp/*.changes $$tmp/*.buildinfo \
		$$tmp/*.dsc $$tmp/*.tar.*; do \
		[ ! -e "$$f" ] || cp "$$f" $(DEB_DIR)/ || exit 1; \
	done
	$(quiet) LINTIAN $(DEB_DIR)
	$(Q)$(call deb_lintian,$(DEB_DIR)/tickpage_$(DEB_VERSION)_*.changes,$(DEB_DIR)/lintian.log)
ifeq ($(DEB_KERNEL),yes)
	$(quiet) KDEB $(DEB_DIR)
	$(Q)d=$$(scripts/build-guest-kernel --deb) && cp "$$d"/*.deb $(DEB_DIR)/
	$(quiet) LINTIAN $(DEB_DIR)/linux-image-*
	$(Q)$(call deb_lintian,$(DEB_DIR)/linux-image-*.deb,$(DEB_DIR)/lintian-kernel.log)
endif
	$(Q)ls $(DEB_DIR)/*.deb

deb-clean:
	rm -rf $(DEB_DIR)
endif
