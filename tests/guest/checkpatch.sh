#!/bin/sh
# checkpatch.pl --strict on the guest driver and the driver's interface
# header. checkpatch comes from Debian's linux-source-6.1 (three files
# extracted once into the cache), so it matches the kernel we build for.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/report.sh"

cp=$("$top/scripts/linux-checkpatch" 2>&1) || {
	skip "$cp"
	summary
}
cache=${cp%/scripts/checkpatch.pl}

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
