/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: the main loop.
 *
 * Per tick: one clock_nanosleep() on an absolute CLOCK_MONOTONIC
 * deadline of the grid (tickpage-policy.h), vDSO clock reads, one
 * seqcount write. No allocation, no logging, no other system call, so
 * the cost does not grow with anything but the rate, and never with the
 * number of VMs mapping the page.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tickpaged.h"

static volatile sig_atomic_t tickpaged_stop, tickpaged_reload;

static void on_stop(int sig)
{
	tickpaged_stop = sig;
}

static void on_reload(int sig)
{
	tickpaged_reload = 1;
}

static int install_signals(void)
{
	/*
	 * Every signal someone sends to stop a daemon: the default action
	 * of SIGHUP (a hung-up terminal, or a habit of "reloading") and
	 * SIGQUIT would kill us with the page left VALID and frozen.
	 */
	static const int stop[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	/* No SA_RESTART: a signal must cut the sleep short. */
	struct sigaction sa = { .sa_handler = on_stop };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (sigaction(stop[i], &sa, NULL))
			return -1;
	/* The test build's clock seam; otherwise harmless, not fatal. */
	sa.sa_handler = on_reload;
	return sigaction(SIGUSR1, &sa, NULL);
}

struct tickpaged_state {
	const struct tickpaged_opts *o;
	struct tickpaged_clock clk;
	struct tickpaged_page pg;
	struct tickpage_writer w;
	struct tickpage_offset wall;	/* realtime - monotonic */
	uint64_t last_mono;		/* page time: host's + clk.mono_offset_ns */
	unsigned int seen_steps;	/* tickpaged_clock_steps() */
};

/*
 * True when the wall clock stepped (tickpage-policy.h), or the kernel
 * said it was set: the snapshot must then go out under a new
 * generation, in the same write (a guest realigns on the first snapshot
 * of a generation).
 */
static bool check_step(struct tickpaged_state *st,
		       const struct tickpage_sample *s)
{
	unsigned int steps = tickpaged_clock_steps();
	int64_t off = tickpage_sample_offset(s), jump;
	bool stepped = false;

	if (tickpage_offset_moved(&st->wall, off, st->o->step_threshold_ns,
				  &jump) || steps != st->seen_steps) {
		stepped = true;
		tickpage_offset_start(&st->wall, off);
		/* Once per step, not per tick: allowed by the cost budget. */
		if (!st->o->quiet)
			tickpaged_err("wall clock stepped by %+" PRId64 " ns; new generation",
				      jump);
	}
	st->seen_steps = steps;
	st->last_mono = s->monotonic_ns;
	return stepped;
}

static void publish(struct tickpaged_state *st, bool check)
{
	struct tickpage_sample s;

	tickpaged_clock_sample(&st->clk, &s);
	if (check && check_step(st, &s)) {
		tickpage_publish_discontinuity(&st->w, &s);
		return;
	}
	if (!check) {
		tickpage_offset_start(&st->wall, tickpage_sample_offset(&s));
		st->last_mono = s.monotonic_ns;
	}
	tickpage_publish(&st->w, &s);
}

static void ns_to_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

/* The host's CLOCK_MONOTONIC at the last sample: what deadlines are on. */
static uint64_t host_mono(const struct tickpaged_state *st)
{
	return st->last_mono - (uint64_t)st->clk.mono_offset_ns;
}

static void run(struct tickpaged_state *st)
{
	uint64_t period = st->o->period_ns;
	uint64_t next = tickpage_next_deadline(host_mono(st), host_mono(st),
					       period);
	struct timespec ts;

	while (!tickpaged_stop) {
		int err;

		ns_to_ts(next, &ts);
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		/* The signal may have come while we were awake: check always. */
		if (tickpaged_reload) {
			tickpaged_reload = 0;
			/* A bad file keeps the old offset; said once. */
			tickpaged_clock_reload(&st->clk);
		}
		if (err == EINTR)
			continue;
		publish(st, true);
		next = tickpage_next_deadline(next, host_mono(st), period);
	}
}

int main(int argc, char **argv)
{
	struct tickpaged_opts o;
	struct tickpaged_state st = { .o = &o };
	char sched[64];
	int ret;

	ret = tickpaged_parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;

	if (install_signals()) {
		tickpaged_err("cannot install signal handlers: %s",
			      strerror(errno));
		return TICKPAGED_EXIT_RUNTIME;
	}
	if (tickpaged_clock_init(&st.clk, &o))
		return TICKPAGED_EXIT_RUNTIME;
	if (tickpaged_page_open(&st.pg, &o))
		return TICKPAGED_EXIT_RUNTIME;
	/*
	 * After the helper thread exists (it keeps the policy we were
	 * started with) and the page is mapped (mlockall() locks it too).
	 */
	tickpaged_sched_setup(&o, sched, sizeof(sched));

	tickpage_writer_init(&st.w, st.pg.tp, o.period_ns, 0, st.pg.generation);
	st.seen_steps = tickpaged_clock_steps();
	publish(&st, false);
	if (!o.quiet)
		tickpaged_err("publishing %s every %" PRIu64 " ns, generation %" PRIu64 "%s, %s",
			      o.path, o.period_ns, st.pg.generation,
			      st.pg.continued ? " (continued)" : "", sched);

	run(&st);

	tickpage_invalidate(&st.w);
	tickpaged_page_close(&st.pg);
	if (!o.quiet)
		tickpaged_err("stopped by signal %d; %s marked invalid",
			      (int)tickpaged_stop, o.path);
	return 0;
}
