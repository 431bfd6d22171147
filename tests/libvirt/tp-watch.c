// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-watch: the libvirt tests' in-guest reporter. It runs for the life
 * of the guest and prints, every --interval-ms (default 100), one line
 * the host test parses from the serial log:
 *
 *   TPW n=N fine0=NS page=NS|-ERR app=NS fine=NS gen=G upd=U period=NS st=S
 *       rt=SEC.NSEC
 *
 *   page   coarse monotonic read straight from /dev/tickpage's two
 *          pages (tickpage_guest_mono), no per-process guard: what a
 *          reader that forgot nothing would see; "-ERR" when the page
 *          cannot serve it (the reader would fall back)
 *   app    CLOCK_MONOTONIC_COARSE as an application linked with
 *          libtickpage sees it (page, else the kernel's coarse clock)
 *   fine0, fine   the guest's CLOCK_MONOTONIC read before and after
 *          both coarse reads: a correct coarse value lies in
 *          [fine0 - period, fine] however long the reads took (a TCG
 *          vCPU can be descheduled between any two instructions)
 *   gen    the page's generation, upd its update count, st the
 *          driver's enum tickpage_guest_status
 *   rt     the page's realtime (the host's wall clock at its last
 *          publication), meaningful when page= is not an error: the
 *          host compares it with its own clock when the line arrives
 *
 * The first line, TPW-START, gives the interval and the driver's
 * margin_ns (module parameter; -1 if unreadable).
 *
 * The host cannot talk to the guest through libvirt's serial file, so
 * the guest reports continuously and the host compares the lines
 * before and after each operation (suspend, save/restore...).
 *
 * Usage: tp-watch [--interval-ms=MS] [--dev=PATH]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-dev.h"
#include "tickpage.h"

#define USAGE "usage: tp-watch [--interval-ms=MS] [--dev=PATH]\n"

static uint64_t mono_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* /dev/tickpage appears when the driver binds: give it a few seconds. */
static const void *map_dev(const char *path)
{
	void *m;
	int fd = -1, i;

	for (i = 0; i < 100 && fd < 0; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			usleep(100000);
	}
	if (fd < 0) {
		printf("TPW-ERROR %s: %s\n", path, strerror(errno));
		return NULL;
	}
	m = mmap(NULL, TICKPAGE_MMAP_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		printf("TPW-ERROR mmap %s: %s\n", path, strerror(errno));
		return NULL;
	}
	return m;
}

/*
 * The driver keeps coarse time this far behind its measured offset: the
 * host's lag budget includes it. -1 when the parameter cannot be read.
 */
static long long driver_margin_ns(void)
{
	FILE *f = fopen("/sys/module/tickpage/parameters/margin_ns", "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *dev = TICKPAGE_DEV_PATH;
	const struct tickpage *page;
	const struct tickpage_guest *gpage;
	long interval_ms = 100;
	unsigned long n;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--interval-ms=", 14)) {
			interval_ms = atol(argv[i] + 14);
		} else if (!strncmp(argv[i], "--dev=", 6)) {
			dev = argv[i] + 6;
		} else {
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (interval_ms <= 0) {
		fprintf(stderr, "tp-watch: --interval-ms must be positive\n");
		return 2;
	}
	page = map_dev(dev);
	if (!page)
		return 1;
	gpage = (const void *)((const char *)page + TICKPAGE_MMAP_GUEST_OFFSET);
	printf("TPW-START interval_ms=%ld margin_ns=%lld\n", interval_ms,
	       driver_margin_ns());

	for (n = 0;; n++) {
		struct tickpage_snapshot s = {0};
		struct tickpage_guest g = {0};
		struct timespec app;
		uint64_t coarse = 0, fine, fine0;
		int err;

		fine0 = mono_ns(CLOCK_MONOTONIC);
		/* Both pages under the guest page's seq, as libtickpage does.
		 */
		do {
			err = tickpage_guest_read(gpage, &g);
			if (!err)
				err = tickpage_read(page, &s);
			if (err)
				break;
			tickpage_rmb();
		} while (TICKPAGE_LOAD(gpage->seq) != g.seq);
		if (!err)
			err = tickpage_guest_mono(&s, &g, &coarse);
		tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &app);
		fine = mono_ns(CLOCK_MONOTONIC);

		if (err)
			printf("TPW n=%lu fine0=%llu page=%d", n,
			       (unsigned long long)fine0, err);
		else
			printf("TPW n=%lu fine0=%llu page=%llu", n,
			       (unsigned long long)fine0,
			       (unsigned long long)coarse);
		printf(" app=%llu fine=%llu",
		       (unsigned long long)app.tv_sec * 1000000000u +
			       app.tv_nsec,
		       (unsigned long long)fine);
		printf(" gen=%llu upd=%llu period=%llu st=%u rt=%lld.%09u\n",
		       (unsigned long long)s.generation,
		       (unsigned long long)s.update_count,
		       (unsigned long long)s.period_ns, g.status,
		       (long long)s.realtime_sec, s.realtime_nsec);
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
}
