// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libtickpage core: map /dev/tickpage once and serve the coarse clocks
 * from the time page and the driver's guest page.
 *
 * The mapping is made lazily by whichever thread gets there first; a
 * thread that loses the race unmaps its own copy. Once the device is
 * missing or refuses the mapping, the process stays on its fallback:
 * a failed open is not retried on every clock read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tickpage-dev.h"
#include "tickpage-fast.h"
#include "tickpage-lib.h"

#define TICKPAGE_MAP_FAILED ((void *)1)

/* NULL: not tried yet; TICKPAGE_MAP_FAILED: no page; else the mapping. */
static void *tickpage_map;

const uint8_t *tickpage_fast_map;
uint64_t tickpage_mono_last;

/*
 * The device, or a file laid out like its mapping (TICKPAGE_DEV, for
 * tests). A regular file shorter than the two pages would map, and the
 * first read past its end would raise SIGBUS: treat it as no page
 * (tickpaged's one-page shm file is the usual mistake).
 */
static int tickpage_lib_open(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) ||
	    (S_ISREG(st.st_mode) && st.st_size < (off_t)TICKPAGE_MMAP_SIZE)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *tickpage_lib_map(void)
{
	void *m = __atomic_load_n(&tickpage_map, __ATOMIC_ACQUIRE);
	void *expected = NULL;
	const char *path;
	int fd;

	if (m)
		return m == TICKPAGE_MAP_FAILED ? NULL : m;

	path = secure_getenv("TICKPAGE_DEV");
	if (!path || !*path)
		path = TICKPAGE_DEV_PATH;
	m = TICKPAGE_MAP_FAILED;
	fd = tickpage_lib_open(path);
	if (fd >= 0) {
		void *p = mmap(NULL, TICKPAGE_MMAP_SIZE, PROT_READ, MAP_SHARED,
			       fd, 0);

		if (p != MAP_FAILED)
			m = p;
		close(fd);
	}
	if (!__atomic_compare_exchange_n(&tickpage_map, &expected, m, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (m != TICKPAGE_MAP_FAILED)
			munmap(m, TICKPAGE_MMAP_SIZE);
		m = expected;
	}
	return m == TICKPAGE_MAP_FAILED ? NULL : m;
}

/*
 * The fast path's mapping is published only once the time page's
 * identity checked out, so that tickpage_fast_gettime() need not check
 * it again (tickpage-fast.h says why that holds after hot-unplug). A
 * page not initialised yet is checked again on the next read.
 */
int tickpage_lib_gettime_slow(clockid_t clk, struct timespec *ts)
{
	const uint8_t *m = __atomic_load_n(&tickpage_fast_map, __ATOMIC_ACQUIRE);
	int tries, err;

	if (!m) {
		m = tickpage_lib_map();
		if (!m)
			return TICKPAGE_ERR_MAGIC;
		err = tickpage_validate((const void *)(m +
						TICKPAGE_MMAP_PAGE_OFFSET));
		if (err)
			return err;
		__atomic_store_n(&tickpage_fast_map, m, __ATOMIC_RELEASE);
	}
	/* A writer stuck with seq odd is not waited on past the bound. */
	for (tries = 0; tries < TICKPAGE_MAX_RETRIES; tries++) {
		if (tries)
			tickpage_cpu_relax();
		err = tickpage_fast_try(m, clk, ts);
		if (err != TICKPAGE_FAST_RETRY)
			return err;
	}
	return TICKPAGE_ERR_BUSY;
}

/*
 * One snapshot of each page, consistent with each other: the guest page
 * is read around the time page and must not change in between, so an
 * offset is never combined with a snapshot of another alignment.
 */
static int tickpage_lib_read(struct tickpage_snapshot *s,
			     struct tickpage_guest *g)
{
	const uint8_t *m = tickpage_lib_map();
	const struct tickpage *tp;
	const struct tickpage_guest *gp;
	int tries, err;

	if (!m)
		return TICKPAGE_ERR_MAGIC;
	tp = (const void *)(m + TICKPAGE_MMAP_PAGE_OFFSET);
	gp = (const void *)(m + TICKPAGE_MMAP_GUEST_OFFSET);
	for (tries = 0; tries < 16; tries++) {
		err = tickpage_guest_read(gp, g);
		if (err)
			return err;
		err = tickpage_read(tp, s);
		if (err)
			return err;
		tickpage_rmb(); /* page body before the guest page's seq */
		if (TICKPAGE_LOAD(gp->seq) == g->seq)
			return TICKPAGE_OK;
	}
	return TICKPAGE_ERR_BUSY;
}

void tickpage_lib_mono_guard(struct timespec *ts)
{
	uint64_t ns = (uint64_t)ts->tv_sec * 1000000000u + ts->tv_nsec;
	uint64_t last = tickpage_fast_guard(ns);

	if (last != ns) {
		ts->tv_sec = last / 1000000000u;
		ts->tv_nsec = last % 1000000000u;
	}
}

/*
 * The fallback keeps the one wall clock too: CLOCK_REALTIME_COARSE is
 * the guarded CLOCK_MONOTONIC_COARSE plus the guest's realtime offset
 * while the driver keeps it, so that the two never disagree and neither
 * goes back across a switch between the page and @next.
 */
int tickpage_lib_fallback(clockid_t clk, struct timespec *ts,
			  tickpage_clock_fn next)
{
	const uint8_t *m = clk == CLOCK_REALTIME_COARSE ? tickpage_lib_map() : NULL;
	const struct tickpage_guest *gp;
	uint64_t ns;
	int ret;

	gp = m ? (const void *)(m + TICKPAGE_MMAP_GUEST_OFFSET) : NULL;
	if (gp && TICKPAGE_LOAD(gp->magic) == TICKPAGE_GUEST_MAGIC &&
	    (TICKPAGE_LOAD(gp->flags) & TICKPAGE_GUEST_F_REAL)) {
		ret = next(CLOCK_MONOTONIC_COARSE, ts);
		if (ret)
			return ret;
		tickpage_lib_mono_guard(ts);
		ns = (uint64_t)ts->tv_sec * 1000000000u + ts->tv_nsec +
		     (uint64_t)TICKPAGE_LOAD(gp->real_ns);
		ts->tv_sec = ns / 1000000000u;
		ts->tv_nsec = ns % 1000000000u;
		return 0;
	}
	ret = next(clk, ts);
	if (!ret && clk == CLOCK_MONOTONIC_COARSE)
		tickpage_lib_mono_guard(ts);
	return ret;
}

int tickpage_lib_getres(clockid_t clk, struct timespec *res)
{
	struct tickpage_snapshot s;
	struct tickpage_guest g;
	int err;

	if (clk != CLOCK_REALTIME_COARSE && clk != CLOCK_MONOTONIC_COARSE)
		return TICKPAGE_ERR_RANGE;
	err = tickpage_lib_read(&s, &g);
	if (err)
		return err;
	if (g.status != TICKPAGE_GUEST_OK &&
	    g.status != TICKPAGE_GUEST_ALIGNING)
		return TICKPAGE_ERR_INVALID;
	res->tv_sec = s.period_ns / 1000000000u;
	res->tv_nsec = s.period_ns % 1000000000u;
	return TICKPAGE_OK;
}
