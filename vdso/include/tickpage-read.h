/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * tickpage reader: take one consistent snapshot of the time page.
 *
 * Header-only and free of libc so the same code serves the vDSO, the
 * kernel driver and user space (libtickpage, tests, tools). The caller
 * supplies nothing but a pointer to the mapped page; every failure is a
 * distinct negative result, and all of them mean the same thing to a
 * clock reader: fall back to the kernel's own clock.
 *
 * Hooks, chosen by environment:
 *   tickpage_rmb()        read barrier pairing with the writer's
 *                         tickpage_wmb() (hv/tickpage-writer.c)
 *   TICKPAGE_LOAD(x)      single-copy-atomic load of a page field
 *   tickpage_cpu_relax()  pause while the writer holds @seq odd
 *
 * The page may live in another VM's or the host's memory, so every
 * field is read exactly once through TICKPAGE_LOAD and copied out; all
 * arithmetic happens on the copy, outside the retry loop.
 */
#ifndef TICKPAGE_READ_H
#define TICKPAGE_READ_H

#include "tickpage-abi.h"

#if defined(__KERNEL__)
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <asm/processor.h>
/* Pairs with the writer's tickpage_wmb(), as documented above. */
#define tickpage_rmb()		smp_rmb()
#define TICKPAGE_LOAD(x)	READ_ONCE(x)
#define tickpage_cpu_relax()	cpu_relax()
#define TICKPAGE_INLINE		static __always_inline
#else
#define tickpage_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define TICKPAGE_LOAD(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#if defined(__x86_64__) || defined(__i386__)
#define tickpage_cpu_relax()	__builtin_ia32_pause()
#else
#define tickpage_cpu_relax()	__asm__ __volatile__("" ::: "memory")
#endif
#define TICKPAGE_INLINE		static inline __attribute__((always_inline))
#endif

/*
 * How often a reader retries while the writer holds @seq odd or moves
 * it under the reader. A write is a handful of stores, so a reader that
 * is still unlucky after this many tries is looking at a dead or stuck
 * writer: it stops and falls back rather than spin in a vDSO.
 */
#define TICKPAGE_MAX_RETRIES	1024

/* Result of a read; all negative values mean "fall back". */
enum tickpage_status {
	TICKPAGE_OK		= 0,
	TICKPAGE_ERR_MAGIC	= -1,	/* not a tickpage */
	TICKPAGE_ERR_MAJOR	= -2,	/* ABI major this reader does not know */
	TICKPAGE_ERR_SIZE	= -3,	/* declared size too small or too big */
	TICKPAGE_ERR_INVALID	= -4,	/* publisher cleared TICKPAGE_F_VALID */
	TICKPAGE_ERR_BUSY	= -5,	/* seq odd or moving past the bound */
	TICKPAGE_ERR_RANGE	= -6,	/* nonsense values: nsec >= 1e9, etc. */
};

/* One consistent copy of the clock block. */
struct tickpage_snapshot {
	uint64_t flags;
	uint64_t generation;
	uint64_t update_count;
	uint64_t period_ns;
	int64_t realtime_sec;
	uint32_t realtime_nsec;
	uint64_t monotonic_ns;
};

/*
 * Check the identity block. The identity is written before the first
 * publication and never changes afterwards, so it is validated outside
 * the seqcount; a reader in a hot path may do this once and cache it.
 */
TICKPAGE_INLINE int tickpage_validate(const struct tickpage *tp)
{
	uint32_t size;

	if (TICKPAGE_LOAD(tp->magic) != TICKPAGE_MAGIC)
		return TICKPAGE_ERR_MAGIC;
	if (TICKPAGE_LOAD(tp->abi_major) != TICKPAGE_ABI_MAJOR)
		return TICKPAGE_ERR_MAJOR;
	size = TICKPAGE_LOAD(tp->size);
	if (size < TICKPAGE_SIZE_V1_0 || size > TICKPAGE_PAGE_SIZE)
		return TICKPAGE_ERR_SIZE;
	return TICKPAGE_OK;
}

/* Pairs with the writer's tickpage_write_begin(). */
TICKPAGE_INLINE uint32_t tickpage_read_begin(const struct tickpage *tp)
{
	/*
	 * Masking the low bit makes an odd (in-progress) value fail
	 * tickpage_read_retry() below, so one comparison covers both
	 * "a write was in progress" and "a write happened meanwhile".
	 */
	uint32_t seq = TICKPAGE_LOAD(tp->seq) & ~1u;

	tickpage_rmb();	/* seq before body; pairs with writer's first wmb */
	return seq;
}

/* Pairs with the writer's tickpage_write_end(). */
TICKPAGE_INLINE int tickpage_read_retry(const struct tickpage *tp,
					uint32_t start)
{
	tickpage_rmb();	/* body before seq; pairs with writer's second wmb */
	return TICKPAGE_LOAD(tp->seq) != start;
}

/*
 * Copy one consistent snapshot of @tp into @s. Returns TICKPAGE_OK, or a
 * negative enum tickpage_status; @s is only meaningful on TICKPAGE_OK.
 */
TICKPAGE_INLINE int tickpage_read(const struct tickpage *tp,
				  struct tickpage_snapshot *s)
{
	uint32_t seq;
	int tries = 0;
	int err;

	err = tickpage_validate(tp);
	if (err)
		return err;

	do {
		if (tries++ == TICKPAGE_MAX_RETRIES)
			return TICKPAGE_ERR_BUSY;
		if (tries > 1)
			tickpage_cpu_relax();
		seq = tickpage_read_begin(tp);
		s->flags = TICKPAGE_LOAD(tp->flags);
		s->generation = TICKPAGE_LOAD(tp->generation);
		s->update_count = TICKPAGE_LOAD(tp->update_count);
		s->period_ns = TICKPAGE_LOAD(tp->period_ns);
		s->realtime_sec = TICKPAGE_LOAD(tp->realtime_sec);
		s->realtime_nsec = TICKPAGE_LOAD(tp->realtime_nsec);
		s->monotonic_ns = TICKPAGE_LOAD(tp->monotonic_ns);
	} while (tickpage_read_retry(tp, seq));

	if (!(s->flags & TICKPAGE_F_VALID))
		return TICKPAGE_ERR_INVALID;
	/*
	 * A period outside what publishers accept is refused, not clamped:
	 * callers size deadlines, staleness and limits from it (the driver
	 * waits up to four periods for an edge), and a page that claims a
	 * period of centuries must not make them wait for one.
	 */
	if (s->realtime_nsec >= 1000000000u ||
	    s->period_ns < TICKPAGE_PERIOD_MIN_NS ||
	    s->period_ns > TICKPAGE_PERIOD_MAX_NS)
		return TICKPAGE_ERR_RANGE;
	return TICKPAGE_OK;
}

/* What a clock needs of the page: both clocks, and whose they are. */
struct tickpage_clock {
	uint64_t generation;
	int64_t realtime_sec;
	uint32_t realtime_nsec;
	uint64_t monotonic_ns;
};

/*
 * One pass of tickpage_read_clock() below, for a caller that checked the
 * identity itself and has a retry policy of its own (the vDSO falls back
 * after one pass): TICKPAGE_ERR_BUSY when the writer was in the way.
 *
 * The period is not read: no clock needs it, and the one reader of
 * these functions that reports it (the vDSO's clock_getres()) takes the
 * period the driver copied from a tickpage_read() that checked its range.
 */
TICKPAGE_INLINE int tickpage_read_clock_once(const struct tickpage *tp,
					     struct tickpage_clock *c)
{
	uint64_t flags;
	uint32_t seq;

	seq = tickpage_read_begin(tp);
	flags = TICKPAGE_LOAD(tp->flags);
	c->generation = TICKPAGE_LOAD(tp->generation);
	c->realtime_sec = TICKPAGE_LOAD(tp->realtime_sec);
	c->realtime_nsec = TICKPAGE_LOAD(tp->realtime_nsec);
	c->monotonic_ns = TICKPAGE_LOAD(tp->monotonic_ns);
	if (tickpage_read_retry(tp, seq))
		return TICKPAGE_ERR_BUSY;
	if (!(flags & TICKPAGE_F_VALID))
		return TICKPAGE_ERR_INVALID;
	if (c->realtime_nsec >= 1000000000u)
		return TICKPAGE_ERR_RANGE;
	return TICKPAGE_OK;
}

/*
 * tickpage_read() for a hot path that only serves clocks (the vDSO):
 * the same seqcount and retry bound, but only the fields @c holds. The
 * identity check is cut to the magic and the ABI major, which decide
 * how to read the rest; the caller knows the declared size is good (the
 * driver checked it, and it never changes while the magic holds).
 */
TICKPAGE_INLINE int tickpage_read_clock(const struct tickpage *tp,
					struct tickpage_clock *c)
{
	int tries = TICKPAGE_MAX_RETRIES;
	int err;

	if (TICKPAGE_LOAD(tp->magic) != TICKPAGE_MAGIC)
		return TICKPAGE_ERR_MAGIC;
	if (TICKPAGE_LOAD(tp->abi_major) != TICKPAGE_ABI_MAJOR)
		return TICKPAGE_ERR_MAJOR;
	while ((err = tickpage_read_clock_once(tp, c)) == TICKPAGE_ERR_BUSY) {
		if (!--tries)
			return TICKPAGE_ERR_BUSY;
		tickpage_cpu_relax();
	}
	return err;
}

/*
 * The monotonic time alone, without the seqcount, for a reader that
 * serves only monotonic time (the vDSO's CLOCK_MONOTONIC_COARSE), and
 * for one that tickpage_read_clock() left with TICKPAGE_ERR_BUSY: a
 * writer stuck inside a write (descheduled, or killed) past the retry
 * bound. The ABI allows it (tickpage-abi.h): the field is written in one
 * store and never goes back within a generation, so it holds the time
 * from before a write in progress or from after it, and either is at or
 * above everything published before and at or below everything
 * published after. The writer stores a new generation, and clears
 * TICKPAGE_F_VALID, before a new monotonic time (hv/tickpage-writer.c);
 * read after it here, they never pair the old generation with the time
 * of a new one. The identity is the caller's to check.
 */
TICKPAGE_INLINE int tickpage_peek_monotonic(const struct tickpage *tp,
					    uint64_t *generation,
					    uint64_t *monotonic_ns)
{
	uint64_t flags;

	*monotonic_ns = TICKPAGE_LOAD(tp->monotonic_ns);
	tickpage_rmb();	/* pairs with the writer's wmb after the generation */
	flags = TICKPAGE_LOAD(tp->flags);
	tickpage_rmb();	/* a page made valid again shows its new generation */
	*generation = TICKPAGE_LOAD(tp->generation);
	/* No early return: a caller may OR this with its own checks. */
	return flags & TICKPAGE_F_VALID ? TICKPAGE_OK : TICKPAGE_ERR_INVALID;
}

/* A short name for each status, for logs and tools. */
TICKPAGE_INLINE const char *tickpage_strerror(int status)
{
	switch (status) {
	case TICKPAGE_OK:
		return "ok";
	case TICKPAGE_ERR_MAGIC:
		return "bad magic";
	case TICKPAGE_ERR_MAJOR:
		return "unknown ABI major";
	case TICKPAGE_ERR_SIZE:
		return "bad header size";
	case TICKPAGE_ERR_INVALID:
		return "page not valid";
	case TICKPAGE_ERR_BUSY:
		return "writer busy past retry bound";
	case TICKPAGE_ERR_RANGE:
		return "values out of range";
	}
	return "unknown status";
}

#endif /* TICKPAGE_READ_H */
