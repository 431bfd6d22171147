#!/bin/sh
# checkpatch.pl --strict on the guest driver and the driver's interface
# header. checkpatch comes from Debian's linux-source-6.1 (three files
# extracted once into the cache), so it matches the kernel we build for.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/report.sh"

cache=${TICKPAGE_CACHE:-$HOME/.cache/tickpage}/checkpatch
cp=$cache/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
	if [ -z "$tarball" ]; then
		skip "no /usr/src/linux-source-6.1.tar.* (apt-get install linux-source-6.1)"
		summary
	fi
	mkdir -p "$cache"
	tar -xf "$tarball" -C "$cache" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' || { fail "extract checkpatch"; summary; }
fi

# checkpatch leaves a camelcase cache in a git work tree: run elsewhere.
cd "$cache" || exit 1
run() {
	out=$(perl "$cp" --no-tree --strict --terse --show-types "$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || printf '%s\n' "$out" | grep -v '^total:' | sed 's/^/    /'
	return $rc
}
for f in "$top"/guest/driver/*.c "$top"/guest/driver/*.h; do
	check "checkpatch --strict ${f#"$top"/}" run -f "$f"
done
# Shared with user space, like tickpage-abi.h: C99 types, _Static_assert.
check "checkpatch --strict vdso/include/tickpage-dev.h (user-space types allowed)" \
	run --ignore PREFER_KERNEL_TYPES,CAMELCASE -f "$top/vdso/include/tickpage-dev.h"
summary
