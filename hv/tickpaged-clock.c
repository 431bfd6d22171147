/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: where the published time comes from.
 *
 * Sampling is all vDSO clock_gettime(): no system call per tick. Wall
 * clock steps are caught two ways:
 *  - a CLOCK_REALTIME timerfd armed with TFD_TIMER_CANCEL_ON_SET, which
 *    the kernel cancels on every settimeofday/clock_settime/leap second,
 *    however small. A helper thread blocks in read() on it, so the main
 *    loop pays nothing for it: it only compares a counter.
 *  - the main loop's own check of (realtime - monotonic), which also sees
 *    steps of the test seam below, where no kernel clock moves.
 *
 * Test seam: with --test-wall-offset-file=F, the signed nanosecond count
 * in F is added to CLOCK_REALTIME and F is re-read on SIGUSR1. A test
 * steps "the wall clock" by writing F and signalling; the machine's
 * clock is never touched. With --test-mono-offset=DUR, DUR is added to
 * every CLOCK_MONOTONIC sample, and so to the page's monotonic_ns, while
 * realtime stays the host's: a second tickpaged that stands for another
 * host, whose monotonic clock has nothing in common with this one's (a
 * migration test moves a guest between the two pages). Both exist only
 * in the test build (TICKPAGED_TEST_HOOKS,
 * build/tests/tickpaged/tickpaged-test): the daemon that ships publishes
 * the host's time and no other.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tickpaged.h"

#define NSEC_PER_SEC	1000000000ll

/*
 * The step-watch thread only blocks in read() and re-arms a timer. The
 * default stack (RLIMIT_STACK, 8 MiB) would be locked whole by
 * --sched=fifo's mlockall(), and exceed the default RLIMIT_MEMLOCK alone.
 */
#define TICKPAGED_HELPER_STACK		(64 * 1024)

static unsigned int tickpaged_steps;	/* bumped by the cancel thread */

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

#ifdef TICKPAGED_TEST_HOOKS
/* An offset file holds one signed decimal count of nanoseconds. */
int tickpaged_clock_reload(struct tickpaged_clock *c)
{
	char buf[64], *end;
	long long v;
	ssize_t n;
	int fd;

	if (!c->offset_file)
		return 0;
	fd = open(c->offset_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tickpaged_err("%s: %s", c->offset_file, strerror(errno));
		return -errno;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		tickpaged_err("%s: %s", c->offset_file, strerror(errno));
		return -EIO;
	}
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (end == buf || *end || errno) {
		tickpaged_err("%s: not a signed count of nanoseconds",
			      c->offset_file);
		return -EINVAL;
	}
	c->wall_offset_ns = v;
	return 0;
}
#else
int tickpaged_clock_reload(struct tickpaged_clock *c)
{
	return 0;
}
#endif

static int arm_cancel_on_set(int fd)
{
	/*
	 * Far in the future (the kernel clamps it to its own end of time):
	 * only the cancellation is of interest. Not INT32_MAX, which
	 * would expire, and spin the thread, from 2038 on.
	 */
	struct itimerspec its = {
		.it_value = { .tv_sec = sizeof(time_t) > 4 ?
				(time_t)(1ull << 40) : (time_t)INT32_MAX },
	};

	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			       &its, NULL);
}

static void *cancel_thread(void *arg)
{
	int fd = *(int *)arg;
	uint64_t ticks;

	for (;;) {
		if (read(fd, &ticks, sizeof(ticks)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECANCELED)
				return NULL;
			__atomic_fetch_add(&tickpaged_steps, 1,
					   __ATOMIC_RELEASE);
		}
		/* Cancelled, or (never in practice) expired: arm again. */
		if (arm_cancel_on_set(fd))
			return NULL;
	}
}

int tickpaged_clock_init(struct tickpaged_clock *c,
			 const struct tickpaged_opts *o)
{
	static int fd;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	int err;

	c->offset_file = o->wall_offset_file;
	c->wall_offset_ns = 0;
	c->mono_offset_ns = o->mono_offset_ns;
	c->cancel_fd = -1;
	if (tickpaged_clock_reload(c))
		return -1;
	if (c->mono_offset_ns < 0) {
		struct timespec now;

		/* Monotonic only grows: checked once, it holds for good. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_ns(&now) + c->mono_offset_ns <= 0) {
			tickpaged_err("--test-mono-offset: %+lld ns would put monotonic time before 0 (the host's is %lld ns)",
				      (long long)c->mono_offset_ns,
				      (long long)ts_ns(&now));
			return -1;
		}
	}

	/*
	 * Without the timerfd the (realtime - monotonic) check still sees
	 * steps above the threshold; say so rather than refuse to run.
	 */
	fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	if (fd < 0 || arm_cancel_on_set(fd)) {
		tickpaged_err("warning: no CANCEL_ON_SET timerfd (%s); only steps above the threshold are seen",
			      strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}

	/* Signals are for the main loop: the helper never takes them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setstacksize(&attr, TICKPAGED_HELPER_STACK);
	if (!err) {
		err = pthread_create(&th, &attr, cancel_thread, &fd);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		tickpaged_err("warning: no step-watch thread (%s)",
			      strerror(err));
		close(fd);
		return 0;
	}
	pthread_detach(th);
	c->cancel_fd = fd;
	return 0;
}

unsigned int tickpaged_clock_steps(void)
{
	return __atomic_load_n(&tickpaged_steps, __ATOMIC_ACQUIRE);
}

void tickpaged_clock_sample(const struct tickpaged_clock *c,
			    struct tickpage_sample *s)
{
	struct timespec m0, r, m1;
	struct tickpage_bracket b;
	int64_t rt, mono;

	tickpage_bracket_init(&b);
	do {
		clock_gettime(CLOCK_MONOTONIC, &m0);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m1);
	} while (!tickpage_bracket_take(&b, ts_ns(&m0), ts_ns(&r), ts_ns(&m1),
					0));
	rt = b.wall_ns;
	mono = b.mono_ns;

#ifdef TICKPAGED_TEST_HOOKS
	rt += c->wall_offset_ns;
	/* Realtime stays the host's: only the monotonic base moves. */
	mono += c->mono_offset_ns;
#endif
	s->realtime_sec = rt / NSEC_PER_SEC;
	rt %= NSEC_PER_SEC;
	if (rt < 0) {		/* floor, for a seam offset before 1970 */
		rt += NSEC_PER_SEC;
		s->realtime_sec--;
	}
	s->realtime_nsec = (uint32_t)rt;
	s->monotonic_ns = (uint64_t)mono;
}
