#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
# Install, upgrade and purge leave nothing behind: piuparts (Debian's
# own tool for it) on the five packages and the patched kernel's, in a
# throw-away chroot, never on this machine's root.
#
# The chroot is the guest image's Debian part (scripts/build-guest-image
# stage 1: Debian 12 with systemd, udev, dkms and the cloud kernel with
# its headers, so that tickpage-dkms really builds its module), unpacked
# into a temporary directory; piuparts works in a hard-linked copy of it.
# Its upgrade test: install the old version with apt-get from a local
# repository (build/deb, `make deb`'s, as a flat repository in the
# chroot's sources), upgrade to the new one (the same tree with a
# changelog entry $ver.1 on top, built here), purge: the file system as
# before (nothing left, nothing missing), no process left running.
# (Its first test, install and purge of the new version alone, adds
# nothing the upgrade test does not check, and 45 s: skipped.)
# Its other checks come along: dpkg -L against the file system
# (debsums), files in /etc owned by no package, broken symlinks, and
# what it was told to ignore is Debian's own list, nothing of ours.
#
# Needs root, piuparts, the packages' build tools, `make deb`'s packages
# and the image's base (make guest-image); skips otherwise.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/report.sh
. tests/deb/lib.sh

log() { echo "# $*"; }
DEB_DIR=${TICKPAGE_DEB_DIR:-$top/build/deb}
CACHE=${TICKPAGE_CACHE:-$HOME/.cache/tickpage}

[ "$(id -u)" = 0 ] || { skip "needs root (piuparts chroots)"; summary; }
for t in piuparts apt-ftparchive dpkg-buildpackage dh dh_dkms lintian; do
	command -v $t >/dev/null ||
		{ skip "no $t (apt-get install piuparts apt-utils debhelper dh-dkms lintian)"; summary; }
done
# shellcheck disable=SC2012 # our names: image-base-HEX16
base=$(ls -t "$CACHE"/image-base-*/base.tar 2>/dev/null | head -n 1)
[ -n "$base" ] || { skip "no guest image base in $CACHE (make guest-image)"; summary; }
for d in $(debs "$(dirname "$DEB_DIR")" "$ver"); do
	[ -f "$d" ] || { skip "no $d (make deb)"; summary; }
done
kold=$(kernel_deb "$(dirname "$DEB_DIR")" "$ver")
[ -n "$kold" ] || { skip "no patched kernel package in $DEB_DIR (make deb)"; summary; }

work=$(mktemp -d /tmp/tickpage-lifecycle.XXXXXX) || exit 1
# piuparts unmounts what it mounted in its own copy; nothing is mounted
# in ours, so it may simply go.
trap 'rm -rf --one-file-system "$work"' EXIT
trap 'exit 1' HUP INT TERM
start=$(date +%s)

# The new version, and the old one as an apt repository.
bumped_tree "$work/tree" tests/deb/lifecycle.sh
if build "$work/tree" "$work/v2"; then pass "make deb ($new, a copy of the tree)"; else
	tail -n 30 "$work/v2.log"; fail "make deb ($new)"; summary; fi
mkdir "$work/repo"
cp $(debs "$(dirname "$DEB_DIR")" "$ver") "$kold" "$work/repo/"
(cd "$work/repo" && apt-ftparchive packages . >Packages)

# The chroot: the image's Debian part, with the old version's repository.
mkdir "$work/chroot"
tar -C "$work/chroot" --numeric-owner -xpf "$base"
echo "deb [trusted=yes] file:$work/repo ./" \
	>"$work/chroot/etc/apt/sources.list.d/tickpage-old.list"
log "chroot of $base and the new packages ready in $(($(date +%s) - start))s"

# shellcheck disable=SC2046 # one argument per package
nice -n 10 piuparts --existing-chroot="$work/chroot" --hard-link --tmpdir="$work" \
	--keep-sources-list --distribution=bookworm --no-eatmydata --no-install-purge-test \
	--bindmount="$work/repo" --log-file="$work/piuparts.log" \
	$(debs "$work/v2" "$new") $(kernel_deb "$work/v2" "$new") >"$work/piuparts.out" 2>&1
rc=$?
mkdir -p build/tests/logs && cp "$work/piuparts.log" build/tests/logs/deb-lifecycle.piuparts.log
# Its verdicts, and each error with the lines it lists (left files...).
awk '/ (INFO|WARN|WARNING): (PASS|FAIL)/ { print; p = 0; next }
     / (ERROR|WARN|WARNING): / { print; p = 1; next }
     p && /^  / { print; next } { p = 0 }' "$work/piuparts.log" |
	uniq | head -n 60 | sed 's/^/    | /'
check "piuparts exits 0" test $rc = 0
check "piuparts: install $ver with apt from the local repository, upgrade to $new, purge" \
	grep -q 'PASS: Installation, upgrade and purging tests' "$work/piuparts.log"
# The paths it proves: apt took the old version from our repository, and
# DKMS built the module for the chroot's kernel on each install.
check "apt installed $ver from the repository" \
	grep -q "tickpage-dkms.* $ver " "$work/piuparts.log"
kpkg=$(dpkg-deb -f "$kold" Package) kver=$(dpkg-deb -f "$kold" Version)
check "apt installed $kpkg $kver from the repository" \
	grep -q "$kpkg.* $kver " "$work/piuparts.log"
check "dkms built and installed tickpage.ko in the chroot, for $ver and $new" \
	test "$(grep -c 'Installing to /lib/modules/.*/updates/dkms' "$work/piuparts.log")" -ge 2
log "lifecycle took $(($(date +%s) - start))s before cleaning up (piuparts: $(tail -n 1 "$work/piuparts.log"))"
summary
