// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Unit tests of the header-only reader (vdso/include/tickpage-read.h):
 * every way a page is refused, each with its own status, by the full
 * reader and by the clock-only one the vDSO uses; the retry
 * bound; the seqcount catching a write in the middle of a copy; a
 * newer minor read as 1.0. Built with gcc and with clang (build.mk).
 */
#include <string.h>
#include <sys/mman.h>

#include "tickpage-read.h"
#include "page-trace.h"
#include "report.h"
#include "snapshot.h"

#define NSEC_PER_SEC	1000000000u

static _Alignas(4096) unsigned char buf[TICKPAGE_PAGE_SIZE];

/* A valid, published 1.0 page with distinct values in every field. */
static void make_page(void *mem)
{
	struct tickpage *tp = mem;

	memset(mem, 0, TICKPAGE_PAGE_SIZE);
	tp->magic = TICKPAGE_MAGIC;
	tp->abi_major = TICKPAGE_ABI_MAJOR;
	tp->abi_minor = TICKPAGE_ABI_MINOR;
	tp->size = TICKPAGE_SIZE_V1_0;
	tp->seq = 42;
	tp->flags = TICKPAGE_F_VALID | TICKPAGE_F_VM_CLOCK;
	tp->generation = 7;
	tp->update_count = 1234;
	tp->period_ns = TICKPAGE_PERIOD_DEFAULT_NS;
	tp->realtime_sec = 1800000000;
	tp->realtime_nsec = 999999999;
	tp->monotonic_ns = 5000000001ull;
}

/* validate() and read() must give @want for the page in buf. */
static void expect(int want, const char *what)
{
	const struct tickpage *tp = (const void *)buf;
	struct tickpage_snapshot s;
	int v = tickpage_validate(tp);
	int r = tickpage_read(tp, &s);
	int vwant = want == TICKPAGE_ERR_MAGIC || want == TICKPAGE_ERR_MAJOR ||
		    want == TICKPAGE_ERR_SIZE ? want : TICKPAGE_OK;

	report(r == want && v == vwant && (r || snapshot_is_page(&s, tp)),
	       "%s: read -> %s (%d), validate -> %d",
	       what, tickpage_strerror(r), r, v);
}

static void test_statuses(void)
{
	static const int all[] = {
		TICKPAGE_ERR_MAGIC, TICKPAGE_ERR_MAJOR, TICKPAGE_ERR_SIZE,
		TICKPAGE_ERR_INVALID, TICKPAGE_ERR_BUSY, TICKPAGE_ERR_RANGE,
	};
	int distinct = 1;
	size_t i, j;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (all[i] >= 0 || !strcmp(tickpage_strerror(all[i]), "ok"))
			distinct = 0;
		for (j = 0; j < i; j++)
			if (all[i] == all[j] ||
			    !strcmp(tickpage_strerror(all[i]),
				    tickpage_strerror(all[j])))
				distinct = 0;
	}
	report(distinct, "error statuses are negative, distinct, distinctly named");
}

static void test_rejections(void)
{
	struct tickpage *tp = (void *)buf;
	struct tickpage_snapshot s;

	make_page(buf);
	expect(TICKPAGE_OK, "valid 1.0 page");
	report(tickpage_read(tp, &s) == 0 && snapshot_is_page(&s, tp),
	       "snapshot is a copy of every clock field");

	make_page(buf);
	tp->magic = 0x47504b55;
	expect(TICKPAGE_ERR_MAGIC, "bad magic");
	make_page(buf);
	memcpy(buf, "GPKT", 4);	/* byte-swapped magic: a big-endian writer */
	expect(TICKPAGE_ERR_MAGIC, "byte-swapped magic");
	make_page(buf);
	memset(buf, 0, sizeof(buf));
	expect(TICKPAGE_ERR_MAGIC, "all-zero page");

	make_page(buf);
	tp->abi_major = 0;
	expect(TICKPAGE_ERR_MAJOR, "ABI major 0");
	tp->abi_major = 2;
	expect(TICKPAGE_ERR_MAJOR, "ABI major 2");
	tp->abi_major = 0xffff;
	expect(TICKPAGE_ERR_MAJOR, "ABI major 0xffff");

	make_page(buf);
	tp->size = TICKPAGE_SIZE_V1_0 - 1;
	expect(TICKPAGE_ERR_SIZE, "size one byte short of 1.0");
	tp->size = 0;
	expect(TICKPAGE_ERR_SIZE, "size 0");
	tp->size = TICKPAGE_PAGE_SIZE + 1;
	expect(TICKPAGE_ERR_SIZE, "size one byte past the page");
	tp->size = 0xffffffffu;
	expect(TICKPAGE_ERR_SIZE, "size 0xffffffff");
	tp->size = TICKPAGE_PAGE_SIZE;
	expect(TICKPAGE_OK, "size exactly one page");

	make_page(buf);
	tp->flags = TICKPAGE_F_VM_CLOCK;
	expect(TICKPAGE_ERR_INVALID, "VALID clear");
	tp->flags = ~TICKPAGE_F_VALID;
	expect(TICKPAGE_ERR_INVALID, "VALID clear, every other bit set");
	tp->flags = ~0ull;
	expect(TICKPAGE_OK, "unknown flag bits are ignored");

	make_page(buf);
	tp->realtime_nsec = NSEC_PER_SEC;
	expect(TICKPAGE_ERR_RANGE, "nsec = 1e9");
	tp->realtime_nsec = 0xffffffffu;
	expect(TICKPAGE_ERR_RANGE, "nsec = 0xffffffff");
	tp->realtime_nsec = 0;
	expect(TICKPAGE_OK, "nsec = 0");
	make_page(buf);
	tp->period_ns = 0;
	expect(TICKPAGE_ERR_RANGE, "period 0");
	/* Callers size waits from the period: only the ABI's range. */
	tp->period_ns = TICKPAGE_PERIOD_MIN_NS - 1;
	expect(TICKPAGE_ERR_RANGE, "period 1 ns below the minimum");
	tp->period_ns = TICKPAGE_PERIOD_MIN_NS;
	expect(TICKPAGE_OK, "period at the minimum");
	tp->period_ns = TICKPAGE_PERIOD_MAX_NS;
	expect(TICKPAGE_OK, "period at the maximum");
	tp->period_ns = TICKPAGE_PERIOD_MAX_NS + 1;
	expect(TICKPAGE_ERR_RANGE, "period 1 ns above the maximum");
	tp->period_ns = 1ull << 63;
	expect(TICKPAGE_ERR_RANGE, "period 2^63");
	tp->period_ns = ~0ull;
	expect(TICKPAGE_ERR_RANGE, "period 2^64 - 1");

	/* Precedence: identity before validity before range. */
	make_page(buf);
	tp->abi_major = 2;
	tp->flags = 0;
	tp->realtime_nsec = NSEC_PER_SEC;
	expect(TICKPAGE_ERR_MAJOR, "unknown major wins over invalid and range");

	make_page(buf);
	tp->seq = 43;
	expect(TICKPAGE_ERR_BUSY, "seq stuck odd: returns BUSY");
}

/* A writer of minor 1.3 with 200 bytes: the reader takes the 1.0 part. */
static void test_newer_minor(void)
{
	struct tickpage *tp = (void *)buf;
	struct tickpage_snapshot a, b;
	int ra, rb;

	make_page(buf);
	tp->abi_minor = 3;
	tp->size = 200;
	memset(buf + TICKPAGE_SIZE_V1_0, 0xa5, 200 - TICKPAGE_SIZE_V1_0);
	memset(buf + 200, 0x5a, sizeof(buf) - 200);
	ra = tickpage_read(tp, &a);
	memset(buf + TICKPAGE_SIZE_V1_0, 0x00, sizeof(buf) - TICKPAGE_SIZE_V1_0);
	rb = tickpage_read(tp, &b);
	report(ra == TICKPAGE_OK && snapshot_is_page(&a, tp),
	       "minor 3, size 200: accepted, 1.0 fields read");
	report(rb == TICKPAGE_OK && !memcmp(&a, &b, sizeof(a)),
	       "bytes past 1.0 do not change the snapshot");
	tp->abi_minor = 0xffff;
	expect(TICKPAGE_OK, "minor 0xffff of major 1");
}

/* --- traced reads: count loads and act between them --- */

#define OFF(f)	offsetof(struct tickpage, f)

struct act {
	unsigned long seq_loads;
	unsigned long fire_at;	/* act on this seq load (1-based) / nsec load */
	int fired;
};

/* The writer finishes (seq goes even) just before the reader's Nth look. */
static void finish_write(struct page_trace *t, size_t off)
{
	struct act *a = t->priv;
	struct tickpage *tp = t->alias;

	if (off == OFF(seq) && ++a->seq_loads == a->fire_at) {
		tp->seq++;
		a->fired = 1;
	}
}

/* A whole publication lands while the reader is halfway through its copy. */
static void publish_midway(struct page_trace *t, size_t off)
{
	struct act *a = t->priv;
	struct tickpage *tp = t->alias;

	if (off == OFF(seq))
		a->seq_loads++;
	if (off == OFF(realtime_nsec) && !a->fired) {
		a->fired = 1;
		tp->seq++;
		tp->realtime_sec += 1;
		tp->realtime_nsec = 123;
		tp->monotonic_ns += 1000000000;
		tp->update_count++;
		tp->seq++;
	}
}

static void test_traced(void)
{
	struct page_trace t;
	struct tickpage *tp;
	struct tickpage_snapshot s;
	struct act a;
	int r;

	if (page_trace_setup(&t, PROT_READ) < 0) {
		report_skip("load counting needs x86-64 Linux (trap flag)");
		return;
	}
	tp = t.alias;
	t.priv = &a;

	/* Plain read: what a clean read costs. */
	make_page(t.alias);
	page_trace_start(&t);
	r = tickpage_read(t.page, &s);
	page_trace_stop(&t);
	report(r == TICKPAGE_OK && snapshot_is_page(&s, tp) &&
	       t.at[OFF(seq)] == 2 && t.at[OFF(magic)] == 1,
	       "clean read: OK, seq loaded %lu times (2), magic %lu (1), %lu loads",
	       t.at[OFF(seq)], t.at[OFF(magic)], t.accesses);
	report(t.refused == 0, "reader never stores to the page (%lu stores)",
	       t.refused);

	/* Stuck writer: a bounded number of tries, then BUSY. */
	make_page(t.alias);
	tp->seq = 1;
	page_trace_start(&t);
	r = tickpage_read(t.page, &s);
	page_trace_stop(&t);
	report(r == TICKPAGE_ERR_BUSY, "seq stuck odd: %s", tickpage_strerror(r));
	report(t.at[OFF(seq)] >= 2 * 2 &&
	       t.at[OFF(seq)] <= 2 * TICKPAGE_MAX_RETRIES,
	       "seq stuck odd: it retried, and gave up after %lu seq loads (bound 2 x %d)",
	       t.at[OFF(seq)], TICKPAGE_MAX_RETRIES);
	report(t.accesses <= 3 + 8ul * 2 * TICKPAGE_MAX_RETRIES,
	       "seq stuck odd: %lu page loads in all", t.accesses);
	report(t.refused == 0, "stuck writer: reader never stores to the page");

	/* Writer finishes after a few tries: the reader waits for it. */
	make_page(t.alias);
	tp->seq = 41;
	memset(&a, 0, sizeof(a));
	a.fire_at = 7;
	t.before = finish_write;
	page_trace_start(&t);
	r = tickpage_read(t.page, &s);
	page_trace_stop(&t);
	t.before = NULL;
	report(a.fired && r == TICKPAGE_OK && snapshot_is_page(&s, tp),
	       "writer finishing during the retries: OK after %lu seq loads",
	       t.at[OFF(seq)]);

	/* A publication in the middle of the copy: retried, never mixed. */
	make_page(t.alias);
	memset(&a, 0, sizeof(a));
	t.before = publish_midway;
	page_trace_start(&t);
	r = tickpage_read(t.page, &s);
	page_trace_stop(&t);
	t.before = NULL;
	report(a.fired && r == TICKPAGE_OK && snapshot_is_page(&s, tp) &&
	       s.realtime_nsec == 123,
	       "publication mid-copy: retried (%lu seq loads), snapshot is all new",
	       t.at[OFF(seq)]);
	report(t.at[OFF(seq)] == 4, "publication mid-copy: exactly one retry");

	page_trace_teardown(&t);
}

/* The monotonic field alone: CLOCK_MONOTONIC_COARSE, or a stuck writer. */
static void test_peek(void)
{
	struct tickpage *tp = (void *)buf;
	uint64_t g = 0, m = 0;
	int r;

	make_page(buf);
	tp->seq = 43;	/* a writer stuck mid-write */
	r = tickpage_peek_monotonic(tp, &g, &m);
	report(r == TICKPAGE_OK && g == tp->generation && m == tp->monotonic_ns,
	       "peek with seq stuck odd: generation %llu, monotonic %llu",
	       (unsigned long long)g, (unsigned long long)m);
	tp->flags = TICKPAGE_F_VM_CLOCK;
	r = tickpage_peek_monotonic(tp, &g, &m);
	report(r == TICKPAGE_ERR_INVALID, "peek of a page without VALID: %s",
	       tickpage_strerror(r));
}

int main(void)
{
	test_statuses();
	test_rejections();
	test_newer_minor();
	test_peek();
	test_traced();
	return report_summary();
}
