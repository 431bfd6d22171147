// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-wall: how far the guest's own wall clock is from the host's, in a
 * booted guest. It spins on the time page's update_count (mapped from
 * /dev/tickpage) and, the instant a new publication appears, reads
 * CLOCK_REALTIME: error = guest realtime - page realtime.
 *
 * Usage: tp-wall [--edges=N] [--timeout-ms=MS] [--bracket-us=US]
 *        tp-wall --watch=MS
 *        tp-wall --shift-ms=MS
 *
 * --edges prints "edges=N p50_us=.. p99_us=.. max_us=.." (of |error|)
 * and "signed_p50_us=.. gap_p50_us=.. missed=..", one sample per
 * publication; an edge whose predecessor the loop missed (it was
 * descheduled) is not a sample, only counted as missed.
 *
 * Each sample is also bracketed: the publication appeared after the
 * last poll that saw the old one began and before the poll that saw it
 * ended. Where that bracket is at most --bracket-us wide (default 20),
 * its midpoint against the page is the error to within half the width,
 * free of the reader's own descheduling (a vCPU that loses the host CPU
 * for a millisecond measures the scheduler, not the clock):
 * "tight=N tight_p50_us=.. tight_p99_us=.. tight_max_us=..".
 * --watch reads CLOCK_MONOTONIC and CLOCK_REALTIME in a loop for MS ms
 * and prints the largest step back and forward of each, so that a test
 * can tell a wall-clock step from a monotonic one.
 * --shift-ms moves CLOCK_REALTIME by MS ms (clock_settime), as a guest
 * user could, behind the driver's back.
 * Exit 0, or 1 when the page cannot be read for MS ms.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-read.h"
#include "tickpage-dev.h"

#define NSEC_PER_SEC 1000000000ll

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_s64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Percentile P (0..100) of N sorted values. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static int watch(long ms)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + ms * 1000000ll;
	int64_t m0 = now_ns(CLOCK_MONOTONIC), r0 = now_ns(CLOCK_REALTIME);
	int64_t mono_back = 0, mono_fwd = 0, real_back = 0, real_fwd = 0;
	long reads = 0;

	for (;;) {
		int64_t m = now_ns(CLOCK_MONOTONIC);
		int64_t r = now_ns(CLOCK_REALTIME);

		if (m - m0 < mono_back)
			mono_back = m - m0;
		if (m - m0 > mono_fwd)
			mono_fwd = m - m0;
		if (r - r0 < real_back)
			real_back = r - r0;
		if (r - r0 > real_fwd)
			real_fwd = r - r0;
		m0 = m;
		r0 = r;
		reads++;
		if (m > end)
			break;
	}
	printf("reads=%ld mono_back_ns=%lld mono_fwd_ns=%lld real_back_ns=%lld "
	       "real_fwd_ns=%lld\n",
	       reads, (long long)mono_back, (long long)mono_fwd,
	       (long long)real_back, (long long)real_fwd);
	return 0;
}

static int shift(long ms)
{
	int64_t t = now_ns(CLOCK_REALTIME) + ms * 1000000ll;
	struct timespec ts = { .tv_sec = t / NSEC_PER_SEC,
			       .tv_nsec = t % NSEC_PER_SEC };

	if (clock_settime(CLOCK_REALTIME, &ts)) {
		perror("clock_settime");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long edges = 1, timeout_ms = 5000, watch_ms = 0, bracket_ns = 20000;
	long shift_ms = 0;
	const struct tickpage *tp;
	struct tickpage_snapshot s;
	int64_t *err, *gap, *tight, deadline, lower;
	uint64_t last;
	long n = 0, nt = 0, missed = 0;
	unsigned long polls = 0;
	int fd, i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--edges=", 8))
			edges = atol(argv[i] + 8);
		else if (!strncmp(argv[i], "--timeout-ms=", 13))
			timeout_ms = atol(argv[i] + 13);
		else if (!strncmp(argv[i], "--watch=", 8))
			watch_ms = atol(argv[i] + 8);
		else if (!strncmp(argv[i], "--bracket-us=", 13))
			bracket_ns = atol(argv[i] + 13) * 1000;
		else if (!strncmp(argv[i], "--shift-ms=", 11))
			shift_ms = atol(argv[i] + 11);
		else {
			fprintf(stderr, "usage: tp-wall [--edges=N] "
					"[--timeout-ms=MS] [--bracket-us=US] | "
					"--watch=MS | --shift-ms=MS\n");
			return 2;
		}
	}
	if (watch_ms)
		return watch(watch_ms);
	if (shift_ms)
		return shift(shift_ms);
	if (edges < 1)
		edges = 1;

	fd = open(TICKPAGE_DEV_PATH, O_RDONLY);
	if (fd < 0) {
		perror(TICKPAGE_DEV_PATH);
		return 1;
	}
	tp = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (tp == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	err = calloc(edges, sizeof(*err));
	gap = calloc(edges, sizeof(*gap));
	tight = calloc(edges, sizeof(*tight));
	if (!err || !gap || !tight)
		return 1;

	deadline = now_ns(CLOCK_MONOTONIC) + timeout_ms * 1000000ll;
	while (tickpage_read(tp, &s) != TICKPAGE_OK) {
		if (now_ns(CLOCK_MONOTONIC) > deadline) {
			fprintf(stderr, "tp-wall: no valid page\n");
			return 1;
		}
		usleep(1000);
	}
	last = s.update_count;
	lower = now_ns(CLOCK_REALTIME);
	while (n < edges) {
		int64_t prev = now_ns(CLOCK_REALTIME), r, page;

		if (tickpage_read(tp, &s) != TICKPAGE_OK ||
		    s.update_count == last) {
			/* The next publication comes after this poll began. */
			lower = prev;
			if (!(++polls & 1023) &&
			    now_ns(CLOCK_MONOTONIC) > deadline)
				break;
			continue;
		}
		r = now_ns(CLOCK_REALTIME);
		page = s.realtime_sec * NSEC_PER_SEC + s.realtime_nsec;
		/* The first edge after a gap of the loop is not one we saw. */
		if (s.update_count == last + 1) {
			err[n] = r - page;
			gap[n] = r - prev;
			n++;
			if (r - lower <= bracket_ns)
				tight[nt++] = llabs(lower + (r - lower) / 2 - page);
		} else {
			missed++;
		}
		last = s.update_count;
		lower = prev;
		deadline = now_ns(CLOCK_MONOTONIC) + timeout_ms * 1000000ll;
	}
	if (!n) {
		fprintf(stderr, "tp-wall: no publication seen\n");
		return 1;
	}
	if (edges == 1)
		printf("error_ns=%lld gap_ns=%lld\n", (long long)err[0],
		       (long long)gap[0]);
	qsort(gap, n, sizeof(*gap), cmp_s64);
	qsort(err, n, sizeof(*err), cmp_s64);
	printf("signed_p50_us=%.1f gap_p50_us=%.1f missed=%ld\n",
	       pct(err, n, 50) / 1e3, pct(gap, n, 50) / 1e3, missed);
	for (i = 0; i < n; i++)
		err[i] = llabs(err[i]);
	qsort(err, n, sizeof(*err), cmp_s64);
	printf("edges=%ld p50_us=%.1f p99_us=%.1f max_us=%.1f\n", n,
	       pct(err, n, 50) / 1e3, pct(err, n, 99) / 1e3, err[n - 1] / 1e3);
	if (nt) {
		qsort(tight, nt, sizeof(*tight), cmp_s64);
		printf("tight=%ld tight_p50_us=%.1f tight_p99_us=%.1f "
		       "tight_max_us=%.1f\n", nt, pct(tight, nt, 50) / 1e3,
		       pct(tight, nt, 99) / 1e3, tight[nt - 1] / 1e3);
	} else {
		printf("tight=0\n");
	}
	return n == edges ? 0 : 1;
}
