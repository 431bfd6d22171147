/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * What the torture writer publishes: every field of publication k is a
 * function of k (and of the epoch it belongs to), so a reader can check
 * any snapshot on its own. A snapshot that mixes two publications,
 * or a publication with the identity/epoch of another, breaks at least
 * one of the relations in torture_check().
 *
 *   realtime_sec  = k
 *   realtime_nsec = H(k) mod 1e9           (H: a 64-bit mixer)
 *   monotonic_ns  = 1000 k + H(k) mod 512  (strictly increasing in k)
 *   generation    = base << 8 | bumps      (base: k at the epoch's init;
 *                                           bumps: one per BUMP_EVERY)
 *   update_count  = k - base               (the writer's own +1 counter)
 *   period_ns     = P(base)
 *   flags         = VALID | VM_CLOCK if base is odd
 */
#ifndef TICKPAGE_TORTURE_PATTERN_H
#define TICKPAGE_TORTURE_PATTERN_H

#include <stdint.h>

#include "tickpage-read.h"

#define TORTURE_BUMP_EVERY	4096	/* publications per generation bump */
#define TORTURE_EPOCH		(64 * TORTURE_BUMP_EVERY) /* per re-init */

static inline uint64_t torture_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static inline uint32_t torture_nsec(uint64_t k)
{
	return (uint32_t)(torture_hash(k) % 1000000000u);
}

static inline uint64_t torture_mono(uint64_t k)
{
	return 1000 * k + (torture_hash(k) & 511);
}

static inline uint64_t torture_period(uint64_t base)
{
	return TICKPAGE_PERIOD_MIN_NS + (torture_hash(~base) % 1000) * 1000;
}

static inline uint64_t torture_flags(uint64_t base)
{
	return base & 1 ? TICKPAGE_F_VM_CLOCK : 0;
}

/* True when @s is exactly publication k = s->realtime_sec of its epoch. */
static inline int torture_check(const struct tickpage_snapshot *s)
{
	uint64_t k = (uint64_t)s->realtime_sec;
	uint64_t base = s->generation >> 8, bumps = s->generation & 0xff;
	uint64_t n;

	if (s->realtime_sec < 1 || k <= base)
		return 0;
	n = (k - base) / TORTURE_BUMP_EVERY;
	/* The bump after publication k may not have happened yet. */
	if (bumps != n && !((k - base) % TORTURE_BUMP_EVERY == 0 &&
			    bumps == n - 1))
		return 0;
	return s->realtime_nsec == torture_nsec(k) &&
	       s->monotonic_ns == torture_mono(k) &&
	       s->update_count == k - base &&
	       s->period_ns == torture_period(base) &&
	       s->flags == (TICKPAGE_F_VALID | torture_flags(base));
}

#endif /* TICKPAGE_TORTURE_PATTERN_H */
