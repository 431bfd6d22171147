/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: how the publishing thread is scheduled (--sched).
 *
 * Under SCHED_OTHER a 1 kHz publisher on a host whose CPUs are all busy
 * waits its turn behind builds and vCPUs, and the page goes stale by
 * tens of milliseconds (docs/benchmarks.md); under SCHED_FIFO the timer
 * alone decides. Only the calling thread, the publisher, is changed:
 * the step-watch helper (tickpaged-clock.c) exists already and keeps
 * the policy tickpaged was started with.
 *
 * The policy is asked for, not required: without CAP_SYS_NICE or an
 * RLIMIT_RTPRIO, or under a seccomp filter, tickpaged says so once and
 * publishes at normal priority. A page that is sometimes late is still
 * far better for the guests than no page.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "tickpaged.h"

static const char *policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER:	return "SCHED_OTHER";
	case SCHED_FIFO:	return "SCHED_FIFO";
	case SCHED_RR:		return "SCHED_RR";
	case SCHED_BATCH:	return "SCHED_BATCH";
	case SCHED_IDLE:	return "SCHED_IDLE";
	default:		return "an unknown policy";
	}
}

/* "SCHED_FIFO priority 10" or "SCHED_OTHER" into @buf: what we run at. */
static void describe(char *buf, size_t len)
{
	int policy = sched_getscheduler(0);
	struct sched_param sp = { 0 };

	sched_getparam(0, &sp);
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		snprintf(buf, len, "%s priority %d", policy_name(policy),
			 sp.sched_priority);
	else
		snprintf(buf, len, "%s", policy_name(policy));
}

/*
 * Apply --sched to the calling thread; @what (for the start-up line)
 * says what it runs at afterwards.
 */
void tickpaged_sched_setup(const struct tickpaged_opts *o, char *what,
			   size_t len)
{
	struct sched_param sp = { .sched_priority = o->sched_prio };
	struct sched_param cur = { 0 };
	int err = 0;

	if (o->sched_policy != SCHED_FIFO)
		goto out;

	/*
	 * Already there (the unit's CPUSchedulingPolicy=, chrt): ask for
	 * nothing. The unit's RestrictRealtime= and SystemCallFilter=
	 * refuse any sched_setscheduler() of ours, and need not see one.
	 */
	sched_getparam(0, &cur);
	if (sched_getscheduler(0) != SCHED_FIFO ||
	    cur.sched_priority != o->sched_prio) {
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			err = errno;
	}
	if (err) {
		char now[64];

		describe(now, sizeof(now));
		if (sched_getscheduler(0) == SCHED_FIFO ||
		    sched_getscheduler(0) == SCHED_RR)
			tickpaged_err("cannot use SCHED_FIFO priority %d (%s): publishing at %s",
				      o->sched_prio, strerror(err), now);
		else
			tickpaged_err("cannot use SCHED_FIFO (%s): publishing at normal priority",
				      strerror(err));
		/*
		 * At normal priority queueing dwarfs a page fault: no
		 * mlockall(), and no second message about it.
		 */
		goto out;
	}

	/*
	 * A real-time tick that page-faults (text or stack paged out under
	 * memory pressure) waits for the disk. A few MiB, within the
	 * default RLIMIT_MEMLOCK of 8 MiB: the helper thread's stack is
	 * small for this (tickpaged-clock.c).
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		tickpaged_err("warning: cannot lock memory (%s): a page fault may delay a tick",
			      strerror(errno));
out:
	describe(what, len);
}
