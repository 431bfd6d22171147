// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tickpage-testpub: the least publisher that keeps a page file live,
 * so the benchmark programs can be smoke-tested without tickpaged.
 * Not a benchmark subject: it has none of tickpaged's care (no
 * wall-clock step detection, no restart generation).
 *
 * Usage: tickpage-testpub [--period=DUR] PATH   (DUR: 500us, 1ms, ...)
 * Runs until SIGTERM/SIGINT, then invalidates the page.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-writer.h"

#define NSEC_PER_SEC	1000000000ull

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static uint64_t parse_period(const char *s)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", NSEC_PER_SEC },
	};
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit))
			return v * units[i].ns;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t period = TICKPAGE_PERIOD_DEFAULT_NS;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec next, rt, mono;
	struct tickpage_sample s;
	struct tickpage *tp;
	struct tickpage_writer w;
	const char *path;
	int fd, i = 1;

	if (argc == 3 && !strncmp(argv[1], "--period=", 9)) {
		period = parse_period(argv[1] + 9);
		i = 2;
	}
	if (argc != i + 1 || period < TICKPAGE_PERIOD_MIN_NS ||
	    period > TICKPAGE_PERIOD_MAX_NS) {
		fprintf(stderr, "usage: tickpage-testpub [--period=DUR] PATH\n");
		return 1;
	}
	path = argv[i];
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, TICKPAGE_PAGE_SIZE)) {
		fprintf(stderr, "tickpage-testpub: %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	tp = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, 0);
	if (tp == MAP_FAILED) {
		fprintf(stderr, "tickpage-testpub: mmap: %s\n", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	tickpage_writer_init(&w, tp, period, 0, 1);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		s.realtime_sec = rt.tv_sec;
		s.realtime_nsec = (uint32_t)rt.tv_nsec;
		s.monotonic_ns = (uint64_t)mono.tv_sec * NSEC_PER_SEC +
				 (uint64_t)mono.tv_nsec;
		tickpage_publish(&w, &s);

		/* Absolute deadlines, so the period does not drift. */
		next.tv_nsec += (long)period;
		while (next.tv_nsec >= (long)NSEC_PER_SEC) {
			next.tv_nsec -= (long)NSEC_PER_SEC;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	tickpage_invalidate(&w);
	return 0;
}
