/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * libtickpage: coarse clocks from the host's time page, for guests on
 * stock kernels (the page comes from tickpage.ko's /dev/tickpage).
 *
 * Served from the page, with no system call:
 *   CLOCK_MONOTONIC_COARSE  the page's monotonic time on the guest's
 *                           CLOCK_MONOTONIC timeline (driver's offset);
 *                           never ahead of the guest's CLOCK_MONOTONIC
 *                           and never backwards within a process
 *   CLOCK_REALTIME_COARSE   that plus the guest's own CLOCK_REALTIME -
 *                           CLOCK_MONOTONIC: one wall clock in the guest,
 *                           which the driver keeps on the host's
 * clock_getres() of those two reports the page's publication period.
 * Every other clock, and these two whenever the page is absent, invalid,
 * stale or being realigned, go to the C library: same results, slower.
 *
 * TICKPAGE_DEV=PATH (ignored in set-uid programs) maps PATH instead of
 * /dev/tickpage: an 8 KiB file laid out like the device's mmap, for tests.
 *
 * pkg-config --cflags --libs tickpage
 */
#ifndef TICKPAGE_H
#define TICKPAGE_H

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* clock_gettime() with the coarse clocks served from the page. */
int tickpage_clock_gettime(clockid_t clk, struct timespec *ts);

/* clock_getres(): the page's period for the coarse clocks. */
int tickpage_clock_getres(clockid_t clk, struct timespec *res);

/* time(): seconds of CLOCK_REALTIME_COARSE. */
time_t tickpage_time(time_t *t);

/*
 * Read a coarse clock from the page only: 0 and *ts, or a negative
 * enum tickpage_status (tickpage-read.h) saying why the page cannot
 * serve it now and a caller would fall back. For tools and tests.
 */
int tickpage_coarse_gettime(clockid_t clk, struct timespec *ts);

/* The page's period in ns, or a negative enum tickpage_status. */
long long tickpage_period_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* TICKPAGE_H */
