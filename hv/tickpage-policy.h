/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage publishing policy, shared by tickpaged and the QEMU device:
 * publish on a grid of absolute deadlines (a missed one is skipped, not
 * made up), and start a new generation when realtime - monotonic has
 * moved beyond a limit since the generation began (a wall-clock step, a
 * VM clock that stood still). NTP slewing moves both and does not count.
 */
#ifndef TICKPAGE_POLICY_H
#define TICKPAGE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "tickpage-writer.h"

/*
 * The first deadline after @now on the grid of @deadline + k * @period_ns
 * (k >= 1). With @deadline 0 it is the first multiple of @period_ns
 * after @now.
 */
uint64_t tickpage_next_deadline(uint64_t deadline, uint64_t now,
				uint64_t period_ns);

/* The offset between two clocks at the start of a generation. */
struct tickpage_offset {
	int64_t start_ns;
	bool set;
};

/* Start a generation at @offset_ns. */
void tickpage_offset_start(struct tickpage_offset *o, int64_t offset_ns);

/*
 * True if @offset_ns is more than @limit_ns away from the generation's
 * (never before tickpage_offset_start()). *@moved_ns, if not NULL, gets
 * @offset_ns minus the generation's.
 */
bool tickpage_offset_moved(const struct tickpage_offset *o, int64_t offset_ns,
			   uint64_t limit_ns, int64_t *moved_ns);

/* A sample's realtime minus its monotonic time, in ns. */
int64_t tickpage_sample_offset(const struct tickpage_sample *s);

/*
 * Sampling the wall clock for the offset: one read between two reads of
 * the monotonic clock, paired with their midpoint. A bracket wider than
 * TICKPAGE_BRACKET_NS means the publisher was preempted in between, and
 * the pair would look like a step of that size: read again, up to
 * TICKPAGE_BRACKET_TRIES times in all, and keep the tightest bracket.
 * @other_ns is a third clock read inside the bracket (the QEMU device's
 * VM clock), kept with the pair.
 */
#define TICKPAGE_BRACKET_NS	20000
#define TICKPAGE_BRACKET_TRIES	4

struct tickpage_bracket {
	int64_t width_ns;		/* of the tightest bracket so far */
	int64_t mono_ns;		/* its midpoint */
	int64_t wall_ns;
	int64_t other_ns;
	int tries;
};

void tickpage_bracket_init(struct tickpage_bracket *b);

/* Take one try; true when @b holds the pair to use. */
bool tickpage_bracket_take(struct tickpage_bracket *b, int64_t before_ns,
			   int64_t wall_ns, int64_t after_ns,
			   int64_t other_ns);

#endif /* TICKPAGE_POLICY_H */
