/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage writer: seqcount-protected updates of the time page.
 *
 * The page is shared with readers in other address spaces, other CPUs
 * and other VMs, so every store goes through an atomic builtin (no
 * tearing, no compiler reordering or merging) and the write barriers
 * below pair with the read barriers in vdso/include/tickpage-read.h.
 * The page is only ever stored to: what is published comes from struct
 * tickpage_writer alone.
 */
#include "tickpage-writer.h"

#define TICKPAGE_STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define TICKPAGE_NSEC_PER_SEC	1000000000ull
#define tickpage_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

/*
 * Write the whole header from @w under the seqcount.
 *
 * The first barrier orders the odd @seq before every body store, pairing
 * with the reader's barrier before its second @seq load
 * (tickpage_read_retry): a reader that sees any new body value sees @seq
 * odd or moved when it checks. The second orders @flags and @generation
 * before the time, pairing with the barriers in
 * tickpage_peek_monotonic(): a reader of the time alone never pairs a new
 * time with an old generation, or with VALID of a page since made
 * invalid. The last orders the body before the even @seq, pairing with
 * the reader's barrier after its first @seq load (tickpage_read_begin):
 * a reader that starts from the new @seq sees the whole new body.
 *
 * The identity is rewritten too, with the values it always has, so a
 * page scribbled over is whole again after one publication.
 */
static void tickpage_store(struct tickpage_writer *w)
{
	struct tickpage *tp = w->page;

	w->seq |= 1;
	TICKPAGE_STORE(tp->seq, w->seq);
	tickpage_wmb();
	TICKPAGE_STORE(tp->flags, w->flags);
	TICKPAGE_STORE(tp->generation, w->generation);
	tickpage_wmb();
	TICKPAGE_STORE(tp->magic, TICKPAGE_MAGIC);
	TICKPAGE_STORE(tp->abi_major, TICKPAGE_ABI_MAJOR);
	TICKPAGE_STORE(tp->abi_minor, TICKPAGE_ABI_MINOR);
	TICKPAGE_STORE(tp->size, (uint32_t)sizeof(*tp));
	TICKPAGE_STORE(tp->update_count, w->update_count);
	TICKPAGE_STORE(tp->period_ns, w->period_ns);
	TICKPAGE_STORE(tp->realtime_sec, w->realtime_sec);
	TICKPAGE_STORE(tp->realtime_nsec, w->realtime_nsec);
	TICKPAGE_STORE(tp->reserved0, 0);
	TICKPAGE_STORE(tp->monotonic_ns, w->monotonic_ns);
	tickpage_wmb();
	w->seq++;
	TICKPAGE_STORE(tp->seq, w->seq);
}

void tickpage_writer_init(struct tickpage_writer *w, struct tickpage *page,
			  uint64_t period_ns, uint64_t flags,
			  uint64_t generation)
{
	unsigned char *tail = (unsigned char *)page + sizeof(*page);

	*w = (struct tickpage_writer){
		.page = page,
		.seq = __atomic_load_n(&page->seq, __ATOMIC_RELAXED) + 1,
		.flags = flags & ~TICKPAGE_F_VALID,
		.generation = generation,
		.period_ns = period_ns,
	};
	/* VALID goes first, so no reader takes anything below as time. */
	tickpage_store(w);
	__builtin_memset(tail, 0, TICKPAGE_PAGE_SIZE - sizeof(*page));
}

/*
 * Take @s into @w. With @same_pair and a valid snapshot published,
 * realtime moves from the one published by exactly as much as monotonic
 * time (see tickpage_publish()).
 */
static void tickpage_take_sample(struct tickpage_writer *w,
				 const struct tickpage_sample *s,
				 int same_pair)
{
	uint64_t mono = s->monotonic_ns;
	uint64_t last = w->monotonic_ns;

	if (mono < last)
		mono = last;
	if (same_pair && w->update_count && (w->flags & TICKPAGE_F_VALID)) {
		uint64_t d = mono - last;
		uint64_t n = w->realtime_nsec + d % TICKPAGE_NSEC_PER_SEC;

		/* Unsigned: no sample makes this undefined. */
		w->realtime_sec = (int64_t)((uint64_t)w->realtime_sec +
					    d / TICKPAGE_NSEC_PER_SEC +
					    n / TICKPAGE_NSEC_PER_SEC);
		w->realtime_nsec = (uint32_t)(n % TICKPAGE_NSEC_PER_SEC);
	} else {
		w->realtime_sec = s->realtime_sec;
		w->realtime_nsec = s->realtime_nsec;
	}
	w->monotonic_ns = mono;
	w->update_count++;
	w->flags |= TICKPAGE_F_VALID;
}

void tickpage_publish(struct tickpage_writer *w,
		      const struct tickpage_sample *s)
{
	tickpage_take_sample(w, s, 1);
	tickpage_store(w);
}

void tickpage_publish_discontinuity(struct tickpage_writer *w,
				    const struct tickpage_sample *s)
{
	w->generation++;
	tickpage_take_sample(w, s, 0);
	tickpage_store(w);
}

void tickpage_invalidate(struct tickpage_writer *w)
{
	w->flags &= ~TICKPAGE_F_VALID;
	tickpage_store(w);
}

#ifndef TICKPAGE_WRITER_NO_TEST_CALLS
void tickpage_bump_generation(struct tickpage_writer *w)
{
	w->generation++;
	tickpage_store(w);
}

void tickpage_set_period(struct tickpage_writer *w, uint64_t period_ns)
{
	w->period_ns = period_ns;
	tickpage_store(w);
}
#endif /* TICKPAGE_WRITER_NO_TEST_CALLS */
