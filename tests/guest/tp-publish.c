// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-publish: a minimal publisher for the guest tests, independent of
 * tickpaged: publishes a page into a file (served to a guest through
 * stock QEMU's ivshmem-plain) with hv/tickpage-writer.c, or writes a
 * deliberately broken page for the refusal tests.
 *
 * Usage: tp-publish PATH [--period-ns=N] [--generation=N]
 *                        [--bad-magic | --bad-major | --bad-size]
 * With a --bad-* option it writes the page once and exits; otherwise it
 * publishes until SIGTERM/SIGINT, then invalidates the page (a clean
 * stop) - SIGKILL leaves a valid page that stops updating (stale).
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

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned long long period = TICKPAGE_PERIOD_DEFAULT_NS, gen = 1;
	const char *path = NULL, *bad = NULL;
	struct timespec next;
	struct tickpage *tp;
	struct tickpage_writer w;
	int fd, i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--period-ns=", 12))
			period = strtoull(argv[i] + 12, NULL, 0);
		else if (!strncmp(argv[i], "--generation=", 13))
			gen = strtoull(argv[i] + 13, NULL, 0);
		else if (!strncmp(argv[i], "--bad-", 6))
			bad = argv[i] + 6;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "tp-publish: bad argument '%s'\n",
				argv[i]);
			return 2;
		}
	}
	if (!path || period < TICKPAGE_PERIOD_MIN_NS ||
	    period > TICKPAGE_PERIOD_MAX_NS) {
		fprintf(stderr, "usage: tp-publish PATH [--period-ns=N] "
				"[--generation=N] "
				"[--bad-magic|--bad-major|--bad-size]\n");
		return 2;
	}
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, TICKPAGE_PAGE_SIZE)) {
		fprintf(stderr, "tp-publish: %s: %s\n", path, strerror(errno));
		return 1;
	}
	tp = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, 0);
	if (tp == MAP_FAILED) {
		fprintf(stderr, "tp-publish: mmap %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	tickpage_writer_init(&w, tp, period, 0, gen);
	if (bad) {
		if (!strcmp(bad, "magic"))
			tp->magic = 0x12345678;
		else if (!strcmp(bad, "major"))
			tp->abi_major = TICKPAGE_ABI_MAJOR + 1;
		else if (!strcmp(bad, "size"))
			tp->size = 8;
		else {
			fprintf(stderr, "tp-publish: unknown --bad-%s\n", bad);
			return 2;
		}
		msync(tp, TICKPAGE_PAGE_SIZE, MS_SYNC);
		return 0;
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		struct tickpage_sample s;
		struct timespec rt, mono;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		s.realtime_sec = rt.tv_sec;
		s.realtime_nsec = rt.tv_nsec;
		s.monotonic_ns = mono.tv_sec * 1000000000ull + mono.tv_nsec;
		tickpage_publish(&w, &s);

		next.tv_nsec += period;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	tickpage_invalidate(&w);
	return 0;
}
