// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tickpage-check: prove inside a guest the invariants of docs/testing.md
 * (1 to 5) against the real /dev/tickpage, one PASS/FAIL/SKIP line per
 * check, as the test suite's reporters print them.
 *
 * Usage: tickpage-check [options]
 *   --dev=PATH            device to check (default /dev/tickpage)
 *   --duration=MS         how long the reader threads run (default 1000)
 *   --slack-us=US         lag allowed beyond one period for coarse vs
 *                         fine monotonic (scheduling jitter; default 2000)
 *   --host-realtime=S[.N] host wall clock sampled just before this run;
 *   --tolerance-ms=MS     page realtime must be within MS of it (default 5000)
 *   --absent              expect no usable page: check only that readers
 *                         fall back
 *   --print               print one snapshot as "key=value" lines
 *   --reader=MS           only run one reader for MS ms through whatever
 *                         the test does meanwhile (pause, unplug...)
 *
 * The monotonic and torn-read checks read the pages directly with the
 * header-only readers, not through libtickpage: the library's
 * per-process guard would hide a page or driver that steps back, and
 * other processes have no such guard.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-dev.h"
#include "tickpage.h"

static int passes, fails, skips;

static void say(const char *tag, const char *fmt, va_list ap)
{
	printf("%s: ", tag);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

__attribute__((format(printf, 2, 3)))
static int report(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(ok ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (ok)
		passes++;
	else
		fails++;
	return ok;
}

__attribute__((format(printf, 1, 2)))
static void report_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("SKIP", fmt, ap);
	va_end(ap);
	skips++;
}

/* The exit status tests/run understands: 1 failed, 77 nothing passed. */
static int report_summary(void)
{
	printf("SUMMARY: %d passed, %d failed, %d skipped\n",
	       passes, fails, skips);
	return fails ? 1 : passes ? 0 : 77;
}

static const char *dev_path = TICKPAGE_DEV_PATH;
static long duration_ms = 1000, slack_us = 2000, tolerance_ms = 5000;
static int want_absent, want_print, have_host_rt;
static long reader_ms;
static int64_t host_rt_ns;

static const struct tickpage *page;
static const struct tickpage_guest *gpage;

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* One consistent pair of snapshots, as libtickpage takes them. */
static int read_pair(struct tickpage_snapshot *s, struct tickpage_guest *g)
{
	int err;

	do {
		err = tickpage_guest_read(gpage, g);
		if (!err)
			err = tickpage_read(page, s);
		if (err)
			return err;
		tickpage_rmb();
	} while (TICKPAGE_LOAD(gpage->seq) != g->seq);
	return 0;
}

/* ---- nothing can write the page (invariant 5) ---- */

static void check_no_write(void)
{
	ssize_t r;
	void *p;
	int fd;

	fd = open(dev_path, O_RDWR);
	report(fd < 0, "open O_RDWR refused (%s)",
	       fd < 0 ? strerror(errno) : "opened");
	if (fd >= 0)
		close(fd);

	fd = open(dev_path, O_RDONLY);
	if (fd < 0) {
		report(0, "open %s read-only: %s", dev_path, strerror(errno));
		return;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report(p == MAP_FAILED, "mmap PROT_WRITE MAP_SHARED refused (%s)",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	report(p == MAP_FAILED, "mmap PROT_WRITE MAP_PRIVATE refused (%s)",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 4096);

	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		report(0, "mmap PROT_READ MAP_PRIVATE: %s", strerror(errno));
	} else {
		r = mprotect(p, 4096, PROT_READ | PROT_WRITE);
		report(r < 0, "mprotect to PROT_WRITE refused (%s)",
		       r < 0 ? strerror(errno) : "allowed");
		munmap(p, 4096);
	}

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 8192);
	report(p == MAP_FAILED && errno == EINVAL,
	       "mmap at offset 8192 gives EINVAL");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	report(p == MAP_FAILED && errno == EINVAL,
	       "mmap of 3 pages gives EINVAL");
	if (p != MAP_FAILED)
		munmap(p, 3 * 4096);

	errno = 0;
	r = write(fd, "x", 1);
	report(r < 0, "write() refused (%s)", strerror(errno));
	close(fd);
}

/* ---- readers fall back (invariant 4) ---- */

/*
 * In a child, so that the library maps the bogus file and not the
 * device: point TICKPAGE_DEV at a page of the given kind and check that
 * the library answers with the C library's clocks.
 */
static int fallback_child(const char *kind)
{
	char path[] = "/tmp/tickpage-check.XXXXXX";
	struct tickpage tp = {0};
	struct timespec a, b, c;
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, TICKPAGE_MMAP_SIZE))
		return 2;
	if (!strcmp(kind, "major")) {
		tp.magic = TICKPAGE_MAGIC;
		tp.abi_major = TICKPAGE_ABI_MAJOR + 1;
		tp.size = sizeof(tp);
	}
	if (pwrite(fd, &tp, sizeof(tp), 0) != sizeof(tp))
		return 2;
	close(fd);
	if (!strcmp(kind, "missing")) {
		unlink(path);
		setenv("TICKPAGE_DEV", "/nonexistent/tickpage", 1);
	} else {
		setenv("TICKPAGE_DEV", path, 1);
	}

	if (tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &a) == 0)
		return 3; /* served from a bogus page */
	clock_gettime(CLOCK_REALTIME_COARSE, &a);
	if (tickpage_clock_gettime(CLOCK_REALTIME_COARSE, &b))
		return 4;
	clock_gettime(CLOCK_REALTIME_COARSE, &c);
	unlink(path);
	if (b.tv_sec < a.tv_sec || b.tv_sec > c.tv_sec)
		return 5; /* not the C library's clock */
	if (tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &b))
		return 6;
	return 0;
}

static void check_fallback(const char *kind)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fallback_child(kind));
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		report(0, "fallback (%s page): cannot fork", kind);
		return;
	}
	report(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "fallback to the C library with a %s page (child status %d)",
	       kind, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ---- the device ---- */

static int map_device(void)
{
	struct tickpage_info info;
	int fd = open(dev_path, O_RDONLY);
	void *m;
	ssize_t n;

	if (fd < 0) {
		report(0, "open %s: %s", dev_path, strerror(errno));
		return -1;
	}
	n = read(fd, &info, sizeof(info));
	report(n == sizeof(info),
	       "read() returns one struct tickpage_info (%zd bytes)", n);
	m = mmap(NULL, TICKPAGE_MMAP_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		report(0, "mmap %s read-only: %s", dev_path, strerror(errno));
		return -1;
	}
	page = m;
	gpage = (const void *)((char *)m + TICKPAGE_MMAP_GUEST_OFFSET);
	if (n == sizeof(info)) {
		report(info.read_status == 0 || want_absent,
		       "read() snapshot: %s, guest status %s",
		       tickpage_strerror(info.read_status),
		       info.guest_status == TICKPAGE_GUEST_OK ? "ok"
							      : "not ok");
	}
	return 0;
}

static void print_snapshot(void)
{
	struct tickpage_snapshot s;
	struct tickpage_guest g;
	int err = read_pair(&s, &g);
	uint64_t fine = now_ns(CLOCK_MONOTONIC);

	printf("status=%d\nguest_status=%u\n", err, err ? 0 : g.status);
	if (err)
		return;
	printf("generation=%llu\nupdate_count=%llu\nperiod_ns=%llu\n",
	       (unsigned long long)s.generation,
	       (unsigned long long)s.update_count,
	       (unsigned long long)s.period_ns);
	printf("realtime=%lld.%09u\nmonotonic_ns=%llu\noffset_ns=%lld\n",
	       (long long)s.realtime_sec, s.realtime_nsec,
	       (unsigned long long)s.monotonic_ns, (long long)g.offset_ns);
	printf("guest_monotonic_ns=%llu\n", (unsigned long long)fine);
}

/* Wait up to @ms for the driver to call the page usable. */
static int wait_usable(long ms)
{
	struct tickpage_snapshot s;
	struct tickpage_guest g;
	uint64_t ns;
	uint64_t end = now_ns(CLOCK_MONOTONIC) + ms * 1000000ull;

	do {
		if (!read_pair(&s, &g) && !tickpage_guest_mono(&s, &g, &ns))
			return 0;
		usleep(1000);
	} while (now_ns(CLOCK_MONOTONIC) < end);
	return -1;
}

static void check_page(void)
{
	int err = tickpage_validate(page);
	struct tickpage_snapshot s;
	struct tickpage_guest g;
	struct timespec res;
	uint64_t u0, res_ns;
	int i, getres_rc;

	report(!err, "page validates: %s (ABI %u.%u)", tickpage_strerror(err),
	       page->abi_major, page->abi_minor);
	err = wait_usable(3000);
	report(!err,
	       "driver reports the page usable (guest status ok, aligned)");
	if (err)
		return;
	read_pair(&s, &g);
	/* A few periods, or as long as a loaded host starves the publisher. */
	u0 = s.update_count;
	for (i = 0; i < 2000 && s.update_count == u0; i++) {
		usleep(1000);
		read_pair(&s, &g);
	}
	report(s.update_count > u0, "page is live (update_count %llu -> %llu)",
	       (unsigned long long)u0, (unsigned long long)s.update_count);
	getres_rc = tickpage_clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	res_ns = (uint64_t)res.tv_sec * 1000000000u + res.tv_nsec;
	report(getres_rc == 0 && res_ns == s.period_ns,
	       "clock_getres(CLOCK_MONOTONIC_COARSE) is the page period %llu ns",
	       (unsigned long long)s.period_ns);

	if (have_host_rt) {
		int64_t rt = s.realtime_sec * 1000000000ll + s.realtime_nsec;
		int64_t d = rt - host_rt_ns;

		report(d > -(int64_t)s.period_ns - 1000000 &&
		       d < tolerance_ms * 1000000ll,
		       "host-true: page realtime - host time = %lld us "
		       "(allowed -%llu..%ld ms)",
		       (long long)(d / 1000),
		       (unsigned long long)(s.period_ns / 1000000 + 1),
		       tolerance_ms);
	}
}

/* ---- monotonic, host-true and torn reads across threads and CPUs ---- */

#define LAG_BUCKET_NS 10000
#define LAG_BUCKETS   100000 /* up to 1 s; the last one holds the rest */

struct reader {
	pthread_t thread;
	int cpu;
	uint64_t reads, page_reads, back, ahead, late, gen_changes, torn;
	int64_t worst_back, worst_ahead, worst_late;
	uint32_t lag_hist[LAG_BUCKETS]; /* fine - coarse, LAG_BUCKET_NS wide */
};

static uint64_t global_last; /* largest coarse monotonic any thread saw */
static uint64_t period_ns;
static volatile int stop;

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t last = 0, last_gen = 0, last_rt = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	while (!stop) {
		uint64_t before_glob =
			__atomic_load_n(&global_last, __ATOMIC_ACQUIRE);
		uint64_t fine0 = now_ns(CLOCK_MONOTONIC);
		struct tickpage_snapshot s;
		struct tickpage_guest g;
		uint64_t mono, rt, fine1, glob, lag;

		r->reads++;
		if (read_pair(&s, &g) || tickpage_guest_mono(&s, &g, &mono))
			continue;
		fine1 = now_ns(CLOCK_MONOTONIC);
		r->page_reads++;

		/* A torn snapshot would pair a realtime with a wrong count. */
		if (s.realtime_nsec >= 1000000000u ||
		    !(s.flags & TICKPAGE_F_VALID))
			r->torn++;
		rt = s.realtime_sec * 1000000000ull + s.realtime_nsec;
		if (s.generation == last_gen && rt < last_rt)
			r->torn++;
		if (s.generation != last_gen && last_gen)
			r->gen_changes++;
		last_gen = s.generation;
		last_rt = rt;

		if (mono < last) {
			r->back++;
			if ((int64_t)(last - mono) > r->worst_back)
				r->worst_back = last - mono;
		}
		if (mono < before_glob) {
			/* Another CPU saw a later value before we started. */
			r->back++;
			if ((int64_t)(before_glob - mono) > r->worst_back)
				r->worst_back = before_glob - mono;
		}
		if (mono > fine1) {
			r->ahead++;
			if ((int64_t)(mono - fine1) > r->worst_ahead)
				r->worst_ahead = mono - fine1;
		}
		lag = fine0 > mono ? fine0 - mono : 0;
		r->lag_hist[lag / LAG_BUCKET_NS < LAG_BUCKETS
				    ? lag / LAG_BUCKET_NS
				    : LAG_BUCKETS - 1]++;
		if ((int64_t)lag > r->worst_late)
			r->worst_late = lag;
		if (lag > period_ns + slack_us * 1000ull)
			r->late++;
		last = mono > last ? mono : last;
		glob = __atomic_load_n(&global_last, __ATOMIC_RELAXED);
		while (mono > glob &&
		       !__atomic_compare_exchange_n(&global_last, &glob, mono,
						    1, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
	}
	return NULL;
}

/* Upper bound, in us, of percentile @p of the lag over all readers. */
static unsigned long long lag_percentile(const struct reader *r, long n,
					 double p)
{
	uint64_t total = 0, want, seen = 0;
	long i, b;

	for (i = 0; i < n; i++)
		for (b = 0; b < LAG_BUCKETS; b++)
			total += r[i].lag_hist[b];
	want = (uint64_t)(total * p / 100.0);
	for (b = 0; b < LAG_BUCKETS; b++) {
		for (i = 0; i < n; i++)
			seen += r[i].lag_hist[b];
		if (seen > want)
			break;
	}
	return (b + 1) * (unsigned long long)LAG_BUCKET_NS / 1000;
}

static void check_threads(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct reader *r;
	struct reader t = {0};
	struct tickpage_snapshot s;
	struct tickpage_guest g;
	long i;

	if (ncpu < 1)
		ncpu = 1;
	if (read_pair(&s, &g)) {
		report_skip("threads: no usable page");
		return;
	}
	period_ns = s.period_ns;
	r = calloc(ncpu, sizeof(*r));
	for (i = 0; i < ncpu; i++) {
		r[i].cpu = i;
		pthread_create(&r[i].thread, NULL, reader_main, &r[i]);
	}
	usleep(duration_ms * 1000);
	stop = 1;
	for (i = 0; i < ncpu; i++) {
		pthread_join(r[i].thread, NULL);
		t.reads += r[i].reads;
		t.page_reads += r[i].page_reads;
		t.back += r[i].back;
		t.ahead += r[i].ahead;
		t.late += r[i].late;
		t.torn += r[i].torn;
		t.gen_changes += r[i].gen_changes;
		if (r[i].worst_back > t.worst_back)
			t.worst_back = r[i].worst_back;
		if (r[i].worst_ahead > t.worst_ahead)
			t.worst_ahead = r[i].worst_ahead;
		if (r[i].worst_late > t.worst_late)
			t.worst_late = r[i].worst_late;
	}
	printf("# %ld threads on %ld CPUs: %llu reads, %llu from the page, "
	       "%llu generation changes\n",
	       ncpu, ncpu, (unsigned long long)t.reads,
	       (unsigned long long)t.page_reads,
	       (unsigned long long)t.gen_changes);
	/*
	 * Readers fall back while the driver realigns or has not checked
	 * the page lately (its work is late when these threads hog every
	 * vCPU); the page must still serve a good share, or nothing above
	 * was tested.
	 */
	report(t.page_reads * 10 > t.reads,
	       "page served %llu of %llu reads (%.0f%%)",
	       (unsigned long long)t.page_reads, (unsigned long long)t.reads,
	       t.reads ? 100.0 * t.page_reads / t.reads : 0.0);
	report(!t.back,
	       "coarse monotonic non-decreasing per thread and across %ld CPUs "
	       "(%llu back, worst %lld ns)",
	       ncpu, (unsigned long long)t.back, (long long)t.worst_back);
	report(!t.ahead,
	       "coarse monotonic never ahead of CLOCK_MONOTONIC (%llu ahead, "
	       "worst %lld ns)",
	       (unsigned long long)t.ahead, (long long)t.worst_ahead);
	printf("# coarse monotonic lag behind CLOCK_MONOTONIC: p50 %llu us, "
	       "p99 %llu us, p99.9 %llu us, max %lld us\n",
	       lag_percentile(r, ncpu, 50.0), lag_percentile(r, ncpu, 99.0),
	       lag_percentile(r, ncpu, 99.9), (long long)t.worst_late / 1000);
	report(!t.late,
	       "coarse monotonic within one period + %ld us of CLOCK_MONOTONIC "
	       "(%llu late, worst %lld us)",
	       slack_us, (unsigned long long)t.late,
	       (long long)t.worst_late / 1000);
	report(!t.torn, "no torn snapshot (%llu suspicious)",
	       (unsigned long long)t.torn);
	free(r);
}

/*
 * --reader=MS: one reader through whatever happens meanwhile (pause,
 * migration, publisher restart, hot-unplug): it must survive, never see
 * monotonic time go back, and say how often the page served it.
 */
static void run_reader(long ms)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + ms * 1000000ull;
	uint64_t last_raw = 0, last_lib = 0, pages = 0, falls = 0;
	uint64_t raw_back = 0, lib_back = 0, ahead = 0;
	int64_t worst_raw = 0;
	int last_from_page = 0;

	while (now_ns(CLOCK_MONOTONIC) < end) {
		struct tickpage_snapshot s;
		struct tickpage_guest g;
		struct timespec ts;
		uint64_t raw, lib, fine;

		if (!read_pair(&s, &g) && !tickpage_guest_mono(&s, &g, &raw)) {
			fine = now_ns(CLOCK_MONOTONIC);
			pages++;
			if (raw < last_raw) {
				raw_back++;
				if ((int64_t)(last_raw - raw) > worst_raw)
					worst_raw = last_raw - raw;
			}
			if (raw > fine)
				ahead++;
			last_raw = raw > last_raw ? raw : last_raw;
			last_from_page = 1;
		} else {
			falls++;
			last_from_page = 0;
		}
		tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		lib = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
		if (lib < last_lib)
			lib_back++;
		last_lib = lib;
	}
	/* "last=page": the mapping serves again at the end (e.g. replugged). */
	printf("# reader page=%llu fallback=%llu last=%s\n",
	       (unsigned long long)pages, (unsigned long long)falls,
	       last_from_page ? "page" : "fallback");
	report(1, "reader ran %ld ms (%llu page reads, %llu fallbacks)", ms,
	       (unsigned long long)pages, (unsigned long long)falls);
	report(!raw_back,
	       "reader: page monotonic never back (%llu back, worst %lld ns)",
	       (unsigned long long)raw_back, (long long)worst_raw);
	report(!ahead,
	       "reader: page monotonic never ahead of CLOCK_MONOTONIC (%llu)",
	       (unsigned long long)ahead);
	report(!lib_back,
	       "reader: libtickpage CLOCK_MONOTONIC_COARSE never back (%llu)",
	       (unsigned long long)lib_back);
}

/* The library agrees with the page: its values are the page's. */
static void check_library(void)
{
	struct timespec a, b;
	int ok = 1, i;

	for (i = 0; i < 1000; i++) {
		if (tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &a))
			continue;
		tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &b);
		if (b.tv_sec < a.tv_sec ||
		    (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec))
			ok = 0;
	}
	report(ok, "libtickpage CLOCK_MONOTONIC_COARSE non-decreasing");
	report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &a) == 0,
	       "libtickpage serves CLOCK_REALTIME_COARSE from the page");
}

static void usage(void)
{
	fprintf(stderr, "usage: tickpage-check [--dev=PATH] [--duration=MS] "
			"[--slack-us=US]\n"
			"       [--host-realtime=S[.N] [--tolerance-ms=MS]] "
			"[--absent] [--print]\n"
			"       [--reader=MS]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dev", required_argument, NULL, 'd'},
		{"duration", required_argument, NULL, 't'},
		{"slack-us", required_argument, NULL, 's'},
		{"host-realtime", required_argument, NULL, 'r'},
		{"tolerance-ms", required_argument, NULL, 'T'},
		{"absent", no_argument, NULL, 'a'},
		{"print", no_argument, NULL, 'p'},
		{"reader", required_argument, NULL, 'R'},
		{NULL, 0, NULL, 0}};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev_path = optarg;
			setenv("TICKPAGE_DEV", optarg, 1);
			break;
		case 't':
			duration_ms = strtol(optarg, &end, 10);
			goto num;
		case 's':
			slack_us = strtol(optarg, &end, 10);
			goto num;
		case 'T':
			tolerance_ms = strtol(optarg, &end, 10);
			goto num;
		case 'R':
			reader_ms = strtol(optarg, &end, 10);
			goto num;
		case 'r': {
			double v = strtod(optarg, &end);

			host_rt_ns = (int64_t)(v * 1e9);
			have_host_rt = 1;
			goto num;
		}
		case 'a':
			want_absent = 1;
			break;
		case 'p':
			want_print = 1;
			break;
		default:
			usage();
		}
		continue;
num:
		if (*end || end == optarg) {
			fprintf(stderr, "tickpage-check: bad number '%s'\n",
				optarg);
			exit(2);
		}
	}
	if (optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (want_print) {
		if (map_device())
			return 1;
		print_snapshot();
		return 0;
	}

	if (reader_ms) {
		if (map_device())
			return report_summary();
		run_reader(reader_ms);
		return report_summary();
	}

	/* Before this process maps anything through the library. */
	check_fallback("zero");
	check_fallback("major");
	check_fallback("missing");

	if (map_device())
		return report_summary();
	check_no_write();
	if (want_absent) {
		struct timespec ts;

		report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts) != 0,
		       "no page: the library does not serve the coarse clocks");
		report(tickpage_clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0,
		       "no page: the library falls back");
		return report_summary();
	}
	check_page();
	check_threads();
	check_library();
	return report_summary();
}
