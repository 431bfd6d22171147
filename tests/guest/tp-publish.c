// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-publish: the tests' own publisher, independent of tickpaged. It
 * keeps a page file live with hv/tickpage-writer.c and nothing else
 * (no wall-clock step detection, no restart generation of its own),
 * for the guest tests (served through stock QEMU's ivshmem-plain),
 * the benchmark programs' smoke tests, and as make bench's reference
 * "least publisher" on the same timer. It also writes deliberately
 * broken pages for the refusal tests.
 *
 * Usage: tp-publish PATH [--period-ns=N | --period=DUR] [--generation=N]
 *                        [--bad-magic | --bad-major | --bad-size]
 *        (DUR: 500us, 1ms, 1s ...)
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

#define NSEC_PER_SEC 1000000000ull

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* "500us", "1ms"...; 0 if it is not a number with a unit. */
static uint64_t parse_duration(const char *s)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{"ns", 1},
		{"us", 1000},
		{"ms", 1000000},
		{"s", NSEC_PER_SEC},
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

static int write_bad(struct tickpage *tp, const char *bad)
{
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

static void publish_until_stopped(struct tickpage_writer *w, uint64_t period)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct timespec next, rt, mono;
	struct tickpage_sample s;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		s.realtime_sec = rt.tv_sec;
		s.realtime_nsec = (uint32_t)rt.tv_nsec;
		s.monotonic_ns = (uint64_t)mono.tv_sec * NSEC_PER_SEC +
				 (uint64_t)mono.tv_nsec;
		tickpage_publish(w, &s);

		/* Absolute deadlines, so the period does not drift. */
		next.tv_nsec += (long)period;
		while (next.tv_nsec >= (long)NSEC_PER_SEC) {
			next.tv_nsec -= (long)NSEC_PER_SEC;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	tickpage_invalidate(w);
}

int main(int argc, char **argv)
{
	uint64_t period = TICKPAGE_PERIOD_DEFAULT_NS, gen = 1;
	const char *path = NULL, *bad = NULL;
	struct tickpage_writer w;
	struct tickpage *tp;
	int fd, i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--period-ns=", 12))
			period = strtoull(argv[i] + 12, NULL, 0);
		else if (!strncmp(argv[i], "--period=", 9))
			period = parse_duration(argv[i] + 9);
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
		fprintf(stderr,
			"usage: tp-publish PATH [--period-ns=N | --period=DUR] "
			"[--generation=N] "
			"[--bad-magic|--bad-major|--bad-size]\n");
		return 2;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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
	if (bad)
		return write_bad(tp, bad);
	publish_until_stopped(&w, period);
	return 0;
}
