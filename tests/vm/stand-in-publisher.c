// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Temporary stand-in for build/hv/tickpaged while it is being written:
 * publish a page into PATH every period until SIGTERM.
 * Usage: stand-in-publisher [--period=NUS] PATH   (same shape as tickpaged)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-writer.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct timespec next, rt, mono;
	struct tickpage_sample s;
	struct tickpage *tp;
	long period_ns = 1000000;
	const char *path;
	int fd;

	if (argc == 3 && !strncmp(argv[1], "--period=", 9)) {
		period_ns = atol(argv[1] + 9) * 1000;
		argv++;
		argc--;
	}
	if (argc != 2 || period_ns <= 0) {
		fprintf(stderr, "usage: stand-in-publisher [--period=NUS] PATH\n");
		return 2;
	}
	path = argv[1];
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, TICKPAGE_PAGE_SIZE)) {
		perror(path);
		return 1;
	}
	tp = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (tp == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	tickpage_writer_init(tp, period_ns, 0, 1);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		s.realtime_sec = rt.tv_sec;
		s.realtime_nsec = rt.tv_nsec;
		s.monotonic_ns = mono.tv_sec * 1000000000ull + mono.tv_nsec;
		tickpage_publish(tp, &s);
		next.tv_nsec += period_ns;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	tickpage_invalidate(tp);
	return 0;
}
