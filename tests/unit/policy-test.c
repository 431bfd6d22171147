// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Unit tests of the publishing policy (hv/tickpage-policy.c) and the
 * duration parser (hv/tickpage-duration.c), the parts tickpaged and the
 * QEMU device share: the deadline grid, step detection, bracketed clock
 * samples, "500us".
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tickpage-duration.h"
#include "tickpage-policy.h"
#include "report.h"

static void test_grid(void)
{
	const uint64_t p = 1000000;
	uint64_t d;

	d = tickpage_next_deadline(5 * p, 5 * p + 10, p);
	report(d == 6 * p,
	       "grid: on time, the next deadline is one period on (%llu)",
	       (unsigned long long)d);
	d = tickpage_next_deadline(5 * p, 6 * p, p);
	report(d == 7 * p,
	       "grid: woken exactly on the next deadline, it is past: %llu",
	       (unsigned long long)d);
	d = tickpage_next_deadline(5 * p, 9 * p + 1, p);
	report(d == 10 * p,
	       "grid: 3 deadlines missed are skipped, not made up (%llu)",
	       (unsigned long long)d);
	d = tickpage_next_deadline(5 * p + 7, 9 * p, p);
	report(d == 9 * p + 7, "grid: the grid keeps its origin (%llu)",
	       (unsigned long long)d);
	d = tickpage_next_deadline(0, 123456789, p);
	report(d == 124000000,
	       "grid: from 0, the first multiple of the period after now "
	       "(%llu)",
	       (unsigned long long)d);
	d = tickpage_next_deadline(0, 0, p);
	report(d == p, "grid: from 0 at 0, one period (%llu)",
	       (unsigned long long)d);
	d = tickpage_next_deadline(20 * p, 3 * p, p);
	report(d == 21 * p,
	       "grid: a deadline ahead of now stays on its grid (%llu)",
	       (unsigned long long)d);
}

static void test_offset(void)
{
	struct tickpage_offset o = {0};
	const uint64_t lim = 1000000;
	int64_t by = 0;
	struct tickpage_sample s = {1800000000, 5, 2000000007};

	report(!tickpage_offset_moved(&o, INT64_MAX, lim, NULL),
	       "step: nothing moves before a generation starts");
	tickpage_offset_start(&o, 1000);
	report(!tickpage_offset_moved(&o, 1000 + (int64_t)lim, lim, &by) &&
		       by == (int64_t)lim,
	       "step: a move of exactly the limit is no step (moved %lld)",
	       (long long)by);
	report(tickpage_offset_moved(&o, 1000 + (int64_t)lim + 1, lim, &by) &&
		       by == (int64_t)lim + 1,
	       "step: one ns past the limit is a step");
	report(tickpage_offset_moved(&o, 1000 - (int64_t)lim - 1, lim, &by) &&
		       by == -(int64_t)lim - 1,
	       "step: backwards too (moved %lld)", (long long)by);
	report(!tickpage_offset_moved(&o, 1000 - (int64_t)lim, lim, NULL),
	       "step: back by exactly the limit is no step");
	report(!tickpage_offset_moved(&o, 1000 + 600000, lim, NULL) &&
		       tickpage_offset_moved(&o, 1000 + 1200000, lim, NULL),
	       "step: compared with the generation's start, so small moves add "
	       "up");
	tickpage_offset_start(&o, 1000 + 1200000);
	report(!tickpage_offset_moved(&o, 1000 + 1200000, lim, NULL),
	       "step: a new generation starts from the new offset");
	tickpage_offset_start(&o, INT64_MIN);
	report(tickpage_offset_moved(&o, INT64_MAX, lim, NULL) &&
		       tickpage_offset_moved(&o, 0, lim, NULL),
	       "step: extreme offsets compare without overflow");
	report(tickpage_sample_offset(&s) ==
		       1800000000ll * 1000000000ll + 5 - 2000000007ll,
	       "sample offset: realtime - monotonic (%lld)",
	       (long long)tickpage_sample_offset(&s));
}

static void test_bracket(void)
{
	struct tickpage_bracket b;
	const int64_t w = TICKPAGE_BRACKET_NS;
	bool done;
	int n;

	tickpage_bracket_init(&b);
	done = tickpage_bracket_take(&b, 1000, 5000, 1000 + w, 7);
	report(done && b.wall_ns == 5000 && b.mono_ns == 1000 + w / 2 &&
		       b.other_ns == 7 && b.width_ns == w,
	       "bracket: a bracket of exactly the limit is taken at once, "
	       "paired with its midpoint");

	tickpage_bracket_init(&b);
	done = tickpage_bracket_take(&b, 0, 100, 3 * w, 1);
	report(!done, "bracket: a wide bracket asks for another read");
	done = tickpage_bracket_take(&b, 10 * w, 10 * w + 5, 10 * w + 2, 2);
	report(done && b.wall_ns == 10 * w + 5 && b.mono_ns == 10 * w + 1 &&
		       b.other_ns == 2,
	       "bracket: the tight one that follows is the pair");

	tickpage_bracket_init(&b);
	n = 0;
	do
		n++;
	while (!tickpage_bracket_take(&b, 100 * n, n,
				      100 * n + w + 1 + (n == 2 ? 0 : 50), n));
	report(n == TICKPAGE_BRACKET_TRIES && b.other_ns == 2 && b.wall_ns == 2,
	       "bracket: after %d wide tries (of %d), the tightest is kept "
	       "(try %lld)",
	       n, TICKPAGE_BRACKET_TRIES, (long long)b.other_ns);
}

static void test_duration(void)
{
	static const struct {
		const char *in;
		int err;
		uint64_t ns;
	} cases[] = {
		{"1ms", 0, 1000000},
		{"500us", 0, 500000},
		{"1s", 0, 1000000000},
		{"250ns", 0, 250},
		{"0ns", 0, 0},
		{"007ms", 0, 7000000},
		{"18446744073709551609ns", 0, UINT64_MAX - 6},
		{"18446744073709551616ns", -ERANGE, 0},
		{"18446744074s", -ERANGE, 0},
		{"1000", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"ms", -EINVAL, 0},
		{"1 ms", -EINVAL, 0},
		{"-1ms", -EINVAL, 0},
		{"+1ms", -EINVAL, 0},
		{"1ms ", -EINVAL, 0},
		{"1MS", -EINVAL, 0},
		{"1m", -EINVAL, 0},
		{"1.5ms", -EINVAL, 0},
		{"0x10ms", -EINVAL, 0},
	};
	static const struct {
		uint64_t ns;
		const char *out;
	} fmt[] = {
		{100000, "100us"}, {1000000000, "1s"},	    {1500000, "1500us"},
		{7, "7ns"},	   {10000000000ull, "10s"}, {2000000, "2ms"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 42;
		int err = tickpage_parse_duration(cases[i].in, &ns);

		report(err == cases[i].err && ns == (err ? 42 : cases[i].ns),
		       "duration: '%s' -> %d, %llu ns", cases[i].in, err,
		       (unsigned long long)ns);
	}
	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		uint64_t back = 0;

		tickpage_format_duration(buf, sizeof(buf), fmt[i].ns);
		report(!strcmp(buf, fmt[i].out) &&
			       !tickpage_parse_duration(buf, &back) &&
			       back == fmt[i].ns,
		       "format: %llu ns -> '%s', and back",
		       (unsigned long long)fmt[i].ns, buf);
	}
}

int main(void)
{
	test_grid();
	test_offset();
	test_bracket();
	test_duration();
	return report_summary();
}
