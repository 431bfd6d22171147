/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: the standalone host publisher of the time page.
 *
 * One process keeps one page in a shared-memory file fresh; any number
 * of VMs map that file with QEMU's ivshmem-plain. The daemon is split
 * by job: option parsing (tickpaged-opts.c), the clock source and its
 * test seam (tickpaged-clock.c), the page file (tickpaged-page.c) and
 * the main loop (tickpaged.c). Page writes all go through
 * hv/tickpage-writer.c; when to publish and under which generation is
 * hv/tickpage-policy.c, shared with the QEMU device.
 */
#ifndef TICKPAGED_H
#define TICKPAGED_H

#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "tickpage-duration.h"
#include "tickpage-policy.h"
#include "tickpage-writer.h"

/*
 * Largest file tickpaged will create: libvirt's <shmem> wants at least
 * 1 MiB; nobody needs a BAR of more than this for one page.
 */
#define TICKPAGED_SIZE_MAX	(64ull << 20)

/*
 * The page's default home: a directory the unit's RuntimeDirectory=
 * makes, that only tickpaged's user may write and the group QEMU runs
 * as may read, so that no other local user can get a file in first.
 */
#define TICKPAGED_RUNTIME_DIR	"/run/tickpage"
#define TICKPAGED_DEFAULT_PATH	TICKPAGED_RUNTIME_DIR "/page"

/*
 * --sched=fifo without a priority. Any real-time priority runs ahead of
 * every SCHED_OTHER task, which is all a tick needs; 10 stays below the
 * threaded interrupt handlers (SCHED_FIFO 50), so that a tick never
 * holds off a disk or a NIC.
 */
#define TICKPAGED_SCHED_PRIO_DEFAULT	10

/* Exit codes: bad usage is told apart from a failure at run time. */
#define TICKPAGED_EXIT_RUNTIME	1
#define TICKPAGED_EXIT_USAGE	2

/*
 * Default wall-clock step threshold: (realtime - monotonic) moving by
 * more than this from the generation's is a step. NTP slewing moves both
 * clocks alike, so only real steps add up to it.
 */
#define TICKPAGED_STEP_THRESHOLD_NS	1000000ull

struct tickpaged_opts {
	const char *path;
	uint64_t period_ns;
	uint64_t step_threshold_ns;
	uint64_t size;			/* bytes of a file we create or size */
	bool size_set;			/* --size given: existing must match */
	mode_t mode;			/* for a file we create */
	bool mode_set;			/* --mode given: apply to existing too */
	gid_t gid;
	bool group_set;
	bool quiet;
	int sched_policy;		/* SCHED_OTHER: as started; SCHED_FIFO */
	int sched_prio;			/* SCHED_FIFO's, 1..99 */
	/* Test build only (TICKPAGED_TEST_HOOKS), else NULL/0: see tickpaged-clock.c */
	const char *wall_offset_file;
	int64_t mono_offset_ns;
};

/* tickpaged-opts.c */
/* Returns 0 to run, -1 after --help (exit 0), or an exit code. */
int tickpaged_parse_args(int argc, char **argv, struct tickpaged_opts *o);
void tickpaged_err(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* tickpaged-clock.c */
struct tickpaged_clock {
	const char *offset_file;	/* NULL: the real wall clock */
	int64_t wall_offset_ns;		/* added to CLOCK_REALTIME */
	/*
	 * Added to CLOCK_MONOTONIC as sampled, so page time = host time +
	 * this; the host's own is needed for the tick deadlines. Always 0
	 * outside the test build.
	 */
	int64_t mono_offset_ns;
	int cancel_fd;			/* CANCEL_ON_SET timerfd, or -1 */
};

int tickpaged_clock_init(struct tickpaged_clock *c,
			 const struct tickpaged_opts *o);
int tickpaged_clock_reload(struct tickpaged_clock *c);
void tickpaged_clock_sample(const struct tickpaged_clock *c,
			    struct tickpage_sample *s);
unsigned int tickpaged_clock_steps(void);

/* tickpaged-sched.c */
void tickpaged_sched_setup(const struct tickpaged_opts *o, char *what,
			   size_t len);

/* tickpaged-page.c */
struct tickpaged_page {
	int fd;
	struct tickpage *tp;
	int lock_fd;			/* PATH.lock, OFD write-locked */
	char lock_path[PATH_MAX];
	bool created;
	bool busy;			/* another tickpaged holds the lock */
	bool continued;			/* the file held a tickpage */
	uint64_t generation;		/* to publish under */
};

int tickpaged_page_open(struct tickpaged_page *pg,
			const struct tickpaged_opts *o);
void tickpaged_page_close(struct tickpaged_page *pg);

#endif /* TICKPAGED_H */
