/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel for <vdso/tickpage-coarse.h> (guest/linux/,
 * patch 2) to compile in user space: the fuzz target runs the system
 * call's computation with it (tests/fuzz/fuzz-vdso.c). struct vdso_data
 * keeps the kernel's field names; its layout does not matter here.
 */
#ifndef FUZZ_KSHIM_DATAPAGE_H
#define FUZZ_KSHIM_DATAPAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;

#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define min(a, b)		((a) < (b) ? (a) : (b))
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define NSEC_PER_SEC		1000000000ull

#define VDSO_BASES		(CLOCK_TAI + 1)

#define VDSO_TICKPAGE_OFF	0
#define VDSO_TICKPAGE_FLOOR	1
#define VDSO_TICKPAGE_PAGE	2

struct vdso_timestamp {
	u64 sec;
	u64 nsec;
};

struct vdso_tickpage {
	u32 mode;
	u32 __pad;
	u64 generation;
	s64 offset_ns;
	u64 mono_limit_ns;
	u64 floor_ns;
	u64 low_ns;
	u64 period_ns;
	s64 real_ns;
	u64 mono_base_ns;
	u64 mono_base_sec;
	u64 real_base_ns;
	u64 real_base_sec;
};

struct vdso_data {
	u32 seq;
	s32 clock_mode;
	struct vdso_timestamp basetime[VDSO_BASES];
	struct vdso_tickpage tickpage;
};

#endif /* FUZZ_KSHIM_DATAPAGE_H */
