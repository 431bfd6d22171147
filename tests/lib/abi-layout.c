// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * abi-layout: print struct tickpage's layout and the ABI's constants as
 * the compiler sees them in vdso/include/tickpage-abi.h, for the tests'
 * page decoder (tests/lib/tickpage/page.py). The build runs it into
 * build/tests/lib/abi-layout.txt, so no Python file spells an offset.
 *
 * Output, one item a line:
 *     field NAME OFFSET SIZE SIGNED
 *     const NAME VALUE
 */
#include <stddef.h>
#include <stdio.h>

#include "tickpage-abi.h"

/*
 * An object to name the members by, declared only: sizeof and _Generic
 * never read it, so nothing defines it.
 */
extern const struct tickpage abi_layout_page;
#define MEMBER(f) (abi_layout_page.f)
#define IS_SIGNED(x)                                                           \
	_Generic((x), int8_t : 1, int16_t : 1, int32_t : 1, int64_t : 1,       \
		 default : 0)
#define FIELD(f)                                                               \
	printf("field %s %zu %zu %d\n", #f, offsetof(struct tickpage, f),      \
	       sizeof(MEMBER(f)), IS_SIGNED(MEMBER(f)))
#define CONST(c) printf("const %s %llu\n", #c, (unsigned long long)(c))

/* A field added to the header but not listed below fails the build. */
_Static_assert(offsetof(struct tickpage, monotonic_ns) +
			       sizeof(MEMBER(monotonic_ns)) ==
		       sizeof(struct tickpage),
	       "abi-layout: list every field of struct tickpage");

int main(void)
{
	FIELD(magic);
	FIELD(abi_major);
	FIELD(abi_minor);
	FIELD(size);
	FIELD(seq);
	FIELD(flags);
	FIELD(generation);
	FIELD(update_count);
	FIELD(period_ns);
	FIELD(realtime_sec);
	FIELD(realtime_nsec);
	FIELD(reserved0);
	FIELD(monotonic_ns);
	printf("const STRUCT_SIZE %zu\n", sizeof(struct tickpage));
	CONST(TICKPAGE_MAGIC);
	CONST(TICKPAGE_ABI_MAJOR);
	CONST(TICKPAGE_ABI_MINOR);
	CONST(TICKPAGE_PAGE_SIZE);
	CONST(TICKPAGE_PERIOD_DEFAULT_NS);
	CONST(TICKPAGE_PERIOD_MIN_NS);
	CONST(TICKPAGE_PERIOD_MAX_NS);
	CONST(TICKPAGE_PCI_VENDOR_ID);
	CONST(TICKPAGE_PCI_DEVICE_ID);
	CONST(TICKPAGE_F_VALID);
	CONST(TICKPAGE_F_VM_CLOCK);
	return 0;
}
