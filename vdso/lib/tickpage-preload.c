// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libtickpage-preload.so: LD_PRELOAD it and every dynamically linked
 * program gets CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE and time()
 * from the page. Everything else, and these whenever the page cannot
 * serve them, goes to the next definition (the C library's, and through
 * it the kernel's vDSO), found with dlsym(RTLD_NEXT).
 */
#include <dlfcn.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "tickpage-fast.h"
#include "tickpage-lib.h"

static tickpage_clock_fn tickpage_next_gettime, tickpage_next_getres;

/*
 * Look the next definition up once. Until dlsym() answers (or if it
 * never does, in a strange process), the system call is the fallback.
 */
static tickpage_clock_fn tickpage_next(tickpage_clock_fn *slot,
				       const char *name)
{
	tickpage_clock_fn fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = (tickpage_clock_fn)dlsym(RTLD_NEXT, name);
		if (fn)
			__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

static int tickpage_next_clock(int getres, clockid_t clk, struct timespec *ts)
{
	tickpage_clock_fn fn;

	if (getres)
		fn = tickpage_next(&tickpage_next_getres, "clock_getres");
	else
		fn = tickpage_next(&tickpage_next_gettime, "clock_gettime");
	if (fn)
		return fn(clk, ts);
	return syscall(getres ? SYS_clock_getres : SYS_clock_gettime, clk, ts);
}

static int tickpage_next_gettime_fn(clockid_t clk, struct timespec *ts)
{
	return tickpage_next_clock(0, clk, ts);
}

/*
 * Everything but the common case, out of line so that clock_gettime()
 * needs no stack frame: the first read, a read that raced with a
 * writer, and the fallback to the next definition.
 */
static __attribute__((noinline)) int
tickpage_preload_slow(clockid_t clk, struct timespec *ts, int err)
{
	if (err == TICKPAGE_FAST_RETRY && !tickpage_lib_gettime_slow(clk, ts))
		return 0;
	return tickpage_lib_fallback(clk, ts, tickpage_next_gettime_fn);
}

__attribute__((visibility("default"))) int clock_gettime(clockid_t clk,
							 struct timespec *ts)
{
	int err;

	if (clk != CLOCK_REALTIME_COARSE && clk != CLOCK_MONOTONIC_COARSE)
		return tickpage_next_clock(0, clk, ts);
	err = tickpage_fast_gettime(clk, ts);
	if (__builtin_expect(!err, 1))
		return 0;
	return tickpage_preload_slow(clk, ts, err);
}

__attribute__((visibility("default"))) int clock_getres(clockid_t clk,
							struct timespec *res)
{
	struct timespec r;

	if (!tickpage_lib_getres(clk, &r)) {
		if (res)
			*res = r;
		return 0;
	}
	return tickpage_next_clock(1, clk, res);
}

__attribute__((visibility("default"))) time_t time(time_t *t)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts))
		ts.tv_sec = (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

/* Resolve the next definitions before main(), while nothing is racing. */
__attribute__((constructor)) static void tickpage_preload_init(void)
{
	tickpage_next(&tickpage_next_gettime, "clock_gettime");
	tickpage_next(&tickpage_next_getres, "clock_getres");
}
