// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tickpage-wakeup: the floor under any timer-driven publisher's cost.
 *
 * Sleeps to absolute deadlines every PERIOD_NS for SECONDS, doing nothing
 * else, and prints the number of wakeups and the CPU time per wakeup in
 * us (CLOCK_PROCESS_CPUTIME_ID). scripts/bench.d/20-device prints it beside
 * the device's cost per publication, so the device's own share is clear.
 *
 * Usage: tickpage-wakeup PERIOD_NS SECONDS
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t tickpage_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t period, end, cpu0, n = 0;
	struct timespec next;
	char *e1, *e2;
	double secs;

	if (argc != 3)
		goto usage;
	period = strtoull(argv[1], &e1, 0);
	secs = strtod(argv[2], &e2);
	if (*e1 || *e2 || period < 1000 || secs <= 0)
		goto usage;

	cpu0 = tickpage_ns(CLOCK_PROCESS_CPUTIME_ID);
	clock_gettime(CLOCK_MONOTONIC, &next);
	end = tickpage_ns(CLOCK_MONOTONIC) + (uint64_t)(secs * 1e9);
	while (tickpage_ns(CLOCK_MONOTONIC) < end) {
		next.tv_nsec += (long)period;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
		n++;
	}
	printf("%llu %.3f\n", (unsigned long long)n,
	       (double)(tickpage_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e3 /
		       (double)n);
	return 0;
usage:
	fprintf(stderr, "usage: tickpage-wakeup PERIOD_NS SECONDS\n");
	return 2;
}
