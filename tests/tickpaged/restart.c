/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * A publisher restart is a discontinuity readers must see: tickpaged
 * started on a page left by a previous run continues its generation +1,
 * after a clean stop and after a crash (SIGKILL leaves VALID set), and
 * republishes with its own period. A second tickpaged on a page that is
 * being published is refused and leaves the page alone.
 */
#include "tpd.h"

static int snap(const char *path, pid_t pid, struct tickpage_snapshot *s)
{
	const struct tickpage *tp = tpd_wait_valid(path, pid);
	int err;

	if (!tp)
		return -1;
	err = tickpage_read(tp, s);
	munmap((void *)tp, TICKPAGE_PAGE_SIZE);
	return err;
}

/*
 * After a crash the old page still reads valid until the new publisher
 * takes it over: wait for a generation other than @old.
 */
static int snap_new(const char *path, pid_t pid, uint64_t old,
		    struct tickpage_snapshot *s)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (snap(path, pid, s) == 0 && s->generation != old)
			return 0;
		tpd_sleep_ms(10);
	}
	return -1;
}

int main(void)
{
	const char *path = tpd_path("restart");
	const char *four[] = { "--period=4ms", NULL };
	struct tickpage_snapshot s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	pid_t pid, other;
	int status, ok;

	pid = tpd_start(path, NULL);
	if (!report(snap(path, pid, &s0) == 0, "first run publishes")) {
		tpd_stop(pid, SIGKILL);
		tpd_cleanup();
		return report_summary();
	}
	tpd_sleep_ms(20);

	/* A second publisher would interleave seqcount writes. */
	other = tpd_start(path, NULL);
	status = tpd_stop(other, 0);
	report(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
	       "second tickpaged on a live page exits 1 (wait status 0x%x)",
	       status);
	snap(path, pid, &s1);
	report(s1.generation == s0.generation && s1.update_count > s0.update_count,
	       "the live page is left alone (generation %llu, still updating)",
	       (unsigned long long)s1.generation);

	status = tpd_stop(pid, SIGTERM);
	pid = tpd_start(path, four);
	ok = snap_new(path, pid, s1.generation, &s2) == 0;
	report(ok && s2.generation == s0.generation + 1,
	       "restart after SIGTERM: generation %llu -> %llu",
	       (unsigned long long)s0.generation,
	       (unsigned long long)s2.generation);
	report(s2.period_ns == 4000000, "restart publishes its own period (%llu ns)",
	       (unsigned long long)s2.period_ns);
	report(s2.update_count < s1.update_count,
	       "restart starts a fresh update count (%llu after %llu)",
	       (unsigned long long)s2.update_count,
	       (unsigned long long)s1.update_count);

	tpd_stop(pid, SIGKILL);
	pid = tpd_start(path, NULL);
	ok = snap_new(path, pid, s2.generation, &s3) == 0;
	report(ok && s3.generation == s0.generation + 2,
	       "restart after SIGKILL: generation %llu -> %llu",
	       (unsigned long long)s2.generation,
	       (unsigned long long)s3.generation);

	tpd_stop(pid, SIGTERM);
	tpd_cleanup();
	return report_summary();
}
