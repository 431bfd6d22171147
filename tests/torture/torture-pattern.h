/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * What the torture writer publishes: every field of publication k is a
 * function of k (and of the epoch it belongs to), so a reader can check
 * any snapshot on its own. A snapshot that mixes two publications,
 * or a publication with the identity/epoch of another, breaks at least
 * one of the relations in torture_check().
 *
 *   monotonic_ns  = 1000 k + H(k) mod 512  (strictly increasing in k;
 *                                           H: a 64-bit mixer)
 *   realtime      = R(base) + monotonic_ns - monotonic_ns(base + 1)
 *                  (moves with monotonic within the epoch, docs/abi.md;
 *                   R(base) = base + 1 s + H(base + 1) mod 1e9 ns is the
 *                   epoch's first sample, the only one the writer takes)
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

static inline uint64_t torture_mono(uint64_t k)
{
	return 1000 * k + (torture_hash(k) & 511);
}

/* Realtime of publication k of the epoch that started at @base, in ns. */
static inline uint64_t torture_real(uint64_t base, uint64_t k)
{
	return (base + 1) * 1000000000u + torture_hash(base + 1) % 1000000000u +
	       torture_mono(k) - torture_mono(base + 1);
}

static inline uint64_t torture_period(uint64_t base)
{
	return TICKPAGE_PERIOD_MIN_NS + (torture_hash(~base) % 1000) * 1000;
}

static inline uint64_t torture_flags(uint64_t base)
{
	return base & 1 ? TICKPAGE_F_VM_CLOCK : 0;
}

/*
 * k when @s is exactly publication k = base + update_count of its epoch,
 * 0 when it is not.
 */
static inline uint64_t torture_check(const struct tickpage_snapshot *s)
{
	uint64_t base = s->generation >> 8, bumps = s->generation & 0xff;
	uint64_t k = base + s->update_count, n;

	if (!s->update_count)
		return 0;
	n = (k - base) / TORTURE_BUMP_EVERY;
	/* The bump after publication k may not have happened yet. */
	if (bumps != n && !((k - base) % TORTURE_BUMP_EVERY == 0 &&
			    bumps == n - 1))
		return 0;
	if (s->monotonic_ns != torture_mono(k) ||
	    (uint64_t)s->realtime_sec * 1000000000u + s->realtime_nsec !=
	    torture_real(base, k) ||
	    s->period_ns != torture_period(base) ||
	    s->flags != (TICKPAGE_F_VALID | torture_flags(base)))
		return 0;
	return k;
}

/*
 * The generation on the page when publication k (k >= 1) was made: the
 * epoch's base and the bumps after each BUMP_EVERY publications before
 * it. A re-init after publication base makes k = base + 1 its first.
 */
static inline uint64_t torture_generation(uint64_t k)
{
	uint64_t base = (k - 1) / TORTURE_EPOCH * TORTURE_EPOCH;

	return base << 8 | (k - 1 - base) / TORTURE_BUMP_EVERY;
}

/*
 * A monotonic time and generation from tickpage_peek_monotonic(): the
 * time must be one the writer published (k, or an initialised page's
 * 0), and the generation no older than the one it was published under
 * (docs/abi.md, "Monotonic time alone"). A newer one is allowed.
 */
static inline int torture_peek_ok(uint64_t monotonic_ns, uint64_t generation)
{
	uint64_t k = monotonic_ns / 1000;

	if (monotonic_ns != torture_mono(k))
		return 0;
	return k == 0 || generation >= torture_generation(k);
}

#endif /* TICKPAGE_TORTURE_PATTERN_H */
