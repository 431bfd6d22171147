// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libFuzzer target: the input is a program of writer calls (init,
 * publish, bump_generation, invalidate, set_period, with operands from
 * the input) interleaved with reads and with scribbles: input bytes
 * written over the page, as a guest with a writable mapping could. The
 * writer publishes from its own state, so a scribble changes nothing
 * the next call writes. A model of what the writer's API
 * documents (hv/tickpage-writer.h) predicts every read's status and
 * snapshot; on top of the model, the ABI's reader guarantees are
 * checked on their own: monotonic_ns never decreases and update_count
 * never goes back between successful reads with no re-init between
 * them (a re-init may legitimately restart both).
 *
 * The page starts zeroed, as a fresh QEMU BAR or shm file does; calls
 * before the first init are skipped (the API requires init first).
 */
#include <string.h>

#include "tickpage-writer.h"
#include "fuzz-check.h"
#include "fuzz-input.h"

static _Alignas(4096) unsigned char page[TICKPAGE_PAGE_SIZE];

/*
 * Operands: a width byte picks small or full-range values, so both the
 * interesting edges (0, 1e9, clamping) and arbitrary values are reached.
 */
static uint64_t operand(struct input *in)
{
	switch (take(in, 1) & 3) {
	case 0:
		return take(in, 1);
	case 1:
		return take(in, 4);
	case 2:
		return 1000000000ull - 2 + take(in, 1) % 4;
	default:
		return take(in, 8);
	}
}

/* What the API documents the page must say. */
struct model {
	int inited;
	struct tickpage_snapshot page;
};

/* Reader-side guarantees, tracked across reads. */
struct seen {
	int have;
	uint64_t monotonic_ns, update_count;
};

static void check_read(const struct model *m, struct seen *seen)
{
	const struct tickpage *tp = (const void *)page;
	struct tickpage_snapshot s;
	int want, r;

	r = tickpage_read(tp, &s);
	if (!m->inited) {
		CHECK(r == TICKPAGE_ERR_MAGIC);
		return;
	}
	CHECK(tickpage_validate(tp) == TICKPAGE_OK);
	if (!(m->page.flags & TICKPAGE_F_VALID))
		want = TICKPAGE_ERR_INVALID;
	else if (m->page.realtime_nsec >= 1000000000u ||
		 m->page.period_ns < TICKPAGE_PERIOD_MIN_NS ||
		 m->page.period_ns > TICKPAGE_PERIOD_MAX_NS)
		want = TICKPAGE_ERR_RANGE;
	else
		want = TICKPAGE_OK;
	CHECK(r == want);
	CHECK(!(tp->seq & 1));
	if (r != TICKPAGE_OK)
		return;

	CHECK(snapshot_equal(&s, &m->page));
	CHECK(snapshot_sane(&s));
	if (seen->have) {
		CHECK(s.monotonic_ns >= seen->monotonic_ns);
		CHECK(s.update_count >= seen->update_count);
	}
	seen->have = 1;
	seen->monotonic_ns = s.monotonic_ns;
	seen->update_count = s.update_count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tickpage *tp = (void *)page;
	struct tickpage_writer w;
	struct input in = { data, size };
	struct model m = { 0 };
	struct seen seen = { 0 };
	int ops = 0;

	memset(page, 0, sizeof(page));
	int scribbled = 0;

	while (in.n && ops++ < 4096) {
		unsigned int op = take(&in, 1) % 7;
		struct tickpage_sample s;
		uint64_t a, b, c;

		if (op != 0 && op != 5 && !m.inited)
			continue;
		if (op == 5 && scribbled)
			continue;	/* the page is junk until the next write */
		if (op != 6)
			scribbled = 0;
		switch (op) {
		case 0:
			a = operand(&in);
			b = operand(&in);
			c = operand(&in);
			tickpage_writer_init(&w, tp, a, b, c);
			m.inited = 1;
			memset(&m.page, 0, sizeof(m.page));
			m.page.period_ns = a;
			m.page.flags = b & ~TICKPAGE_F_VALID;
			m.page.generation = c;
			seen.have = 0;	/* a restart may restart the clocks */
			break;
		case 1:
			s.realtime_sec = (int64_t)operand(&in);
			s.realtime_nsec = (uint32_t)operand(&in);
			s.monotonic_ns = operand(&in);
			tickpage_publish(&w, &s);
			a = s.monotonic_ns > m.page.monotonic_ns ?
				s.monotonic_ns : m.page.monotonic_ns;
			if (m.page.update_count && (m.page.flags & TICKPAGE_F_VALID)) {
				/* realtime moves with monotonic (docs/abi.md) */
				b = a - m.page.monotonic_ns;
				c = m.page.realtime_nsec + b % 1000000000u;
				m.page.realtime_sec =
					(int64_t)((uint64_t)m.page.realtime_sec +
						  b / 1000000000u +
						  c / 1000000000u);
				m.page.realtime_nsec = (uint32_t)(c % 1000000000u);
			} else {
				m.page.realtime_sec = s.realtime_sec;
				m.page.realtime_nsec = s.realtime_nsec;
			}
			m.page.monotonic_ns = a;
			m.page.update_count++;
			m.page.flags |= TICKPAGE_F_VALID;
			break;
		case 2:
			tickpage_bump_generation(&w);
			m.page.generation++;
			break;
		case 3:
			tickpage_invalidate(&w);
			m.page.flags &= ~TICKPAGE_F_VALID;
			break;
		case 4:
			a = operand(&in);
			tickpage_set_period(&w, a);
			m.page.period_ns = a;
			break;
		case 5:
			check_read(&m, &seen);
			break;
		case 6:
			a = take(&in, 2) % TICKPAGE_PAGE_SIZE;
			b = take(&in, 1);
			while (b-- && in.n && a < TICKPAGE_PAGE_SIZE)
				page[a++] = (uint8_t)take(&in, 1);
			scribbled = 1;
			break;
		}
	}
	if (!scribbled)
		check_read(&m, &seen);
	return 0;
}
