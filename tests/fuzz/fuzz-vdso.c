// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * libFuzzer target: the patched guest kernel's own vDSO, and the system
 * call's computation, on any page and any state.
 *
 * The built kernel's vdso64.so.dbg runs in this process under a vvar area
 * filled from the input (tests/kernel/vdso-load.h): the vDSO data's
 * tickpage state (mode, generation, offset, limit, floor, low bound,
 * period), the kernel's coarse and fine times, a time namespace or not,
 * and the page, built field by field with each field good or not, or
 * raw bytes. The input also runs <vdso/tickpage-coarse.h>, taken from
 * patch 2 and compiled here (tests/fuzz/kshim/), the way the system call
 * runs it (tickpage_coarse_ts64() in patch 3).
 *
 * Every call of __vdso_clock_gettime() and __vdso_clock_getres() for the
 * two coarse clocks, and of the system call's computation, must
 *   - finish within INSN_BUDGET instructions, counted exactly by
 *     single-stepping it with the x86 trap flag (this machine has no
 *     hardware performance counters: perf_event_open() of instructions
 *     is not supported, and callgrind would be 50x slower per input);
 *     a call past the budget aborts at once, so the old vDSO's borrow
 *     loop (seconds per call) fails here in a fraction of one;
 *   - return what an independent model of docs/vdso.md's table says the
 *     state allows: the page's time, clamped as the state says, or the
 *     kernel's coarse time, or the fine clock.
 *
 * TICKPAGE_VDSO_IMAGE names the image (tests/fuzz/run-fuzz.sh finds the
 * built one).
 */
#define _GNU_SOURCE	/* REG_EFL */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include <vdso/tickpage-coarse.h>

#include "../kernel/vdso-load.h"
#include "fuzz-input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS		1000000000ull
#define PAST_MAX	(4 * TICKPAGE_PERIOD_MAX_NS)	/* an edge worth trying */

/*
 * The longest legitimate call is a reader's retry bound: a page whose
 * seq stays odd makes tickpage_read() take 1024 passes (about 20,000
 * instructions). A loop whose trip count a page decides runs for
 * billions.
 */
#define INSN_BUDGET	100000ull

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz-vdso: %s:%d: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

static struct vdso_img img;
static uint64_t tick_ns;	/* the image's resolution without a page */

/* ---- counting instructions: the trap flag ---- */

static volatile uint64_t steps;
static const char *volatile counting;

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	static const char msg[] = "fuzz-vdso: instruction budget overrun in ";

	(void)sig;
	(void)si;
	if (++steps <= INSN_BUDGET)
		return;
	uc->uc_mcontext.gregs[REG_EFL] &= ~0x100l;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, counting, strlen(counting)) < 0 || write(2, "\n", 1) < 0)
		abort();
	abort();
}

typedef int (*clock_call)(clockid_t, struct timespec *);

/*
 * @fn(@clk, @ts) with the trap flag set: every instruction from the
 * popf to the pushf that clears it traps once. Neither instrumented nor
 * inlined, so the overhead around the call is a constant, measured once.
 */
__attribute__((noinline, no_sanitize("address", "undefined", "coverage")))
static int counted(clock_call fn, clockid_t clk, struct timespec *ts)
{
	int r;

	__asm__ __volatile__("pushfq; orl $0x100, (%%rsp); popfq" ::: "cc",
			     "memory");
	r = fn(clk, ts);
	__asm__ __volatile__("pushfq; andl $~0x100, (%%rsp); popfq" ::: "cc",
			     "memory");
	return r;
}

static int nothing(clockid_t clk, struct timespec *ts)
{
	(void)clk;
	(void)ts;
	return 0;
}

static uint64_t overhead;

static int count(const char *what, clock_call fn, clockid_t clk,
		 struct timespec *ts, uint64_t *insns)
{
	int r;

	counting = what;
	steps = 0;
	r = counted(fn, clk, ts);
	*insns = steps - overhead;
	return r;
}

/* ---- the input ---- */

/* A value near @base, or anywhere: the edges of each comparison. */
static uint64_t near(struct input *in, uint64_t base)
{
	static const uint64_t d[] = {
		0, 1, 2, NS - 1, NS, NS + 1, PAST_MAX - 1, PAST_MAX,
		PAST_MAX + 1, 1ull << 32, 1ull << 62, 1ull << 63,
		(1ull << 63) + (1ull << 62), ~0ull,
	};
	unsigned int k = (unsigned int)take(in, 1);

	switch (k & 3) {
	case 0:
		return base + d[(k >> 2) % (sizeof(d) / sizeof(d[0]))];
	case 1:
		return base - d[(k >> 2) % (sizeof(d) / sizeof(d[0]))];
	case 2:
		return base + (uint64_t)(int64_t)(int32_t)take(in, 4);
	default:
		return take(in, 8);
	}
}

/* One moment: what the kernel says, and what the page says. */
struct state {
	struct vdso_tickpage vt;
	uint64_t k_mono, k_real;	/* the kernel's coarse time, ns */
	uint64_t f_mono, f_real;	/* its fine time (mult 0: exact) */
	int timens;
	int64_t ns_sec;			/* the namespace's monotonic offset */
	uint64_t ns_nsec;
	struct tickpage page;
	int raw;			/* the page is input bytes */
	uint8_t raw_bytes[TICKPAGE_SIZE_V1_0];
};

static void decode(struct input *in, struct state *s)
{
	unsigned int f = (unsigned int)take(in, 4);
	struct tickpage *tp = &s->page;
	int odd;

	memset(s, 0, sizeof(*s));
	/* The kernel's own times: well formed, as the timekeeper keeps them. */
	s->k_mono = take(in, 6);
	s->k_real = take(in, 7) + NS;
	s->f_mono = s->k_mono + take(in, 3);
	s->f_real = s->k_real + take(in, 3);
	s->timens = f & 1;
	s->ns_sec = (int64_t)(int16_t)take(in, 2);
	s->ns_nsec = take(in, 4) % NS;

	/* The state the driver published: anything. */
	s->vt.mode = f & 2 ? (uint32_t)take(in, 4) : (uint32_t)(f >> 2 & 3) % 3;
	s->vt.generation = take(in, 1);
	s->vt.offset_ns = (int64_t)near(in, 0);
	s->vt.mono_limit_ns = near(in, s->k_mono - (uint64_t)s->vt.offset_ns);
	s->vt.floor_ns = near(in, s->k_mono);
	s->vt.low_ns = f & 16 ? near(in, s->k_mono) :
		       (int64_t)(s->vt.floor_ns - s->k_mono) > 0 ?
		       s->vt.floor_ns : s->k_mono;
	/* The kernel's, kept with low_ns; anything one input in 16. */
	s->vt.real_ns = (int64_t)(f & 32768 && !(take(in, 1) & 15) ?
				  take(in, 8) : s->k_real - s->k_mono);
	/* Kept with low_ns and real_ns, as update_vsyscall() keeps them. */
	s->vt.mono_base_sec = s->vt.low_ns / NS;
	s->vt.mono_base_ns = s->vt.mono_base_sec * NS;
	s->vt.real_base_sec = (s->vt.low_ns + (uint64_t)s->vt.real_ns) / NS;
	s->vt.real_base_ns = s->vt.real_base_sec * NS - (uint64_t)s->vt.real_ns;
	s->vt.period_ns = f & 32 ? near(in, TICKPAGE_PERIOD_MAX_NS) :
			  TICKPAGE_PERIOD_MIN_NS +
			  take(in, 4) % (TICKPAGE_PERIOD_MAX_NS -
					 TICKPAGE_PERIOD_MIN_NS + 1);

	/* The page: each field right, or not. */
	tp->magic = f & 64 ? (uint32_t)take(in, 4) : TICKPAGE_MAGIC;
	tp->abi_major = f & 128 ? (uint16_t)take(in, 2) : TICKPAGE_ABI_MAJOR;
	tp->abi_minor = (uint16_t)take(in, 1);
	tp->size = f & 256 ? (uint32_t)take(in, 4) : TICKPAGE_SIZE_V1_0;
	/*
	 * A seq stuck odd costs the reader's whole retry bound (16,000
	 * instructions, single-stepped): one input in 64.
	 */
	odd = (f & 512) && !(take(in, 1) & 31);
	tp->seq = (uint32_t)take(in, 4) & (odd ? ~0u : ~1u);
	tp->flags = f & 1024 ? take(in, 8) : TICKPAGE_F_VALID;
	tp->generation = f & 2048 ? take(in, 1) : s->vt.generation;
	tp->update_count = take(in, 2);
	tp->period_ns = take(in, 8);
	tp->realtime_sec = (int64_t)(f & 4096 ? take(in, 8) : take(in, 5));
	tp->realtime_nsec = (uint32_t)(f & 8192 ? take(in, 4) :
				       take(in, 4) % NS);
	tp->monotonic_ns = near(in, s->vt.mono_limit_ns);
	if (f & 16384) {
		s->raw = 1;
		memcpy(s->raw_bytes, tp, sizeof(s->raw_bytes));
		for (size_t i = 0; i < sizeof(s->raw_bytes) && in->n; i++)
			s->raw_bytes[i] = (uint8_t)take(in, 1);
		if (!odd)	/* little-endian: the low byte comes first */
			s->raw_bytes[offsetof(struct tickpage, seq)] &= ~1u;
	}
}

static void set_ts(struct vd_timestamp *t, uint64_t ns)
{
	t->sec = ns / NS;
	t->nsec = ns % NS;
}

/* The image's vvar area, as the kernel would have written it. */
static void apply(const struct state *s)
{
	struct vd *root = s->timens ? img.timens : img.vd;

	memset(img.vd, 0, sizeof(*img.vd));
	memset(img.timens, 0, sizeof(*img.timens));
	root->clock_mode = VDSO_CLOCKMODE_TSC;
	root->mask = ~0ull;
	root->hrtimer_res = 1;
	set_ts(&root->basetime[CLOCK_REALTIME], s->f_real);
	set_ts(&root->basetime[CLOCK_MONOTONIC], s->f_mono);
	set_ts(&root->basetime[CLOCK_REALTIME_COARSE], s->k_real);
	set_ts(&root->basetime[CLOCK_MONOTONIC_COARSE], s->k_mono);
	memcpy(&root->tickpage, &s->vt, sizeof(root->tickpage));
	if (s->timens) {
		/* The namespace's page sits in the vvar slot: seq odd. */
		img.vd->seq = 1;
		img.vd->clock_mode = VDSO_CLOCKMODE_TIMENS;
		img.vd->basetime[CLOCK_MONOTONIC].sec = (uint64_t)s->ns_sec;
		img.vd->basetime[CLOCK_MONOTONIC].nsec = s->ns_nsec;
		img.vd->basetime[CLOCK_MONOTONIC_COARSE] =
			img.vd->basetime[CLOCK_MONOTONIC];
	}
	memset(img.tp, 0, TICKPAGE_PAGE_SIZE);
	memcpy(img.tp, s->raw ? (const void *)s->raw_bytes :
			       (const void *)&s->page, TICKPAGE_SIZE_V1_0);
}

/* ---- the model: docs/vdso.md, "How a coarse read works" ---- */

struct want {
	uint64_t sec, nsec;
};

static struct want split(uint64_t ns)
{
	return (struct want){ ns / NS, ns % NS };
}

/*
 * Root time (no namespace offset) of @clk that the state allows: the
 * monotonic time the state serves, plus the kernel's CLOCK_REALTIME -
 * CLOCK_MONOTONIC for CLOCK_REALTIME_COARSE. The page's realtime fields
 * and its seq play no part.
 */
static struct want model(const struct state *s, clockid_t clk)
{
	const struct tickpage *tp = (const void *)img.tp;
	int mono = clk == CLOCK_MONOTONIC_COARSE;
	uint64_t m, limit = s->vt.mono_limit_ns, low = s->vt.low_ns;
	uint64_t real = mono ? 0 : (uint64_t)s->vt.real_ns;

	if (s->vt.mode == VDSO_TICKPAGE_OFF)
		return split(mono ? s->k_mono : s->k_real);
	if (s->vt.mode != VDSO_TICKPAGE_PAGE) {
		/* FLOOR, or any other value: the kernel's time, above the floor. */
		m = mono ? s->k_mono : s->k_real - real;
		if ((int64_t)(low - m) > 0)
			return split(low + real);
		return split(mono ? s->k_mono : s->k_real);
	}
	/* The identity is the driver's to check, not the readers'. */
	if (!(tp->flags & TICKPAGE_F_VALID) ||
	    tp->generation != s->vt.generation)
		return split(mono ? s->f_mono : s->f_real);
	m = (tp->monotonic_ns < limit ? tp->monotonic_ns : limit) +
	    (uint64_t)s->vt.offset_ns;
	if ((int64_t)(m - low) < 0)
		m = low;
	return split(m + real);
}

/* The namespace's offset on root time, as the vDSO adds it. */
static struct want in_ns(const struct state *s, clockid_t clk, struct want w)
{
	if (!s->timens || clk != CLOCK_MONOTONIC_COARSE)
		return w;
	w.sec += (uint64_t)s->ns_sec;
	w.nsec += s->ns_nsec;
	if (w.nsec >= NS) {
		w.nsec -= NS;
		w.sec++;
	}
	return w;
}

/*
 * ---- the system call's computation (fuzz-vdso-sys.c) ----
 *
 * Built twice: plainly, -O2 as the kernel builds it, whose instructions
 * are counted; and with the sanitizers, which would count their own
 * checks many times over (1175 instructions for a plain page read), for
 * undefined behaviour.
 */
struct sys_in {
	struct vdso_data vd;
	const struct tickpage *tp;
	uint64_t f_mono, f_real;
};

int sys_gettime_plain(const struct sys_in *in, clockid_t clk,
		      struct timespec *ts);
int sys_gettime_san(const struct sys_in *in, clockid_t clk,
		    struct timespec *ts);

static struct sys_in sys_in;

static int sys_plain(clockid_t clk, struct timespec *ts)
{
	return sys_gettime_plain(&sys_in, clk, ts);
}

static void sys_apply(const struct state *s)
{
	memset(&sys_in, 0, sizeof(sys_in));
	sys_in.vd.clock_mode = VDSO_CLOCKMODE_TSC;
	sys_in.vd.basetime[CLOCK_REALTIME_COARSE].sec = s->k_real / NS;
	sys_in.vd.basetime[CLOCK_REALTIME_COARSE].nsec = s->k_real % NS;
	sys_in.vd.basetime[CLOCK_MONOTONIC_COARSE].sec = s->k_mono / NS;
	sys_in.vd.basetime[CLOCK_MONOTONIC_COARSE].nsec = s->k_mono % NS;
	sys_in.vd.tickpage = s->vt;
	sys_in.tp = (const void *)img.tp;
	sys_in.f_mono = s->f_mono;
	sys_in.f_real = s->f_real;
}

/* ---- the checks ---- */

static uint64_t max_insns[2];	/* image, system call path */

static void check_clock(const struct state *s, clockid_t clk)
{
	const char *name = clk == CLOCK_MONOTONIC_COARSE ? "MONOTONIC_COARSE" :
			   "REALTIME_COARSE";
	struct want w = in_ns(s, clk, model(s, clk)), r = model(s, clk);
	struct timespec ts = { -1, -1 };
	uint64_t n;
	int ret;

	ret = count(clk == CLOCK_MONOTONIC_COARSE ?
		    "__vdso_clock_gettime(CLOCK_MONOTONIC_COARSE)" :
		    "__vdso_clock_gettime(CLOCK_REALTIME_COARSE)",
		    img.gettime, clk, &ts, &n);
	if (n > max_insns[0])
		max_insns[0] = n;
	CHECK(ret == 0, "%s returned %d", name, ret);
	CHECK((uint64_t)ts.tv_sec == w.sec && (uint64_t)ts.tv_nsec == w.nsec,
	      "vDSO %s = %lld.%09ld, the state allows %llu.%09llu (mode %u)",
	      name, (long long)ts.tv_sec, ts.tv_nsec,
	      (unsigned long long)w.sec, (unsigned long long)w.nsec,
	      s->vt.mode);

	ts = (struct timespec){ -1, -1 };
	count(clk == CLOCK_MONOTONIC_COARSE ?
	      "the system call's CLOCK_MONOTONIC_COARSE" :
	      "the system call's CLOCK_REALTIME_COARSE",
	      sys_plain, clk, &ts, &n);
	if (n > max_insns[1])
		max_insns[1] = n;
	CHECK((uint64_t)ts.tv_sec == r.sec && (uint64_t)ts.tv_nsec == r.nsec,
	      "system call %s = %lld.%09ld, the state allows %llu.%09llu",
	      name, (long long)ts.tv_sec, ts.tv_nsec,
	      (unsigned long long)r.sec, (unsigned long long)r.nsec);
	ts = (struct timespec){ -1, -1 };
	sys_gettime_san(&sys_in, clk, &ts);
	CHECK((uint64_t)ts.tv_sec == r.sec && (uint64_t)ts.tv_nsec == r.nsec,
	      "system call %s (sanitized build) = %lld.%09ld", name,
	      (long long)ts.tv_sec, ts.tv_nsec);
}

static void check_res(const struct state *s, clockid_t clk)
{
	struct want w = split(s->vt.mode == VDSO_TICKPAGE_PAGE ?
			      s->vt.period_ns : tick_ns);
	struct timespec ts = { -1, -1 };
	uint64_t n;
	int ret;

	ret = count("__vdso_clock_getres()", img.getres, clk, &ts, &n);
	if (n > max_insns[0])
		max_insns[0] = n;
	CHECK(ret == 0 && (uint64_t)ts.tv_sec == w.sec &&
	      (uint64_t)ts.tv_nsec == w.nsec,
	      "clock_getres(%d) = %d, %lld.%09ld, want %llu.%09llu", (int)clk,
	      ret, (long long)ts.tv_sec, ts.tv_nsec,
	      (unsigned long long)w.sec, (unsigned long long)w.nsec);
}

static void report_max(void)
{
	fprintf(stderr, "fuzz-vdso: most instructions in one call: %llu in the vDSO, %llu in the system call's path (budget %llu)\n",
		(unsigned long long)max_insns[0],
		(unsigned long long)max_insns[1],
		(unsigned long long)INSN_BUDGET);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("TICKPAGE_VDSO_IMAGE");
	struct sigaction sa;
	struct state s;
	struct timespec ts;
	uint64_t n;

	(void)argc;
	(void)argv;
	if (!path) {
		fprintf(stderr, "fuzz-vdso: set TICKPAGE_VDSO_IMAGE to a patched kernel's vdso64.so.dbg\n");
		exit(1);
	}
	vdso_load(path, &img);
	if (!img.tp) {
		fprintf(stderr, "fuzz-vdso: %s is not a patched image\n", path);
		exit(1);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTRAP, &sa, NULL))
		abort();
	count("nothing", nothing, 0, &ts, &overhead);
	overhead = steps;

	/* The resolution without a page: TICK_NSEC of the image's HZ. */
	memset(&s, 0, sizeof(s));
	apply(&s);
	if (img.getres(CLOCK_MONOTONIC_COARSE, &ts) || ts.tv_sec)
		abort();
	tick_ns = (uint64_t)ts.tv_nsec;
	count("calibration", img.gettime, CLOCK_MONOTONIC_COARSE, &ts, &n);
	fprintf(stderr, "fuzz-vdso: %s: TICK_NSEC %llu, a no-page read %llu instructions\n",
		path, (unsigned long long)tick_ns, (unsigned long long)n);
	atexit(report_max);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct state s;

	decode(&in, &s);
	apply(&s);
	sys_apply(&s);
	check_clock(&s, CLOCK_MONOTONIC_COARSE);
	check_clock(&s, CLOCK_REALTIME_COARSE);
	check_res(&s, CLOCK_MONOTONIC_COARSE);
	check_res(&s, CLOCK_REALTIME_COARSE);
	return 0;
}
