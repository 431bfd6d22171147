// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Unit tests of the page layout (vdso/include/tickpage-abi.h) against
 * the table in docs/abi.md: offsets, widths, natural alignment, byte
 * order in memory, and TICKPAGE_FIELD_PRESENT at every field's edge.
 * The header's own static asserts already pin the offsets; this test
 * also pins the widths and the bytes a publisher really writes.
 */
#include <stddef.h>
#include <string.h>

#include "tickpage-abi.h"
#include "tickpage-writer.h"
#include "report.h"

static _Alignas(4096) unsigned char buf[TICKPAGE_PAGE_SIZE];

#define FIELD(f, off, width)						\
	do {								\
		size_t o = offsetof(struct tickpage, f);		\
		size_t w = sizeof(((struct tickpage *)0)->f);		\
		report(o == (off) && w == (width) && o % w == 0 &&	\
		       TICKPAGE_FIELD_PRESENT(TICKPAGE_SIZE_V1_0, f) &&	\
		       TICKPAGE_FIELD_PRESENT(o + w, f) &&		\
		       !TICKPAGE_FIELD_PRESENT(o + w - 1, f),		\
		       "%-13s offset %2zu width %zu, aligned; present "	\
		       "in 1.0, absent if size < %zu", #f, o, w, o + w); \
	} while (0)

static void test_layout(void)
{
	FIELD(magic, 0, 4);
	FIELD(abi_major, 4, 2);
	FIELD(abi_minor, 6, 2);
	FIELD(size, 8, 4);
	FIELD(seq, 12, 4);
	FIELD(flags, 16, 8);
	FIELD(generation, 24, 8);
	FIELD(update_count, 32, 8);
	FIELD(period_ns, 40, 8);
	FIELD(realtime_sec, 48, 8);
	FIELD(realtime_nsec, 56, 4);
	FIELD(reserved0, 60, 4);
	FIELD(monotonic_ns, 64, 8);
	report(sizeof(struct tickpage) == 72 && TICKPAGE_SIZE_V1_0 == 72,
	       "1.0 header is 72 bytes (sizeof %zu)", sizeof(struct tickpage));
	report(TICKPAGE_PAGE_SIZE == 4096, "page is 4096 bytes");
	report((__typeof__(((struct tickpage *)buf)->realtime_sec))-1 < 0,
	       "realtime_sec is signed (times before 1970 are representable)");
	report(TICKPAGE_PERIOD_MIN_NS <= TICKPAGE_PERIOD_DEFAULT_NS &&
	       TICKPAGE_PERIOD_DEFAULT_NS <= TICKPAGE_PERIOD_MAX_NS &&
	       TICKPAGE_PERIOD_MIN_NS > 0,
	       "period bounds: 0 < min <= default <= max");
	report(TICKPAGE_F_VALID == 1 && TICKPAGE_F_VM_CLOCK == 2,
	       "flag bits: VALID bit 0, VM_CLOCK bit 1");
}

/* The bytes in memory, as a reader in another VM sees them. */
static void test_bytes(void)
{
	struct tickpage *tp = (void *)buf;
	struct tickpage_writer w;
	struct tickpage_sample s = {
		.realtime_sec = 0x0102030405060708ll,
		.realtime_nsec = 0x0a0b0c0d,
		.monotonic_ns = 0x1112131415161718ull,
	};
	static const unsigned char sec[] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	static const unsigned char nsec[] = { 0x0d, 0x0c, 0x0b, 0x0a };
	static const unsigned char mono[] = {
		0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11
	};
	uint32_t m = TICKPAGE_MAGIC;

	report(!memcmp(&m, "TKPG", 4), "TICKPAGE_MAGIC is \"TKPG\" in memory");

	memset(buf, 0xee, sizeof(buf));
	tickpage_writer_init(&w, tp, 0x2122232425262728ull, 0, 0);
	tickpage_publish(&w, &s);
	report(!memcmp(buf, "TKPG", 4), "written page starts with \"TKPG\"");
	report(buf[4] == TICKPAGE_ABI_MAJOR && buf[5] == 0 &&
	       buf[6] == TICKPAGE_ABI_MINOR && buf[7] == 0,
	       "abi_major, abi_minor little-endian at 4, 6");
	report(TICKPAGE_FIELD_PRESENT(tp->size, monotonic_ns) &&
	       !TICKPAGE_FIELD_PRESENT(tp->size - 8, monotonic_ns),
	       "every 1.0 field is present by the size the writer declares");
	report(buf[8] == 72 && !buf[9] && !buf[10] && !buf[11],
	       "size little-endian at 8 (72)");
	report(!memcmp(buf + 48, sec, 8) && !memcmp(buf + 56, nsec, 4) &&
	       !memcmp(buf + 64, mono, 8),
	       "realtime_sec, realtime_nsec, monotonic_ns little-endian at 48, 56, 64");
	report(buf[40] == 0x28 && buf[47] == 0x21, "period_ns little-endian at 40");
	report(buf[16] & 1, "VALID is bit 0 of the byte at 16");
	report(!buf[60] && !buf[61] && !buf[62] && !buf[63],
	       "reserved0 written as zero");
	report(!buf[72] && !memcmp(buf + 72, buf + 73, sizeof(buf) - 73),
	       "bytes past the size the writer declares are zero");
}

int main(void)
{
	test_layout();
	test_bytes();
	return report_summary();
}
