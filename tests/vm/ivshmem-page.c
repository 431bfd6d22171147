// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * ivshmem-page: read a tickpaged page through an ivshmem-plain device,
 * from guest user space, with no driver.
 *
 * Usage: ivshmem-page [--samples N] [--interval-ms MS] [--try-write]
 *
 * Finds the ivshmem device (1af4:1110), maps its BAR 2 read-only and
 * takes N snapshots with tickpage_read(), MS apart. Checks what the
 * guest alone can judge (the page validates, every read succeeds, the
 * mapping cannot be made writable, update_count advances, clocks do not
 * go back) and prints each snapshot as
 *   snapshot I realtime_ns=.. monotonic_ns=.. generation=.. update_count=.. period_ns=.. flags=0x..
 * for the host to compare with its own clocks, which only it can do.
 *
 * --try-write also maps the BAR writable (as root can) and stores to
 * the page's magic: with the memory backend's readonly=on the store must
 * not reach the page. If it does, the magic is put back at once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "args.h"
#include "pci-map.h"
#include "report.h"
#include "tickpage-read.h"

#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define IVSHMEM_BAR_MEM	2

static void die_usage(void)
{
	fprintf(stderr, "usage: ivshmem-page [--samples N] [--interval-ms MS] [--try-write]\n");
	exit(2);
}

/* A store through a writable mapping of the BAR must not reach the page. */
static void check_write(const char *bdf, const struct tickpage *ro)
{
	struct tickpage *rw;

	rw = tpvm_pci_map_bar(bdf, IVSHMEM_BAR_MEM, TICKPAGE_PAGE_SIZE,
			      PROT_READ | PROT_WRITE);
	if (!rw) {
		report(1, "guest cannot even map the page writable: %s", strerror(errno));
		return;
	}
	__atomic_store_n(&rw->magic, ~TICKPAGE_MAGIC, __ATOMIC_SEQ_CST);
	if (!report(TICKPAGE_LOAD(ro->magic) == TICKPAGE_MAGIC,
		    "guest store to the page is dropped (magic now 0x%08x)",
		    TICKPAGE_LOAD(ro->magic)))
		__atomic_store_n(&rw->magic, TICKPAGE_MAGIC, __ATOMIC_SEQ_CST);
	munmap(rw, TICKPAGE_PAGE_SIZE);
}

int main(int argc, char **argv)
{
	struct tickpage_snapshot first = { 0 }, prev = { 0 }, s;
	long samples = 5, interval_ms = 20;
	int i, err, bad_reads = 0, backwards = 0, try_write = 0;
	const struct tickpage *tp;
	char bdf[32];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--samples") && i + 1 < argc)
			samples = arg_long("ivshmem-page", argv[++i], 2, 1000000);
		else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc)
			interval_ms = arg_long("ivshmem-page", argv[++i], 0, 10000);
		else if (!strcmp(argv[i], "--try-write"))
			try_write = 1;
		else
			die_usage();
	}

	if (!report(tpvm_pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, bdf) == 0,
		    "ivshmem device %04x:%04x present", IVSHMEM_VENDOR, IVSHMEM_DEVICE))
		return report_summary();
	printf("device %s\n", bdf);

	tp = tpvm_pci_map_bar(bdf, IVSHMEM_BAR_MEM, TICKPAGE_PAGE_SIZE, PROT_READ);
	if (!report(tp != NULL, "map %s resource%d read-only%s%s", bdf,
		    IVSHMEM_BAR_MEM, tp ? "" : ": ", tp ? "" : strerror(errno)))
		return report_summary();

	/* A read-only file descriptor must not yield a writable mapping. */
	report(mprotect((void *)tp, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0,
	       "read-only mapping cannot be made writable");

	err = tickpage_validate(tp);
	if (!report(err == TICKPAGE_OK, "page identity: %s (magic 0x%08x, ABI %u.%u, size %u)",
		    tickpage_strerror(err), tp->magic, tp->abi_major, tp->abi_minor, tp->size))
		return report_summary();

	if (try_write)
		check_write(bdf, tp);

	for (i = 0; i < samples; i++) {
		struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };

		if (i)
			nanosleep(&ts, NULL);
		err = tickpage_read(tp, &s);
		if (err) {
			printf("snapshot %d error=%s\n", i, tickpage_strerror(err));
			bad_reads++;
			continue;
		}
		printf("snapshot %d realtime_ns=%lld monotonic_ns=%llu generation=%llu update_count=%llu period_ns=%llu flags=0x%llx\n",
		       i,
		       (long long)s.realtime_sec * 1000000000ll + s.realtime_nsec,
		       (unsigned long long)s.monotonic_ns,
		       (unsigned long long)s.generation,
		       (unsigned long long)s.update_count,
		       (unsigned long long)s.period_ns,
		       (unsigned long long)s.flags);
		if (!first.update_count)
			first = s;
		else if (s.generation == prev.generation &&
			 (s.monotonic_ns < prev.monotonic_ns ||
			  s.realtime_sec < prev.realtime_sec ||
			  (s.realtime_sec == prev.realtime_sec &&
			   s.realtime_nsec < prev.realtime_nsec)))
			backwards++;
		prev = s;
	}

	report(bad_reads == 0, "%ld reads, %d failed", samples, bad_reads);
	report(backwards == 0, "clocks never went back within a generation (%d did)", backwards);
	report(prev.update_count > first.update_count,
	       "update_count advanced: %llu -> %llu over %ld ms",
	       (unsigned long long)first.update_count,
	       (unsigned long long)prev.update_count, (samples - 1) * interval_ms);
	return report_summary();
}
