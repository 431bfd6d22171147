// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tickpage-bench: what a coarse clock read costs from the time page,
 * side by side with the C library's vDSO path and a system call, and
 * how far the page lags the clock it publishes. The same program runs
 * on the host (on tickpaged's shared-memory file) and in a guest (on
 * /dev/tickpage), so the figures compare like with like.
 *
 * Usage: tickpage-bench [options]
 *   --page=PATH      page to map read-only (default /dev/tickpage)
 *   --rounds=N       rounds of interleaved measurements (default 15)
 *   --round-ms=MS    time each path runs per round (default 40)
 *   --vdso-fine      also measure CLOCK_MONOTONIC through the vDSO
 *   --lib            also measure libtickpage's tickpage_clock_gettime()
 *                    (guest only: it needs the driver's guest page)
 *   --cpu=N          pin to CPU N first
 *   --csv            CSV instead of a table
 *   --loop=PATH --count=N
 *                    run exactly N reads of PATH (page, vdso-coarse,
 *                    syscall, lib, vdso-fine, empty) in the function
 *                    tickpage_bench_loop_PATH and exit: for callgrind
 *   --lag --duration=MS [--max-sleep-us=US]
 *                    staleness: at random instants (random sleeps,
 *                    default up to two periods) sample CLOCK_REALTIME
 *                    right after a page read; lag = now - page realtime
 *
 * A page read is tickpage_read() plus turning the snapshot into a
 * struct timespec, as a CLOCK_MONOTONIC_COARSE read would; on failure
 * it falls back to clock_gettime() as a real reader does, and the
 * fallbacks are counted and reported. The lib path is what a program
 * really calls in a guest: libtickpage reads the time page and the
 * driver's guest page, adds the driver's offset and keeps monotonic
 * from going back. Its own fallback is silent, so the lib path is
 * checked to serve from the page before and after the run. Each round runs every path
 * back to back, in an order that rotates from round to round, so the
 * ratios come from one run under the same conditions; the figures are
 * medians of rounds, timed in thread CPU time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-read.h"
#include "tickpage.h"

#define NSEC_PER_SEC	1000000000ull

enum tickpage_bench_path {
	PATH_PAGE,
	PATH_VDSO_COARSE,
	PATH_SYSCALL,
	PATH_LIB,
	PATH_VDSO_FINE,
	PATH_EMPTY,
	PATH_COUNT,
};

typedef uint64_t (*tickpage_bench_loop_fn)(const struct tickpage *tp,
					   long n);

struct tickpage_bench_path_info {
	const char *name;
	tickpage_bench_loop_fn loop;
};

static const char *page_path = "/dev/tickpage";
static long rounds = 15, round_ms = 40, count = -1, duration_ms = 5000;
static long max_sleep_us = -1;
static int want_fine, want_lib, want_csv, want_lag, pin_cpu = -1;
static const char *loop_name;

/* Page reads that fell back; a clean run has none. */
static unsigned long fallbacks;

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tickpage-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- the paths, each in its own loop function callgrind can find ---- */

/* What a coarse monotonic clock read from the page does. */
static inline __attribute__((always_inline)) int
tickpage_bench_page_read(const struct tickpage *tp, struct timespec *ts)
{
	struct tickpage_snapshot s;
	int err;

	err = tickpage_read(tp, &s);
	if (err)
		return err;
	ts->tv_sec = (time_t)(s.monotonic_ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(s.monotonic_ns % NSEC_PER_SEC);
	return 0;
}

/*
 * Every loop folds each result into a sum it returns, so that neither
 * the read nor the conversion can be optimised away, and every loop
 * pays the same for it; the empty loop measures just that.
 */
__attribute__((noinline)) uint64_t
tickpage_bench_loop_page(const struct tickpage *tp, long n);
__attribute__((noinline)) uint64_t
tickpage_bench_loop_page(const struct tickpage *tp, long n)
{
	struct timespec ts;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		if (__builtin_expect(tickpage_bench_page_read(tp, &ts), 0)) {
			fallbacks++;
			clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		}
		sum += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

__attribute__((noinline)) uint64_t
tickpage_bench_loop_vdso_coarse(const struct tickpage *tp, long n);
__attribute__((noinline)) uint64_t
tickpage_bench_loop_vdso_coarse(const struct tickpage *tp, long n)
{
	struct timespec ts;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		sum += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

__attribute__((noinline)) uint64_t
tickpage_bench_loop_syscall(const struct tickpage *tp, long n);
__attribute__((noinline)) uint64_t
tickpage_bench_loop_syscall(const struct tickpage *tp, long n)
{
	struct timespec ts;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &ts);
		sum += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

/* The page through libtickpage, as an application reads it. */
__attribute__((noinline)) uint64_t
tickpage_bench_loop_lib(const struct tickpage *tp, long n);
__attribute__((noinline)) uint64_t
tickpage_bench_loop_lib(const struct tickpage *tp, long n)
{
	struct timespec ts;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		sum += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

__attribute__((noinline)) uint64_t
tickpage_bench_loop_vdso_fine(const struct tickpage *tp, long n);
__attribute__((noinline)) uint64_t
tickpage_bench_loop_vdso_fine(const struct tickpage *tp, long n)
{
	struct timespec ts;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sum += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

__attribute__((noinline)) uint64_t
tickpage_bench_loop_empty(const struct tickpage *tp, long n);
__attribute__((noinline)) uint64_t
tickpage_bench_loop_empty(const struct tickpage *tp, long n)
{
	struct timespec ts = { 0, 0 };
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		/* Stand-in for a read: the compiler must assume ts changed. */
		__asm__ __volatile__("" : : "r"(&ts) : "memory");
		sum += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

static const struct tickpage_bench_path_info paths[PATH_COUNT] = {
	[PATH_PAGE]		= { "page", tickpage_bench_loop_page },
	[PATH_VDSO_COARSE]	= { "vdso-coarse",
				    tickpage_bench_loop_vdso_coarse },
	[PATH_SYSCALL]		= { "syscall", tickpage_bench_loop_syscall },
	[PATH_LIB]		= { "lib", tickpage_bench_loop_lib },
	[PATH_VDSO_FINE]	= { "vdso-fine", tickpage_bench_loop_vdso_fine },
	[PATH_EMPTY]		= { "empty", tickpage_bench_loop_empty },
};

/* Results are published here so no loop's sum is dead code. */
static volatile uint64_t tickpage_bench_sink;

/* ---- the page ---- */

static const struct tickpage *map_page(void)
{
	struct tickpage_snapshot s;
	void *p;
	int fd, err;

	fd = open(page_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", page_path, strerror(errno));
	p = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("cannot map %s read-only: %s", page_path, strerror(errno));
	close(fd);
	/* Measuring the fallback would be measuring the wrong thing. */
	err = tickpage_read(p, &s);
	if (err) {
		fprintf(stderr, "tickpage-bench: %s: %s\n", page_path,
			tickpage_strerror(err));
		exit(1);
	}
	return p;
}

/* ---- libtickpage ---- */

/* Die unless libtickpage serves CLOCK_MONOTONIC_COARSE from the page. */
static void check_lib(const char *when)
{
	struct timespec ts;
	struct stat st;
	int err;

	/*
	 * libtickpage maps the driver's two pages: on a one-page file
	 * (tickpaged's) the second is past the end and reading it raises
	 * SIGBUS instead of an error.
	 */
	if (stat(page_path, &st) || !S_ISCHR(st.st_mode))
		die("--lib needs the driver's device; %s is not one", page_path);
	err = tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (err)
		die("libtickpage does not serve from the page %s: %s", when,
		    tickpage_strerror(err));
}

/* ---- speed ---- */

static double time_loop(enum tickpage_bench_path i,
			const struct tickpage *tp, long n)
{
	uint64_t t0, t1;

	/*
	 * The thread's CPU time, not the wall clock: on a busy machine a
	 * round may be preempted, and the time spent waiting for a CPU is
	 * not the cost of any read.
	 */
	t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	tickpage_bench_sink += paths[i].loop(tp, n);
	t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	return (double)(t1 - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Calls per round so that each path runs for about round_ms. */
static long calibrate(enum tickpage_bench_path i, const struct tickpage *tp)
{
	long n = 1000;
	double ns;

	for (;;) {
		ns = time_loop(i, tp, n) * (double)n;
		if (ns >= 2e6 || n >= (1L << 40))
			break;
		n *= 4;
	}
	n = (long)((double)n * (double)round_ms * 1e6 / ns);
	return n > 0 ? n : 1;
}

static int run_speed(const struct tickpage *tp)
{
	enum tickpage_bench_path want[PATH_COUNT];
	long calls[PATH_COUNT];
	double *ns[PATH_COUNT], *ratio[PATH_COUNT], med[PATH_COUNT];
	double lo[PATH_COUNT], hi[PATH_COUNT], rmed[PATH_COUNT];
	int npaths = 0;

	want[npaths++] = PATH_PAGE;
	want[npaths++] = PATH_VDSO_COARSE;
	want[npaths++] = PATH_SYSCALL;
	if (want_lib)
		want[npaths++] = PATH_LIB;
	if (want_fine)
		want[npaths++] = PATH_VDSO_FINE;

	for (int k = 0; k < npaths; k++) {
		ns[k] = calloc((size_t)rounds, sizeof(double));
		ratio[k] = calloc((size_t)rounds, sizeof(double));
		if (!ns[k] || !ratio[k])
			die("out of memory");
		calls[k] = calibrate(want[k], tp);
	}

	for (long r = 0; r < rounds; r++) {
		/* Rotate the order so no path always runs first or last. */
		for (int j = 0; j < npaths; j++) {
			int k = (int)((j + r) % npaths);

			ns[k][r] = time_loop(want[k], tp, calls[k]);
		}
		/* want[1] is the vDSO coarse path: every ratio is to it. */
		for (int k = 0; k < npaths; k++)
			ratio[k][r] = ns[k][r] / ns[1][r];
	}

	/* A lib that fell back would be timing the vDSO under another name. */
	if (want_lib)
		check_lib("after the run");

	for (int k = 0; k < npaths; k++) {
		med[k] = median(ns[k], rounds);
		lo[k] = ns[k][0];
		hi[k] = ns[k][rounds - 1];
		rmed[k] = median(ratio[k], rounds);
	}

	if (want_csv) {
		printf("path,ns_per_call,ns_min,ns_max,ratio_vs_vdso_coarse,"
		       "rounds,calls_per_round,fallbacks\n");
		for (int k = 0; k < npaths; k++)
			printf("%s,%.3f,%.3f,%.3f,%.4f,%ld,%ld,%lu\n",
			       paths[want[k]].name, med[k], lo[k], hi[k],
			       rmed[k], rounds, calls[k],
			       want[k] == PATH_PAGE ? fallbacks : 0ul);
	} else {
		printf("tickpage-bench: %s, %ld rounds, medians\n", page_path,
		       rounds);
		printf("  %-12s %10s %10s %10s %12s\n", "path", "ns/call",
		       "min", "max", "x vdso-coarse");
		for (int k = 0; k < npaths; k++)
			printf("  %-12s %10.2f %10.2f %10.2f %12.3f\n",
			       paths[want[k]].name, med[k], lo[k], hi[k],
			       rmed[k]);
		printf("  page reads that fell back: %lu\n", fallbacks);
	}
	for (int k = 0; k < npaths; k++) {
		free(ns[k]);
		free(ratio[k]);
	}
	return fallbacks ? 1 : 0;
}

/* ---- instruction counting: exactly count reads, nothing else timed ---- */

static int run_loop(const struct tickpage *tp)
{
	for (int i = 0; i < PATH_COUNT; i++) {
		if (strcmp(loop_name, paths[i].name))
			continue;
		tickpage_bench_sink += paths[i].loop(tp, count);
		if (fallbacks) {
			fprintf(stderr, "tickpage-bench: %lu page reads fell back\n",
				fallbacks);
			return 1;
		}
		return 0;
	}
	die("unknown --loop path: %s", loop_name);
}

/* ---- staleness ---- */

/* xorshift64*: random instants need spread, not cryptography. */
static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

static double pct(const double *v, long n, double p)
{
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static int run_lag(const struct tickpage *tp)
{
	struct tickpage_snapshot s;
	uint64_t seed, end, period_ns, t;
	long cap = 1 << 16, n = 0, neg = 0;
	double *lag = malloc((size_t)cap * sizeof(*lag));
	int err;

	if (!lag)
		die("out of memory");
	/*
	 * The default 50 us timer slack would let the kernel batch our
	 * wake-ups with the publisher's, so the "random" instants would
	 * cluster on its ticks.
	 */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	err = tickpage_read(tp, &s);
	if (err)
		die("page: %s", tickpage_strerror(err));
	period_ns = s.period_ns;
	if (max_sleep_us < 0)
		max_sleep_us = (long)(2 * period_ns / 1000);
	seed = now_ns(CLOCK_MONOTONIC) | 1;
	end = now_ns(CLOCK_MONOTONIC) + (uint64_t)duration_ms * 1000000u;

	while ((t = now_ns(CLOCK_MONOTONIC)) < end) {
		struct timespec nap = { 0, 0 };
		int64_t page_rt, host_rt;

		nap.tv_nsec = (long)(rng_next(&seed) %
				     ((uint64_t)max_sleep_us * 1000u + 1));
		nanosleep(&nap, NULL);

		/* Page first, then the clock it publishes: lag >= 0. */
		err = tickpage_read(tp, &s);
		host_rt = (int64_t)now_ns(CLOCK_REALTIME);
		if (err) {
			fallbacks++;
			continue;
		}
		page_rt = s.realtime_sec * (int64_t)NSEC_PER_SEC +
			  (int64_t)s.realtime_nsec;
		if (host_rt < page_rt)
			neg++;
		if (n == cap) {
			cap *= 2;
			lag = realloc(lag, (size_t)cap * sizeof(*lag));
			if (!lag)
				die("out of memory");
		}
		lag[n++] = (double)(host_rt - page_rt) / 1000.0;
	}
	if (n == 0)
		die("no sample: the page never read cleanly");
	qsort(lag, (size_t)n, sizeof(*lag), cmp_double);

	if (want_csv) {
		printf("period_us,samples,lag_min_us,lag_p50_us,lag_p90_us,"
		       "lag_p99_us,lag_max_us,negative,fallbacks\n");
		printf("%.1f,%ld,%.1f,%.1f,%.1f,%.1f,%.1f,%ld,%lu\n",
		       (double)period_ns / 1000.0, n, lag[0], pct(lag, n, 50),
		       pct(lag, n, 90), pct(lag, n, 99), lag[n - 1], neg,
		       fallbacks);
	} else {
		printf("tickpage-bench: %s lag (us), period %.1f us, %ld samples\n",
		       page_path, (double)period_ns / 1000.0, n);
		printf("  min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
		       lag[0], pct(lag, n, 50), pct(lag, n, 90),
		       pct(lag, n, 99), lag[n - 1]);
		printf("  ahead of the clock: %ld, fallbacks: %lu\n", neg,
		       fallbacks);
	}
	free(lag);
	return 0;
}

/* ---- options ---- */

static long parse_long(const char *opt, const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min) {
		fprintf(stderr, "tickpage-bench: bad --%s: %s\n", opt, s);
		exit(1);
	}
	return v;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: tickpage-bench [--page=PATH] [--rounds=N] [--round-ms=MS]\n"
		"                      [--vdso-fine] [--lib] [--cpu=N] [--csv]\n"
		"       tickpage-bench [--page=PATH] --loop=PATH --count=N\n"
		"       tickpage-bench [--page=PATH] --lag [--duration=MS]\n"
		"                      [--max-sleep-us=US] [--csv]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "page", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "round-ms", required_argument, NULL, 'm' },
		{ "vdso-fine", no_argument, NULL, 'f' },
		{ "lib", no_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, 'C' },
		{ "loop", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "lag", no_argument, NULL, 'L' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-sleep-us", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct tickpage *tp;
	bool want_loop;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			page_path = optarg;
			break;
		case 'r':
			rounds = parse_long("rounds", optarg, 1);
			break;
		case 'm':
			round_ms = parse_long("round-ms", optarg, 1);
			break;
		case 'f':
			want_fine = 1;
			break;
		case 'b':
			want_lib = 1;
			break;
		case 'c':
			pin_cpu = (int)parse_long("cpu", optarg, 0);
			break;
		case 'C':
			want_csv = 1;
			break;
		case 'l':
			loop_name = optarg;
			break;
		case 'n':
			count = parse_long("count", optarg, 1);
			break;
		case 'L':
			want_lag = 1;
			break;
		case 'd':
			duration_ms = parse_long("duration", optarg, 1);
			break;
		case 's':
			max_sleep_us = parse_long("max-sleep-us", optarg, 0);
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	want_loop = count > 0;
	if (!!loop_name != want_loop)
		die("--loop and --count go together");
	if (loop_name && want_lag)
		die("--loop and --lag are different runs");

	if (pin_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("cannot pin to CPU %d: %s", pin_cpu, strerror(errno));
	}

	tp = map_page();
	/* libtickpage maps its device itself: make it the same one. */
	if (setenv("TICKPAGE_DEV", page_path, 1))
		die("cannot set TICKPAGE_DEV: %s", strerror(errno));
	if (want_lib || (loop_name && !strcmp(loop_name, "lib")))
		check_lib("before the run");
	if (loop_name)
		return run_loop(tp);
	if (want_lag)
		return run_lag(tp);
	return run_speed(tp);
}
