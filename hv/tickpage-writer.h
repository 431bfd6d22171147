/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage writer: the one place that writes a time page.
 *
 * It knows nothing of buses or processes: the QEMU device and tickpaged
 * are thin adapters that own the page memory, sample their clocks and
 * call these functions. scripts/gen-qemu-patch copies this file and
 * tickpage-writer.c into the QEMU series unchanged.
 *
 * One writer per page: the functions do not lock against each other.
 */
#ifndef TICKPAGE_WRITER_H
#define TICKPAGE_WRITER_H

#include "tickpage-abi.h"

/* One sample of the publisher's clocks, taken as close together as it can. */
struct tickpage_sample {
	int64_t realtime_sec;
	uint32_t realtime_nsec;
	uint64_t monotonic_ns;
};

/*
 * Write the identity block and an invalid, zeroed clock block: the page
 * is recognisable but readers fall back until the first publication.
 * @generation seeds the counter. Re-initialising a page readers already
 * use restarts its monotonic clamp, so the caller must then pass a
 * generation different from the page's (tickpaged passes the old one
 * plus one): readers realign instead of seeing time go back.
 */
void tickpage_writer_init(struct tickpage *tp, uint64_t period_ns,
			  uint64_t flags, uint64_t generation);

/*
 * Publish one snapshot and mark the page valid. Monotonic time never
 * goes back on the page: a sample older than the last one published is
 * clamped to it, so a restored VM clock or a late sample cannot make a
 * guest's coarse monotonic clock run backwards.
 *
 * Within a generation the page's realtime minus its monotonic time
 * never changes (docs/abi.md): once the page holds a valid snapshot,
 * realtime advances from it by exactly as much as monotonic time does,
 * and the sample's own realtime is not used. Two clocks are never read
 * at one instant, so samples wobble against each other by the time
 * between the reads; a reader that moves one clock and the other by the
 * same amount (the guest vDSO, holding a stale page at its own coarse
 * time) would see that wobble as realtime going back. When the host's
 * clocks really move apart (a wall-clock step, a VM resumed after a
 * pause), the publisher says so with tickpage_publish_discontinuity().
 */
void tickpage_publish(struct tickpage *tp, const struct tickpage_sample *s);

/*
 * Publish a snapshot across a discontinuity (a wall-clock step, a
 * restored VM): the new generation and the new time appear in the same
 * seqcount write, so no reader can pair the new generation with the old
 * time, or the stepped time with the old generation.
 */
void tickpage_publish_discontinuity(struct tickpage *tp,
				    const struct tickpage_sample *s);

/*
 * Note a discontinuity without new time (the clocks are not at hand):
 * readers realign on the next snapshot they take.
 */
void tickpage_bump_generation(struct tickpage *tp);

/* Change the period readers are told about (clock_getres). */
void tickpage_set_period(struct tickpage *tp, uint64_t period_ns);

/* Tell readers to fall back: the publisher is going away. */
void tickpage_invalidate(struct tickpage *tp);

#endif /* TICKPAGE_WRITER_H */
