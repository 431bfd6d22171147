// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libFuzzer target: any bytes as a page. The input is copied to the
 * start of a zeroed 4 KiB page, then tickpage_validate() and
 * tickpage_read() must not crash (ASan, UBSan), must return a known
 * status, and must return exactly the status the ABI (docs/abi.md)
 * prescribes for that page; on TICKPAGE_OK the snapshot must satisfy
 * the documented invariants and be a copy of the page's fields.
 */
#include <string.h>

#include "fuzz-check.h"

static _Alignas(4096) unsigned char page[TICKPAGE_PAGE_SIZE];

/* The status docs/abi.md prescribes for the page as it stands. */
static int expected_identity(const struct tickpage *tp)
{
	if (tp->magic != TICKPAGE_MAGIC)
		return TICKPAGE_ERR_MAGIC;
	if (tp->abi_major != TICKPAGE_ABI_MAJOR)
		return TICKPAGE_ERR_MAJOR;
	if (tp->size < TICKPAGE_SIZE_V1_0 || tp->size > TICKPAGE_PAGE_SIZE)
		return TICKPAGE_ERR_SIZE;
	return TICKPAGE_OK;
}

static int expected_read(const struct tickpage *tp)
{
	int id = expected_identity(tp);

	if (id)
		return id;
	if (tp->seq & 1)	/* nobody will ever finish this write */
		return TICKPAGE_ERR_BUSY;
	if (!(tp->flags & TICKPAGE_F_VALID))
		return TICKPAGE_ERR_INVALID;
	if (tp->realtime_nsec >= 1000000000u ||
	    tp->period_ns < TICKPAGE_PERIOD_MIN_NS ||
	    tp->period_ns > TICKPAGE_PERIOD_MAX_NS)
		return TICKPAGE_ERR_RANGE;
	return TICKPAGE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tickpage *tp = (const void *)page;
	struct tickpage_snapshot s, want;
	int v, r;

	memset(page, 0, sizeof(page));
	memcpy(page, data, size < sizeof(page) ? size : sizeof(page));

	v = tickpage_validate(tp);
	r = tickpage_read(tp, &s);
	CHECK(v <= 0 && v >= TICKPAGE_ERR_RANGE);
	CHECK(r <= 0 && r >= TICKPAGE_ERR_RANGE);
	CHECK(strcmp(tickpage_strerror(r), "unknown status"));
	CHECK(v == expected_identity(tp));
	CHECK(r == expected_read(tp));
	if (v)
		CHECK(r == v);
	if (r != TICKPAGE_OK)
		return 0;

	CHECK(snapshot_sane(&s));
	CHECK(tp->magic == TICKPAGE_MAGIC && tp->abi_major == TICKPAGE_ABI_MAJOR);
	CHECK(tp->size >= TICKPAGE_SIZE_V1_0 && tp->size <= TICKPAGE_PAGE_SIZE);
	/* Nothing changes the page here, so the copy is exact. */
	want.flags = tp->flags;
	want.generation = tp->generation;
	want.update_count = tp->update_count;
	want.period_ns = tp->period_ns;
	want.realtime_sec = tp->realtime_sec;
	want.realtime_nsec = tp->realtime_nsec;
	want.monotonic_ns = tp->monotonic_ns;
	CHECK(snapshot_equal(&s, &want));
	return 0;
}
