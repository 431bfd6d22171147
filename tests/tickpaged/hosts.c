/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Two hosts on one machine, for the migration tests: two tickpaged test
 * daemons on two files, the second with --test-mono-offset=+1000s. Its
 * page must look like another host's: monotonic time 1000 s apart from
 * the first's (and from this machine's), realtime the host's on both
 * (one wall clock, as two NTP-synchronised hosts have), a generation of
 * its own. The offset must not reach the daemon's deadlines: it still
 * publishes every period. An offset that would put monotonic time
 * before 0 is refused.
 */
#include "tpd.h"

#define OFFSET_NS	(1000ll * 1000000000ll)
/* Staleness allowed for the best of ATTEMPTS reads on a busy machine. */
#define CLOSE_NS	5000000ll
#define ATTEMPTS	20

/* Page realtime minus page monotonic: fixed within a generation. */
static int64_t page_base(const struct tickpage_snapshot *s)
{
	return tpd_rt(s) - (int64_t)s->monotonic_ns;
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

int main(void)
{
	char path_b[sizeof(tpd_file) + 8], lock_b[sizeof(path_b) + 8];
	const char *const offset[] = { "--test-mono-offset=+1000s", NULL };
	const char *const before0[] = { "--test-mono-offset=-1000000000s", NULL };
	const char *path_a = tpd_path("hosts");
	const struct tickpage *ta, *tb;
	struct tickpage_snapshot a = { 0 }, b = { 0 }, a1 = { 0 }, b1 = { 0 };
	int64_t best_mono = INT64_MAX, best_rt_a = INT64_MAX;
	int64_t best_rt_b = INT64_MAX, host0, host1, base;
	pid_t pa, pb;
	int i, ok, status;

	snprintf(path_b, sizeof(path_b), "%s-b", path_a);
	tpd_lock_path(lock_b, sizeof(lock_b), path_b);
	unlink(path_b);

	pa = tpd_start_test(path_a, NULL);
	pb = tpd_start_test(path_b, offset);
	ta = tpd_wait_valid(path_a, pa);
	tb = tpd_wait_valid(path_b, pb);
	if (!report(ta && tb, "both pages valid after start")) {
		tpd_stop(pa, SIGKILL);
		tpd_stop(pb, SIGKILL);
		goto out;
	}

	/*
	 * Each read is up to a period stale, more when the daemons wait for
	 * a CPU: take the best of a few, each bracketed by host reads.
	 */
	for (i = 0; i < ATTEMPTS; i++) {
		int64_t h_rt;

		ok = tickpage_read(ta, &a) == TICKPAGE_OK &&
		     tickpage_read(tb, &b) == TICKPAGE_OK;
		h_rt = tpd_now(CLOCK_REALTIME);
		if (!ok)
			break;
		if (abs64((int64_t)(b.monotonic_ns - a.monotonic_ns) - OFFSET_NS) <
		    abs64(best_mono - OFFSET_NS))
			best_mono = (int64_t)(b.monotonic_ns - a.monotonic_ns);
		if (abs64(h_rt - tpd_rt(&a)) < abs64(best_rt_a))
			best_rt_a = h_rt - tpd_rt(&a);
		if (abs64(h_rt - tpd_rt(&b)) < abs64(best_rt_b))
			best_rt_b = h_rt - tpd_rt(&b);
		tpd_sleep_ms(3);
	}
	report(ok, "both pages read clean");
	report(abs64(best_mono - OFFSET_NS) <= CLOSE_NS,
	       "monotonic: second page - first = %+.6f s (want +1000 s)",
	       best_mono / 1e9);
	report(abs64(best_rt_a) <= CLOSE_NS && abs64(best_rt_b) <= CLOSE_NS,
	       "realtime: host - page = %+.3f ms, %+.3f ms (want within %lld ms)",
	       best_rt_a / 1e6, best_rt_b / 1e6, CLOSE_NS / 1000000);
	/*
	 * Exact, whatever the staleness: each page's realtime - monotonic
	 * is the host's, sampled once at its generation's start.
	 */
	base = page_base(&a) - page_base(&b);
	report(abs64(base - OFFSET_NS) <= 1000000,
	       "realtime - monotonic: first page's - second's = %+.6f s (want +1000 s)",
	       base / 1e9);
	report(a.generation != b.generation,
	       "generations differ: %llu, %llu",
	       (unsigned long long)a.generation,
	       (unsigned long long)b.generation);

	/* The offset is the page's, not the timer's: 1 ms ticks go on. */
	host0 = tpd_now(CLOCK_MONOTONIC);
	tpd_sleep_ms(500);
	ok = tickpage_read(ta, &a1) == TICKPAGE_OK &&
	     tickpage_read(tb, &b1) == TICKPAGE_OK;
	host1 = tpd_now(CLOCK_MONOTONIC);
	report(ok && b1.update_count - b.update_count >= 250 &&
	       a1.update_count - a.update_count >= 250,
	       "both publish every 1 ms: %llu and %llu updates in %.0f ms",
	       (unsigned long long)(a1.update_count - a.update_count),
	       (unsigned long long)(b1.update_count - b.update_count),
	       (host1 - host0) / 1e6);
	report(ok && abs64((int64_t)(b1.monotonic_ns - b.monotonic_ns) -
			   (host1 - host0)) <= 50000000ll,
	       "the offset page's monotonic time runs at the host's rate: %.1f ms in %.1f ms",
	       (b1.monotonic_ns - b.monotonic_ns) / 1e6,
	       (host1 - host0) / 1e6);
	report(b1.generation == b.generation && a1.generation == a.generation,
	       "no generation change while running");

	report(WIFEXITED(tpd_stop(pa, SIGTERM)), "first daemon stops");
	report(WIFEXITED(tpd_stop(pb, SIGTERM)), "second daemon stops");

	/* A negative offset past this host's uptime: a run-time refusal. */
	unlink(path_b);
	pb = tpd_start_test(path_b, before0);
	status = tpd_stop(pb, 0);
	report(status != -1 && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 1 &&
	       access(path_b, F_OK) != 0,
	       "--test-mono-offset=-1000000000s (before 0): exit 1, no page");
out:
	unlink(path_b);
	unlink(lock_b);
	tpd_cleanup();
	return report_summary();
}
