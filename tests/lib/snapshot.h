/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/* Comparing reader snapshots field by field, for the C tests. */
#ifndef TICKPAGE_TEST_SNAPSHOT_H
#define TICKPAGE_TEST_SNAPSHOT_H

#include "tickpage-read.h"

/* Every field of @s is @want's. */
static inline int snapshot_equal(const struct tickpage_snapshot *s,
				 const struct tickpage_snapshot *want)
{
	return s->flags == want->flags && s->generation == want->generation &&
	       s->update_count == want->update_count &&
	       s->period_ns == want->period_ns &&
	       s->realtime_sec == want->realtime_sec &&
	       s->realtime_nsec == want->realtime_nsec &&
	       s->monotonic_ns == want->monotonic_ns;
}

/* @s holds exactly the clock block of @tp (a page in the test's memory). */
static inline int snapshot_is_page(const struct tickpage_snapshot *s,
				   const struct tickpage *tp)
{
	const struct tickpage_snapshot page = {
		.flags = tp->flags,
		.generation = tp->generation,
		.update_count = tp->update_count,
		.period_ns = tp->period_ns,
		.realtime_sec = tp->realtime_sec,
		.realtime_nsec = tp->realtime_nsec,
		.monotonic_ns = tp->monotonic_ns,
	};

	return snapshot_equal(s, &page);
}

#endif /* TICKPAGE_TEST_SNAPSHOT_H */
