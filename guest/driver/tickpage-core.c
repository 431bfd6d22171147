// SPDX-License-Identifier: GPL-2.0
/*
 * tickpage guest driver core: validate a time page, watch it for
 * liveness, and keep what only the guest knows (the offset from the
 * page's monotonic time to the guest's CLOCK_MONOTONIC) in a page of its
 * own that user space reads with the same seqcount discipline.
 *
 * The bus code (tickpage-pci.c) finds the page and hands its physical
 * address to tickpage_bind(); nothing here knows about PCI. After each
 * realignment the wall clock is checked (tickpage-wall.c); the PHC
 * (tickpage-ptp.c) reads the page on its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "tickpage-drv.h"

static unsigned int check_ms = 50;
module_param(check_ms, uint, 0444);
MODULE_PARM_DESC(check_ms, "Interval of the liveness and offset check, ms (default 50)");

static unsigned int realign_ms = 1000;
module_param(realign_ms, uint, 0444);
MODULE_PARM_DESC(realign_ms, "Realign the offset at least this often, ms (default 1000)");

/*
 * A publisher preempted between its clock read and its store makes an
 * edge's offset too large by the delay: a loaded host showed up to 0.74
 * ms. The margin covers a millisecond of it; docs/guest-driver.md.
 */
static unsigned int margin_ns = 1000000;
module_param(margin_ns, uint, 0444);
MODULE_PARM_DESC(margin_ns, "Keep coarse monotonic this far behind the guest clock, ns (default 1000000)");

/* Serialises bind, unbind, checks and faults (see tickpage-drv.h). */
DEFINE_MUTEX(tickpage_lock);
struct tickpage_dev *tickpage_cur;
struct tickpage_guest *tickpage_guest_page;
void *tickpage_absent_page;

/* The driver's copy of the guest page; tickpage_guest_write() shows it. */
static struct tickpage_guest tickpage_state;

static const char * const tickpage_status_names[] = {
	[TICKPAGE_GUEST_ABSENT] = "absent",
	[TICKPAGE_GUEST_OK] = "ok",
	[TICKPAGE_GUEST_INVALID] = "invalid",
	[TICKPAGE_GUEST_STALE] = "stale",
	[TICKPAGE_GUEST_ALIGNING] = "aligning",
};

const char *tickpage_status_name(u32 status)
{
	if (status < ARRAY_SIZE(tickpage_status_names))
		return tickpage_status_names[status];
	return "unknown";
}

/*
 * Copy tickpage_state to the user-visible guest page. The barriers pair
 * with the two tickpage_rmb() in tickpage_guest_read(): a reader that
 * sees any new field also sees @seq odd or changed when it checks again.
 */
static void tickpage_guest_write(void)
{
	struct tickpage_guest *g = tickpage_guest_page;

	lockdep_assert_held(&tickpage_lock);
	WRITE_ONCE(g->seq, g->seq + 1);
	smp_wmb();	/* odd @seq before the body; pairs with first rmb */
	WRITE_ONCE(g->status, tickpage_state.status);
	WRITE_ONCE(g->generation, tickpage_state.generation);
	WRITE_ONCE(g->offset_ns, tickpage_state.offset_ns);
	WRITE_ONCE(g->mono_limit_ns, tickpage_state.mono_limit_ns);
	WRITE_ONCE(g->checks, tickpage_state.checks);
	WRITE_ONCE(g->aligns, tickpage_state.aligns);
	smp_wmb();	/* body before even @seq; pairs with second rmb */
	WRITE_ONCE(g->seq, g->seq + 1);
}

static u64 tickpage_check_ns(void)
{
	return (u64)max(check_ms, 1u) * NSEC_PER_MSEC;
}

/*
 * Measure the offset at a publication edge: poll until update_count
 * moves and pair the new snapshot with the guest clock read before the
 * last read that still saw the old count (@prev, for the caller's read
 * of @s). The publication became visible after that instant, so the
 * offset errs towards coarse time behind the guest's clock, never ahead,
 * however long the vCPU was descheduled. No edge before the deadline:
 * false, and readers fall back until a later check succeeds.
 *
 * Runs without tickpage_lock: it may take up to four periods.
 */
bool tickpage_measure(struct tickpage_dev *td, struct tickpage_snapshot *s,
		      u64 prev, s64 *offset, struct tickpage_wall *wall)
{
	u64 start = ktime_get_ns();
	/* Bounded (4 s + 1 ms at most) whatever period the page claims. */
	u64 deadline = start + NSEC_PER_MSEC +
		       4 * clamp_t(u64, s->period_ns, TICKPAGE_PERIOD_MIN_NS,
				   TICKPAGE_PERIOD_MAX_NS);
	struct tickpage_snapshot n;
	u64 now;

	for (;;) {
		now = ktime_get_ns();
		if (READ_ONCE(td->dying) || now > deadline ||
		    tickpage_read(td->page, &n))
			return false;
		if (n.update_count != s->update_count)
			break;
		prev = now;
		if (now - start < 2 * NSEC_PER_MSEC)
			cpu_relax();
		else
			usleep_range(50, 100);
	}
	*s = n;
	*offset = prev - n.monotonic_ns;
	wall->lo = prev - n.monotonic_ns;
	/* @now was read before the read that saw the edge: read again. */
	wall->hi = ktime_get_ns() - n.monotonic_ns;
	return true;
}

/*
 * tickpage_measure() over TICKPAGE_EDGES publication edges in a row, the
 * least offset. A publisher descheduled between its clock read and its
 * store shows a time older than the instant it appeared, which one edge
 * takes for a larger offset, and coarse time would run ahead of the guest
 * clock by the delay until the next realignment; the edges after it are
 * read and stored on time. False unless the first edge is measured.
 */
#define TICKPAGE_EDGES	3

static bool tickpage_measure_edges(struct tickpage_dev *td,
				   struct tickpage_snapshot *s, u64 prev,
				   s64 *offset, struct tickpage_wall *wall)
{
	struct tickpage_snapshot n;
	struct tickpage_wall w;
	s64 off;
	u64 mono;
	int i;

	if (!tickpage_measure(td, s, prev, offset, wall))
		return false;
	for (i = 1; i < TICKPAGE_EDGES; i++) {
		mono = ktime_get_ns();	/* before the read, as measure wants */
		if (tickpage_read(td->page, &n) ||
		    !tickpage_measure(td, &n, mono, &off, &w) ||
		    n.generation != s->generation)
			break;
		*offset = min(*offset, off);
		*s = n;
	}
	return true;
}

/* Vouch for the page again, with the offset just measured. */
static void tickpage_aligned(struct tickpage_dev *td,
			     const struct tickpage_snapshot *s, s64 offset)
{
	lockdep_assert_held(&tickpage_lock);
	/*
	 * The measurement is a lower bound of the offset. It may raise the
	 * offset (to within @margin of it), but lower it (a step back, which
	 * the vDSO's floor turns into coarse time holding still) only after
	 * a check saw coarse time ahead of the guest clock, and then to
	 * @margin below the measurement, as at bind: exactly at it, the next
	 * late publication was ahead again.
	 */
	if (!tickpage_state.aligns)
		tickpage_state.offset_ns = offset - margin_ns;
	else if (td->ahead)
		tickpage_state.offset_ns = min_t(s64, tickpage_state.offset_ns,
						 offset - margin_ns);
	else
		tickpage_state.offset_ns = max_t(s64, tickpage_state.offset_ns,
						 offset - margin_ns);
	tickpage_state.generation = s->generation;
	tickpage_state.aligns++;
	td->last_align_ns = ktime_get_ns();
	tickpage_state.status = TICKPAGE_GUEST_OK;
	/*
	 * Vouch for the page only up to a little past the next check, so
	 * that a page running ahead of the guest (a paused VM on tickpaged's
	 * page) makes readers fall back until the next realignment.
	 */
	tickpage_state.mono_limit_ns = s->monotonic_ns +
				       3 * tickpage_check_ns() + s->period_ns;
	tickpage_guest_write();
}

/* A parked page (tickpage-abi.h): only QEMU's device parks. */
static bool tickpage_parked(const struct tickpage_dev *td)
{
	return td->own && READ_ONCE(td->page->magic) == TICKPAGE_PARKED_MAGIC;
}

/* The device traps the write and shows the host's page again. */
static void tickpage_unpark(struct device *dev, const struct tickpage *tp)
{
	WRITE_ONCE(((struct tickpage *)tp)->reserved0, 1);
	dev_dbg(dev, "resumed the parked page\n");
}

/*
 * Resume a parked page, and say whether the page may be read again.
 * Until the vDSO follows a fall-back status (within a tick) it may pair
 * the host's page, which went on while the VM stood still, with the
 * offset from before the stop: when the parked page says the host's page
 * is still of that generation, resume only once an earlier check told
 * readers to fall back. An ivshmem page, every VM's and maybe writable,
 * is never written.
 */
static bool tickpage_resume(struct tickpage_dev *td)
{
	u32 status = tickpage_state.status;

	if (!tickpage_parked(td))
		return false;
	if (READ_ONCE(td->page->generation) == tickpage_state.generation &&
	    (status == TICKPAGE_GUEST_OK || status == TICKPAGE_GUEST_ALIGNING))
		return false;
	tickpage_unpark(td->dev, td->page);
	return true;
}

/*
 * Decide what readers may do with the page now, every check_ms. Returns
 * true when the offset must be measured again: the snapshot is in @s and
 * the guest clock taken before it in @now.
 */
static bool tickpage_update(struct tickpage_dev *td,
			    struct tickpage_snapshot *s, u64 *now)
{
	u64 stale_ns, lag_ns;
	bool realign;

	lockdep_assert_held(&tickpage_lock);
	*now = ktime_get_ns();
	tickpage_state.checks++;
	if (tickpage_read(td->page, s) &&
	    (!tickpage_resume(td) || tickpage_read(td->page, s))) {
		tickpage_state.status = TICKPAGE_GUEST_INVALID;
		goto out;
	}

	/* A page is stale once it misses many periods and two checks. */
	stale_ns = max(10 * s->period_ns, 2 * tickpage_check_ns());
	if (s->update_count != td->last_count) {
		td->last_count = s->update_count;
		td->last_change_ns = *now;
	} else if (*now - td->last_change_ns > stale_ns) {
		tickpage_state.status = TICKPAGE_GUEST_STALE;
		goto out;
	}

	/*
	 * Readers fall back until a realignment on a new generation, after
	 * a fallback, and when coarse time is past the guest clock (the lag
	 * is taken after the snapshot, so a negative one is proof). They go
	 * on with the old, still safe, offset while it is realigned when
	 * coarse time trails by more than two periods, and every realign_ms.
	 */
	lag_ns = ktime_get_ns() - (s->monotonic_ns + tickpage_state.offset_ns);
	td->ahead = (s64)lag_ns < 0;
	/*
	 * Check the wall clock after the same discontinuities, and when the
	 * page ran ahead by more than the step threshold: the guest's clocks
	 * stood still (a pause, a migration keeping the generation) while the
	 * host's went on.
	 */
	if (tickpage_state.status != TICKPAGE_GUEST_OK ||
	    tickpage_state.generation != s->generation ||
	    (s64)lag_ns < -(s64)tickpage_step_threshold_us * NSEC_PER_USEC)
		td->wall_due = true;
	if (tickpage_state.status != TICKPAGE_GUEST_OK ||
	    tickpage_state.generation != s->generation || td->ahead) {
		tickpage_state.status = TICKPAGE_GUEST_ALIGNING;
		tickpage_guest_write();
		return true;
	}
	realign = lag_ns > 2 * s->period_ns + 2ull * margin_ns ||
		  *now - td->last_align_ns > (u64)realign_ms * NSEC_PER_MSEC ||
		  td->wall_refine;
	tickpage_state.mono_limit_ns = s->monotonic_ns +
				       3 * tickpage_check_ns() + s->period_ns;
	tickpage_guest_write();
	return realign;
out:
	tickpage_guest_write();
	return false;
}

/*
 * A publisher that a loaded host delays past one measurement's deadline
 * (tickpaged under CFS: 2-20 ms, docs/benchmarks.md) would keep readers
 * falling back for another check_ms. While they fall back, measure again
 * within the same check, for up to one check interval.
 */
static void tickpage_check(struct work_struct *work)
{
	struct tickpage_dev *td = container_of(to_delayed_work(work),
					       struct tickpage_dev, check);
	struct tickpage_wall wall;
	struct tickpage_snapshot s;
	bool realign, aligning;
	s64 offset;
	u64 now, gen, start;

	mutex_lock(&tickpage_lock);
	realign = tickpage_update(td, &s, &now);
	aligning = tickpage_state.status == TICKPAGE_GUEST_ALIGNING;
	mutex_unlock(&tickpage_lock);

	/*
	 * Only this work changes the state, so it holds across the gap. A
	 * generation that changed during the measurement is left to the
	 * next check, which sees it and makes readers fall back first.
	 */
	gen = s.generation;
	start = now;
	while (realign) {
		if (tickpage_measure_edges(td, &s, now, &offset, &wall)) {
			if (s.generation != gen)
				break;
			mutex_lock(&tickpage_lock);
			tickpage_aligned(td, &s, offset);
			mutex_unlock(&tickpage_lock);
			tickpage_step_wall(td, &s, &wall);
			break;
		}
		now = ktime_get_ns();	/* before the read, as measure wants */
		if (!aligning || now - start > tickpage_check_ns() ||
		    READ_ONCE(td->dying) || tickpage_read(td->page, &s) ||
		    s.generation != gen)
			break;
	}
	schedule_delayed_work(&td->check, msecs_to_jiffies(check_ms));
}

/* Fill what read() returns: both pages and the guest clock, together. */
void tickpage_fill_info(struct tickpage_info *info)
{
	struct tickpage_dev *td;
	struct tickpage_snapshot s = {};
	const struct tickpage *tp;

	memset(info, 0, sizeof(*info));
	mutex_lock(&tickpage_lock);
	td = tickpage_cur;
	info->guest_status = tickpage_state.status;
	info->offset_ns = tickpage_state.offset_ns;
	if (!td) {
		info->read_status = TICKPAGE_ERR_MAGIC;
		goto out;
	}
	tp = td->page;
	info->abi_major = READ_ONCE(tp->abi_major);
	info->abi_minor = READ_ONCE(tp->abi_minor);
	info->size = READ_ONCE(tp->size);
	info->read_status = tickpage_read(tp, &s);
	info->flags = s.flags;
	info->generation = s.generation;
	info->update_count = s.update_count;
	info->period_ns = s.period_ns;
	info->realtime_sec = s.realtime_sec;
	info->realtime_nsec = s.realtime_nsec;
	info->monotonic_ns = s.monotonic_ns;
out:
	info->guest_monotonic_ns = ktime_get_ns();
	mutex_unlock(&tickpage_lock);
}

/*
 * The offset readers are given now, in @offset_ns, and whether they use
 * it with a page of @generation (or fall back).
 */
bool tickpage_reader_offset(u64 generation, s64 *offset_ns)
{
	bool ok;

	mutex_lock(&tickpage_lock);
	ok = tickpage_state.status == TICKPAGE_GUEST_OK &&
	     tickpage_state.generation == generation;
	*offset_ns = tickpage_state.offset_ns;
	mutex_unlock(&tickpage_lock);
	return ok;
}

/* devm action: the device is going away (unbind, hot-unplug, rmmod). */
static void tickpage_unbind(void *data)
{
	struct tickpage_dev *td = data;

	WRITE_ONCE(td->dying, true);	/* cut a long tickpage_measure() short */
	tickpage_ptp_unregister(td);
	cancel_delayed_work_sync(&td->check);
	mutex_lock(&tickpage_lock);
	tickpage_cur = NULL;
	tickpage_state.status = TICKPAGE_GUEST_ABSENT;
	tickpage_guest_write();
	mutex_unlock(&tickpage_lock);
	/*
	 * User mappings still point at the page, which devres unmaps next
	 * and the bus may remove: zap them, so that the next access faults
	 * in the all-zero page and readers fall back. The vDSO's slot first:
	 * this action was registered at bind, so it runs before the unmap
	 * however late the vDSO took the page.
	 */
	tickpage_vdso_unbind(td);
	tickpage_chardev_zap();
	dev_info(td->dev, "time page released\n");
}

/*
 * Bind the page at @phys for @dev. Returns -ENODEV (which the driver core
 * does not log) for anything that is not a usable page, after one line
 * saying why. @shared is an ivshmem device: most are not a tickpage,
 * which is then not worth a line, and its page is never written.
 */
int tickpage_bind(struct device *dev, resource_size_t phys, bool shared)
{
	const struct tickpage *tp;
	struct tickpage_dev *td;
	int err;

	tp = devm_memremap(dev, phys, TICKPAGE_PAGE_SIZE, MEMREMAP_WB);
	if (IS_ERR(tp))
		return dev_err_probe(dev, PTR_ERR(tp), "cannot map the page\n");

	/* Not bound yet, so nothing serves it: resume a parked page at once. */
	if (!shared && READ_ONCE(tp->magic) == TICKPAGE_PARKED_MAGIC)
		tickpage_unpark(dev, tp);
	err = tickpage_validate(tp);
	switch (err) {
	case TICKPAGE_OK:
		break;
	case TICKPAGE_ERR_MAGIC:
		if (shared)
			dev_dbg(dev, "magic %#x, not a tickpage\n",
				READ_ONCE(tp->magic));
		else
			dev_err(dev, "bad magic %#x, not a tickpage\n",
				READ_ONCE(tp->magic));
		return -ENODEV;
	case TICKPAGE_ERR_MAJOR:
		dev_err(dev, "unknown ABI major %u (driver knows %u), not using it\n",
			READ_ONCE(tp->abi_major), TICKPAGE_ABI_MAJOR);
		return -ENODEV;
	default:
		dev_err(dev, "%s (size %u), not using it\n", tickpage_strerror(err),
			READ_ONCE(tp->size));
		return -ENODEV;
	}

	td = devm_kzalloc(dev, sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	td->dev = dev;
	td->page = tp;
	td->own = !shared;
	td->pfn = PHYS_PFN(phys);
	INIT_DELAYED_WORK(&td->check, tickpage_check);
	spin_lock_init(&td->edge_lock);

	mutex_lock(&tickpage_lock);
	if (tickpage_cur) {
		mutex_unlock(&tickpage_lock);
		dev_info(dev, "%s already provides the time page, leaving this one alone\n",
			 dev_name(tickpage_cur->dev));
		return -ENODEV;
	}
	tickpage_cur = td;
	td->last_change_ns = ktime_get_ns();
	td->wall_due = true;
	/* Readers fall back until the first check has measured the offset. */
	tickpage_state.status = TICKPAGE_GUEST_ALIGNING;
	tickpage_guest_write();
	mutex_unlock(&tickpage_lock);

	/* Before the action, which unregisters it. */
	tickpage_ptp_register(td);
	err = devm_add_action_or_reset(dev, tickpage_unbind, td);
	if (err)
		return err;
	/* Mappings made while no page was bound show the zero page. */
	tickpage_chardev_zap();
	schedule_delayed_work(&td->check, 0);

	if (td->ptp)
		dev_info(dev, "time page ABI %u.%u, period %llu ns, PTP clock ptp%d\n",
			 READ_ONCE(tp->abi_major), READ_ONCE(tp->abi_minor),
			 READ_ONCE(tp->period_ns), ptp_clock_index(td->ptp));
	else
		dev_info(dev, "time page ABI %u.%u, period %llu ns\n",
			 READ_ONCE(tp->abi_major), READ_ONCE(tp->abi_minor),
			 READ_ONCE(tp->period_ns));
	return 0;
}

static int __init tickpage_init(void)
{
	int err;

	tickpage_guest_page = (void *)get_zeroed_page(GFP_KERNEL);
	tickpage_absent_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!tickpage_guest_page || !tickpage_absent_page) {
		err = -ENOMEM;
		goto err_pages;
	}
	tickpage_guest_page->magic = TICKPAGE_GUEST_MAGIC;
	tickpage_wall_register();
	tickpage_guest_page->flags = TICKPAGE_GUEST_F_REAL;

	err = tickpage_chardev_register();
	if (err)
		goto err_notifier;
	err = tickpage_pci_register();
	if (err)
		goto err_chardev;
	return 0;

err_chardev:
	tickpage_chardev_unregister();
err_notifier:
	tickpage_wall_unregister();
err_pages:
	free_page((unsigned long)tickpage_absent_page);
	free_page((unsigned long)tickpage_guest_page);
	return err;
}

static void __exit tickpage_exit(void)
{
	/* Unbinding zaps every mapping; open files keep the module alive. */
	tickpage_pci_unregister();
	tickpage_chardev_unregister();
	tickpage_wall_unregister();
	free_page((unsigned long)tickpage_absent_page);
	free_page((unsigned long)tickpage_guest_page);
}

module_init(tickpage_init);
module_exit(tickpage_exit);

MODULE_DESCRIPTION("tickpage: hypervisor-published time page for coarse clocks");
MODULE_LICENSE("GPL");
