// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tp-coarse: proof, inside a guest running the patched kernel, that the
 * vDSO serves CLOCK_REALTIME_COARSE and CLOCK_MONOTONIC_COARSE from the
 * hypervisor's time page. Static, runs as the guest's tpvm.run program.
 *
 *   tp-coarse page        a page is bound: getres, steps, host match,
 *                         vDSO == syscall, coarse <= fine, ordering
 *                         across threads, no system call (seccomp)
 *   tp-coarse nopage      no page: the kernel's own coarse clocks
 *   tp-coarse watch S P   read for S seconds while the host takes the
 *                         page away and gives it back: never back, and
 *                         the modes seen (p = page steps, t = tick
 *                         steps) contain the pattern P, e.g. "ptp";
 *                         a final '$' also wants P's last mode to be
 *                         the last seen ("p$": page time at the end)
 *   tp-coarse timens      time namespace offsets on the page's clocks
 *   tp-coarse forks S     fork in a loop for S seconds while the host
 *                         takes the page away and gives it back: no
 *                         child keeps the old page in its vvar slot
 *   tp-coarse bench       ns per call: vDSO (both coarse clocks) and
 *                         syscall, "key value"
 *   tp-coarse show        what `make demo` shows of any kernel, "key
 *                         value": getres and steps of both coarse
 *                         clocks, whether they work with the time
 *                         system calls forbidden, the page if any
 *   tp-coarse pairs S N C
 *                         read in pairs (coarse, then the fine clock)
 *                         for S seconds or until /tmp/tp-stop exists,
 *                         while the host moves the guest between pages:
 *                         MONOTONIC_COARSE never back, each coarse read
 *                         at or below the fine one after it (both
 *                         clocks), N new generations seen, and after
 *                         each the vDSO serving the page again before
 *                         the driver's check number C after the one in
 *                         force when the new generation was first seen
 *                         (C = 1: by the first check after the landing)
 *
 * Expected values come from the page (read() of /dev/tickpage) and the
 * kernel's own clocks, never from this program's earlier output.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-dev.h"
#include "../lib/report.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define NS		1000000000ll
#define GUEST_TICK_NS	(NS / 100)	/* CONFIG_HZ=100 in tickpage.config */

static int64_t ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NS + ts->tv_nsec;
}

static int64_t now(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return ts_ns(&ts);
}

static int64_t sys_now(clockid_t clk)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, clk, &ts))
		return -1;
	return ts_ns(&ts);
}

static int read_info(struct tickpage_info *info)
{
	int fd = open(TICKPAGE_DEV_PATH, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, info, sizeof(*info));
	close(fd);
	return n == sizeof(*info) ? 0 : -EIO;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median step between successive distinct values of @clk over @ms of
 * reading; -1 if the clock went back (reported as a failure).
 */
/* A coarse step back: what was read around it, and the driver's view. */
static void report_back(clockid_t clk, const int64_t (*hist)[2], int h,
			int64_t fine)
{
	struct tickpage_info info;
	int i, err;

	printf("# %s went back by %lld ns (from %lld to %lld, fine clock %lld)\n",
	       clk == CLOCK_MONOTONIC_COARSE ? "MONOTONIC_COARSE" :
	       "REALTIME_COARSE", (long long)(hist[(h + 7) % 8][1] - hist[h][1]),
	       (long long)hist[(h + 7) % 8][1], (long long)hist[h][1],
	       (long long)fine);
	for (i = 1; i <= 8; i++)
		printf("#   fine %lld then coarse %lld\n",
		       (long long)hist[(h + i) % 8][0],
		       (long long)hist[(h + i) % 8][1]);
	err = read_info(&info);
	if (!err)
		printf("#   driver: status %u, generation %llu, page %llu + offset %lld = %lld at guest %llu\n",
		       info.guest_status, (unsigned long long)info.generation,
		       (unsigned long long)info.monotonic_ns,
		       (long long)info.offset_ns,
		       (long long)(info.monotonic_ns + info.offset_ns),
		       (unsigned long long)info.guest_monotonic_ns);
}

static int64_t median_step(clockid_t clk, int ms, int *steps)
{
	static int64_t d[20000];
	int64_t fine = now(CLOCK_MONOTONIC), last_fine = fine;
	int64_t end = fine + ms * 1000000ll;
	int64_t prev = now(clk), v;
	int64_t hist[8][2] = { { 0 } };
	int n = 0, h = 0;

	while (n < 20000 && (fine = now(CLOCK_MONOTONIC)) < end) {
		v = now(clk);
		h = (h + 1) % 8;
		hist[h][0] = fine;
		hist[h][1] = v;
		/* Says whether a coarse step back came with a fine one. */
		if (fine < last_fine)
			printf("# MONOTONIC went back by %lld ns\n",
			       (long long)(last_fine - fine));
		last_fine = fine;
		if (v < prev) {
			hist[(h + 7) % 8][1] = prev;
			report_back(clk, (const int64_t (*)[2])hist, h, fine);
			return -1;
		}
		if (v != prev)
			d[n++] = v - prev;
		prev = v;
	}
	*steps = n;
	if (!n)
		return 0;
	qsort(d, n, sizeof(d[0]), cmp64);
	return d[n / 2];
}

static int64_t getres_ns(clockid_t clk, int raw)
{
	struct timespec ts;
	int r = raw ? syscall(SYS_clock_getres, clk, &ts) :
		      clock_getres(clk, &ts);

	return r ? -1 : ts_ns(&ts);
}

/* vDSO and syscall agree: each syscall value sits between two vDSO reads. */
static void check_vdso_vs_syscall(clockid_t clk, const char *name,
				  int64_t slack)
{
	int i, bad = 0;
	int64_t a, s, b, worst = 0;

	for (i = 0; i < 2000; i++) {
		a = now(clk);
		s = sys_now(clk);
		b = now(clk);
		if (s < a - slack || s > b + slack) {
			bad++;
			if (llabs(s - a) > worst)
				worst = llabs(s - a);
		}
	}
	report(!bad, "%s: syscall value between two vDSO reads (%d/2000 off, worst %lld ns)",
	       name, bad, (long long)worst);
}

/* Coarse never ahead of fine, and not far behind it. */
static void check_coarse_vs_fine(int64_t period)
{
	static int64_t lag[20000];
	int i, ahead = 0;

	for (i = 0; i < 20000; i++) {
		int64_t c = now(CLOCK_MONOTONIC_COARSE);
		int64_t f = now(CLOCK_MONOTONIC);

		lag[i] = f - c;
		if (lag[i] < 0)
			ahead++;
	}
	qsort(lag, 20000, sizeof(lag[0]), cmp64);
	report(!ahead, "MONOTONIC_COARSE never ahead of MONOTONIC (%d of 20000 ahead)",
	       ahead);
	printf("# lag of coarse behind fine: median %lld ns, p99 %lld ns, max %lld ns\n",
	       (long long)lag[10000], (long long)lag[19800],
	       (long long)lag[19999]);
	/*
	 * A sanity bound, not a measurement: under TCG on a loaded host the
	 * interrupt that updates the coarse clocks (the tick, or the page's
	 * publisher) is itself late by milliseconds (a no-page run saw a
	 * 12 ms median at HZ=100). A wrong base or offset is off by far
	 * more; the steps and the page match are checked exactly elsewhere.
	 */
	report(lag[10000] <= 2 * period + GUEST_TICK_NS,
	       "median lag %lld ns within two periods (%lld ns) + one guest tick",
	       (long long)lag[10000], (long long)period);
}

static int64_t shared_max;

/* Reads across threads (and CPUs) are ordered: what one saw, all see. */
static void *order_thread(void *arg)
{
	long bad = 0;
	int i;

	for (i = 0; i < 200000; i++) {
		int64_t seen = __atomic_load_n(&shared_max, __ATOMIC_ACQUIRE);
		int64_t v = now(CLOCK_MONOTONIC_COARSE);

		if (v < seen)
			bad++;
		while (v > seen && !__atomic_compare_exchange_n(&shared_max,
				&seen, v, 0, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
			;
	}
	return (void *)bad;
}

static void check_order_threads(void)
{
	pthread_t t[4];
	long bad = 0;
	void *r;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, order_thread, NULL);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	report(!bad, "4 threads x 200000 reads: none behind a value another thread saw (%ld)",
	       bad);
}

/* Forbid the time system calls, then read the clocks through glibc. */
/*
 * In the calling (child) process, make the time system calls fail with
 * EPERM: whatever still tells the time after this came from the vDSO.
 */
static int forbid_time_syscalls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_gettime, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_getres, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettimeofday, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_time, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -1;
	return 0;
}

static void check_no_syscall(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec ts;
		int64_t a, b, r;
		int ok, i;

		if (forbid_time_syscalls())
			_exit(3);
		errno = 0;
		/* The filter works: the raw system call is refused. */
		if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &ts) != -1 ||
		    errno != EPERM)
			_exit(4);
		ok = 1;
		a = now(CLOCK_MONOTONIC_COARSE);
		for (i = 0; i < 1000000 && (b = now(CLOCK_MONOTONIC_COARSE)) == a; i++)
			;
		ok &= a > 0 && b > a;
		ok &= now(CLOCK_REALTIME_COARSE) > 0;
		r = getres_ns(CLOCK_MONOTONIC_COARSE, 0);
		ok &= r > 0 && r < GUEST_TICK_NS;
		_exit(ok ? 0 : 5);
	}
	waitpid(pid, &status, 0);
	report(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "seccomp forbids clock_gettime/clock_getres: coarse clocks and getres still work, and advance (child status %d)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int do_page(void)
{
	struct tickpage_info info;
	int64_t period, step, rt, mono, slack, best_rt, best_mono;
	int steps, i, err, neg;

	err = read_info(&info);
	if (err || info.read_status || info.guest_status != TICKPAGE_GUEST_OK) {
		report(0, "a page is bound (read %d, page %d, driver status %u)",
		       err, info.read_status, info.guest_status);
		return report_summary();
	}
	period = info.period_ns;
	printf("# page: period %lld ns, generation %llu, offset %lld ns\n",
	       (long long)period, (unsigned long long)info.generation,
	       (long long)info.offset_ns);
	/* The driver's vDSO hand-over polls once a tick: let it catch up. */
	usleep(100000);

	report(getres_ns(CLOCK_MONOTONIC_COARSE, 0) == period &&
	       getres_ns(CLOCK_REALTIME_COARSE, 0) == period,
	       "clock_getres (vDSO) of both coarse clocks is the page period %lld ns",
	       (long long)period);
	report(getres_ns(CLOCK_MONOTONIC_COARSE, 1) == period &&
	       getres_ns(CLOCK_REALTIME_COARSE, 1) == period,
	       "clock_getres (syscall) of both coarse clocks is the page period");

	step = median_step(CLOCK_MONOTONIC_COARSE, 300, &steps);
	report(step > 0 && step >= period / 2 && step <= 2 * period &&
	       step < GUEST_TICK_NS / 2,
	       "MONOTONIC_COARSE steps by the page period: median %lld ns over %d steps (tick %lld)",
	       (long long)step, steps, GUEST_TICK_NS);
	step = median_step(CLOCK_REALTIME_COARSE, 300, &steps);
	report(step > 0 && step >= period / 2 && step <= 2 * period,
	       "REALTIME_COARSE steps by the page period: median %lld ns over %d steps",
	       (long long)step, steps);

	/*
	 * Host match: the coarse clocks read right after a snapshot of the
	 * page are that snapshot or a later one: never before it (but for a
	 * realignment step, below), and in
	 * the closest of 20 tries within a few periods (one try may lose
	 * its vCPU to the host for tens of ms under TCG). Realtime is the
	 * page's monotonic time plus the guest's own REALTIME - MONOTONIC
	 * (docs/vdso.md): one wall clock in the guest.
	 */
	slack = 3 * period + 2000000;
	best_rt = best_mono = INT64_MAX;
	neg = 0;
	for (i = 0; i < 20; i++) {
		int64_t wall = now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC);

		read_info(&info);
		rt = now(CLOCK_REALTIME_COARSE) -
		     (int64_t)(info.monotonic_ns + info.offset_ns) - wall;
		mono = now(CLOCK_MONOTONIC_COARSE) -
		       (int64_t)(info.monotonic_ns + info.offset_ns);
		/*
		 * read() applies the driver's offset as it is now; the
		 * vDSO takes a realigned offset over at its next tick
		 * (docs/vdso.md), so for up to a tick the two may differ
		 * by one realignment step: tens of microseconds. Anything
		 * before the snapshot by more than half a period is a bug.
		 */
		if (rt < -period / 2 || mono < -period / 2)
			neg++;
		if (rt < best_rt)
			best_rt = rt;
		if (mono < best_mono)
			best_mono = mono;
	}
	report(!neg && best_rt <= slack && best_mono <= slack,
	       "coarse clocks match the page snapshot: never before it by half a period (%d were), closest +%lld ns realtime, +%lld ns monotonic (bound %lld)",
	       neg, (long long)best_rt, (long long)best_mono, (long long)slack);
	rt = now(CLOCK_REALTIME) - (info.realtime_sec * NS + info.realtime_nsec);
	printf("# guest REALTIME - the page's realtime: %lld ns (guest vs host wall clock)\n",
	       (long long)rt);

	check_vdso_vs_syscall(CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE", 0);
	check_vdso_vs_syscall(CLOCK_REALTIME_COARSE, "REALTIME_COARSE", 0);
	check_coarse_vs_fine(period);
	check_order_threads();
	check_no_syscall();
	return report_summary();
}

static int do_nopage(void)
{
	int64_t step;
	int steps;

	report(getres_ns(CLOCK_MONOTONIC_COARSE, 0) == GUEST_TICK_NS &&
	       getres_ns(CLOCK_MONOTONIC_COARSE, 1) == GUEST_TICK_NS,
	       "without a page clock_getres is the guest tick");
	step = median_step(CLOCK_MONOTONIC_COARSE, 500, &steps);
	report(step >= GUEST_TICK_NS / 2,
	       "without a page MONOTONIC_COARSE steps by the tick: median %lld ns over %d steps",
	       (long long)step, steps);
	check_vdso_vs_syscall(CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE", 0);
	check_coarse_vs_fine(GUEST_TICK_NS);
	return report_summary();
}

/*
 * Read for @secs while the host acts. Windows of 250 ms are classed by
 * their median step: "p" below half a tick (the page), "t" otherwise.
 */
static int do_watch(int secs, const char *want)
{
	char modes[256], seen[256];
	int n = 0, m = 0, back = 0, w, steps;
	int64_t last = now(CLOCK_MONOTONIC_COARSE), step, v;
	size_t len = strlen(want);
	int at_end = len > 1 && want[len - 1] == '$';
	char final = at_end ? want[len - 2] : 0;
	const char *p;

	printf("@@WATCH-START@@\n");
	fflush(stdout);
	for (w = 0; w < secs * 4 && w < 255; w++) {
		step = median_step(CLOCK_MONOTONIC_COARSE, 250, &steps);
		v = now(CLOCK_MONOTONIC_COARSE);
		if (step < 0 || v < last)
			back++;
		last = v;
		modes[n++] = step > 0 && step < GUEST_TICK_NS / 2 ? 'p' : 't';
	}
	modes[n] = 0;
	for (w = 0; w < n; w++)
		if (!m || seen[m - 1] != modes[w])
			seen[m++] = modes[w];
	seen[m] = 0;
	printf("# modes per 250 ms: %s\n", modes);
	report(!back, "MONOTONIC_COARSE never went back (%d windows did)", back);
	/* Greedy matching: P is a subsequence of what was seen... */
	for (p = seen; *want && *want != '$' && *p; p++)
		if (*p == *want)
			want++;
	/* ...and with '$', the last mode seen is P's last one. */
	report((!*want || !strcmp(want, "$")) &&
	       (!at_end || (m && seen[m - 1] == final)),
	       "modes %s contain the expected sequence%s", seen,
	       at_end ? ", and end with it" : "");
	return report_summary();
}

static int do_timens(void)
{
	const int64_t off = 1000 * NS;
	int64_t m0, r0, mc, rc, step, res;
	int fd, steps, status;
	pid_t pid;
	int pipefd[2];
	int64_t vals[4];
	char buf[64];

	if (unshare(CLONE_NEWTIME)) {
		report_skip("unshare(CLONE_NEWTIME): %s", strerror(errno));
		return report_summary();
	}
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	snprintf(buf, sizeof(buf), "monotonic %lld 0", (long long)(off / NS));
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0) {
		report(0, "write /proc/self/timens_offsets: %s", strerror(errno));
		return report_summary();
	}
	close(fd);
	if (pipe(pipefd))
		return 1;
	m0 = now(CLOCK_MONOTONIC_COARSE);
	r0 = now(CLOCK_REALTIME_COARSE);
	pid = fork();
	if (pid == 0) {
		vals[0] = now(CLOCK_MONOTONIC_COARSE);
		vals[1] = now(CLOCK_REALTIME_COARSE);
		vals[2] = median_step(CLOCK_MONOTONIC_COARSE, 300, &steps);
		vals[3] = sys_now(CLOCK_MONOTONIC_COARSE) - now(CLOCK_MONOTONIC_COARSE);
		if (write(pipefd[1], vals, sizeof(vals)) != sizeof(vals))
			_exit(1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (read(pipefd[0], vals, sizeof(vals)) != sizeof(vals)) {
		report(0, "child in the time namespace reported");
		return report_summary();
	}
	mc = vals[0] - m0;
	rc = vals[1] - r0;
	step = vals[2];
	res = getres_ns(CLOCK_MONOTONIC_COARSE, 0);
	report(mc >= off && mc < off + NS,
	       "MONOTONIC_COARSE in the namespace is ahead by the offset (%lld ns)",
	       (long long)mc);
	report(rc >= 0 && rc < NS,
	       "REALTIME_COARSE in the namespace carries no offset (%lld ns later)",
	       (long long)rc);
	report(step > 0 && step < GUEST_TICK_NS / 2 && res < GUEST_TICK_NS,
	       "in the namespace MONOTONIC_COARSE still steps by the page (median %lld ns, res %lld)",
	       (long long)step, (long long)res);
	report(vals[3] <= 0 && vals[3] > -NS,
	       "in the namespace the syscall agrees with the vDSO (%lld ns)",
	       (long long)vals[3]);
	return report_summary();
}

static int64_t bench_one(clockid_t clk, int raw, int n)
{
	struct timespec ts;
	int64_t t0, t1;
	int i;

	t0 = now(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		if (raw)
			syscall(SYS_clock_gettime, clk, &ts);
		else
			clock_gettime(clk, &ts);
	}
	t1 = now(CLOCK_MONOTONIC);
	return (t1 - t0) * 1000 / n;	/* ps per call */
}

static void print_ps(const char *key, int64_t ps)
{
	printf("%s %lld.%03lld\n", key, (long long)ps / 1000,
	       (long long)ps % 1000);
}

/*
 * The best of many short batches, the two coarse clocks in turn: a batch
 * of 100 k calls is a few ms under TCG, shorter than the host's time
 * slice, so that on a busy host some batches of each clock still run
 * without the vCPU thread being preempted, and drift hits both alike.
 */
#define BENCH_BATCHES	50
#define BENCH_CALLS	100000

static int do_bench(void)
{
	int64_t mono = INT64_MAX, real = INT64_MAX, sys = INT64_MAX, v;
	int i;

	for (i = 0; i < BENCH_BATCHES; i++) {
		v = bench_one(CLOCK_MONOTONIC_COARSE, 0, BENCH_CALLS);
		if (v < mono)
			mono = v;
		v = bench_one(CLOCK_REALTIME_COARSE, 0, BENCH_CALLS);
		if (v < real)
			real = v;
	}
	for (i = 0; i < 3; i++) {
		v = bench_one(CLOCK_MONOTONIC_COARSE, 1, 200000);
		if (v < sys)
			sys = v;
	}
	print_ps("vdso_coarse_ns", mono);
	print_ps("vdso_coarse_real_ns", real);
	print_ps("syscall_coarse_ns", sys);
	printf("res_ns %lld\n", (long long)getres_ns(CLOCK_MONOTONIC_COARSE, 0));
	return 0;
}

/* ---- forks: no child keeps a page that was taken away ---- */

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* The vDSO's time page slot: the fifth page of [vvar] (guest/linux/ 2). */
static const volatile uint64_t *vvar_slot(void)
{
	char line[256];
	unsigned long lo = 0, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			break;
	if (f)
		fclose(f);
	return lo ? (const volatile uint64_t *)(lo + 4 * 4096) : NULL;
}

/* Minor faults of this process so far. */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * In a child. The zap that takes a page away leaves no process with its
 * vvar slot mapped, and nothing maps it again while no page is bound:
 * the vDSO only touches the slot in PAGE mode, and this program only
 * here. So once the vDSO has let go of the page (clock_getres() is the
 * tick again), a read of the slot that does not fault, twice half a
 * second apart, found the old page's mapping, copied by a fork the zap
 * missed. Once the page is back, the slot holds it (its magic), not
 * what is left where the page was before (a replugged device lands
 * elsewhere). Exit status: 0 born with a page bound, 8 born without and
 * good, 1 the slot stayed mapped while no page was, 5 the slot did not
 * show the page that came back, 2 coarse time behind the parent's last
 * read, 4 no page came back in time.
 */
static int fork_child(const volatile uint64_t *slot, int64_t parent)
{
	char dev[32];
	uint32_t magic;
	long f0;
	int i;

	if (now(CLOCK_MONOTONIC_COARSE) < parent)
		return 2;
	/*
	 * A fork that raced with the page going away sees no page bound
	 * 100 ms later; the others need not wait, and free their place for
	 * more forks.
	 */
	usleep(100000);
	if (read_line("/sys/class/misc/tickpage/device", dev, sizeof(dev)) ||
	    strcmp(dev, "none"))
		return 0;
	/*
	 * The driver lets go of the page before the vDSO does, and the zap
	 * comes after an RCU grace period: a slot still mapped then is no
	 * proof. Mapped again half a second after the vDSO let go is.
	 */
	for (i = 0; i < 100 && getres_ns(CLOCK_MONOTONIC_COARSE, 0) !=
			       GUEST_TICK_NS; i++)
		usleep(20000);
	minflt();	/* its stack and buffers faulted in */
	for (i = 0; i < 2; i++) {
		f0 = minflt();
		magic = (uint32_t)*slot;
		if (minflt() != f0)
			break;
		if (i == 0) {
			usleep(500000);
			continue;
		}
		if (!read_line("/sys/class/misc/tickpage/device", dev,
			       sizeof(dev)) && !strcmp(dev, "none")) {
			printf("# child %d: its vvar slot stayed mapped with no page bound (magic %#x)\n",
			       (int)getpid(), magic);
			return 1;
		}
	}
	for (i = 0; i < 100; i++) {
		usleep(50000);
		if (!read_line("/sys/class/misc/tickpage/device", dev,
			       sizeof(dev)) && strcmp(dev, "none"))
			break;
	}
	if (i == 100)
		return 4;
	/* The vDSO takes the page within a tick; TCG on a busy host lags. */
	for (i = 0; i < 60; i++) {
		magic = (uint32_t)*slot;
		if (magic == TICKPAGE_MAGIC)
			return 8;
		usleep(50000);
	}
	printf("# child %d: page back on %s, its vvar slot reads magic %#x\n",
	       (int)getpid(), dev, magic);
	return 5;
}

static int fork_loop(int secs);

/* Where each ivshmem device's BAR 2 is: a replugged page moves. */
static void print_bars(const char *when)
{
	char path[300], line[128];
	unsigned long long start = 0, end, flags;
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");
	FILE *f;
	int i;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (read_line(path, line, sizeof(line)) ||
		    strtoul(line, NULL, 16) != 0x1110)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
			 de->d_name);
		f = fopen(path, "r");
		for (i = 0; f && i <= 2 && fgets(line, sizeof(line), f); i++)
			if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
				start = 0;
		if (f)
			fclose(f);
		printf("# %s: ivshmem %s BAR 2 at %#llx\n", when, de->d_name, start);
	}
	if (d)
		closedir(d);
}

/*
 * Fork in a loop for @secs while the host unplugs and plugs the device:
 * each child reads the coarse clock (never behind its parent's last
 * read) and checks, once things are steady, that its vvar slot holds no
 * page the driver has let go (fork_child()).
 *
 * The kernel drops the page from every process by walking pids upwards.
 * A child forked under the walk, with a pid the walk has passed, is
 * missed unless fork itself drops the child's copy. The forking process
 * gets a pid above 400 and pid_max is set just above it, so that its
 * children's pids wrap below it, as on a long-running system: the walk
 * has passed them when it reaches their parent. 64 MiB of memory make
 * each fork long enough (copying its page tables) for the walk to find
 * the parent inside one now and then.
 */
static int do_forks(int secs)
{
	char old_max[32] = "", buf[32];
	int status, fd;
	pid_t pid;

	if (read_line("/proc/sys/kernel/pid_max", old_max, sizeof(old_max)))
		old_max[0] = 0;
	do {
		pid = fork();
		if (pid == 0 && getpid() > 400)
			break;
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			report(0, "fork: %s", strerror(errno));
			return report_summary();
		}
		if (pid > 400)	/* the forker's verdict is ours */
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	} while (1);
	/* The forker, pid > 400: its children's pids wrap below its own. */
	snprintf(buf, sizeof(buf), "%d", (int)getpid() + 1);
	fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		printf("# cannot set pid_max: %s\n", strerror(errno));
	else
		printf("# forker pid %d, pid_max %s (was %s)\n", (int)getpid(),
		       buf, old_max);
	if (fd >= 0)
		close(fd);
	print_bars("before");
	status = fork_loop(secs);
	print_bars("after");
	fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
	if (fd >= 0 && old_max[0] && write(fd, old_max, strlen(old_max)) < 0)
		printf("# cannot restore pid_max\n");
	if (fd >= 0)
		close(fd);
	return status;
}

static int fork_loop(int secs)
{
	const volatile uint64_t *slot = vvar_slot();
	int64_t end = now(CLOCK_MONOTONIC) + secs * NS, last;
	int kids = 0, running = 0, stale = 0, back = 0, noreturn = 0;
	int waited = 0;
	int status, rc;
	pid_t pid;

	size_t big = 64 << 20;
	char *mem = mmap(NULL, big, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!slot || mem == MAP_FAILED) {
		report(0, "no [vvar] area, or no memory");
		return report_summary();
	}
	memset(mem, 1, big);
	printf("@@WATCH-START@@\n");
	fflush(stdout);
	while (now(CLOCK_MONOTONIC) < end || running) {
		if (now(CLOCK_MONOTONIC) < end && running < 48) {
			last = now(CLOCK_MONOTONIC_COARSE);	/* maps the slot */
			pid = fork();
			if (pid == 0)
				_exit(fork_child(slot, last));
			if (pid > 0) {
				kids++;
				running++;
			}
		}
		while ((pid = waitpid(-1, &status, running >= 48 ||
				      now(CLOCK_MONOTONIC) >= end ? 0 : WNOHANG)) > 0) {
			running--;
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
			stale += rc == 1 || rc == 5;
			back += rc == 2 || rc == 3;
			noreturn += rc == 4;
			waited += rc == 8 || rc == 1 || rc == 5;
			if (running < 48 && now(CLOCK_MONOTONIC) < end)
				break;
		}
	}
	printf("# %d children, %d born while no page was bound checked the page that came back, %d saw none come back\n",
	       kids, waited, noreturn);
	report(!stale, "no child read a page that was taken away (%d did)",
	       stale);
	report(!back, "no child's MONOTONIC_COARSE was behind its parent's last read (%d were)",
	       back);
	return report_summary();
}

/* 1 if the coarse clocks read and advance with their syscalls refused. */
static int works_without_syscalls(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int64_t a, b = 0;
		int i;

		if (forbid_time_syscalls())
			_exit(3);
		a = now(CLOCK_MONOTONIC_COARSE);
		for (i = 0; i < 10000000; i++) {
			b = now(CLOCK_MONOTONIC_COARSE);
			if (b != a)
				break;
		}
		_exit(a > 0 && b > a && now(CLOCK_REALTIME_COARSE) > 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int do_show(void)
{
	struct tickpage_info info;
	int64_t rt, d;
	int n;

	printf("getres_monotonic_coarse_ns %lld\n",
	       (long long)getres_ns(CLOCK_MONOTONIC_COARSE, 0));
	printf("getres_realtime_coarse_ns %lld\n",
	       (long long)getres_ns(CLOCK_REALTIME_COARSE, 0));
	printf("step_monotonic_coarse_ns %lld\n",
	       (long long)median_step(CLOCK_MONOTONIC_COARSE, 300, &n));
	printf("step_realtime_coarse_ns %lld\n",
	       (long long)median_step(CLOCK_REALTIME_COARSE, 300, &n));
	printf("no_syscall %s\n", works_without_syscalls() ? "yes" : "no");
	if (read_info(&info)) {
		printf("page none\n");
		return 0;
	}
	rt = now(CLOCK_REALTIME_COARSE);
	d = rt - (info.realtime_sec * NS + info.realtime_nsec);
	printf("page period %llu ns, generation %llu\n",
	       (unsigned long long)info.period_ns,
	       (unsigned long long)info.generation);
	printf("realtime_coarse_minus_page_ns %lld\n", (long long)d);
	return 0;
}

/* ---- pairs: the coarse clocks across landings on another page ---- */

#define PAIRS_STOP	"/tmp/tp-stop"
#define PAIRS_MAX	64

/*
 * Whether MONOTONIC_COARSE value @mc came from the page: the page's
 * monotonic time read just before or just after it, plus the driver's
 * offset for that generation (the vDSO's copy of the offset follows the
 * driver's within a tick, so a realignment only delays the answer).
 */
static int pairs_served(const struct tickpage *tp,
			const struct tickpage_guest *gp, int64_t mc,
			uint64_t gen, uint64_t pm0)
{
	struct tickpage_guest g;
	uint64_t gen1, pm1;

	tickpage_peek_monotonic(tp, &gen1, &pm1);
	if (tickpage_guest_read(gp, &g) || g.status != TICKPAGE_GUEST_OK ||
	    g.generation != gen || gen1 != gen)
		return 0;
	return mc == (int64_t)(pm0 + (uint64_t)g.offset_ns) ||
	       mc == (int64_t)(pm1 + (uint64_t)g.offset_ns);
}

static uint64_t pairs_checks(const struct tickpage_guest *gp)
{
	struct tickpage_guest g;

	return tickpage_guest_read(gp, &g) ? 0 : g.checks;
}

/*
 * A check in flight when the guest stopped for the move publishes on
 * the new host what it read of the old page (status OK, the old
 * generation): it started before the landing and does not count.
 */
static uint64_t pairs_skip_old(const struct tickpage_guest *gp,
			       uint64_t checks0, uint64_t new_gen)
{
	struct tickpage_guest g;

	if (!tickpage_guest_read(gp, &g) && g.checks > checks0 &&
	    g.status == TICKPAGE_GUEST_OK && g.generation != new_gen)
		return g.checks;
	return checks0;
}

/*
 * The first few violations, with what a reader needs to tell why: how
 * long after the last landing, and the driver's state and the page's
 * generation right after the pair.
 */
#define PAIRS_EVENTS	8

static void pairs_event(const struct tickpage *tp,
			const struct tickpage_guest *gp, long *events,
			const char *what, int64_t by, int landing,
			int64_t since_ns, uint64_t gen_before)
{
	struct tickpage_guest g = { 0 };
	uint64_t gen, pm;

	if ((*events)++ >= PAIRS_EVENTS)
		return;
	tickpage_peek_monotonic(tp, &gen, &pm);
	tickpage_guest_read(gp, &g);
	printf("# violation: %s by %lld ns, %.3f ms after landing %d; page generation %llu before the pair, %llu after; driver status %u generation %llu offset %lld limit %llu (page %llu) checks %llu aligns %llu\n",
	       what, (long long)by, since_ns / 1e6, landing,
	       (unsigned long long)gen_before, (unsigned long long)gen,
	       g.status, (unsigned long long)g.generation,
	       (long long)g.offset_ns, (unsigned long long)g.mono_limit_ns,
	       (unsigned long long)pm, (unsigned long long)g.checks,
	       (unsigned long long)g.aligns);
}

static int do_pairs(int secs, int want, int max_checks)
{
	int64_t lat[PAIRS_MAX], sorted[PAIRS_MAX];
	uint64_t checks0 = 0, dchecks, worst_checks = 0;
	const struct tickpage_guest *gp;
	int64_t end, last_mc, landed = 0, rc, rf, mc, mf, d;
	int64_t worst_back = 0, worst_mono = 0, worst_real = 0;
	long reads = 0, back = 0, mono_bad = 0, real_bad = 0, events = 0;
	uint64_t gen, cur_gen, pm;
	int n = 0, waiting = 1, late = 0, i, fd;
	const struct tickpage *tp;
	const void *map;

	fd = open(TICKPAGE_DEV_PATH, O_RDONLY);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, TICKPAGE_MMAP_SIZE, PROT_READ,
					 MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		report(0, "mmap of %s: %s", TICKPAGE_DEV_PATH, strerror(errno));
		return report_summary();
	}
	tp = map;
	gp = (const void *)((const char *)map + TICKPAGE_MMAP_GUEST_OFFSET);
	tickpage_peek_monotonic(tp, &cur_gen, &pm);
	end = now(CLOCK_MONOTONIC) + secs * NS;
	last_mc = now(CLOCK_MONOTONIC_COARSE);
	printf("@@WATCH-START@@\n");
	fflush(stdout);
	for (;;) {
		tickpage_peek_monotonic(tp, &gen, &pm);
		rc = now(CLOCK_REALTIME_COARSE);
		rf = now(CLOCK_REALTIME);
		mc = now(CLOCK_MONOTONIC_COARSE);
		mf = now(CLOCK_MONOTONIC);
		reads++;
		if (rc > rf) {
			pairs_event(tp, gp, &events, "REALTIME_COARSE ahead",
				    rc - rf, n, mf - landed, gen);
			real_bad++;
			if (rc - rf > worst_real)
				worst_real = rc - rf;
		}
		if (mc > mf) {
			pairs_event(tp, gp, &events, "MONOTONIC_COARSE ahead",
				    mc - mf, n, mf - landed, gen);
			mono_bad++;
			if (mc - mf > worst_mono)
				worst_mono = mc - mf;
		}
		if (mc < last_mc) {
			pairs_event(tp, gp, &events, "MONOTONIC_COARSE back",
				    last_mc - mc, n, mf - landed, gen);
			back++;
			if (last_mc - mc > worst_back)
				worst_back = last_mc - mc;
		}
		last_mc = mc;
		if (gen != cur_gen) {
			/* A landing (or a page that changed under us). */
			if (waiting && n > 0)
				printf("# landing %d: page never served before generation %llu came\n",
				       n, (unsigned long long)gen);
			cur_gen = gen;
			waiting = 1;
			landed = mf;
			checks0 = pairs_checks(gp);
			if (n < PAIRS_MAX)
				lat[n] = -1;
			n++;
		}
		if (waiting && n > 0)
			checks0 = pairs_skip_old(gp, checks0, gen);
		if (waiting && pairs_served(tp, gp, mc, gen, pm)) {
			waiting = 0;
			if (n > 0 && n <= PAIRS_MAX) {
				dchecks = pairs_checks(gp) - checks0;
				lat[n - 1] = mf - landed;
				if (dchecks > worst_checks)
					worst_checks = dchecks;
				if (dchecks > (uint64_t)max_checks)
					late++;
				printf("# landing %d: generation %llu, page served after %.1f ms, %llu driver check(s)\n",
				       n, (unsigned long long)gen,
				       (double)(mf - landed) / 1e6,
				       (unsigned long long)dchecks);
			}
		}
		if (mf >= end)
			break;
		if (!(reads & 1023)) {
			struct stat st;

			if (!stat(PAIRS_STOP, &st))
				break;
		}
	}
	for (i = 0; i < n && i < PAIRS_MAX; i++) {
		sorted[i] = lat[i] < 0 ? INT64_MAX : lat[i];
		if (lat[i] < 0)
			late++;
	}
	qsort(sorted, i, sizeof(sorted[0]), cmp64);
	printf("# %ld reads of the four clocks, %d landings\n", reads, n);
	if (i) {
		d = sorted[i / 2];
		printf("# page served again after a landing: min %.1f ms, median %.1f ms, max %.1f ms%s\n",
		       sorted[0] / 1e6, d / 1e6,
		       sorted[i - 1] == INT64_MAX ? -1.0 : sorted[i - 1] / 1e6,
		       sorted[i - 1] == INT64_MAX ? " (never, once or more)" : "");
	}
	report(!back, "MONOTONIC_COARSE never went back (%ld reads did, by up to %lld ns)",
	       back, (long long)worst_back);
	report(!mono_bad, "MONOTONIC_COARSE <= the MONOTONIC read after it (%ld of %ld pairs not, by up to %lld ns)",
	       mono_bad, reads, (long long)worst_mono);
	report(!real_bad, "REALTIME_COARSE <= the REALTIME read after it (%ld of %ld pairs not, by up to %lld ns)",
	       real_bad, reads, (long long)worst_real);
	report(n == want, "%d landings on a new generation seen (want %d)", n, want);
	report(n > 0 && !late && !waiting,
	       "the vDSO served the page again within %d driver check(s) of each landing (%d not; most %llu)",
	       max_checks, late + (waiting && n > PAIRS_MAX),
	       (unsigned long long)worst_checks);
	munmap((void *)map, TICKPAGE_MMAP_SIZE);
	close(fd);
	return report_summary();
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "page"))
		return do_page();
	if (!strcmp(cmd, "nopage"))
		return do_nopage();
	if (!strcmp(cmd, "watch") && argc == 4)
		return do_watch(atoi(argv[2]), argv[3]);
	if (!strcmp(cmd, "timens"))
		return do_timens();
	if (!strcmp(cmd, "bench"))
		return do_bench();
	if (!strcmp(cmd, "show"))
		return do_show();
	if (!strcmp(cmd, "forks") && argc == 3)
		return do_forks(atoi(argv[2]));
	if (!strcmp(cmd, "pairs") && argc == 5)
		return do_pairs(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: tp-coarse page|nopage|watch SECS PATTERN|timens|forks SECS|bench|show|pairs SECS LANDINGS CHECKS\n");
	return 2;
}
