// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tickpage-torture: a writer publishing at full speed with
 * tickpage_publish() (plus generation bumps and invalidate + re-init),
 * readers calling tickpage_read() on other threads and in other
 * processes, every successful snapshot checked for tearing
 * (torture-pattern.h), for going back in time per reader, and, every
 * REF_EVERY reads, against the writer's own record of what it had
 * published before and started after the read (a reference clock read
 * around the page read, as kvm-unit-tests' kvmclock_test does).
 *
 * Usage: tickpage-torture [options]
 *   --reads=N        total reads over all readers (default 2e7)
 *   --seconds=S      stop early after S seconds (default 0: no limit)
 *   --threads=N      reader threads in the writer's process (default 1)
 *   --procs=N        reader processes, forked, page shared (default 1)
 *   --broken-writer  self-check: publish WITHOUT the seqcount and
 *                    expect the detector to report torn reads
 *   --stale-odd-seq  start from a page whose seq a dead writer left odd
 *                    (a publisher restarting on an old shm file)
 * Exit status: 0 when no torn, warped or stale read was seen (with
 * --broken-writer: when torn reads were seen), 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-read.h"
#include "tickpage-writer.h"
#include "torture-pattern.h"
#include "report.h"

#define MAX_READERS	64
#define REF_EVERY	64
#define CACHELINE	64

struct reader_stats {
	uint64_t reads, ok, torn, backwards, stale, ahead, ref_checks;
	uint64_t busy, invalid, other, overlapped;
	uint64_t peeks, peek_bad;	/* tickpage_peek_monotonic() */
	int64_t first_bad_k;
	char pad[CACHELINE];
};

/* One shared mapping: the page, then the writer's record, then stats. */
struct shared {
	_Alignas(4096) unsigned char page[TICKPAGE_PAGE_SIZE];
	/* Written by the writer; each on its own line, away from the page. */
	_Alignas(CACHELINE) uint64_t started_k;	/* before publishing k */
	_Alignas(CACHELINE) uint64_t published_k;	/* after publishing k */
	_Alignas(CACHELINE) int stop;
	_Alignas(CACHELINE) struct reader_stats st[MAX_READERS];
};

static struct shared *sh;
static uint64_t reads_per_reader = 20000000;
static long seconds;
static int nthreads = 1, nprocs = 1, broken, stale_odd;

#define LOAD_ACQ(x)	__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE_REL(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define PAGE_LOAD(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PAGE_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static void reader(struct reader_stats *st)
{
	const struct tickpage *tp = (const void *)sh->page;
	/* Zeroed only to quiet gcc's maybe-uninitialized at -O2. */
	struct tickpage_snapshot s = { 0 };
	uint64_t i, last_k = 0, before = 0, k;
	uint32_t seq0;

	for (i = 0; i < reads_per_reader; i++) {
		int ref = i % REF_EVERY == 0;
		int r;

		if (ref) {
			if (LOAD_ACQ(sh->stop))
				break;
			before = LOAD_ACQ(sh->published_k);
		}
		seq0 = PAGE_LOAD(tp->seq);
		r = tickpage_read(tp, &s);
		if (PAGE_LOAD(tp->seq) != seq0 || (seq0 & 1))
			st->overlapped++;
		st->reads++;
		if (i % 4 == 1) {
			uint64_t g, m;

			if (!tickpage_peek_monotonic(tp, &g, &m)) {
				st->peeks++;
				st->peek_bad += !torture_peek_ok(m, g);
			}
		}
		switch (r) {
		case TICKPAGE_OK:
			break;
		case TICKPAGE_ERR_BUSY:
			st->busy++;
			continue;
		case TICKPAGE_ERR_INVALID:
			st->invalid++;
			continue;
		default:
			st->other++;
			continue;
		}
		st->ok++;
		k = torture_check(&s);
		if (!k) {
			if (!st->torn)
				st->first_bad_k = s.realtime_sec;
			st->torn++;
			continue;
		}
		if (k < last_k)
			st->backwards++;
		last_k = k;
		if (ref) {
			st->ref_checks++;
			if (k < before)
				st->stale++;
			if (k > LOAD_ACQ(sh->started_k))
				st->ahead++;
		}
	}
}

static void *reader_thread(void *arg)
{
	reader(arg);
	return NULL;
}

static void init_epoch(struct tickpage_writer *w, struct tickpage *tp,
		       uint64_t base)
{
	tickpage_writer_init(w, tp, torture_period(base), torture_flags(base),
			     base << 8);
}

/* What a publisher that forgot the seqcount would do. */
static void broken_publish(struct tickpage *tp, const struct tickpage_sample *s)
{
	PAGE_STORE(tp->realtime_sec, s->realtime_sec);
	PAGE_STORE(tp->realtime_nsec, s->realtime_nsec);
	PAGE_STORE(tp->monotonic_ns, s->monotonic_ns);
	PAGE_STORE(tp->update_count, PAGE_LOAD(tp->update_count) + 1);
	PAGE_STORE(tp->flags, PAGE_LOAD(tp->flags) | TICKPAGE_F_VALID);
}

struct writer_stats {
	uint64_t publications, bumps, reinits;
};

static void *writer(void *arg)
{
	struct writer_stats *ws = arg;
	struct tickpage *tp = (void *)sh->page;
	struct tickpage_writer w;
	uint64_t k = 0, base = 0;

	if (stale_odd)
		tp->seq = 0x7fffffff;
	init_epoch(&w, tp, base);
	while (!LOAD_ACQ(sh->stop)) {
		struct tickpage_sample s;

		k++;
		/* What the writer must publish; it takes only the first. */
		s.realtime_sec = (int64_t)(torture_real(base, k) / 1000000000u);
		s.realtime_nsec = (uint32_t)(torture_real(base, k) % 1000000000u);
		s.monotonic_ns = torture_mono(k);
		STORE_REL(sh->started_k, k);
		if (broken)
			broken_publish(tp, &s);
		else
			tickpage_publish(&w, &s);
		STORE_REL(sh->published_k, k);
		ws->publications++;
		if ((k - base) % TORTURE_BUMP_EVERY)
			continue;
		tickpage_bump_generation(&w);
		ws->bumps++;
		if ((k - base) % TORTURE_EPOCH)
			continue;
		/* Publisher restart: readers must see INVALID, then a new epoch. */
		tickpage_invalidate(&w);
		base = k;
		init_epoch(&w, tp, base);
		ws->reinits++;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: tickpage-torture [--reads=N] [--seconds=S] "
		"[--threads=N] [--procs=N] [--broken-writer] [--stale-odd-seq]\n");
	exit(2);
}

static long number(const char *opt, const char *arg, long min, long max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);	/* accepts 1e9 */
	if (errno || end == arg || *end || v < min || v > max || v != (long)v) {
		fprintf(stderr, "tickpage-torture: %s: '%s' is not a whole number in %ld..%ld\n",
			opt, arg, min, max);
		exit(2);
	}
	return (long)v;
}

static void parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reads", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "broken-writer", no_argument, NULL, 'b' },
		{ "stale-odd-seq", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	long reads = 20000000;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reads = number("--reads", optarg, 1, 1L << 50); break;
		case 's': seconds = number("--seconds", optarg, 0, 1L << 30); break;
		case 't': nthreads = number("--threads", optarg, 0, MAX_READERS); break;
		case 'p': nprocs = number("--procs", optarg, 0, MAX_READERS); break;
		case 'b': broken = 1; break;
		case 'o': stale_odd = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (nthreads + nprocs < 1 || nthreads + nprocs > MAX_READERS) {
		fprintf(stderr, "tickpage-torture: need 1..%d readers in all\n",
			MAX_READERS);
		exit(2);
	}
	reads_per_reader = (reads + nthreads + nprocs - 1) / (nthreads + nprocs);
}

/* Stops the run at --seconds; readers notice at their next reference check. */
static void *timer_thread(void *arg)
{
	struct timespec ts = { .tv_sec = seconds };

	nanosleep(&ts, NULL);
	STORE_REL(sh->stop, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thr[MAX_READERS], timer, wthr;
	pid_t pids[MAX_READERS];
	struct writer_stats ws = { 0 };
	struct reader_stats sum = { 0 };
	int i, status, nr;
	double t0, dt;

	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	nr = nthreads + nprocs;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("tickpage-torture: mmap");
		return 1;
	}
	printf("# %s writer, %d reader thread(s) + %d reader process(es), "
	       "%llu reads each%s\n",
	       broken ? "BROKEN (no seqcount)" : "tickpage_publish", nthreads,
	       nprocs, (unsigned long long)reads_per_reader,
	       stale_odd ? ", page seq left odd by a dead writer" : "");

	/* The page must be live before any reader starts. */
	t0 = now();
	if (pthread_create(&wthr, NULL, writer, &ws))
		return 1;
	while (!LOAD_ACQ(sh->published_k))
		;
	for (i = 0; i < nprocs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("tickpage-torture: fork");
			return 1;
		}
		if (!pids[i]) {
			reader(&sh->st[nthreads + i]);
			_exit(0);
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&thr[i], NULL, reader_thread, &sh->st[i]);
	if (seconds)
		pthread_create(&timer, NULL, timer_thread, NULL);

	for (i = 0; i < nthreads; i++)
		pthread_join(thr[i], NULL);
	for (i = 0; i < nprocs; i++)
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			report(0, "reader process %d exited cleanly", i);
	STORE_REL(sh->stop, 1);
	pthread_join(wthr, NULL);
	dt = now() - t0;

	for (i = 0; i < nr; i++) {
		struct reader_stats *st = &sh->st[i];

		printf("# reader %d (%s): %llu reads, %llu ok, %llu torn, "
		       "%llu busy, %llu invalid\n", i,
		       i < nthreads ? "thread" : "process",
		       (unsigned long long)st->reads, (unsigned long long)st->ok,
		       (unsigned long long)st->torn, (unsigned long long)st->busy,
		       (unsigned long long)st->invalid);
		if (st->torn)
			printf("#   first torn snapshot had realtime_sec %lld\n",
			       (long long)st->first_bad_k);
		sum.reads += st->reads;
		sum.ok += st->ok;
		sum.torn += st->torn;
		sum.backwards += st->backwards;
		sum.stale += st->stale;
		sum.ahead += st->ahead;
		sum.ref_checks += st->ref_checks;
		sum.busy += st->busy;
		sum.invalid += st->invalid;
		sum.other += st->other;
		sum.overlapped += st->overlapped;
		sum.peeks += st->peeks;
		sum.peek_bad += st->peek_bad;
	}
	printf("# writer: %llu publications (%.1f M/s), %llu generation bumps, "
	       "%llu invalidate+re-init\n",
	       (unsigned long long)ws.publications, ws.publications / dt / 1e6,
	       (unsigned long long)ws.bumps, (unsigned long long)ws.reinits);
	printf("# total: %llu reads in %.2f s (%.1f M reads/s), %llu ok, "
	       "%llu torn, %llu overlapped a write, %llu busy, %llu invalid, "
	       "%llu other\n",
	       (unsigned long long)sum.reads, dt, sum.reads / dt / 1e6,
	       (unsigned long long)sum.ok, (unsigned long long)sum.torn,
	       (unsigned long long)sum.overlapped, (unsigned long long)sum.busy,
	       (unsigned long long)sum.invalid, (unsigned long long)sum.other);
	printf("torture: reads=%llu torn=%llu retried_or_raced=%llu busy=%llu "
	       "reads_per_s=%.0f\n",
	       (unsigned long long)sum.reads, (unsigned long long)sum.torn,
	       (unsigned long long)sum.overlapped, (unsigned long long)sum.busy,
	       sum.reads / dt);

	if (broken) {
		report(sum.torn > 0,
		       "self-check: broken writer caught, %llu torn snapshots",
		       (unsigned long long)sum.torn);
		return report_summary();
	}
	report(sum.torn == 0, "no torn snapshot in %llu successful reads",
	       (unsigned long long)sum.ok);
	report(sum.backwards == 0,
	       "per reader, publications never go back (%llu did)",
	       (unsigned long long)sum.backwards);
	report(sum.stale == 0 && sum.ahead == 0 && sum.ref_checks > 0,
	       "reference check: %llu reads between the writer's record of "
	       "published and started publications (%llu stale, %llu ahead)",
	       (unsigned long long)sum.ref_checks,
	       (unsigned long long)sum.stale, (unsigned long long)sum.ahead);
	report(sum.peeks > 0 && sum.peek_bad == 0,
	       "monotonic time read alone: %llu reads, %llu paired with an "
	       "older generation or never published",
	       (unsigned long long)sum.peeks, (unsigned long long)sum.peek_bad);
	report(sum.other == 0, "only ok, busy and invalid statuses (%llu other)",
	       (unsigned long long)sum.other);
	report(sum.ok * 2 > sum.reads, "most reads succeed (%.2f%% ok)",
	       sum.reads ? 100.0 * sum.ok / sum.reads : 0);
	report(sum.overlapped > 0 && ws.reinits > 0,
	       "the run exercised the retry path (%llu reads overlapped a "
	       "write) and re-init (%llu)", (unsigned long long)sum.overlapped,
	       (unsigned long long)ws.reinits);
	return report_summary();
}
