/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/* tickpage publishing policy: deadline grid, clock sampling, steps. */
#include "tickpage-policy.h"

uint64_t tickpage_next_deadline(uint64_t deadline, uint64_t now,
				uint64_t period_ns)
{
	uint64_t next = deadline + period_ns;

	if (next <= now)
		next += ((now - next) / period_ns + 1) * period_ns;
	return next;
}

void tickpage_offset_start(struct tickpage_offset *o, int64_t offset_ns)
{
	o->start_ns = offset_ns;
	o->set = true;
}

bool tickpage_offset_moved(const struct tickpage_offset *o, int64_t offset_ns,
			   uint64_t limit_ns, int64_t *moved_ns)
{
	/* Unsigned: no pair of offsets makes the difference undefined. */
	uint64_t d = (uint64_t)offset_ns - (uint64_t)o->start_ns;

	if (moved_ns)
		*moved_ns = (int64_t)d;
	if (!o->set)
		return false;
	if (offset_ns < o->start_ns)
		d = -d;
	return d > limit_ns;
}

int64_t tickpage_sample_offset(const struct tickpage_sample *s)
{
	return (int64_t)((uint64_t)s->realtime_sec * 1000000000ull +
			 s->realtime_nsec - s->monotonic_ns);
}

void tickpage_bracket_init(struct tickpage_bracket *b)
{
	*b = (struct tickpage_bracket){.width_ns = INT64_MAX};
}

bool tickpage_bracket_take(struct tickpage_bracket *b, int64_t before_ns,
			   int64_t wall_ns, int64_t after_ns, int64_t other_ns)
{
	int64_t width = after_ns - before_ns;

	if (width < b->width_ns) {
		b->width_ns = width;
		b->mono_ns = before_ns + width / 2;
		b->wall_ns = wall_ns;
		b->other_ns = other_ns;
	}
	return width <= TICKPAGE_BRACKET_NS ||
	       ++b->tries >= TICKPAGE_BRACKET_TRIES;
}
