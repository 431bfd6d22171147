/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Run a built guest kernel's 64-bit vDSO in a host process: map
 * vdso64.so.dbg's text under a vvar area of our own, with struct
 * vdso_data mirrored here (Linux 6.1 plus guest/linux/), so that the very
 * instructions a guest runs read whatever state a test writes.
 * Used by tests/kernel/vdso-image.c and tests/fuzz/fuzz-vdso.c.
 */
#ifndef VDSO_LOAD_H
#define VDSO_LOAD_H

#include <stdint.h>
#include <time.h>

#include "tickpage-abi.h"

#define VDSO_CLOCKMODE_TSC	1
#define VDSO_CLOCKMODE_TIMENS	0x7fffffff
#define VDSO_BASES		(CLOCK_TAI + 1)

struct vd_timestamp {
	uint64_t sec;
	uint64_t nsec;
};

/* struct vdso_tickpage (guest/linux/, include/vdso/datapage.h) */
struct vd_tickpage {
	uint32_t mode;
	uint32_t pad;
	uint64_t generation;
	int64_t offset_ns;
	uint64_t mono_limit_ns;
	uint64_t floor_ns;
	uint64_t low_ns;
	uint64_t period_ns;
	int64_t real_ns;
	uint64_t mono_base_ns;
	uint64_t mono_base_sec;
	uint64_t real_base_ns;
	uint64_t real_base_sec;
};

#define VD_TICKPAGE_OFF		0
#define VD_TICKPAGE_FLOOR	1
#define VD_TICKPAGE_PAGE	2

/* The head of struct vdso_data, then what guest/linux/ adds. */
struct vd {
	uint32_t seq;
	int32_t clock_mode;
	uint64_t cycle_last;
	uint64_t mask;
	uint32_t mult;
	uint32_t shift;
	struct vd_timestamp basetime[VDSO_BASES];	/* or timens offsets */
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
	uint32_t hrtimer_res;
	uint32_t unused;
	struct vd_tickpage tickpage;
};

typedef int (*vdso_clock_fn)(clockid_t, struct timespec *);

struct vdso_img {
	unsigned char *text;
	struct vd *vd;		/* the vvar slot: root data, or a namespace's */
	struct vd *timens;	/* the timens slot: root data in a namespace */
	struct tickpage *tp;	/* NULL in an unpatched image */
	vdso_clock_fn gettime;
	vdso_clock_fn getres;
};

/*
 * Map @path (arch/x86/entry/vdso/vdso64.so.dbg: its symbol table places
 * the vvar pages) into @img, or exit(1) saying why.
 */
void vdso_load(const char *path, struct vdso_img *img);

#endif /* VDSO_LOAD_H */
