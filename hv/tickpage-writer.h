/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage writer: the one place that writes a time page.
 *
 * It knows nothing of buses or processes: the QEMU device and tickpaged
 * are thin adapters that own the page memory, sample their clocks and
 * call these functions. scripts/gen-qemu-patches copies this file and
 * tickpage-writer.c into the QEMU series, without the calls only tests
 * use.
 *
 * A writer keeps everything it publishes in struct tickpage_writer, in
 * its own memory, and every publication writes the whole header from
 * there. A page may be written by others (a guest given a writable
 * mapping, a local user, a bug): nothing found on it changes what the
 * writer publishes next, and the next publication repairs it.
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

/* What the writer has published: the page's contents, kept privately. */
struct tickpage_writer {
	struct tickpage *page;		/* written, never read */
	uint32_t seq;
	uint64_t flags;
	uint64_t generation;
	uint64_t update_count;
	uint64_t period_ns;
	int64_t realtime_sec;
	uint32_t realtime_nsec;
	uint64_t monotonic_ns;
};

/*
 * Take @page and publish an invalid, zeroed clock block under the
 * identity: readers recognise the page and fall back until the first
 * publication. The rest of the page is zeroed. @generation seeds the
 * counter; a caller re-initialising a page readers already use must pass
 * one they have not seen (tickpaged passes the old one plus one), since
 * monotonic time starts again from the next sample.
 *
 * @seq is the one value taken from the page, once: a reader that is
 * half-way through a read of the previous writer's page must see it
 * change. It has no effect on what is published.
 */
void tickpage_writer_init(struct tickpage_writer *w, struct tickpage *page,
			  uint64_t period_ns, uint64_t flags,
			  uint64_t generation);

/*
 * Publish one snapshot and mark the page valid. Monotonic time never
 * goes back: a sample older than the last one published is clamped to
 * it, so a restored VM clock or a late sample cannot make a guest's
 * coarse monotonic clock run backwards.
 *
 * Within a generation the page's realtime minus its monotonic time never
 * changes (docs/abi.md): after the first publication of a generation,
 * realtime advances by exactly as much as monotonic time does, and the
 * sample's own realtime is not used. Two clocks are never read at one
 * instant, and a reader that moves one clock and the other by the same
 * amount would see the wobble between them as realtime going back. When
 * the host's clocks really move apart (a wall-clock step, a VM resumed
 * after a pause), the publisher says so with
 * tickpage_publish_discontinuity().
 */
void tickpage_publish(struct tickpage_writer *w,
		      const struct tickpage_sample *s);

/*
 * Publish a snapshot across a discontinuity (a wall-clock step, a
 * restored VM): the new generation and the new time appear in the same
 * seqcount write, so no reader can pair the new generation with the old
 * time, or the stepped time with the old generation.
 */
void tickpage_publish_discontinuity(struct tickpage_writer *w,
				    const struct tickpage_sample *s);

/* Tell readers to fall back: the publisher is going away. */
void tickpage_invalidate(struct tickpage_writer *w);

#ifndef TICKPAGE_WRITER_NO_TEST_CALLS
/*
 * For tests and tools that exercise readers: a new generation without
 * new time, and a new period. No publisher needs either, and
 * scripts/gen-qemu-patches leaves them out of the QEMU series.
 */
void tickpage_bump_generation(struct tickpage_writer *w);
void tickpage_set_period(struct tickpage_writer *w, uint64_t period_ns);
#endif /* TICKPAGE_WRITER_NO_TEST_CALLS */

#endif /* TICKPAGE_WRITER_H */
