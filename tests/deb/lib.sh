# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# Shared by the tests of tests/deb/ (sourced, from the top of the tree):
# building the packages, and a second build at a higher version, for an
# upgrade.
PKGS="tickpaged tickpage-dkms libtickpage1 libtickpage-dev tickpage-tools"
ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
new=$ver.1
arch=$(dpkg --print-architecture)

build() { # DIR O: make deb in DIR, output in O
	(cd "$1" && nice -n 10 make --no-print-directory -f Makefile \
		-f debian/deb.mk O="$2" deb) >"$2.log" 2>&1
}
debs() { # O VERSION: the five packages' files
	for p in $PKGS; do
		case $p in tickpage-dkms) a=all ;; *) a=$arch ;; esac
		echo "$1/deb/${p}_$2_$a.deb"
	done
}
kernel_deb() { # O VERSION: the patched kernel's package (DEB_KERNEL=yes)
	ls "$1"/deb/linux-image-*-tickpage_*+tickpage"$2"_"$arch".deb 2>/dev/null
}
# bumped_tree DIR WHO: this tree (what git tracks, and new files it does
# not ignore; never build/) copied to DIR, with a changelog entry for
# version $new on top, WHO (a test) named in it.
bumped_tree() {
	mkdir "$1"
	git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' |
		tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$1"
	{
		printf 'tickpage (%s) unstable; urgency=medium\n\n' "$new"
		printf '  * Upgrade test (%s).\n\n' "$2"
		printf ' -- %s  %s\n\n' \
			"$(dpkg-parsechangelog -l debian/changelog -S Maintainer)" "$(date -R)"
		cat debian/changelog
	} >"$1/debian/changelog"
}
