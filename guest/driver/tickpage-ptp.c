// SPDX-License-Identifier: GPL-2.0
/*
 * tickpage guest driver: the page as a PTP hardware clock (/dev/ptpN),
 * so that chrony's `refclock PHC` disciplines the guest's wall clock
 * between the steps of tickpage-wall.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/timekeeping.h>

#include "tickpage-drv.h"

/*
 * The guest times a publication's appearance, and the PHC reads that
 * publication's realtime plus the CLOCK_MONOTONIC_RAW time since: none
 * of our offset is in it and no adjtimex reaches it, so chrony's
 * corrections cannot feed back.
 *
 * One edge serves its whole period. chrony asks PTP_SYS_OFFSET_EXTENDED
 * for 25 samples an ioctl and keeps those of lowest delay: 25 edges would
 * cost a vCPU 25 periods a poll, and 25 chances that a late publication
 * fails the ioctl. A caller that brackets the call itself (PTP_SYS_OFFSET,
 * clock_gettime) takes the value for the middle of the call, so that is
 * when it is read: taken at the end of a wait for an edge, it would run
 * half the wait ahead, which chrony, fallen back to PTP_SYS_OFFSET after
 * one failed PTP_SYS_OFFSET_EXTENDED, kept the guest 0.4 ms ahead by.
 * Pages slower than 10 ms are extrapolated with the readers' offset.
 */
#define TICKPAGE_PTP_EDGE_MAX_NS	(10 * NSEC_PER_MSEC)

static int tickpage_ptp_extrapolate(const struct tickpage_snapshot *s,
				    struct timespec64 *ts,
				    struct ptp_system_timestamp *sts)
{
	s64 offset;
	u64 mono;

	if (!tickpage_reader_offset(s->generation, &offset))
		return -EAGAIN;
	ptp_read_system_prets(sts);
	mono = ktime_get_ns();
	ptp_read_system_postts(sts);
	*ts = ns_to_timespec64(tickpage_page_real_ns(s, offset, mono));
	return 0;
}

/* Wait for the next publication and time its appearance. */
static int tickpage_ptp_time_edge(struct tickpage_dev *td, u64 deadline,
				  struct tickpage_edge *e)
{
	struct tickpage_snapshot s, n;
	u64 pre, before, post;

	/* Before the first read: the edge may come right after it. */
	pre = ktime_get_raw_ns();
	if (tickpage_read(td->page, &s))
		return -ENODATA;
	for (;;) {
		before = ktime_get_raw_ns();
		if (tickpage_read(td->page, &n))
			return -ENODATA;
		if (n.update_count != s.update_count)
			break;
		pre = before;
		if (ktime_get_ns() > deadline || READ_ONCE(td->dying))
			return -ESTALE;	/* as hv_util's PTP clock does */
		cpu_relax();
	}
	post = ktime_get_raw_ns();
	e->count = n.update_count;
	e->generation = n.generation;
	e->real_ns = n.realtime_sec * NSEC_PER_SEC + n.realtime_nsec;
	e->raw_ns = pre + (post - pre) / 2;
	e->width_ns = post - pre;
	return 0;
}

/*
 * The edge of the publication on the page now: timed once, then kept.
 * A vCPU descheduled in the wait times a wide bracket; a few more
 * periods find a narrow one (TICKPAGE_STEP_GAP_NS).
 */
static int tickpage_ptp_edge(struct tickpage_dev *td,
			     const struct tickpage_snapshot *s,
			     struct tickpage_edge *e)
{
	u64 deadline = ktime_get_ns() + 4 * s->period_ns + NSEC_PER_MSEC;
	struct tickpage_edge n;
	int err, tries;

	spin_lock(&td->edge_lock);
	*e = td->edge;
	spin_unlock(&td->edge_lock);
	if (e->count && e->count == s->update_count &&
	    e->generation == s->generation)
		return 0;
	err = tickpage_ptp_time_edge(td, deadline, e);
	if (err)
		return err;
	for (tries = 1; tries < 4 && e->width_ns > TICKPAGE_STEP_GAP_NS;
	     tries++) {
		if (tickpage_ptp_time_edge(td, deadline, &n))
			break;
		if (n.width_ns < e->width_ns || n.generation != e->generation)
			*e = n;
	}
	spin_lock(&td->edge_lock);
	td->edge = *e;
	spin_unlock(&td->edge_lock);
	return 0;
}

static int tickpage_ptp_gettimex(struct ptp_clock_info *info,
				 struct timespec64 *ts,
				 struct ptp_system_timestamp *sts)
{
	struct tickpage_dev *td = container_of(info, struct tickpage_dev,
					       ptp_info);
	struct tickpage_snapshot s;
	struct tickpage_edge e;
	u64 enter, raw;
	int err;

	enter = ktime_get_raw_ns();
	if (tickpage_read(td->page, &s))
		return -ENODATA;
	if (s.period_ns > TICKPAGE_PTP_EDGE_MAX_NS)
		return tickpage_ptp_extrapolate(&s, ts, sts);
	err = tickpage_ptp_edge(td, &s, &e);
	if (err)
		return err;
	if (sts) {
		ptp_read_system_prets(sts);
		raw = ktime_get_raw_ns();
		ptp_read_system_postts(sts);
	} else {
		raw = ktime_get_raw_ns();
		raw = enter + (raw - enter) / 2;
	}
	*ts = ns_to_timespec64(e.real_ns + (s64)(raw - e.raw_ns));
	return 0;
}

/* The host's clock is not ours to set or adjust. */
static int tickpage_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int tickpage_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int tickpage_ptp_settime(struct ptp_clock_info *info,
				const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int tickpage_ptp_enable(struct ptp_clock_info *info,
			       struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static const struct ptp_clock_info tickpage_ptp_info = {
	.owner = THIS_MODULE,
	.name = "tickpage",
	.adjfine = tickpage_ptp_adjfine,
	.adjtime = tickpage_ptp_adjtime,
	.gettimex64 = tickpage_ptp_gettimex,
	.settime64 = tickpage_ptp_settime,
	.enable = tickpage_ptp_enable,
};

/*
 * Register @td's PHC. Without one (NULL without CONFIG_PTP_1588_CLOCK,
 * and after an error, said once) the driver goes on: the PHC is for
 * chrony, the page for every reader.
 */
void tickpage_ptp_register(struct tickpage_dev *td)
{
	td->ptp_info = tickpage_ptp_info;
	td->ptp = ptp_clock_register(&td->ptp_info, td->dev);
	if (IS_ERR(td->ptp)) {
		dev_warn(td->dev, "no PTP clock (%ld)\n", PTR_ERR(td->ptp));
		td->ptp = NULL;
	}
}

/* No PHC reading is in flight once this returns. */
void tickpage_ptp_unregister(struct tickpage_dev *td)
{
	if (td->ptp)
		ptp_clock_unregister(td->ptp);
	td->ptp = NULL;
}
