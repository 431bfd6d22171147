// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-consistency: do the guest's clocks agree in pairs, the way stock
 * Linux promises (invariant 6 of docs/testing.md; docs/vdso.md)? Each round reads
 * every pair once, in program order:
 *
 *   rt     CLOCK_REALTIME_COARSE <= a later CLOCK_REALTIME
 *   mono   CLOCK_MONOTONIC_COARSE <= a later CLOCK_MONOTONIC
 *   time   time() between the seconds of CLOCK_REALTIME_COARSE read
 *          before and after it
 *   tod    gettimeofday() >= a CLOCK_REALTIME_COARSE read before it
 *          (at gettimeofday's microseconds)
 *   offset CLOCK_REALTIME_COARSE - CLOCK_MONOTONIC_COARSE, read between
 *          two equal CLOCK_MONOTONIC_COARSE reads (one instant of the
 *          coarse clocks), equals CLOCK_REALTIME - CLOCK_MONOTONIC
 *          (bracketed by fine reads around it) up to one period
 *   mtime  the mtime of a file written after a CLOCK_REALTIME_COARSE
 *          read is not before that read (every 100th round: three
 *          system calls)
 *
 * and a second thread, on another CPU where there is one, reads the
 * fine clocks after this thread's latest coarse reads (cross-CPU rt,
 * mono and time).
 *
 * The calls are the program's own (clock_gettime, time, gettimeofday),
 * so the vDSO, or libtickpage-preload.so when preloaded, serves them.
 *
 * Usage: tp-consistency [-s SECONDS] [-T] [-M] [READS [DIR]]
 *   READS    rounds at least (default 1000000), and
 *   -s       for at least SECONDS of CLOCK_MONOTONIC (default 0), so a
 *            migration or a host step can happen during the run
 *   -T       in a new time namespace, CLOCK_MONOTONIC 1000 s ahead
 *   -M       skip the mtime pair (a stock kernel's file times come from
 *            its own tick: docs/vdso.md); said in the output
 *   DIR      where the mtime file goes (default /tmp)
 * One PASS/FAIL line per pair with the violations and the worst one;
 * exit 0 when there were none.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define NS		1000000000ll
#define OFFSET_TRIES	100
#define TIMENS_OFF_S	1000

enum pair { RT, MONO, TIME, TOD, OFFSET, MTIME, X_RT, X_MONO, X_TIME, PAIRS };

static const char *const pair_name[PAIRS] = {
	[RT] = "REALTIME_COARSE <= a later REALTIME",
	[MONO] = "MONOTONIC_COARSE <= a later MONOTONIC",
	[TIME] = "time() between the seconds of REALTIME_COARSE around it",
	[TOD] = "gettimeofday() >= an earlier REALTIME_COARSE",
	[OFFSET] = "REALTIME_COARSE - MONOTONIC_COARSE = REALTIME - MONOTONIC within a period",
	[MTIME] = "mtime of a file written after REALTIME_COARSE is not before it",
	[X_RT] = "REALTIME_COARSE on one CPU <= a later REALTIME on another",
	[X_MONO] = "MONOTONIC_COARSE on one CPU <= a later MONOTONIC on another",
	[X_TIME] = "REALTIME_COARSE seconds on one CPU <= a later time() on another",
};

struct tally {
	long n, bad;
	int64_t worst;
};

static struct tally tally[PAIRS];
static int64_t period;

static int64_t now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

/* One read of @p; a violation by @by ns when @by > 0. */
static void count(struct tally *t, int64_t by)
{
	t->n++;
	if (by > 0) {
		t->bad++;
		if (by > t->worst)
			t->worst = by;
	}
}

/* ---- one round on this thread ---- */

static void round_pairs(void)
{
	int64_t a, b, c, d, e, f;
	struct timeval tv;
	time_t t;
	int i;

	a = now(CLOCK_REALTIME_COARSE);
	b = now(CLOCK_REALTIME);
	count(&tally[RT], a - b);

	a = now(CLOCK_MONOTONIC_COARSE);
	b = now(CLOCK_MONOTONIC);
	count(&tally[MONO], a - b);

	a = now(CLOCK_REALTIME_COARSE) / NS;
	t = time(NULL);
	b = now(CLOCK_REALTIME_COARSE) / NS;
	count(&tally[TIME], t < a ? (a - t) * NS : (t - b) * NS);

	a = now(CLOCK_REALTIME_COARSE) / 1000;
	gettimeofday(&tv, NULL);
	b = tv.tv_sec * 1000000ll + tv.tv_usec;
	count(&tally[TOD], (a - b) * 1000);

	/*
	 * The coarse clocks move between two reads; read them at one
	 * instant: between two equal CLOCK_MONOTONIC_COARSE reads.
	 */
	for (i = 0; i < OFFSET_TRIES; i++) {
		a = now(CLOCK_REALTIME);
		b = now(CLOCK_MONOTONIC);
		d = now(CLOCK_MONOTONIC_COARSE);
		c = now(CLOCK_REALTIME_COARSE);
		if (now(CLOCK_MONOTONIC_COARSE) != d)
			continue;
		e = now(CLOCK_MONOTONIC);
		f = now(CLOCK_REALTIME);
		/* REALTIME - MONOTONIC lies in [a - e, f - b]. */
		count(&tally[OFFSET], c - d < a - e - period ?
				      a - e - period - (c - d) :
				      c - d - (f - b + period));
		break;
	}
}

static int round_mtime(int fd)
{
	struct stat st;
	int64_t a, b;

	a = now(CLOCK_REALTIME_COARSE);
	if (pwrite(fd, "x", 1, 0) != 1 || fstat(fd, &st))
		return -1;
	b = st.st_mtim.tv_sec * NS + st.st_mtim.tv_nsec;
	count(&tally[MTIME], a - b);
	return 0;
}

/* ---- the other CPU ---- */

/* This thread's latest coarse reads, for the other CPU. */
static int64_t shared_rt, shared_mono;
static int stop;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

static void *other_cpu(void *arg)
{
	struct tally *x = arg;
	int64_t rt, mono;

	pin(1);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		/* Acquire pairs with the release after the coarse read. */
		rt = __atomic_load_n(&shared_rt, __ATOMIC_ACQUIRE);
		count(&x[X_RT], rt - now(CLOCK_REALTIME));
		count(&x[X_TIME], (rt / NS - time(NULL)) * NS);
		mono = __atomic_load_n(&shared_mono, __ATOMIC_ACQUIRE);
		count(&x[X_MONO], mono - now(CLOCK_MONOTONIC));
	}
	return NULL;
}

static void publish_coarse(void)
{
	__atomic_store_n(&shared_rt, now(CLOCK_REALTIME_COARSE),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&shared_mono, now(CLOCK_MONOTONIC_COARSE),
			 __ATOMIC_RELEASE);
}

/* ---- the run ---- */

static int run(long rounds, long secs, int mtime, const char *dir)
{
	struct tally x[PAIRS] = { 0 };
	int64_t until;
	struct timespec res;
	pthread_t thr;
	char path[256];
	long i;
	int fd, p, failed = 0;

	clock_getres(CLOCK_REALTIME_COARSE, &res);
	period = res.tv_sec * NS + res.tv_nsec;
	printf("# at least %ld rounds and %ld s, coarse period %lld ns\n",
	       rounds, secs, (long long)period);

	snprintf(path, sizeof(path), "%s/tp-consistency.%d", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	publish_coarse();
	if (pthread_create(&thr, NULL, other_cpu, x)) {
		fprintf(stderr, "tp-consistency: no second thread\n");
		return 1;
	}
	pin(0);
	/* tests/kernel/guest.py --at: the host's events start now. */
	printf("@@WATCH-START@@\n");
	until = now(CLOCK_MONOTONIC) + secs * NS;
	for (i = 0; i < rounds || now(CLOCK_MONOTONIC) < until; i++) {
		round_pairs();
		publish_coarse();
		if (mtime && i % 100 == 0 && round_mtime(fd)) {
			perror(path);
			return 1;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	close(fd);
	unlink(path);
	for (p = X_RT; p <= X_TIME; p++)
		tally[p] = x[p];

	for (p = 0; p < PAIRS; p++) {
		const struct tally *t = &tally[p];

		if (p == MTIME && !mtime) {
			printf("SKIP: %s: -M: a stock kernel's file times come from its own tick\n",
			       pair_name[p]);
			continue;
		}
		/* A pair that ran far fewer times than asked proves little. */
		if (t->n < (p == MTIME ? rounds / 100 : p == OFFSET ? rounds / 2 :
			    p >= X_RT ? 1000 : rounds)) {
			printf("FAIL: %s: only %ld reads\n", pair_name[p], t->n);
			failed = 1;
			continue;
		}
		printf("%s: %s: %ld violations in %ld reads, worst by %lld ns\n",
		       t->bad ? "FAIL" : "PASS", pair_name[p], t->bad, t->n,
		       (long long)t->worst);
		failed |= t->bad != 0;
	}
	return failed;
}

/* A child in a new time namespace, CLOCK_MONOTONIC ahead by TIMENS_OFF_S. */
static int in_timens(long rounds, long secs, int mtime, const char *dir)
{
	char line[64];
	int fd, len, status;
	pid_t pid;

	if (unshare(CLONE_NEWTIME)) {
		perror("tp-consistency: unshare(CLONE_NEWTIME)");
		return 1;
	}
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	len = snprintf(line, sizeof(line), "monotonic %d 0", TIMENS_OFF_S);
	if (fd < 0 || write(fd, line, len) != len) {
		perror("tp-consistency: /proc/self/timens_offsets");
		return 1;
	}
	close(fd);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		printf("# in a time namespace, CLOCK_MONOTONIC +%d s\n",
		       TIMENS_OFF_S);
		exit(run(rounds, secs, mtime, dir));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int opt, timens = 0, mtime = 1;
	long rounds, secs = 0;
	const char *dir;

	while ((opt = getopt(argc, argv, "s:TM")) != -1) {
		switch (opt) {
		case 's':
			secs = atol(optarg);
			break;
		case 'T':
			timens = 1;
			break;
		case 'M':
			mtime = 0;
			break;
		default:
			fprintf(stderr, "usage: tp-consistency [-s SECONDS] [-T] [-M] [READS [DIR]]\n");
			return 2;
		}
	}
	rounds = optind < argc ? atol(argv[optind]) : 1000000;
	dir = optind + 1 < argc ? argv[optind + 1] : "/tmp";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (timens)
		return in_timens(rounds, secs, mtime, dir);
	return run(rounds, secs, mtime, dir);
}
