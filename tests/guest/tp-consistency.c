// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-consistency: do the guest's clocks agree in pairs (design
 * invariant 6)? Each pair is read READS times, in this order:
 *
 *   rt     CLOCK_REALTIME_COARSE <= a later CLOCK_REALTIME
 *   mono   CLOCK_MONOTONIC_COARSE <= a later CLOCK_MONOTONIC
 *   time   time() between the seconds of CLOCK_REALTIME_COARSE read
 *          before and after it
 *   tod    gettimeofday() >= a CLOCK_REALTIME_COARSE read before it
 *          (at gettimeofday's microseconds)
 *   offset CLOCK_REALTIME_COARSE - CLOCK_MONOTONIC_COARSE equals
 *          CLOCK_REALTIME - CLOCK_MONOTONIC (bracketed by reads before
 *          and after) up to one period (clock_getres of the coarse clock)
 *   mtime  the mtime of a file written after a CLOCK_REALTIME_COARSE
 *          read is not before that read (READS / 100 writes: each is
 *          three system calls)
 *
 * The calls are the program's own (clock_gettime, time, gettimeofday),
 * so the vDSO, or libtickpage-preload.so when preloaded, serves them.
 * Usage: tp-consistency [READS] [DIR]  (default 1000000, /tmp)
 * One PASS/FAIL line per pair with the violations and the worst one;
 * exit 0 when there were none.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000ll

static int failed;

static int64_t now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

static void result(const char *what, long bad, long n, int64_t worst)
{
	printf("%s: %s: %ld violations in %ld reads, worst by %lld ns\n",
	       bad ? "FAIL" : "PASS", what, bad, n, (long long)worst);
	failed |= bad != 0;
}

/* Count a violation of @by ns (> 0), keep the worst. */
#define VIOLATE(by)                                                            \
	do {                                                                   \
		bad++;                                                         \
		if ((by) > worst)                                              \
			worst = (by);                                          \
	} while (0)

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, i, bad;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	int64_t worst, a, b, c, d, e, f, period;
	struct timespec res;
	struct timeval tv;
	char path[256];
	struct stat st;
	time_t t;
	int fd;

	clock_getres(CLOCK_REALTIME_COARSE, &res);
	period = res.tv_sec * NS + res.tv_nsec;
	printf("# %ld reads a pair, coarse period %lld ns\n", n,
	       (long long)period);

	for (bad = worst = i = 0; i < n; i++) {
		a = now(CLOCK_REALTIME_COARSE);
		b = now(CLOCK_REALTIME);
		if (a > b)
			VIOLATE(a - b);
	}
	result("REALTIME_COARSE <= a later REALTIME", bad, n, worst);

	for (bad = worst = i = 0; i < n; i++) {
		a = now(CLOCK_MONOTONIC_COARSE);
		b = now(CLOCK_MONOTONIC);
		if (a > b)
			VIOLATE(a - b);
	}
	result("MONOTONIC_COARSE <= a later MONOTONIC", bad, n, worst);

	for (bad = worst = i = 0; i < n; i++) {
		a = now(CLOCK_REALTIME_COARSE) / NS;
		t = time(NULL);
		b = now(CLOCK_REALTIME_COARSE) / NS;
		if (t < a)
			VIOLATE((a - t) * NS);
		else if (t > b)
			VIOLATE((t - b) * NS);
	}
	result("time() between the seconds of REALTIME_COARSE around it", bad,
	       n, worst);

	for (bad = worst = i = 0; i < n; i++) {
		a = now(CLOCK_REALTIME_COARSE) / 1000;
		gettimeofday(&tv, NULL);
		b = tv.tv_sec * 1000000ll + tv.tv_usec;
		if (b < a)
			VIOLATE((a - b) * 1000);
	}
	result("gettimeofday() >= an earlier REALTIME_COARSE", bad, n, worst);

	for (bad = worst = i = 0; i < n; i++) {
		a = now(CLOCK_REALTIME);
		b = now(CLOCK_MONOTONIC);
		c = now(CLOCK_REALTIME_COARSE);
		d = now(CLOCK_MONOTONIC_COARSE);
		e = now(CLOCK_MONOTONIC);
		f = now(CLOCK_REALTIME);
		/* REALTIME - MONOTONIC lies in [a - e, f - b]. */
		if (c - d < a - e - period)
			VIOLATE(a - e - period - (c - d));
		else if (c - d > f - b + period)
			VIOLATE(c - d - (f - b + period));
	}
	result("REALTIME_COARSE - MONOTONIC_COARSE = REALTIME - MONOTONIC "
	       "within a period",
	       bad, n, worst);

	snprintf(path, sizeof(path), "%s/tp-consistency.%d", dir,
		 (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (bad = worst = i = 0; i < n / 100; i++) {
		a = now(CLOCK_REALTIME_COARSE);
		if (pwrite(fd, "x", 1, 0) != 1 || fstat(fd, &st))
			return 1;
		b = st.st_mtim.tv_sec * NS + st.st_mtim.tv_nsec;
		if (b < a)
			VIOLATE(a - b);
	}
	close(fd);
	unlink(path);
	result("mtime of a file written after REALTIME_COARSE is not before it",
	       bad, n / 100, worst);
	return failed;
}
