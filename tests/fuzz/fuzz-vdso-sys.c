// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * The clock_gettime() system call's coarse clocks, as patch 3's
 * tickpage_coarse_ts64() computes them with <vdso/tickpage-coarse.h>,
 * for fuzz-vdso.c: built once plainly (SYS_GETTIME=sys_gettime_plain)
 * and once with the sanitizers (sys_gettime_san).
 */
#include <stdint.h>
#include <string.h>

#include <vdso/tickpage-coarse.h>

struct sys_in {
	struct vdso_data vd;
	const struct tickpage *tp;
	uint64_t f_mono, f_real;
};

int SYS_GETTIME(const struct sys_in *in, clockid_t clk, struct timespec *ts);

int SYS_GETTIME(const struct sys_in *in, clockid_t clk, struct timespec *ts)
{
	const struct vdso_data *vd = &in->vd;
	const struct vdso_timestamp *vdso_ts = &vd->basetime[clk];
	struct tickpage_coarse_sample tps;
	u64 sec, nsec;
	u32 seq;

	do {
		seq = vdso_read_begin(vd);
		sec = vdso_ts->sec;
		nsec = vdso_ts->nsec;
		tickpage_coarse_take(vd, in->tp, &tps);
	} while (unlikely(vdso_read_retry(vd, seq)));
	if (tickpage_coarse_time(&tps, clk, &sec, &nsec)) {
		/* ktime_get_ts64() or ktime_get_real_ts64() */
		u64 f = clk == CLOCK_MONOTONIC_COARSE ? in->f_mono : in->f_real;

		sec = f / NSEC_PER_SEC;
		nsec = f % NSEC_PER_SEC;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)nsec;
	return 0;
}
