/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Writes to the page by anyone but tickpaged change nothing it publishes
 * next: what a guest given a writable mapping (ivshmem master=on) or a
 * user with write access could do to every VM's time.
 *
 * The test maps the page read-write, as such a guest would, while the
 * real daemon publishes, and
 *  - stores a forged realtime (2001-09-09), then a forged monotonic time
 *    (9e18 ns), each with one 8-byte store: the page must be host-true
 *    again at the next publication, in the same generation, with the
 *    generation's realtime - monotonic;
 *  - stops the daemon between two writes, scribbles over all 4096 bytes,
 *    lets it go on: the next publication carries on from the daemon's
 *    own counters (seq, update_count, generation, time), as an untouched
 *    page would.
 */
#include "tpd.h"

#define NS_PER_S	1000000000ll
#define FORGED_SEC	1000000000ll	/* 2001-09-09T01:46:40Z */
#define FORGED_MONO	9000000000000000000ull

/* Wait for a publication after the one @seq belongs to; 0 when seen. */
static int next_publication(const struct tickpage *tp, uint32_t seq)
{
	int i;

	for (i = 0; i < 2000; i++) {
		uint32_t now = __atomic_load_n(&tp->seq, __ATOMIC_ACQUIRE);

		if (!(now & 1) && now != seq)
			return 0;
		tpd_sleep_ms(1);
	}
	return -1;
}

/* A consistent snapshot, waiting out a write in progress. */
static int snap(const struct tickpage *tp, struct tickpage_snapshot *s)
{
	int i, err = TICKPAGE_ERR_BUSY;

	for (i = 0; i < 100 && err == TICKPAGE_ERR_BUSY; i++)
		err = tickpage_read(tp, s);
	return err;
}

static void forge(struct tickpage *rw, const struct tickpage *tp,
		  const struct tickpage_snapshot *before, size_t off,
		  uint64_t value, const char *what)
{
	struct tickpage_snapshot s;
	int64_t rt_err, mono_err;
	uint32_t seq;
	int err;

	__atomic_store_n((uint64_t *)((char *)rw + off), value,
			 __ATOMIC_RELEASE);
	seq = __atomic_load_n(&tp->seq, __ATOMIC_ACQUIRE);
	err = next_publication(tp, seq) ? TICKPAGE_ERR_BUSY : snap(tp, &s);
	if (err) {
		report(0, "%s: no valid publication after the write (%s)",
		       what, tickpage_strerror(err));
		return;
	}
	rt_err = tpd_rt(&s) - tpd_now(CLOCK_REALTIME);
	mono_err = (int64_t)s.monotonic_ns - tpd_now(CLOCK_MONOTONIC);
	report(llabs(rt_err) < NS_PER_S / 10 && llabs(mono_err) < NS_PER_S / 10 &&
	       s.generation == before->generation &&
	       tpd_rt(&s) - (int64_t)s.monotonic_ns ==
	       tpd_rt(before) - (int64_t)before->monotonic_ns,
	       "%s: gone at the next publication (realtime %+lld ns, monotonic %+lld ns from the host's; generation %llu, was %llu)",
	       what, (long long)rt_err, (long long)mono_err,
	       (unsigned long long)s.generation,
	       (unsigned long long)before->generation);
}

static void scribble_all(struct tickpage *rw, const struct tickpage *tp,
			 pid_t pid)
{
	struct tickpage_snapshot before, s;
	uint32_t seq;
	int err;

	if (tpd_freeze(pid, tp) || snap(tp, &before)) {
		kill(pid, SIGCONT);
		report(0, "scribble: could not stop the daemon between writes");
		return;
	}
	seq = tp->seq;
	memset(rw, 0xa5, TICKPAGE_PAGE_SIZE);
	kill(pid, SIGCONT);
	err = next_publication(tp, 0xa5a5a5a5u) ? TICKPAGE_ERR_BUSY :
						snap(tp, &s);
	if (err) {
		report(0, "scribble: no valid publication after it (%s)",
		       tickpage_strerror(err));
		return;
	}
	report(tickpage_validate(tp) == TICKPAGE_OK && !tp->reserved0,
	       "scribble: identity and reserved field whole again");
	/* Every publication adds 2 to seq and 1 to update_count. */
	report(tp->seq > seq && (tp->seq - seq) / 2 ==
	       s.update_count - before.update_count &&
	       s.generation == before.generation &&
	       s.period_ns == before.period_ns &&
	       tpd_rt(&s) - (int64_t)s.monotonic_ns ==
	       tpd_rt(&before) - (int64_t)before.monotonic_ns &&
	       s.monotonic_ns > before.monotonic_ns,
	       "scribble: the daemon's own counters carry on (seq %u -> %u, update_count %llu -> %llu, generation %llu)",
	       seq, tp->seq, (unsigned long long)before.update_count,
	       (unsigned long long)s.update_count,
	       (unsigned long long)s.generation);
}

int main(void)
{
	const char *path = tpd_path("scribble");
	const struct tickpage *tp;
	struct tickpage_snapshot before;
	struct tickpage *rw;
	pid_t pid;
	int fd;

	pid = tpd_start(path, NULL);
	tp = tpd_wait_valid(path, pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	rw = fd < 0 ? MAP_FAILED : mmap(NULL, TICKPAGE_PAGE_SIZE,
					PROT_READ | PROT_WRITE, MAP_SHARED,
					fd, 0);
	if (!tp || rw == MAP_FAILED || snap(tp, &before)) {
		report(0, "tickpaged did not publish %s", path);
		tpd_stop(pid, SIGTERM);
		tpd_cleanup();
		return report_summary();
	}
	close(fd);

	forge(rw, tp, &before, __builtin_offsetof(struct tickpage, realtime_sec),
	      FORGED_SEC, "forged realtime 2001-09-09");
	forge(rw, tp, &before, __builtin_offsetof(struct tickpage, monotonic_ns),
	      FORGED_MONO, "forged monotonic 9e18 ns");
	scribble_all(rw, tp, pid);

	report(WIFEXITED(tpd_stop(pid, SIGTERM)), "tickpaged exits on SIGTERM");
	tpd_cleanup();
	return report_summary();
}
