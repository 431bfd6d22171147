/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * libtickpage internals, shared by the API (tickpage-api.c) and the
 * preload library (tickpage-preload.c): map the device once, give the
 * resolution from it or say why not, guard a fallback monotonic value.
 * The coarse clocks are read by tickpage-fast.h. Neither calls the C
 * library's clocks; the callers choose their own fallback.
 */
#ifndef TICKPAGE_LIB_H
#define TICKPAGE_LIB_H

#include <time.h>

#define TICKPAGE_HIDDEN __attribute__((visibility("hidden")))

/* 0 and *res (the page period), or a negative enum tickpage_status. */
TICKPAGE_HIDDEN int tickpage_lib_getres(clockid_t clk, struct timespec *res);
/*
 * Pass a CLOCK_MONOTONIC_COARSE value through the process-wide guard so
 * that switching between the page and a fallback never goes back.
 */
TICKPAGE_HIDDEN void tickpage_lib_mono_guard(struct timespec *ts);

typedef int (*tickpage_clock_fn)(clockid_t, struct timespec *);
/*
 * A coarse clock from @next (the C library's clock_gettime(), or the
 * next definition), consistent with what the page served: monotonic
 * through the guard, realtime as that plus the guest's realtime offset.
 */
TICKPAGE_HIDDEN int tickpage_lib_fallback(clockid_t clk, struct timespec *ts,
					  tickpage_clock_fn next);

#endif /* TICKPAGE_LIB_H */
