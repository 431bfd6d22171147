// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-phc: the driver's PTP clock read each way a PTP tool reads one, in
 * a booted guest. A sample's offset is the PHC's time minus the middle of
 * the CLOCK_REALTIME bracket around it, which is when a reader such as
 * chrony takes the PHC to have been read (chrony picks the first of these
 * ioctls that works, and keeps it).
 *
 * Usage: tp-phc [--polls=N] [--samples=N] /dev/ptpN
 *
 * For each way, N polls (default 40) a few milliseconds apart, each of
 * SAMPLES samples (default 25, as chrony asks), print one line:
 *   extended  PTP_SYS_OFFSET_EXTENDED: the driver's own bracket
 *   basic     PTP_SYS_OFFSET: the PTP core's reads around each call
 *   gettime   clock_gettime() on the device, between two of ours
 * "WAY offset_p50_us=.. offset_p10_us=.. offset_p90_us=.. delay_p50_us=..
 * span_p50_us=.. failed=..": span is how long a poll took (CLOCK_MONOTONIC
 * around it), which counts the publications it waited for; failed, the
 * polls whose ioctl failed. Exit 0, 1 when a way has no
 * sample.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/ptp_clock.h>

#define NSEC_PER_SEC 1000000000ll
#define FD_TO_CLOCKID(fd) ((clockid_t)((~(unsigned int)(fd) << 3) | 3))

enum { EXTENDED, BASIC, GETTIME, WAYS };
static const char * const way_name[WAYS] = { "extended", "basic", "gettime" };

struct way {
	long long *offset, *delay, *span;
	long n, polls, failed;
};

static long long ts_ns(const struct ptp_clock_time *t)
{
	return t->sec * NSEC_PER_SEC + t->nsec;
}

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void add(struct way *w, long long pre, long long phc, long long post)
{
	w->offset[w->n] = phc - (pre + (post - pre) / 2);
	w->delay[w->n] = post - pre;
	w->n++;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static double pct(long long *v, long n, double p)
{
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);

	return (double)v[i < n ? i : n - 1] / 1e3;
}

static void poll_extended(int fd, struct way *w, int samples)
{
	struct ptp_sys_offset_extended x;
	int i;

	memset(&x, 0, sizeof(x));
	x.n_samples = samples;
	if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &x)) {
		w->failed++;
		return;
	}
	for (i = 0; i < samples; i++)
		add(w, ts_ns(&x.ts[i][0]), ts_ns(&x.ts[i][1]),
		    ts_ns(&x.ts[i][2]));
}

static void poll_basic(int fd, struct way *w, int samples)
{
	struct ptp_sys_offset b;
	int i;

	memset(&b, 0, sizeof(b));
	b.n_samples = samples;
	if (ioctl(fd, PTP_SYS_OFFSET, &b)) {
		w->failed++;
		return;
	}
	/* ts[2i] and ts[2i + 2] are the system reads around PHC ts[2i + 1]. */
	for (i = 0; i < samples; i++)
		add(w, ts_ns(&b.ts[2 * i]), ts_ns(&b.ts[2 * i + 1]),
		    ts_ns(&b.ts[2 * i + 2]));
}

static void poll_gettime(int fd, struct way *w, int samples)
{
	int i;

	for (i = 0; i < samples; i++) {
		long long pre = now_ns(CLOCK_REALTIME);
		long long phc = now_ns(FD_TO_CLOCKID(fd));
		long long post = now_ns(CLOCK_REALTIME);

		if (phc < 0) {
			w->failed++;
			return;
		}
		add(w, pre, phc, post);
	}
}

int main(int argc, char **argv)
{
	void (*const poll_way[WAYS])(int, struct way *, int) = {
		poll_extended, poll_basic, poll_gettime,
	};
	struct way ways[WAYS];
	long polls = 40, samples = 25, p;
	const char *dev = NULL;
	int fd, i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--polls=", 8))
			polls = atol(argv[i] + 8);
		else if (!strncmp(argv[i], "--samples=", 10))
			samples = atol(argv[i] + 10);
		else if (argv[i][0] != '-' && !dev)
			dev = argv[i];
		else
			goto usage;
	}
	if (!dev || polls < 1 || samples < 1 || samples > PTP_MAX_SAMPLES) {
usage:
		fprintf(stderr, "usage: tp-phc [--polls=N] [--samples=1..%d] "
				"/dev/ptpN\n", PTP_MAX_SAMPLES);
		return 2;
	}
	fd = open(dev, O_RDONLY);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	for (i = 0; i < WAYS; i++) {
		memset(&ways[i], 0, sizeof(ways[i]));
		ways[i].offset = calloc(polls * samples, sizeof(long long));
		ways[i].delay = calloc(polls * samples, sizeof(long long));
		ways[i].span = calloc(polls, sizeof(long long));
		if (!ways[i].offset || !ways[i].delay || !ways[i].span)
			return 1;
	}
	/* Interleaved, a few ms apart: each way sees the same clocks at
	 * every phase of the period. */
	for (p = 0; p < polls; p++) {
		for (i = 0; i < WAYS; i++) {
			long long t0 = now_ns(CLOCK_MONOTONIC);

			poll_way[i](fd, &ways[i], samples);
			ways[i].span[ways[i].polls++] =
				now_ns(CLOCK_MONOTONIC) - t0;
			usleep(2000 + (unsigned int)(p * 317 % 1000));
		}
	}
	for (i = 0; i < WAYS; i++) {
		struct way *w = &ways[i];

		if (!w->n) {
			printf("%s failed=%ld no-samples\n", way_name[i], w->failed);
			ret = 1;
			continue;
		}
		qsort(w->offset, w->n, sizeof(long long), cmp_ll);
		qsort(w->delay, w->n, sizeof(long long), cmp_ll);
		qsort(w->span, w->polls, sizeof(long long), cmp_ll);
		printf("%s offset_p50_us=%.1f offset_p10_us=%.1f "
		       "offset_p90_us=%.1f delay_p50_us=%.1f span_p50_us=%.1f "
		       "failed=%ld\n", way_name[i], pct(w->offset, w->n, 50),
		       pct(w->offset, w->n, 10), pct(w->offset, w->n, 90),
		       pct(w->delay, w->n, 50), pct(w->span, w->polls, 50),
		       w->failed);
	}
	return ret;
}
