// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * preload-probe: a plain, dynamically linked program that knows nothing
 * of tickpage. Run under LD_PRELOAD=libtickpage-preload.so it shows what
 * an unmodified program gets: one "key=value" line per clock.
 */
#include <stdio.h>
#include <time.h>

static void show(const char *name, clockid_t clk)
{
	struct timespec ts, res;
	int r = clock_gettime(clk, &ts);
	int g = clock_getres(clk, &res);

	printf("%s=%d %lld.%09ld res=%d %lld.%09ld\n", name, r,
	       (long long)ts.tv_sec, ts.tv_nsec, g, (long long)res.tv_sec,
	       res.tv_nsec);
}

int main(void)
{
	show("realtime_coarse", CLOCK_REALTIME_COARSE);
	show("monotonic_coarse", CLOCK_MONOTONIC_COARSE);
	show("realtime", CLOCK_REALTIME);
	show("monotonic", CLOCK_MONOTONIC);
	printf("time=%lld\n", (long long)time(NULL));
	return 0;
}
