/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage writer: seqcount-protected updates of the time page.
 *
 * The page is shared with readers in other address spaces, other CPUs
 * and other VMs, so every store goes through an atomic builtin (no
 * tearing, no compiler reordering or merging) and the two write
 * barriers below pair with the two read barriers in
 * vdso/include/tickpage-read.h.
 */
#include "tickpage-writer.h"

#define TICKPAGE_STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define TICKPAGE_PEEK(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define TICKPAGE_NSEC_PER_SEC	1000000000ull
#define tickpage_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

/*
 * Make @seq odd. Setting the low bit rather than adding one heals a page
 * left odd by a publisher killed mid-write: the next write ends even
 * instead of leaving every later write odd. The barrier orders the odd
 * value before every body store, pairing with the reader's barrier after
 * its @seq load (tickpage_read_begin): a reader that sees any new body
 * value also sees an odd or changed @seq when it checks again.
 */
static void tickpage_write_begin(struct tickpage *tp)
{
	TICKPAGE_STORE(tp->seq, TICKPAGE_PEEK(tp->seq) | 1);
	tickpage_wmb();
}

/*
 * Make @seq even again. The barrier orders the body stores before the
 * new @seq, pairing with the reader's barrier before its second @seq
 * load (tickpage_read_retry).
 */
static void tickpage_write_end(struct tickpage *tp)
{
	tickpage_wmb();
	TICKPAGE_STORE(tp->seq, TICKPAGE_PEEK(tp->seq) + 1);
}

void tickpage_writer_init(struct tickpage *tp, uint64_t period_ns,
			  uint64_t flags, uint64_t generation)
{
	/*
	 * Invalidate under the old identity first, so a reader that has
	 * already validated this page falls back before any field changes.
	 */
	tickpage_invalidate(tp);

	tickpage_write_begin(tp);
	TICKPAGE_STORE(tp->magic, TICKPAGE_MAGIC);
	TICKPAGE_STORE(tp->abi_major, TICKPAGE_ABI_MAJOR);
	TICKPAGE_STORE(tp->abi_minor, TICKPAGE_ABI_MINOR);
	TICKPAGE_STORE(tp->size, (uint32_t)sizeof(*tp));
	TICKPAGE_STORE(tp->flags, flags & ~TICKPAGE_F_VALID);
	TICKPAGE_STORE(tp->generation, generation);
	TICKPAGE_STORE(tp->update_count, 0);
	TICKPAGE_STORE(tp->period_ns, period_ns);
	TICKPAGE_STORE(tp->realtime_sec, 0);
	TICKPAGE_STORE(tp->realtime_nsec, 0);
	TICKPAGE_STORE(tp->reserved0, 0);
	TICKPAGE_STORE(tp->monotonic_ns, 0);
	tickpage_write_end(tp);
}

/*
 * The body of a publication; the caller holds @seq odd. With @same_pair
 * and a valid snapshot on the page, realtime moves from the page's own
 * by exactly as much as monotonic time (see tickpage_publish()).
 */
static void tickpage_write_sample(struct tickpage *tp,
				  const struct tickpage_sample *s,
				  int same_pair)
{
	uint64_t mono = s->monotonic_ns;
	uint64_t last = TICKPAGE_PEEK(tp->monotonic_ns);
	int64_t sec = s->realtime_sec;
	uint32_t nsec = s->realtime_nsec;

	if (mono < last)
		mono = last;
	if (same_pair && TICKPAGE_PEEK(tp->update_count) &&
	    (TICKPAGE_PEEK(tp->flags) & TICKPAGE_F_VALID)) {
		uint64_t d = mono - last;
		uint64_t n = TICKPAGE_PEEK(tp->realtime_nsec) +
			     d % TICKPAGE_NSEC_PER_SEC;

		/* Unsigned: a page's garbage must not make this undefined. */
		sec = (int64_t)((uint64_t)TICKPAGE_PEEK(tp->realtime_sec) +
				d / TICKPAGE_NSEC_PER_SEC +
				n / TICKPAGE_NSEC_PER_SEC);
		nsec = (uint32_t)(n % TICKPAGE_NSEC_PER_SEC);
	}

	TICKPAGE_STORE(tp->realtime_sec, sec);
	TICKPAGE_STORE(tp->realtime_nsec, nsec);
	TICKPAGE_STORE(tp->monotonic_ns, mono);
	TICKPAGE_STORE(tp->update_count, TICKPAGE_PEEK(tp->update_count) + 1);
	TICKPAGE_STORE(tp->flags, TICKPAGE_PEEK(tp->flags) | TICKPAGE_F_VALID);
}

void tickpage_publish(struct tickpage *tp, const struct tickpage_sample *s)
{
	tickpage_write_begin(tp);
	tickpage_write_sample(tp, s, 1);
	tickpage_write_end(tp);
}

void tickpage_publish_discontinuity(struct tickpage *tp,
				    const struct tickpage_sample *s)
{
	tickpage_write_begin(tp);
	TICKPAGE_STORE(tp->generation, TICKPAGE_PEEK(tp->generation) + 1);
	/*
	 * The new generation before the new time: a reader that peeks at
	 * the time alone (tickpage_peek_monotonic()) and then the generation
	 * never pairs the old generation with the new time.
	 */
	tickpage_wmb();
	tickpage_write_sample(tp, s, 0);
	tickpage_write_end(tp);
}

void tickpage_bump_generation(struct tickpage *tp)
{
	tickpage_write_begin(tp);
	TICKPAGE_STORE(tp->generation, TICKPAGE_PEEK(tp->generation) + 1);
	tickpage_write_end(tp);
}

void tickpage_set_period(struct tickpage *tp, uint64_t period_ns)
{
	tickpage_write_begin(tp);
	TICKPAGE_STORE(tp->period_ns, period_ns);
	tickpage_write_end(tp);
}

void tickpage_invalidate(struct tickpage *tp)
{
	tickpage_write_begin(tp);
	TICKPAGE_STORE(tp->flags, TICKPAGE_PEEK(tp->flags) & ~TICKPAGE_F_VALID);
	tickpage_write_end(tp);
}
