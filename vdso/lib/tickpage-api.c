// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libtickpage's public API (tickpage.h): the page when it can serve a
 * coarse clock, the C library otherwise.
 */
#include <time.h>

#include "tickpage.h"
#include "tickpage-lib.h"

int tickpage_coarse_gettime(clockid_t clk, struct timespec *ts)
{
	int err = tickpage_lib_gettime(clk, ts);

	if (!err && clk == CLOCK_MONOTONIC_COARSE)
		tickpage_lib_mono_guard(ts);
	return err;
}

int tickpage_clock_gettime(clockid_t clk, struct timespec *ts)
{
	int ret;

	if (!tickpage_lib_gettime(clk, ts))
		ret = 0;
	else
		ret = clock_gettime(clk, ts);
	if (!ret && clk == CLOCK_MONOTONIC_COARSE)
		tickpage_lib_mono_guard(ts);
	return ret;
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
