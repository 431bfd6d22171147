// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libtickpage's public API (tickpage.h): the page when it can serve a
 * coarse clock, the C library otherwise.
 */
#include <time.h>

#include "tickpage.h"
#include "tickpage-fast.h"
#include "tickpage-lib.h"

/*
 * Everything but the common case, out of line so that the callers below
 * need no stack frame: the first read, a read that raced with a writer,
 * and the fallback to the C library.
 */
static __attribute__((noinline)) int
tickpage_api_slow(clockid_t clk, struct timespec *ts, int err, int fallback)
{
	if (err == TICKPAGE_FAST_RETRY)
		err = tickpage_lib_gettime_slow(clk, ts);
	if (!err || !fallback)
		return err;
	return tickpage_lib_fallback(clk, ts, clock_gettime);
}

int tickpage_coarse_gettime(clockid_t clk, struct timespec *ts)
{
	int err = tickpage_fast_gettime(clk, ts);

	if (__builtin_expect(err == TICKPAGE_FAST_RETRY, 0))
		return tickpage_api_slow(clk, ts, err, 0);
	return err;
}

int tickpage_clock_gettime(clockid_t clk, struct timespec *ts)
{
	int err = tickpage_fast_gettime(clk, ts);

	if (__builtin_expect(!err, 1))
		return 0;
	return tickpage_api_slow(clk, ts, err, 1);
}

int tickpage_clock_getres(clockid_t clk, struct timespec *res)
{
	struct timespec r;

	if (!tickpage_lib_getres(clk, &r)) {
		if (res)
			*res = r;
		return 0;
	}
	return clock_getres(clk, res);
}

time_t tickpage_time(time_t *t)
{
	struct timespec ts;

	if (tickpage_clock_gettime(CLOCK_REALTIME_COARSE, &ts))
		ts.tv_sec = (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

long long tickpage_period_ns(void)
{
	struct timespec r;
	int err = tickpage_lib_getres(CLOCK_REALTIME_COARSE, &r);

	if (err)
		return err;
	return r.tv_sec * 1000000000ll + r.tv_nsec;
}
