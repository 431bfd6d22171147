// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * A program as a guest user would write it against libtickpage-dev:
 *     cc coarse-clocks.c $(pkg-config --cflags --libs tickpage)
 * It reads both coarse clocks from the page only (tickpage_coarse_gettime:
 * no fallback to the C library) and prints one line per clock,
 *     CLOCK rc=N sec.nsec
 * then the page's period. Exit 0 when the page served every read.
 */
#include <stdio.h>
#include <time.h>

#include <tickpage.h>

int main(void)
{
	static const struct {
		const char *name;
		clockid_t id;
	} clocks[] = {
		{"realtime_coarse", CLOCK_REALTIME_COARSE},
		{"monotonic_coarse", CLOCK_MONOTONIC_COARSE},
	};
	long long period = tickpage_period_ns();
	int bad = period <= 0;

	for (unsigned int i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec ts = {0, 0};
		int rc = tickpage_coarse_gettime(clocks[i].id, &ts);

		printf("%s rc=%d %lld.%09ld\n", clocks[i].name, rc,
		       (long long)ts.tv_sec, ts.tv_nsec);
		bad |= rc != 0;
	}
	printf("period_ns %lld\n", period);
	return bad;
}
