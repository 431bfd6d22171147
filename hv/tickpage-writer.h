/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage writer: the one place that writes a time page. The QEMU device
 * and tickpaged own the memory, sample their clocks and call these.
 *
 * Everything published is kept in struct tickpage_writer and every
 * publication rewrites the whole header from it, so nothing another party
 * writes to the page changes what readers see next. One writer per page.
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
 * identity. @generation seeds the counter: re-initialising a page readers
 * already use needs one they have not seen. Only @seq is taken from the
 * page, so that a reader mid-way through the previous writer's page
 * retries.
 */
void tickpage_writer_init(struct tickpage_writer *w, struct tickpage *page,
			  uint64_t period_ns, uint64_t flags,
			  uint64_t generation);

/*
 * Publish one snapshot and mark the page valid. Monotonic time never goes
 * back (an older sample is clamped), and within a generation realtime
 * moves by exactly as much as monotonic time (docs/abi.md): the sample's
 * own realtime counts only at tickpage_publish_discontinuity().
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
