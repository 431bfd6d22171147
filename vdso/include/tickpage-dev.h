/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * tickpage guest driver interface: what /dev/tickpage offers user space.
 *
 * Compiled by the driver (guest/driver/) and by user space (libtickpage,
 * tickpage-check). docs/guest-driver.md is its prose twin.
 *
 * mmap of /dev/tickpage, read-only, shared or private:
 *   offset 0     the time page itself (struct tickpage, tickpage-abi.h)
 *   offset 4096  the guest page (struct tickpage_guest below): what only
 *                the guest knows, written by the driver
 * One mapping may cover both (offset 0, 8192 bytes). Anything else
 * (a writable mapping, other offsets, larger lengths) is refused.
 *
 * read() returns one struct tickpage_info per call: a consistent
 * snapshot of both pages plus the guest's CLOCK_MONOTONIC at the time.
 */
#ifndef TICKPAGE_DEV_H
#define TICKPAGE_DEV_H

#include "tickpage-read.h"

#define TICKPAGE_DEV_PATH		"/dev/tickpage"
#define TICKPAGE_MMAP_PAGE_OFFSET	0u
#define TICKPAGE_MMAP_GUEST_OFFSET	4096u
#define TICKPAGE_MMAP_SIZE		8192u

/* "TKPg": the guest page, distinct from the host's "TKPG". */
#define TICKPAGE_GUEST_MAGIC		0x67504b54u

/* tickpage_guest.flags: @real_ns is kept (a driver older than it: 0). */
#define TICKPAGE_GUEST_F_REAL		0x1u

/* State of the bound page, as the driver sees it. */
enum tickpage_guest_status {
	TICKPAGE_GUEST_ABSENT	= 0,	/* no page bound (or hot-unplugged) */
	TICKPAGE_GUEST_OK	= 1,	/* page live, offset aligned */
	TICKPAGE_GUEST_INVALID	= 2,	/* publisher cleared TICKPAGE_F_VALID */
	TICKPAGE_GUEST_STALE	= 3,	/* update_count stopped advancing */
	TICKPAGE_GUEST_ALIGNING	= 4,	/* generation changed, offset pending */
};

/*
 * The guest page. Written only by the driver, with the same seqcount
 * discipline as the time page: @seq odd while the driver writes.
 *
 * Coarse monotonic time on the guest's CLOCK_MONOTONIC timeline is
 * page.monotonic_ns + @offset_ns, usable only while all of these hold:
 *   - @status is TICKPAGE_GUEST_OK,
 *   - the page's generation equals @generation (the offset belongs to it),
 *   - page.monotonic_ns <= @mono_limit_ns: beyond it the driver has not
 *     yet checked the page against the guest clock (a paused VM whose
 *     tickpaged page kept counting lands there), so readers fall back
 *     until the driver's next check realigns.
 *
 * Coarse realtime is that plus @real_ns, the kernel's own realtime
 * offset, so that the guest keeps one wall clock (docs/libtickpage.md).
 * The driver stores it whole at every timekeeping update, outside @seq:
 * load it once, with one load.
 */
struct tickpage_guest {
	uint32_t magic;			/* TICKPAGE_GUEST_MAGIC */
	uint32_t seq;
	uint32_t status;		/* enum tickpage_guest_status */
	uint32_t flags;			/* TICKPAGE_GUEST_F_* */
	uint64_t generation;		/* page generation @offset_ns is for */
	int64_t offset_ns;		/* guest CLOCK_MONOTONIC - page mono, ns */
	uint64_t mono_limit_ns;		/* see above, page monotonic ns */
	uint64_t checks;		/* +1 per driver check: liveness */
	uint64_t aligns;		/* +1 per offset realignment */
	int64_t real_ns;		/* guest CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/* What read() returns: one consistent view, taken by the driver. */
struct tickpage_info {
	int32_t read_status;		/* tickpage_read() result, 0 = ok */
	uint32_t guest_status;		/* enum tickpage_guest_status */
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t size;
	uint64_t flags;
	uint64_t generation;
	uint64_t update_count;
	uint64_t period_ns;
	int64_t realtime_sec;
	uint32_t realtime_nsec;
	uint32_t reserved0;
	uint64_t monotonic_ns;		/* page monotonic, ns */
	int64_t offset_ns;		/* guest page offset */
	uint64_t guest_monotonic_ns;	/* guest CLOCK_MONOTONIC at the read */
};

_Static_assert(sizeof(struct tickpage_guest) == 64, "tickpage_guest size");
_Static_assert(sizeof(struct tickpage_info) == 88, "tickpage_info size");

/* Copy one consistent view of the guest page. 0 or TICKPAGE_ERR_*. */
TICKPAGE_INLINE int tickpage_guest_read(const struct tickpage_guest *g,
					struct tickpage_guest *out)
{
	uint32_t seq;
	int tries = 0;

	if (TICKPAGE_LOAD(g->magic) != TICKPAGE_GUEST_MAGIC)
		return TICKPAGE_ERR_MAGIC;
	do {
		if (tries++ == TICKPAGE_MAX_RETRIES)
			return TICKPAGE_ERR_BUSY;
		/* Pairs with the driver's barrier after making @seq odd. */
		seq = TICKPAGE_LOAD(g->seq) & ~1u;
		tickpage_rmb();
		out->status = TICKPAGE_LOAD(g->status);
		out->flags = TICKPAGE_LOAD(g->flags);
		out->generation = TICKPAGE_LOAD(g->generation);
		out->offset_ns = TICKPAGE_LOAD(g->offset_ns);
		out->mono_limit_ns = TICKPAGE_LOAD(g->mono_limit_ns);
		out->checks = TICKPAGE_LOAD(g->checks);
		out->aligns = TICKPAGE_LOAD(g->aligns);
		out->real_ns = TICKPAGE_LOAD(g->real_ns);
		/* Pairs with the driver's barrier before making @seq even. */
		tickpage_rmb();
	} while (TICKPAGE_LOAD(g->seq) != seq);
	out->seq = seq;
	return TICKPAGE_OK;
}

/*
 * Coarse monotonic time on the guest timeline from a snapshot of each
 * page, or a negative status when the caller must fall back.
 */
TICKPAGE_INLINE int tickpage_guest_mono(const struct tickpage_snapshot *s,
					const struct tickpage_guest *g,
					uint64_t *ns)
{
	if (g->status != TICKPAGE_GUEST_OK)
		return TICKPAGE_ERR_INVALID;
	if (g->generation != s->generation ||
	    s->monotonic_ns > g->mono_limit_ns)
		return TICKPAGE_ERR_RANGE;
	*ns = s->monotonic_ns + (uint64_t)g->offset_ns;
	return TICKPAGE_OK;
}

#endif /* TICKPAGE_DEV_H */
