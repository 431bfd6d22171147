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
#include <unistd.h>

#include "tickpage-dev.h"
#include "tickpage-lib.h"

#define TICKPAGE_MAP_FAILED ((void *)1)

/* NULL: not tried yet; TICKPAGE_MAP_FAILED: no page; else the mapping. */
static void *tickpage_map;

/* Largest CLOCK_MONOTONIC_COARSE value this process has returned, ns. */
static uint64_t tickpage_mono_last;

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
	fd = open(path, O_RDONLY | O_CLOEXEC);
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
	uint64_t last = __atomic_load_n(&tickpage_mono_last, __ATOMIC_RELAXED);

	while (ns > last) {
		if (__atomic_compare_exchange_n(&tickpage_mono_last, &last, ns,
						1, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return;
	}
	if (ns < last) {
		ts->tv_sec = last / 1000000000u;
		ts->tv_nsec = last % 1000000000u;
	}
}

int tickpage_lib_gettime(clockid_t clk, struct timespec *ts)
{
	struct tickpage_snapshot s;
	struct tickpage_guest g;
	uint64_t ns;
	int err;

	if (clk != CLOCK_REALTIME_COARSE && clk != CLOCK_MONOTONIC_COARSE)
		return TICKPAGE_ERR_RANGE;
	err = tickpage_lib_read(&s, &g);
	if (err)
		return err;
	if (clk == CLOCK_REALTIME_COARSE) {
		/* Realtime needs no offset, only a live page. */
		if (g.status != TICKPAGE_GUEST_OK &&
		    g.status != TICKPAGE_GUEST_ALIGNING)
			return TICKPAGE_ERR_INVALID;
		ts->tv_sec = s.realtime_sec;
		ts->tv_nsec = s.realtime_nsec;
		return TICKPAGE_OK;
	}
	err = tickpage_guest_mono(&s, &g, &ns);
	if (err)
		return err;
	ts->tv_sec = ns / 1000000000u;
	ts->tv_nsec = ns % 1000000000u;
	return TICKPAGE_OK;
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
