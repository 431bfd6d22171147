/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * tickpage reader: one consistent snapshot of the time page, for the vDSO,
 * the driver and user space alike (header-only, no libc). Every field is
 * loaded once through TICKPAGE_LOAD() and copied out: the page belongs to
 * someone else. Every failure is a negative status, and all of them mean
 * "fall back to the kernel's clock".
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

/* Past this many tries the writer is dead or stuck: fall back, never spin. */
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

/* The identity never changes after the first publication: no seqcount. */
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
	/* An odd (in-progress) seq then fails tickpage_read_retry(). */
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
	/* Refused, not clamped: callers size their waits from the period. */
	if (s->realtime_nsec >= 1000000000u ||
	    s->period_ns < TICKPAGE_PERIOD_MIN_NS ||
	    s->period_ns > TICKPAGE_PERIOD_MAX_NS)
		return TICKPAGE_ERR_RANGE;
	return TICKPAGE_OK;
}

/*
 * The monotonic time without the seqcount, for the vDSO's monotonic clock
 * and for a writer stuck inside a write. Allowed by the ABI: the field is
 * one store and never goes back within a generation, and the writer
 * stores a new generation (and clears VALID) before a new time, so read
 * in this order the two never pair across generations. The identity is
 * the caller's to check.
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
