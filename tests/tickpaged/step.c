/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * A wall-clock step bumps the generation, and nothing else moves:
 * the test build of tickpaged (tickpaged-test, the only one with the
 * clock seam --test-wall-offset-file) runs, the test steps "the wall
 * clock" +5 s and then -10 s by rewriting the offset and sending SIGUSR1
 * (the machine's clock is never touched), while a reader thread samples
 * the page as fast as it can through both steps.
 *
 * Checks: each step bumps the generation exactly once; the published
 * realtime lands where the step put it; monotonic never goes back in any
 * pair of samples; under an unchanged generation realtime - monotonic
 * never changes at all (docs/abi.md: not even by the wobble between two
 * clock reads; a publisher that bumps after publishing would show a
 * jump); a change below the documented threshold (100 us < 1 ms) is not
 * a step, and the page keeps its realtime - monotonic through it.
 */
#include <pthread.h>
#include <sched.h>

#include "tpd.h"

#define STEP_NS		5000000000ll
#define SMALL_NS	100000ll

struct watch {
	const struct tickpage *tp;
	int stop;		/* set by main, polled with __atomic */
	long samples, warps, jumps, gen_changes, invalid, errors;
};

static void *watcher(void *arg)
{
	struct watch *w = arg;
	struct tickpage_snapshot prev = { 0 }, s = { 0 };
	int have = 0;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		int err = tickpage_read(w->tp, &s);

		/* Invalid is allowed: tickpaged clears VALID across a step. */
		if (err == TICKPAGE_ERR_INVALID)
			w->invalid++;
		if (err) {
			w->errors += err != TICKPAGE_ERR_INVALID;
			continue;
		}
		w->samples++;
		if (have) {
			int64_t dm = (int64_t)(s.monotonic_ns - prev.monotonic_ns);
			int64_t dr = tpd_rt(&s) - tpd_rt(&prev);

			if (s.monotonic_ns < prev.monotonic_ns)
				w->warps++;
			if (s.generation != prev.generation)
				w->gen_changes++;
			else if (dr != dm)
				w->jumps++;
		}
		prev = s;
		have = 1;
		/* Continuous, but leave the daemon a CPU on a 2-core box. */
		if (!(w->samples & 1023))
			sched_yield();
	}
	return NULL;
}

static int write_offset(const char *file, long long ns)
{
	FILE *f = fopen(file, "w");

	if (!f)
		return -1;
	fprintf(f, "%lld\n", ns);
	return fclose(f);
}

/*
 * Step the seam to @offset and wait (up to 5 s: the daemon may be starved
 * on a busy machine) until the page's realtime shows it, or for 300 ms
 * when the step is too small to see that way.
 */
static void step(pid_t pid, const char *file, long long offset,
		 const struct tickpage *tp, struct tickpage_snapshot *s)
{
	int i;

	write_offset(file, offset);
	kill(pid, SIGUSR1);
	tpd_sleep_ms(300);
	for (i = 0; i < 470; i++) {
		int64_t off = tpd_now(CLOCK_REALTIME);

		if (tickpage_read(tp, s) == TICKPAGE_OK) {
			off = tpd_rt(s) - off;
			if (off > offset - 100000000ll &&
			    off < offset + 100000000ll)
				return;
		}
		tpd_sleep_ms(10);
	}
}

int main(void)
{
	char file[160], opt[200];
	const char *path = tpd_path("step");
	const char *args[] = { opt, NULL };
	const struct tickpage *tp;
	struct tickpage_snapshot s0 = { 0 }, s = { 0 };
	struct watch w = { 0 };
	pthread_t th;
	int64_t off;
	pid_t pid;
	int status;

	snprintf(file, sizeof(file), "%s.offset", path);
	snprintf(opt, sizeof(opt), "--test-wall-offset-file=%s", file);
	if (write_offset(file, 0)) {
		report(0, "write %s", file);
		return report_summary();
	}

	pid = tpd_start_test(path, args);
	tp = tpd_wait_valid(path, pid);
	if (!report(tp != NULL, "page valid with the wall-clock seam")) {
		tpd_stop(pid, SIGKILL);
		unlink(file);
		tpd_cleanup();
		return report_summary();
	}
	w.tp = tp;
	pthread_create(&th, NULL, watcher, &w);
	tpd_sleep_ms(200);
	tickpage_read(tp, &s0);

	step(pid, file, STEP_NS, tp, &s);
	off = tpd_rt(&s) - tpd_now(CLOCK_REALTIME);
	report(s.generation == s0.generation + 1,
	       "step +5 s: generation %llu -> %llu",
	       (unsigned long long)s0.generation,
	       (unsigned long long)s.generation);
	report(off > STEP_NS - 100000000ll && off < STEP_NS + 100000000ll,
	       "step +5 s: page realtime is host + %.3f s", (double)off / 1e9);

	step(pid, file, -STEP_NS, tp, &s);
	off = tpd_rt(&s) - tpd_now(CLOCK_REALTIME);
	report(s.generation == s0.generation + 2,
	       "step -10 s: generation %llu -> %llu",
	       (unsigned long long)s0.generation,
	       (unsigned long long)s.generation);
	report(off < -STEP_NS + 100000000ll && off > -STEP_NS - 100000000ll,
	       "step -10 s: page realtime is host %.3f s", (double)off / 1e9);

	s0 = s;
	step(pid, file, -STEP_NS + SMALL_NS, tp, &s);
	report(s.generation == s0.generation,
	       "a 100 us change is below the threshold: generation stays %llu",
	       (unsigned long long)s.generation);
	report(tpd_rt(&s) - (int64_t)s.monotonic_ns ==
	       tpd_rt(&s0) - (int64_t)s0.monotonic_ns,
	       "... and realtime - monotonic on the page stays as it was");

	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	report(w.samples > 1000, "reader took %ld samples through the steps",
	       w.samples);
	report(w.errors == 0, "no failed reads (%ld; %ld invalid mid-step)",
	       w.errors, w.invalid);
	report(w.warps == 0, "monotonic never went back (%ld warps)", w.warps);
	report(w.gen_changes == 2, "reader saw %ld generation changes, want 2",
	       w.gen_changes);
	report(w.jumps == 0,
	       "realtime - monotonic never moved under an unchanged generation (%ld times)",
	       w.jumps);

	status = tpd_stop(pid, SIGTERM);
	report(status == 0, "exit status 0 after SIGTERM (0x%x)", status);
	unlink(file);
	tpd_cleanup();
	return report_summary();
}
