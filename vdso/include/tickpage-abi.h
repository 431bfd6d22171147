/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * tickpage: a hypervisor-published guest time page.
 *
 * The one definition of the page, compiled unchanged by QEMU, Linux
 * (driver and vDSO, no libc) and user space; docs/abi.md is its prose
 * twin. Every period the host writes one snapshot of its wall clock and
 * of the VM's monotonic clock; a guest serves its coarse clocks from it
 * with two loads and a sequence check.
 *
 * Rules:
 *  - Every field is little-endian, fixed width and naturally aligned.
 *  - The identity block (magic .. size) is written once, before the
 *    first publication, and never changes while the page is in use.
 *  - Everything from @flags on is covered by @seq, odd while the writer
 *    writes; a reader retries while @seq is odd or moved (tickpage-read.h).
 *  - Except that @monotonic_ns may be read alone, then @flags and
 *    @generation after a read barrier (tickpage_peek_monotonic()): it is
 *    one store and never goes back within a generation, and a new
 *    @generation (and a cleared TICKPAGE_F_VALID) is stored, with a write
 *    barrier, before the time that goes with it. A page initialised
 *    again never reuses a generation readers hold.
 *  - A reader refuses an @abi_major it does not know and ignores fields
 *    past its @size; a newer minor only appends fields and grows @size
 *    (TICKPAGE_FIELD_PRESENT()).
 *  - Without TICKPAGE_F_VALID, readers use the kernel's own clocks; it
 *    is never an error to the application.
 */
#ifndef TICKPAGE_ABI_H
#define TICKPAGE_ABI_H

#if defined(__KERNEL__)
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* "TKPG" in memory order, so the page is recognisable in a hex dump. */
#define TICKPAGE_MAGIC		0x47504b54u
/*
 * "TKPK": since 1.1, a parked page. QEMU's device (memdev mode) shows it
 * in place of the host's page while the VM's clocks stood still and the
 * host's did not; no reader may use it. It has the identity block and
 * @generation, the host page's; a guest driver stops serving the page,
 * then writes anything to this one to see the host's page again.
 */
#define TICKPAGE_PARKED_MAGIC	0x4b504b54u

#define TICKPAGE_ABI_MAJOR	1
#define TICKPAGE_ABI_MINOR	1

/* The page is one 4 KiB page on every architecture, guest or host. */
#define TICKPAGE_PAGE_SIZE	4096u

/* Default and allowed publication period, in ns. */
#define TICKPAGE_PERIOD_DEFAULT_NS	1000000ull
#define TICKPAGE_PERIOD_MIN_NS		100000ull	/* 100 us */
#define TICKPAGE_PERIOD_MAX_NS		1000000000ull	/* 1 s */

/*
 * PCI identity of "-device tickpage": the vendor ID of QEMU's own
 * paravirtual devices, and a device ID at the top of 1b36:0010-00ff,
 * clear of upstream's, until one is allocated on qemu-devel. No stock
 * driver claims the class.
 */
#define TICKPAGE_PCI_VENDOR_ID	0x1b36
#define TICKPAGE_PCI_DEVICE_ID	0x00f0
#define TICKPAGE_PCI_CLASS	0x088000	/* PCI_CLASS_SYSTEM_OTHER << 8 */

/*
 * i386 aligns a plain 64-bit member to 4 bytes only; forcing 8 keeps the
 * layout (every 64-bit field is at a multiple of 8 already) and lets a
 * 32-bit reader load each field with one single-copy-atomic access.
 */
#define TICKPAGE_ALIGNED_64	__attribute__((aligned(8)))

struct tickpage {
	/* Identity: written once, before the first publication. */
	uint32_t magic;			/* TICKPAGE_MAGIC */
	uint16_t abi_major;		/* TICKPAGE_ABI_MAJOR */
	uint16_t abi_minor;		/* TICKPAGE_ABI_MINOR of the writer */
	uint32_t size;			/* bytes of this struct the writer fills */

	/*
	 * Sequence counter: odd while the host writes the fields below.
	 * A reader masks the low bit on entry so that it retries, rather
	 * than returns, a snapshot taken while a write was in progress.
	 */
	uint32_t seq;

	/* Everything below is covered by @seq. */
	uint64_t flags TICKPAGE_ALIGNED_64;
#define TICKPAGE_F_VALID	(1ull << 0)	/* clocks below are usable */
	/*
	 * monotonic_ns is the VM's own clock: it stops while the VM is
	 * paused (QEMU device). Clear: the host's CLOCK_MONOTONIC, which
	 * keeps counting while a VM is paused (tickpaged).
	 */
#define TICKPAGE_F_VM_CLOCK	(1ull << 1)

	/*
	 * Changes on every discontinuity (incoming migration, snapshot
	 * restore, host wall-clock step, publisher restart), and only then
	 * may realtime step; a guest realigns what it derived from
	 * monotonic_ns. Within one generation realtime - monotonic_ns is
	 * constant.
	 */
	uint64_t generation TICKPAGE_ALIGNED_64;
	uint64_t update_count TICKPAGE_ALIGNED_64;	/* +1 per publication: liveness */
	uint64_t period_ns TICKPAGE_ALIGNED_64;	/* publication period, ns */

	/* One snapshot of both clocks, taken together. */
	int64_t realtime_sec TICKPAGE_ALIGNED_64;	/* host CLOCK_REALTIME, s */
	uint32_t realtime_nsec;		/* ns, 0..999999999 */
	uint32_t reserved0;		/* zero */
	uint64_t monotonic_ns TICKPAGE_ALIGNED_64;	/* VM monotonic time, ns */

	/* A new minor appends fields here and grows @size. */
};

/* True when a page of writer size @sz carries @field. */
#define TICKPAGE_FIELD_PRESENT(sz, field)				\
	((sz) >= __builtin_offsetof(struct tickpage, field) +		\
		 sizeof(((struct tickpage *)0)->field))

/* Size of the 1.0 layout: the least a valid page may declare. */
#define TICKPAGE_SIZE_V1_0	72u

#define TICKPAGE_ASSERT_OFFSET(field, off)				\
	_Static_assert(__builtin_offsetof(struct tickpage, field) == (off), \
		       "tickpage ABI: offset of " #field)

TICKPAGE_ASSERT_OFFSET(magic, 0);
TICKPAGE_ASSERT_OFFSET(abi_major, 4);
TICKPAGE_ASSERT_OFFSET(abi_minor, 6);
TICKPAGE_ASSERT_OFFSET(size, 8);
TICKPAGE_ASSERT_OFFSET(seq, 12);
TICKPAGE_ASSERT_OFFSET(flags, 16);
TICKPAGE_ASSERT_OFFSET(generation, 24);
TICKPAGE_ASSERT_OFFSET(update_count, 32);
TICKPAGE_ASSERT_OFFSET(period_ns, 40);
TICKPAGE_ASSERT_OFFSET(realtime_sec, 48);
TICKPAGE_ASSERT_OFFSET(realtime_nsec, 56);
TICKPAGE_ASSERT_OFFSET(reserved0, 60);
TICKPAGE_ASSERT_OFFSET(monotonic_ns, 64);
_Static_assert(sizeof(struct tickpage) == TICKPAGE_SIZE_V1_0,
	       "tickpage ABI: size of the 1.0 layout");
_Static_assert(sizeof(struct tickpage) <= TICKPAGE_PAGE_SIZE,
	       "tickpage ABI: the header fits in the page");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tickpage: only little-endian hosts and guests are implemented"
#endif

#endif /* TICKPAGE_ABI_H */
