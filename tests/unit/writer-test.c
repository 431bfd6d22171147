// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Unit tests of the page writer (hv/tickpage-writer.c): what each call
 * leaves on the page; that a page scribbled over between calls gets
 * exactly what an untouched one gets; and, with page-trace, that the
 * page is safe to read after every single store each call makes (a
 * reader sees the old snapshot, the new one, or falls back; never a
 * mixture).
 */
#include <string.h>
#include <sys/mman.h>

#include "tickpage-read.h"
#include "tickpage-writer.h"
#include "page-trace.h"
#include "report.h"

static _Alignas(4096) unsigned char buf[TICKPAGE_PAGE_SIZE];

static int read_page(const void *page, struct tickpage_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	return tickpage_read(page, s);
}

static void test_calls(void)
{
	struct tickpage *tp = (void *)buf;
	struct tickpage_writer w;
	struct tickpage_snapshot s;
	struct tickpage_sample a = { 1800000000, 1, 1000 };
	struct tickpage_sample b = { 1800000001, 2, 500 };
	struct tickpage_sample c = { 1800000002, 3, 2000 };
	uint32_t seq;
	int r;

	tickpage_writer_init(&w, tp, 2000000,
			     TICKPAGE_F_VALID | TICKPAGE_F_VM_CLOCK, 77);
	r = read_page(tp, &s);
	report(tickpage_validate(tp) == TICKPAGE_OK && r == TICKPAGE_ERR_INVALID,
	       "init: page recognisable (validate ok) but not valid (read %s)",
	       tickpage_strerror(r));
	report(tp->magic == TICKPAGE_MAGIC && tp->abi_major == TICKPAGE_ABI_MAJOR &&
	       tp->abi_minor == TICKPAGE_ABI_MINOR &&
	       tp->size == TICKPAGE_SIZE_V1_0,
	       "init: identity block (magic, %u.%u, size %u)", tp->abi_major,
	       tp->abi_minor, tp->size);
	report(tp->flags == TICKPAGE_F_VM_CLOCK,
	       "init: VALID refused from the caller, other flags kept (%#llx)",
	       (unsigned long long)tp->flags);
	report(tp->generation == 77 && tp->period_ns == 2000000 &&
	       tp->update_count == 0 && tp->monotonic_ns == 0,
	       "init: generation seeded, period set, counters zero");
	report(!(tp->seq & 1), "init: seq even afterwards (%u)", tp->seq);

	seq = tp->seq;
	tickpage_publish(&w, &a);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && (s.flags & TICKPAGE_F_VALID) &&
	       s.update_count == 1 && s.realtime_sec == a.realtime_sec &&
	       s.realtime_nsec == a.realtime_nsec &&
	       s.monotonic_ns == a.monotonic_ns && s.generation == 77 &&
	       s.period_ns == 2000000 && (s.flags & TICKPAGE_F_VM_CLOCK),
	       "publish: VALID set, sample on the page, update_count 1 (%s)",
	       tickpage_strerror(r));
	report(tp->seq == seq + 2, "publish: seq advanced by 2 (%u -> %u)",
	       seq, tp->seq);

	tickpage_publish(&w, &b);
	read_page(tp, &s);
	report(s.monotonic_ns == a.monotonic_ns && s.update_count == 2 &&
	       s.realtime_sec == a.realtime_sec && s.realtime_nsec == 1,
	       "publish older monotonic (%llu < %llu): page keeps %llu, and its realtime with it",
	       (unsigned long long)b.monotonic_ns,
	       (unsigned long long)a.monotonic_ns,
	       (unsigned long long)s.monotonic_ns);
	tickpage_publish(&w, &c);
	read_page(tp, &s);
	report(s.monotonic_ns == c.monotonic_ns && s.update_count == 3 &&
	       s.realtime_sec == a.realtime_sec && s.realtime_nsec == 1 + 1000,
	       "publish newer monotonic: taken (%llu), realtime moved by as much, not the sample's",
	       (unsigned long long)s.monotonic_ns);

	seq = tp->seq;
	tickpage_bump_generation(&w);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && s.generation == 78 && s.update_count == 3 &&
	       s.monotonic_ns == c.monotonic_ns && tp->seq == seq + 2,
	       "bump_generation: 77 -> %llu, clocks untouched, seq +2",
	       (unsigned long long)s.generation);

	tickpage_set_period(&w, 500000);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && s.period_ns == 500000 && s.generation == 78,
	       "set_period: readers see %llu ns", (unsigned long long)s.period_ns);

	seq = tp->seq;
	tickpage_invalidate(&w);
	r = read_page(tp, &s);
	report(r == TICKPAGE_ERR_INVALID && tickpage_validate(tp) == TICKPAGE_OK &&
	       tp->seq == seq + 2,
	       "invalidate: readers fall back (%s), page still recognisable",
	       tickpage_strerror(r));
	tickpage_publish(&w, &a);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && s.update_count == 4 &&
	       s.monotonic_ns == c.monotonic_ns &&
	       s.realtime_sec == a.realtime_sec && s.realtime_nsec == 1,
	       "publish after invalidate: valid again, the sample's realtime, monotonic still clamped");

	seq = tp->seq;
	tickpage_publish_discontinuity(&w, &b);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && s.generation == 79 &&
	       s.realtime_sec == b.realtime_sec && s.update_count == 5 &&
	       s.monotonic_ns == c.monotonic_ns && tp->seq == seq + 2,
	       "publish_discontinuity: generation %llu and new time in one write (seq +2), monotonic still clamped",
	       (unsigned long long)s.generation);

	/* A publisher killed mid-write leaves seq odd; the next write heals it. */
	tp->seq |= 1;
	r = read_page(tp, &s);
	report(r == TICKPAGE_ERR_BUSY, "seq left odd: readers get busy (%s)",
	       tickpage_strerror(r));
	tickpage_publish(&w, &c);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && !(tp->seq & 1) && s.update_count == 6,
	       "seq left odd: one publication makes it even again (%u, %s)",
	       tp->seq, tickpage_strerror(r));

	tickpage_writer_init(&w, tp, 1000000, 0, 100);
	r = read_page(tp, &s);
	report(r == TICKPAGE_ERR_INVALID && tp->generation == 100 &&
	       tp->update_count == 0 && tp->period_ns == 1000000 &&
	       !(tp->flags & TICKPAGE_F_VM_CLOCK),
	       "re-init: invalid, new generation, counters reset (%s)",
	       tickpage_strerror(r));
}

/*
 * Within a generation realtime - monotonic never changes: the sample's
 * realtime is only taken by the first publication and across a
 * discontinuity (docs/abi.md).
 */
static void test_pair(void)
{
	struct tickpage *tp = (void *)buf;
	struct tickpage_sample x = { 100, 999999999, 5000 };
	struct tickpage_sample y = { 200, 0, 5000 + 1000000001 };
	struct tickpage_snapshot s;
	struct tickpage_writer w;
	int r;

	tickpage_writer_init(&w, tp, 1000000, 0, 5);
	tickpage_publish(&w, &x);
	r = read_page(tp, &s);
	report(r == TICKPAGE_OK && s.realtime_sec == 100 &&
	       s.realtime_nsec == 999999999,
	       "pair: the first publication takes the sample's realtime");
	tickpage_publish(&w, &y);
	read_page(tp, &s);
	report(s.monotonic_ns == y.monotonic_ns && s.realtime_sec == 102 &&
	       s.realtime_nsec == 0 && s.generation == 5,
	       "pair: +1.000000001 s of monotonic moves realtime to %lld.%09u (carried), not to the sample's 200 s",
	       (long long)s.realtime_sec, s.realtime_nsec);
	tickpage_publish_discontinuity(&w, &y);
	read_page(tp, &s);
	report(s.realtime_sec == 200 && s.realtime_nsec == 0 &&
	       s.generation == 6,
	       "pair: a discontinuity takes the sample's realtime, generation %llu",
	       (unsigned long long)s.generation);
}

/*
 * A page scribbled over between calls (a guest with a writable mapping,
 * a local user, a bug) gets, from the next call on, exactly the header
 * an untouched page gets: the writer publishes from its own state and
 * never reads the page back.
 */
static void test_scribble(void)
{
	static _Alignas(4096) unsigned char clean[TICKPAGE_PAGE_SIZE];
	static _Alignas(4096) unsigned char dirty[TICKPAGE_PAGE_SIZE];
	struct tickpage_sample a = { 1800000000, 5, 1000 };
	struct tickpage_sample b = { 1800000001, 6, 2000000 };
	struct tickpage_writer wc, wd;
	unsigned int call, fill, same = 0, calls = 0;

	tickpage_writer_init(&wc, (void *)clean, 1000000, 0, 42);
	tickpage_writer_init(&wd, (void *)dirty, 1000000, 0, 42);
	for (call = 0; call < 6; call++) {
		for (fill = 0; fill < 4; fill++) {
			size_t i;

			for (i = 0; i < sizeof(dirty); i++)
				dirty[i] = fill == 0 ? 0xff : fill == 1 ? 0 :
					   fill == 2 ? (unsigned char)(i * 37 + call) :
					   clean[i] ^ 1;
			switch (call) {
			case 0:
			case 3:
				tickpage_publish(&wc, &a);
				tickpage_publish(&wd, &a);
				a.monotonic_ns += 1000000;
				break;
			case 1:
				tickpage_publish_discontinuity(&wc, &b);
				tickpage_publish_discontinuity(&wd, &b);
				b.monotonic_ns += 1000000;
				break;
			case 2:
				tickpage_invalidate(&wc);
				tickpage_invalidate(&wd);
				break;
			case 4:
				tickpage_bump_generation(&wc);
				tickpage_bump_generation(&wd);
				break;
			default:
				tickpage_publish(&wc, &b);
				tickpage_publish(&wd, &b);
				break;
			}
			calls++;
			same += !memcmp(clean, dirty, TICKPAGE_SIZE_V1_0);
		}
	}
	report(same == calls,
	       "scribbled page: %u of %u publications wrote exactly the header of an untouched page",
	       same, calls);
}

/* --- every state between two stores --- */

#define MAX_STATES	8192

struct states {
	int n;
	unsigned char hdr[MAX_STATES][TICKPAGE_SIZE_V1_0];
};

static void log_state(struct page_trace *t, size_t off)
{
	struct states *st = t->priv;

	if (st->n < MAX_STATES)
		memcpy(st->hdr[st->n++], t->alias, TICKPAGE_SIZE_V1_0);
}

static int read_hdr(const unsigned char *hdr, struct tickpage_snapshot *s)
{
	static _Alignas(4096) unsigned char page[TICKPAGE_PAGE_SIZE];

	memcpy(page, hdr, TICKPAGE_SIZE_V1_0);
	return read_page(page, s);
}

/*
 * tickpage_peek_monotonic() of an intermediate state: it may fail, or
 * give the time from before or after the write, but never pair the old
 * generation with the new time.
 */
static int peek_ok(const unsigned char *hdr, const struct tickpage *before,
		   const struct tickpage *after)
{
	struct tickpage tp;
	uint64_t g, m;

	memcpy(&tp, hdr, sizeof(tp));
	if (tickpage_peek_monotonic(&tp, &g, &m))
		return 1;
	if (g == before->generation && m == before->monotonic_ns)
		return 1;
	return g == after->generation &&
	       (m == after->monotonic_ns || m == before->monotonic_ns);
}

/*
 * Run @op under the trace and check that a reader arriving between any
 * two of its accesses gets the snapshot from before, the one from after,
 * or a fallback status.
 */
static int check_atomic(struct page_trace *t, struct states *st,
			const char *what,
			 void (*op)(struct tickpage_writer *w, const void *arg),
			 struct tickpage_writer *w, const void *arg)
{
	struct tickpage_snapshot before, after, mid;
	struct tickpage page_before, page_after;
	int rb, ra, i, bad = 0, busy = 0, peeks = 0;

	rb = read_page(t->alias, &before);
	st->n = 0;
	log_state(t, 0);
	t->after = log_state;
	w->page = t->page;
	page_trace_start(t);
	op(w, arg);
	page_trace_stop(t);
	w->page = t->alias;
	t->after = NULL;
	ra = read_page(t->alias, &after);
	memcpy(&page_before, st->hdr[0], sizeof(page_before));
	memcpy(&page_after, t->alias, sizeof(page_after));

	for (i = 0; i < st->n; i++) {
		int r = read_hdr(st->hdr[i], &mid);

		if (!peek_ok(st->hdr[i], &page_before, &page_after))
			peeks++;

		if (r == TICKPAGE_ERR_BUSY)
			busy++;
		if (r != TICKPAGE_OK)
			continue;
		if (!(rb == TICKPAGE_OK && !memcmp(&mid, &before, sizeof(mid))) &&
		    !(ra == TICKPAGE_OK && !memcmp(&mid, &after, sizeof(mid))))
			bad++;
	}
	if (what)
		report(st->n < MAX_STATES && bad == 0 && busy > 0 && !peeks,
		       "%s: %d states between stores, %d read as busy, %d mixed, %d peeks paired the old generation with the new time",
		       what, st->n, busy, bad, peeks);
	return bad + peeks;
}

/* The detector's own check: a publish that skips the seqcount. */
static void op_broken_publish(struct tickpage_writer *w, const void *arg)
{
	const struct tickpage_sample *s = arg;
	struct tickpage *tp = w->page;

	tp->realtime_sec = s->realtime_sec;
	tp->realtime_nsec = s->realtime_nsec;
	tp->monotonic_ns = s->monotonic_ns;
	tp->update_count++;
}

static void op_publish(struct tickpage_writer *w, const void *arg)
{
	tickpage_publish(w, arg);
}

static void op_discontinuity(struct tickpage_writer *w, const void *arg)
{
	tickpage_publish_discontinuity(w, arg);
}

static void op_bump(struct tickpage_writer *w, const void *arg)
{
	tickpage_bump_generation(w);
}

static void op_period(struct tickpage_writer *w, const void *arg)
{
	tickpage_set_period(w, 250000);
}

static void op_invalidate(struct tickpage_writer *w, const void *arg)
{
	tickpage_invalidate(w);
}

static void op_init(struct tickpage_writer *w, const void *arg)
{
	tickpage_writer_init(w, w->page, 3000000, TICKPAGE_F_VM_CLOCK, 9000);
}

/*
 * Re-init of a page a reader has already validated: VALID must be clear
 * before the first byte of anything else changes, so that no reader, not
 * even one that reads the time alone (tickpage_peek_monotonic()), takes
 * the new contents for time.
 */
static void check_reinit_order(struct states *st)
{
	int i, first_change = -1, invalid_at = -1;

	for (i = 1; i < st->n && first_change < 0; i++) {
		const unsigned char *h = st->hdr[i], *h0 = st->hdr[0];
		const struct tickpage *tp = (const void *)h;

		if (invalid_at < 0 && !(tp->flags & TICKPAGE_F_VALID))
			invalid_at = i;
		/* Anything but seq (12..15) and flags (16..23). */
		if (memcmp(h, h0, 12) || memcmp(h + 24, h0 + 24, 72 - 24))
			first_change = i;
	}
	report(invalid_at > 0 && first_change > invalid_at,
	       "re-init of a valid page: invalid at state %d, first other change at %d",
	       invalid_at, first_change);
}

static void test_traced(void)
{
	static struct states st;
	struct page_trace t;
	struct tickpage_sample a = { 1800000000, 5, 1000 };
	struct tickpage_sample b = { 1800000010, 999999999, 2000 };
	struct tickpage_sample c = { 1800000020, 7, 3000 };
	struct tickpage_snapshot s;
	struct tickpage_writer w;

	if (page_trace_setup(&t, PROT_READ | PROT_WRITE) < 0) {
		report_skip("per-store checks need x86-64 Linux (trap flag)");
		return;
	}
	t.priv = &st;

	tickpage_writer_init(&w, t.alias, 1000000, 0, 1);
	tickpage_publish(&w, &a);
	report(check_atomic(&t, &st, NULL, op_broken_publish, &w, &b) > 0,
	       "self-check: a publish without the seqcount is caught as mixed");
	/* The broken publish moved the page, not the writer: start again. */
	tickpage_writer_init(&w, t.alias, 1000000, 0, 1);
	tickpage_publish(&w, &a);
	check_atomic(&t, &st, "publish", op_publish, &w, &b);
	/* A newer time: a peek that paired it with the old generation shows. */
	check_atomic(&t, &st, "publish_discontinuity", op_discontinuity, &w,
		     &c);
	check_atomic(&t, &st, "bump_generation", op_bump, &w, NULL);
	check_atomic(&t, &st, "set_period", op_period, &w, NULL);
	check_atomic(&t, &st, "re-init", op_init, &w, NULL);
	check_reinit_order(&st);
	report(read_page(t.alias, &s) == TICKPAGE_ERR_INVALID,
	       "re-init: ends invalid");
	tickpage_publish(&w, &a);
	check_atomic(&t, &st, "invalidate", op_invalidate, &w, NULL);

	/* A zeroed page (fresh QEMU BAR, new shm file) initialised. */
	memset(t.alias, 0, TICKPAGE_PAGE_SIZE);
	check_atomic(&t, &st, "init of a zero page", op_init, &w, NULL);
	report(read_page(t.alias, &s) == TICKPAGE_ERR_INVALID &&
	       tickpage_validate(t.alias) == TICKPAGE_OK,
	       "init of a zero page: recognisable, invalid");

	page_trace_teardown(&t);
}

int main(void)
{
	test_calls();
	test_pair();
	test_scribble();
	test_traced();
	return report_summary();
}
