// SPDX-License-Identifier: GPL-2.0
/*
 * tickpage guest driver: the guest's wall clock follows the page. A new
 * generation (migration, restore, a host step, a publisher that started
 * over), a bind, and guest clocks that stood still step CLOCK_REALTIME to
 * the page's realtime; between steps chrony slews it on the PHC
 * (tickpage-ptp.c). libtickpage's CLOCK_REALTIME_COARSE takes the
 * kernel's wall clock offset from the guest page, kept here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pvclock_gtod.h>
#include <linux/timekeeper_internal.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>

#include "tickpage-drv.h"

/*
 * Step the wall clock only when it is off by more than this: above the
 * measurement's own error, so a step is never noise, and one default
 * period, below which the coarse clocks cannot tell. Smaller errors are
 * chrony's to slew (docs/guest-driver.md).
 */
unsigned int tickpage_step_threshold_us = 1000;
module_param_named(step_threshold_us, tickpage_step_threshold_us, uint, 0444);
MODULE_PARM_DESC(step_threshold_us, "Step the wall clock to the page when off by more than this, us (default 1000)");

/*
 * Page realtime minus the guest's CLOCK_REALTIME, both at one instant.
 * The guest's wall clock is its monotonic clock plus an offset that only
 * steps and adjtimex change, so converting one monotonic reading both
 * ways gives the difference exactly, however late this runs.
 */
static s64 tickpage_wall_error_ns(const struct tickpage_snapshot *s,
				  s64 wall_offset)
{
	u64 mono = ktime_get_ns();

	return tickpage_page_real_ns(s, wall_offset, mono) -
	       ktime_to_ns(ktime_mono_to_real(ns_to_ktime(mono)));
}

/*
 * The most a module's step may leave behind before it steps once more:
 * above the nanoseconds a step loses under KVM, below the 30-150 us of
 * TCG (docs/guest-driver.md).
 */
#define TICKPAGE_STEP_RESIDUAL_NS	(10 * NSEC_PER_USEC)

/*
 * A step that found no narrow gap in 20 ms (a vCPU still cold after a
 * migration under TCG: once a 4.1 ms gap, the guest left 0.97 ms ahead,
 * below the threshold) is measured again at the next checks, this many
 * at most, and refined on the first narrow gap.
 */
#define TICKPAGE_STEP_REFINES		10

/*
 * Move the wall clock onto the page's realtime, @diff_ns away. Built in,
 * as an offset injected under the timekeeper's lock (clock_adjtime's
 * ADJ_SETOFFSET): nothing is lost between the measurement and the step.
 * do_adjtimex() is not exported, so the module sets an absolute time and
 * loses what passes before the timekeeper reads its clock: most the
 * first time the step's code runs in a process (a migration under TCG).
 * The loss is then measured exactly, and stepped once more by code that
 * has just run.
 */
static int tickpage_shift_wall(const struct tickpage_snapshot *s,
			       s64 wall_offset, s64 diff_ns)
{
#ifdef MODULE
	struct timespec64 ts;
	int err, i;

	for (i = 0; i < 2; i++) {
		ts = ns_to_timespec64(ktime_get_real_ns() + diff_ns);
		err = do_settimeofday64(&ts);
		if (err)
			return err;
		diff_ns = tickpage_wall_error_ns(s, wall_offset);
		if (abs(diff_ns) <= TICKPAGE_STEP_RESIDUAL_NS)
			break;
	}
	return 0;
#else
	/* In us: ADJ_NANO would also switch ntp's units for chrony. */
	struct __kernel_timex tx = { .modes = ADJ_SETOFFSET };
	struct timespec64 d = ns_to_timespec64(diff_ns + NSEC_PER_USEC / 2);
	int ret;

	tx.time.tv_sec = d.tv_sec;
	tx.time.tv_usec = d.tv_nsec / NSEC_PER_USEC;
	/* Success is ntp's clock state (TIME_OK ... TIME_ERROR), not 0. */
	ret = do_adjtimex(&tx);
	return ret < 0 ? ret : 0;
#endif
}

/*
 * When @wall_due (bind, a new generation, guest clocks that stood
 * still), or when the realignment's own edge shows the guest's wall
 * clock off the page by more than the threshold (a step that fell short,
 * a clock left to drift), step it to the page's realtime, extrapolated
 * to now with the guest's monotonic clock, as Hyper-V's timesync does on
 * restore. CLOCK_MONOTONIC never steps.
 */
void tickpage_step_wall(struct tickpage_dev *td, struct tickpage_snapshot *s,
			const struct tickpage_wall *wall)
{
	struct tickpage_snapshot n;
	struct tickpage_wall w;
	s64 diff, off, lo, hi, gap, limit;
	u64 mono, start, gen = s->generation;
	u8 refines = td->wall_refine;
	bool refine = false;
	int err, i;

	if (!td->wall_due && refines) {
		refine = true;
	} else if (!td->wall_due) {
		/* Good to within the edge's own bracket: enough to decide. */
		off = wall->lo + (wall->hi - wall->lo) / 2;
		diff = tickpage_wall_error_ns(s, off);
		if (abs(diff) <= (s64)tickpage_step_threshold_us * NSEC_PER_USEC +
				 (wall->hi - wall->lo))
			return;
	}
	td->wall_due = false;
	td->wall_refine = 0;

	/*
	 * A step cannot be undone: measure eight edges, and more until one
	 * gap is narrow, for 20 ms at most, and take the midpoint of the
	 * narrowest gap (a descheduled vCPU widens a gap, and its midpoint
	 * may be off by half of it), capped by the lowest upper bound (a
	 * preempted publisher raises @lo alone).
	 */
	hi = wall->hi;
	gap = wall->hi - wall->lo;
	off = wall->lo + gap / 2;
	start = ktime_get_ns();
	for (i = 0; (i < 8 || gap > TICKPAGE_STEP_GAP_NS) &&
	     ktime_get_ns() - start < 20 * NSEC_PER_MSEC; i++) {
		mono = ktime_get_ns();	/* before the read, as measure wants */
		if (tickpage_read(td->page, &n) ||
		    !tickpage_measure(td, &n, mono, &lo, &w) ||
		    n.generation != gen)
			break;
		hi = min(hi, w.hi);
		if (w.hi - w.lo < gap) {
			gap = w.hi - w.lo;
			off = w.lo + gap / 2;
		}
		*s = n;
	}
	off = min(off, hi);

	/*
	 * Refining our own step, the threshold is the measurement's error:
	 * only a narrow gap can tell, and the error was the step's, not
	 * chrony's to slew.
	 */
	limit = (s64)tickpage_step_threshold_us * NSEC_PER_USEC;
	if (refine) {
		if (gap > TICKPAGE_STEP_GAP_NS) {
			td->wall_refine = refines - 1;
			return;
		}
		limit = gap + TICKPAGE_STEP_RESIDUAL_NS;
	}
	diff = tickpage_wall_error_ns(s, off);
	if (abs(diff) <= limit) {
		dev_dbg(td->dev, "wall clock within %lld ns of the page, not stepped\n",
			diff);
		return;
	}
	err = tickpage_shift_wall(s, off, diff);
	if (err)
		dev_warn(td->dev, "cannot step the wall clock (%d)\n", err);
	else if (refine)
		dev_info(td->dev, "wall clock refined by %lld ns to the page (edge within %lld ns)\n",
			 diff, gap);
	else
		dev_info(td->dev, "wall clock stepped by %lld ns to the page (generation %llu, edge within %lld ns)\n",
			 diff, s->generation, gap);
	if (!err && !refine && gap > TICKPAGE_STEP_GAP_NS)
		td->wall_refine = TICKPAGE_STEP_REFINES;
}

/*
 * @real_ns of the guest page, at every timekeeping update (each tick,
 * and in the update that steps the wall clock), from the timekeeper
 * about to be published: libtickpage's CLOCK_REALTIME_COARSE then steps
 * with the kernel's CLOCK_REALTIME. Atomic context; one store.
 */
static int tickpage_wall_notify(struct notifier_block *nb,
				unsigned long was_set, void *priv)
{
	const struct timekeeper *tk = priv;

	WRITE_ONCE(tickpage_guest_page->real_ns, ktime_to_ns(tk->offs_real));
	return NOTIFY_OK;
}

static struct notifier_block tickpage_wall_nb = {
	.notifier_call = tickpage_wall_notify,
};

void tickpage_wall_register(void)
{
	/* Calls tickpage_wall_notify() once before it returns. */
	pvclock_gtod_register_notifier(&tickpage_wall_nb);
}

void tickpage_wall_unregister(void)
{
	pvclock_gtod_unregister_notifier(&tickpage_wall_nb);
}
