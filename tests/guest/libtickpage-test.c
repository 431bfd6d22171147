// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Host unit test of libtickpage and its preload library, without a VM:
 * TICKPAGE_DEV points the library at a file laid out like the mmap of
 * /dev/tickpage (time page, then guest page). The test writes the time
 * page with the real writer (hv/tickpage-writer.c) and plays the driver
 * for the guest page, then checks what the library serves and when it
 * falls back.
 *
 * Usage: libtickpage-test PRELOAD_SO PROBE
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "tickpage.h"
#include "tickpage-dev.h"
#include "tickpage-writer.h"

#define Y2100	  4102444800ll	   /* 2100-01-01: no host clock says so */
/*
 * Far beyond any real uptime: the library's never-back guard holds its
 * fallback at the last page value, so a page clock behind the host's
 * CLOCK_MONOTONIC would be clamped and the exact checks below would
 * depend on how long the machine has been up.
 */
#define PAGE_MONO 500000000000000000ull /* 5e8 s, ~16 years */
#define OFFSET	  (-123456789ll)
#define PERIOD	  250000ull
/*
 * The guest's CLOCK_REALTIME - CLOCK_MONOTONIC, as the driver keeps it:
 * chosen so that coarse realtime at PAGE_MONO is Y2100 + 500 ns.
 */
#define REAL_NS	  (Y2100 * 1000000000ll + 500 - (int64_t)PAGE_MONO - OFFSET)

static struct tickpage *tp;
static struct tickpage_writer w;
static struct tickpage_guest *gp;

/* Play the driver: seqcount-protected update of the guest page. */
static void guest_set(uint32_t status, uint64_t gen, uint64_t limit)
{
	__atomic_store_n(&gp->seq, gp->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	gp->status = status;
	gp->generation = gen;
	gp->offset_ns = OFFSET;
	gp->mono_limit_ns = limit;
	gp->real_ns = REAL_NS;
	gp->flags = TICKPAGE_GUEST_F_REAL;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&gp->seq, gp->seq + 1, __ATOMIC_RELAXED);
}

static void publish(int64_t sec, uint64_t mono)
{
	struct tickpage_sample s = {
		.realtime_sec = sec,
		.realtime_nsec = 500,
		.monotonic_ns = mono,
	};

	tickpage_publish(&w, &s);
}

static int64_t ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000ll + ts->tv_nsec;
}

static void check_api(void)
{
	struct timespec ts = {0}, res = {0}, prev, mono;
	time_t t;
	int r;

	/* (Arguments are evaluated in any order: call first, then report.) */
	r = tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts);
	report(!r && ts.tv_sec == Y2100 && ts.tv_nsec == 500,
	       "realtime coarse is monotonic coarse + the guest's real_ns (%lld.%09ld)",
	       (long long)ts.tv_sec, ts.tv_nsec);
	r = tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	report(!r && ns(&ts) == (int64_t)PAGE_MONO + OFFSET,
	       "monotonic coarse is page + offset (%lld)", (long long)ns(&ts));
	prev = ts;
	r = tickpage_clock_getres(CLOCK_REALTIME_COARSE, &res);
	report(!r && ns(&res) == PERIOD, "getres is the page period (%lld ns)",
	       (long long)ns(&res));
	report(tickpage_time(&t) == Y2100 && t == Y2100,
	       "time() is CLOCK_REALTIME_COARSE's seconds");
	report(tickpage_period_ns() == PERIOD, "tickpage_period_ns()");
	tickpage_clock_gettime(CLOCK_REALTIME, &ts);
	report(ts.tv_sec < Y2100, "CLOCK_REALTIME is not served from the page");

	/* Stale: the driver says stop; everything falls back. */
	guest_set(TICKPAGE_GUEST_STALE, 1, PAGE_MONO + 1000000000ull);
	report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts) ==
		       TICKPAGE_ERR_INVALID,
	       "stale page: not served");
	tickpage_clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
	report(ns(&ts) - ns(&mono) == REAL_NS,
	       "stale page: realtime falls back to the guarded monotonic + real_ns (%lld)",
	       (long long)(ns(&ts) - ns(&mono) - REAL_NS));
	tickpage_clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	report(ns(&res) != PERIOD, "stale page: getres falls back to libc");

	/* A new generation the driver has not aligned to yet. */
	guest_set(TICKPAGE_GUEST_OK, 1, PAGE_MONO + 1000000000ull);
	tickpage_bump_generation(&w);
	report(tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts) ==
		       TICKPAGE_ERR_RANGE,
	       "new generation: monotonic not served until realigned");
	report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts) ==
		       TICKPAGE_ERR_RANGE,
	       "new generation: realtime not served until realigned either");
	tickpage_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	report(ns(&ts) >= ns(&prev),
	       "fallback monotonic never behind what the page gave (guard)");

	/* Past the limit the driver vouched for. */
	guest_set(TICKPAGE_GUEST_OK, 2, PAGE_MONO + 1000);
	publish(Y2100, PAGE_MONO + 2000);
	report(tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts) ==
		       TICKPAGE_ERR_RANGE,
	       "page past mono_limit: monotonic not served");
	guest_set(TICKPAGE_GUEST_OK, 2, PAGE_MONO + 1000000000ull);
	r = tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	report(!r && ns(&ts) == (int64_t)PAGE_MONO + 2000 + OFFSET,
	       "realigned: monotonic served again (%s, %lld ns)",
	       tickpage_strerror(r), (long long)ns(&ts));

	/* Publisher stopped cleanly. */
	tickpage_invalidate(&w);
	report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts) ==
		       TICKPAGE_ERR_INVALID,
	       "invalidated page: not served");
	publish(Y2100, PAGE_MONO + 3000);

	/* A driver that keeps no real_ns (older than the flag): libc's. */
	gp->flags = 0;
	report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts) ==
		       TICKPAGE_ERR_INVALID,
	       "no TICKPAGE_GUEST_F_REAL: realtime not served");
	tickpage_clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	report(ts.tv_sec < Y2100, "no TICKPAGE_GUEST_F_REAL: realtime from libc");
	report(!tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts),
	       "no TICKPAGE_GUEST_F_REAL: monotonic still served");
	gp->flags = TICKPAGE_GUEST_F_REAL;

	/* Torn guard: a writer stuck mid-update (seq odd) is not waited on. */
	__atomic_store_n(&tp->seq, tp->seq + 1, __ATOMIC_RELAXED);
	report(tickpage_coarse_gettime(CLOCK_REALTIME_COARSE, &ts) ==
		       TICKPAGE_ERR_BUSY,
	       "seq stuck odd: gives up (busy), falls back");
	__atomic_store_n(&tp->seq, tp->seq + 1, __ATOMIC_RELAXED);
}

static void check_preload(const char *so, const char *probe)
{
	char line[256], env[512];
	long long rc_sec = 0, t = 0, rt = 0;
	long res_ns = -1;
	FILE *f;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s %s", so, probe);
	f = popen(env, "r");
	if (!f) {
		report(0, "preload: cannot run %s", probe);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		long long s;
		long n;
		int r, g;

		if (sscanf(line, "realtime_coarse=%d %lld.%ld res=%d 0.%ld", &r,
			   &s, &n, &g, &res_ns) == 5)
			rc_sec = s;
		else if (sscanf(line, "realtime=%d %lld.%ld", &r, &s, &n) == 3)
			rt = s;
		else
			sscanf(line, "time=%lld", &t);
	}
	report(pclose(f) == 0, "preload: probe ran");
	report(rc_sec == Y2100,
	       "preload: clock_gettime(CLOCK_REALTIME_COARSE) from the page "
	       "(%lld)",
	       rc_sec);
	report(res_ns == PERIOD,
	       "preload: clock_getres is the page period (%ld)", res_ns);
	report(t == Y2100, "preload: time() from the page (%lld)", t);
	report(rt > 0 && rt < Y2100,
	       "preload: CLOCK_REALTIME passed to libc (%lld)", rt);
}

/*
 * A one-page regular file (tickpaged's shm file, by mistake): the
 * library must fall back, not map two pages and die with SIGBUS on the
 * first read. In a child, so that this process has not mapped anything
 * yet: the library keeps its first answer for the process's lifetime.
 */
static void check_short_file(void)
{
	char path[] = "/tmp/libtickpage-short.XXXXXX";
	int fd = mkstemp(path), st = 0;
	pid_t pid;

	struct tickpage *short_tp;
	struct tickpage_writer short_w;

	if (fd < 0 || ftruncate(fd, TICKPAGE_MMAP_SIZE / 2)) {
		report(0, "short file: cannot create %s", path);
		return;
	}
	/* A valid time page, so that nothing stops short of page two. */
	short_tp = mmap(NULL, TICKPAGE_MMAP_SIZE / 2, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	close(fd);
	if (short_tp == MAP_FAILED) {
		report(0, "short file: cannot map %s", path);
		unlink(path);
		return;
	}
	tickpage_writer_init(&short_w, short_tp, PERIOD, 0, 1);
	tickpage_publish(&short_w, &(struct tickpage_sample){
		.realtime_sec = Y2100, .monotonic_ns = PAGE_MONO });
	munmap(short_tp, TICKPAGE_MMAP_SIZE / 2);
	pid = fork();
	if (pid == 0) {
		struct timespec ts;
		int served, fell_back;

		setenv("TICKPAGE_DEV", path, 1);
		served = tickpage_coarse_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		fell_back = tickpage_clock_gettime(CLOCK_REALTIME_COARSE, &ts);
		_exit(served != 0 && fell_back == 0 && ts.tv_sec < Y2100 ?
			      0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		st = -1;
	unlink(path);
	report(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "one-page file: not served, falls back to libc (%s %d)",
	       WIFSIGNALED(st) ? "signal" : "exit",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/libtickpage-test.XXXXXX";
	void *m;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: libtickpage-test PRELOAD_SO PROBE\n");
		return 2;
	}
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, TICKPAGE_MMAP_SIZE)) {
		perror("libtickpage-test: temp file");
		return 1;
	}
	m = mmap(NULL, TICKPAGE_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		perror("libtickpage-test: mmap");
		return 1;
	}
	tp = m;
	gp = (void *)((char *)m + TICKPAGE_MMAP_GUEST_OFFSET);
	tickpage_writer_init(&w, tp, PERIOD, 0, 1);
	publish(Y2100, PAGE_MONO);
	gp->magic = TICKPAGE_GUEST_MAGIC;
	guest_set(TICKPAGE_GUEST_OK, 1, PAGE_MONO + 1000000000ull);
	setenv("TICKPAGE_DEV", path, 1);

	check_short_file();
	check_preload(argv[1], argv[2]);
	check_api();
	unlink(path);
	return report_summary();
}
