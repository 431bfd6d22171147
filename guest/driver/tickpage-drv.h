/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tickpage guest driver: what its parts share.
 *
 * tickpage-core.c     validation, liveness, the guest page and its offset
 * tickpage-wall.c     stepping the guest's wall clock to the page
 * tickpage-ptp.c      the page as a PTP clock, for chrony
 * tickpage-pci.c      binding the tickpage device and ivshmem-plain
 * tickpage-chardev.c  /dev/tickpage: read() and the read-only mmap
 * tickpage-sysfs.c    attributes under /sys/class/misc/tickpage/
 *
 * One page is bound at a time; /dev/tickpage exists while the module is
 * loaded and serves an all-zero page (readers fall back) while none is.
 */
#ifndef TICKPAGE_DRV_H
#define TICKPAGE_DRV_H

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/workqueue.h>

#include "tickpage-dev.h"

/*
 * A publication's appearance, timed by the guest's CLOCK_MONOTONIC_RAW,
 * which no adjtimex reaches: the PHC reads the page's time from it.
 */
struct tickpage_edge {
	u64 count;			/* its update_count, 0 = none yet */
	u32 generation;
	s64 real_ns;			/* its realtime */
	u64 raw_ns;			/* the middle of the bracket it appeared in */
	u64 width_ns;			/* the bracket's width */
};

/* One bound time page. */
struct tickpage_dev {
	struct device *dev;
	const struct tickpage *page;	/* write-back mapping of the page */
	unsigned long pfn;
	struct delayed_work check;
	struct ptp_clock_info ptp_info;	/* the page as a PHC, for chrony */
	struct ptp_clock *ptp;		/* NULL without CONFIG_PTP_1588_CLOCK */
	spinlock_t edge_lock;		/* guards edge */
	struct tickpage_edge edge;	/* the edge the PHC reads from */
	u64 last_count;			/* update_count seen last */
	u64 last_change_ns;		/* guest time update_count last moved */
	u64 last_align_ns;		/* guest time of the last realignment */
	bool wall_due;			/* check the wall clock at the next alignment */
	u8 wall_refine;			/* checks left to redo a step on a wide edge */
	bool ahead;			/* last check saw coarse time ahead */
	bool dying;			/* unbinding: stop measuring */
	bool own;			/* QEMU's device, not a shared ivshmem */
};

/* Serialises binding, unbinding, checks and page faults. */
extern struct mutex tickpage_lock;
/* The bound page, or NULL; changes under tickpage_lock. */
extern struct tickpage_dev *tickpage_cur;
/* The driver's own pages, mapped to user space beside the time page. */
extern struct tickpage_guest *tickpage_guest_page;
extern void *tickpage_absent_page;

int tickpage_bind(struct device *dev, resource_size_t phys, bool shared);
void tickpage_fill_info(struct tickpage_info *info);
const char *tickpage_status_name(u32 status);
bool tickpage_reader_offset(u64 generation, s64 *offset_ns);

/*
 * Bounds of the offset (guest CLOCK_MONOTONIC - page monotonic_ns) from
 * the poll gap around one publication edge: @hi is always an upper
 * bound; @lo a lower one unless the publisher was preempted between
 * its clock read and its write.
 */
struct tickpage_wall {
	s64 lo, hi;
};

bool tickpage_measure(struct tickpage_dev *td, struct tickpage_snapshot *s,
		      u64 prev, s64 *offset, struct tickpage_wall *wall);

/*
 * An edge's gap narrow enough to step the wall clock on, or to time the
 * PHC by: the poll gap of a running vCPU.
 */
#define TICKPAGE_STEP_GAP_NS		(20 * NSEC_PER_USEC)

/* Page realtime, extrapolated to the guest's @mono_ns, in ns. */
static inline s64 tickpage_page_real_ns(const struct tickpage_snapshot *s,
					s64 wall_offset, u64 mono_ns)
{
	return s->realtime_sec * NSEC_PER_SEC + s->realtime_nsec +
	       (s64)(mono_ns - s->monotonic_ns - wall_offset);
}

extern unsigned int tickpage_step_threshold_us;
void tickpage_step_wall(struct tickpage_dev *td, struct tickpage_snapshot *s,
			const struct tickpage_wall *wall);
void tickpage_wall_register(void);
void tickpage_wall_unregister(void);

void tickpage_ptp_register(struct tickpage_dev *td);
void tickpage_ptp_unregister(struct tickpage_dev *td);

int tickpage_chardev_register(void);
void tickpage_chardev_unregister(void);
void tickpage_chardev_zap(void);

extern const struct attribute_group *tickpage_sysfs_groups[];

int tickpage_pci_register(void);
void tickpage_pci_unregister(void);

/*
 * The built-in driver hands its page to the vDSO (tickpage-vdso.c, in
 * the kernel series) and must take it back before the page is unmapped:
 * the unbind calls this, from the devres action registered at bind. The
 * out-of-tree module has no vDSO to tell.
 */
#if IS_ENABLED(CONFIG_TICKPAGE) && !defined(MODULE)
void tickpage_vdso_unbind(struct tickpage_dev *td);
#else
static inline void tickpage_vdso_unbind(struct tickpage_dev *td)
{
}
#endif

#endif /* TICKPAGE_DRV_H */
