/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * libtickpage's fast path: the two coarse clocks in one inline function,
 * compiled into the translation unit that answers the caller (the API or
 * the preload library), so that a read is one call from the program and
 * no call inside.
 *
 * What it keeps of the general reader (tickpage_lib_read() with
 * tickpage_read() and tickpage_guest_read()):
 *   - both snapshots consistent with each other: the guest page and the
 *     time page are read inside one window over which neither seqcount
 *     was odd or moved, so the offset always belongs to the snapshot it
 *     is added to;
 *   - bounded retries, then TICKPAGE_ERR_BUSY;
 *   - TICKPAGE_F_VALID, the guest page's status, generation and
 *     mono_limit_ns, as tickpage_guest_mono() does;
 *   - the per-process never-back guard, on which realtime builds too.
 * What it drops, and why that is safe:
 *   - the time page's identity (magic, ABI major, size) is checked once,
 *     when the page is mapped (tickpage_lib_fast_map()), not per read.
 *     It is written before the first publication and never changes, and
 *     the driver checked it before it set the guest page's status to
 *     OK. The one way it can change under a mapping is hot-unplug: the
 *     driver then zaps the mapping and both pages read as zeros. The
 *     guest page's status is then TICKPAGE_GUEST_ABSENT (0), which no
 *     clock accepts, so checking the guest status on every read (which
 *     the semantics need anyway) also covers the vanished identity. A
 *     replugged device is checked by the driver before status is OK
 *     again. For the same reason the guest page's magic is not reloaded:
 *     zeros fail on status.
 *   - the fields no clock uses (update_count, period_ns, the page's
 *     realtime) are not loaded; period_ns is the resolution, checked
 *     where it is served (tickpage_lib_getres()).
 */
#ifndef TICKPAGE_FAST_H
#define TICKPAGE_FAST_H

#include <stdint.h>
#include <time.h>

#include "tickpage-dev.h"
#include "tickpage-lib.h"

/*
 * NULL until the device is mapped and its time page's identity checked;
 * then the mapping, for good. Written once by tickpage_lib_fast_map().
 */
TICKPAGE_HIDDEN extern const uint8_t *tickpage_fast_map;
/* Largest CLOCK_MONOTONIC_COARSE value this process has returned, ns. */
TICKPAGE_HIDDEN extern uint64_t tickpage_mono_last;

/*
 * First read (or a page whose identity did not check out yet): map and
 * check; then, and for a read that raced with a writer, the bounded
 * retry loop. Out of line so that the fast path needs no stack frame.
 */
TICKPAGE_HIDDEN int tickpage_lib_gettime_slow(clockid_t clk,
					      struct timespec *ts);

/*
 * The never-back guard: in the common case the value did not grow past
 * what another read already returned, which costs a relaxed load and a
 * compare; the CAS is only for a value that moves the maximum.
 */
TICKPAGE_INLINE uint64_t tickpage_fast_guard(uint64_t ns)
{
	uint64_t last = __atomic_load_n(&tickpage_mono_last, __ATOMIC_RELAXED);

	while (__builtin_expect(ns > last, 0)) {
		if (__atomic_compare_exchange_n(&tickpage_mono_last, &last, ns,
						1, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return ns;
	}
	return last;
}

/* tickpage_fast_*(): both pages moved under the read; try again. */
#define TICKPAGE_FAST_RETRY	1

/*
 * One attempt at a coarse clock (@real: realtime), straight-line: a
 * retry (rare: a write in the window) goes out of line to
 * tickpage_lib_gettime_slow(), which bounds them. Without a loop here
 * the compiler keeps every value in a call-clobbered register and the
 * fast path needs no stack frame.
 *
 * Masked seqs: an odd (in-progress) value never matches its reload, so
 * one compare per page covers both "a write was in progress" and "a
 * write happened". Both reloads come after both bodies, so the guest
 * page's snapshot and the time page's were both stable over one common
 * window: the offset belongs to the snapshot it is added to.
 */
TICKPAGE_INLINE int tickpage_fast_coarse(const uint8_t *m, struct timespec *ts,
					 int real)
{
	const struct tickpage *tp = (const void *)(m + TICKPAGE_MMAP_PAGE_OFFSET);
	const struct tickpage_guest *gp =
		(const void *)(m + TICKPAGE_MMAP_GUEST_OFFSET);
	uint32_t gseq, tseq;
	uint64_t mono, limit;
	int invalid, range;

	gseq = TICKPAGE_LOAD(gp->seq) & ~1u;
	tseq = TICKPAGE_LOAD(tp->seq) & ~1u;
	tickpage_rmb();	/* seqs before bodies; pairs with write begin */
	/*
	 * Each field is folded into a verdict as soon as it is loaded (only
	 * registers: it is used only if both seqs hold below), so that few
	 * values are live at once and no stack frame is needed. The rules
	 * are TICKPAGE_F_VALID's and tickpage_guest_mono()'s.
	 */
	invalid = !(TICKPAGE_LOAD(tp->flags) & TICKPAGE_F_VALID);
	invalid |= TICKPAGE_LOAD(gp->status) != TICKPAGE_GUEST_OK;
	invalid |= real && !(TICKPAGE_LOAD(gp->flags) & TICKPAGE_GUEST_F_REAL);
	range = TICKPAGE_LOAD(gp->generation) != TICKPAGE_LOAD(tp->generation);
	mono = TICKPAGE_LOAD(tp->monotonic_ns);
	limit = TICKPAGE_LOAD(gp->mono_limit_ns);
	range |= mono > limit;
	mono += (uint64_t)TICKPAGE_LOAD(gp->offset_ns);
	tickpage_rmb();	/* bodies before seqs; pairs with write end */
	if (__builtin_expect(TICKPAGE_LOAD(tp->seq) != tseq ||
			     TICKPAGE_LOAD(gp->seq) != gseq, 0))
		return TICKPAGE_FAST_RETRY;

	if (invalid)
		return TICKPAGE_ERR_INVALID;
	if (range)
		return TICKPAGE_ERR_RANGE;
	mono = tickpage_fast_guard(mono);
	/*
	 * CLOCK_REALTIME_COARSE is coarse monotonic time plus the kernel's
	 * own realtime offset: one wall clock in the guest.
	 */
	if (real)
		mono += (uint64_t)TICKPAGE_LOAD(gp->real_ns);
	ts->tv_sec = mono / 1000000000u;
	ts->tv_nsec = mono % 1000000000u;
	return TICKPAGE_OK;
}

/* One attempt: TICKPAGE_OK, TICKPAGE_FAST_RETRY or a negative status. */
TICKPAGE_INLINE int tickpage_fast_try(const uint8_t *m, clockid_t clk,
				      struct timespec *ts)
{
	return tickpage_fast_coarse(m, ts, clk == CLOCK_REALTIME_COARSE);
}

/*
 * CLOCK_REALTIME_COARSE or CLOCK_MONOTONIC_COARSE from the page, the
 * latter through the guard, in one attempt: 0; TICKPAGE_FAST_RETRY when
 * the caller must go through tickpage_lib_gettime_slow() (first read,
 * or a writer in the window); else a negative enum tickpage_status (the
 * one the general reader gives) and the caller falls back. Callers keep
 * the slow path out of line too, as a tail call, so that the common case
 * needs no stack frame at all.
 */
TICKPAGE_INLINE int tickpage_fast_gettime(clockid_t clk, struct timespec *ts)
{
	/* Loaded once; acquire pairs with tickpage_lib_gettime_slow(). */
	const uint8_t *m = __atomic_load_n(&tickpage_fast_map, __ATOMIC_ACQUIRE);

	if (clk != CLOCK_REALTIME_COARSE && clk != CLOCK_MONOTONIC_COARSE)
		return TICKPAGE_ERR_RANGE;
	if (__builtin_expect(!m, 0))
		return TICKPAGE_FAST_RETRY;
	return tickpage_fast_try(m, clk, ts);
}

#endif /* TICKPAGE_FAST_H */
