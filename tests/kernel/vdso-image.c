// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * vdso-image: run a built guest kernel's 64-bit vDSO in a host process,
 * against vDSO data and a time page filled here.
 *
 * The vDSO is position-independent code that reads its data at fixed
 * offsets below its text. Mapping vdso64.so.dbg's text under a vvar
 * area of our own runs the very instructions a guest runs, with any
 * state we like in the data, and lets callgrind count them exactly:
 * under TCG a guest's timings are noisy, the image's instructions are
 * not.
 *
 * Usage: vdso-image --check --hz=HZ IMAGE
 *          every state the patched vDSO serves the coarse clocks from
 *          (no page, floor, page, stale page, page past its limit,
 *          each way a page is refused, time namespace),
 *          each clock and clock_getres() against the value the state
 *          implies; HZ is the kernel's CONFIG_HZ (the resolution
 *          without a page)
 *        vdso-image --bench [--page] [--clock=mono|real] [--count=N]
 *                   [--time] IMAGE
 *          N calls in vdso_image_loop() (callgrind --toggle-collect),
 *          with a page in use or not; --time also prints ns per call
 *   IMAGE  arch/x86/entry/vdso/vdso64.so.dbg of a built kernel: the
 *          symbol table places the vvar pages. An unpatched image
 *          (no tickpage_page symbol) runs the no-page states only.
 *
 * struct vdso_data is mirrored in vdso-load.h, for Linux 6.1 and
 * guest/linux/; every state is checked through the image first, so a
 * layout that drifts fails here rather than measures nonsense.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tickpage-abi.h"
#include "tickpage-writer.h"
#include "vdso-load.h"
#include "../lib/report.h"

#define NS		1000000000ll
#define MS		1000000ll
#define PAGE		4096ul
#define CLOCKMODE_TSC	VDSO_CLOCKMODE_TSC
#define CLOCKMODE_TIMENS VDSO_CLOCKMODE_TIMENS

static struct vdso_img img;

static volatile uint64_t sink;

static void die(const char *what)
{
	fprintf(stderr, "vdso-image: %s\n", what);
	exit(1);
}

/* ---- the states ---- */

/*
 * One moment, as the kernel and the page would describe it. The fine
 * clocks are ahead of the kernel's coarse ones by 3 ms (mult 0 makes the
 * fine clock exactly its base time); the page's monotonic time plus the
 * offset is 2 ms ahead of the kernel's coarse time.
 */
static const int64_t k_mono = 5000 * NS + 400 * MS;	/* coarse */
static const int64_t k_real = 1800000000 * NS + 100 * MS;
static const int64_t fine_delta = 3 * MS;
static const int64_t offset = 123456789;
static const int64_t ns_offset = 1000 * NS + 7;		/* time namespace */
static const uint64_t period = 1234567;
/* The kernel's CLOCK_REALTIME - CLOCK_MONOTONIC: realtime is M + wall. */
static const int64_t wall = k_real - k_mono;

struct state {
	uint32_t mode;
	int64_t floor;		/* 0: none */
	int64_t page_mono;	/* page monotonic + offset, guest time */
	int64_t page_real;
	int64_t limit;		/* guest time the driver vouches up to */
	uint64_t generation;	/* the vDSO data's; the page has 7 */
	int timens;
};

static void set_ts(struct vd_timestamp *t, int64_t ns)
{
	t->sec = (uint64_t)(ns / NS);
	t->nsec = (uint64_t)(ns % NS);
}

static void apply(const struct state *s)
{
	struct vd *root = s->timens ? img.timens : img.vd;
	int64_t low = s->floor > k_mono ? s->floor : k_mono;

	memset(img.vd, 0, sizeof(*img.vd));
	memset(img.timens, 0, sizeof(*img.timens));
	root->clock_mode = CLOCKMODE_TSC;
	root->mask = ~0ull;
	root->hrtimer_res = 1;
	set_ts(&root->basetime[CLOCK_REALTIME], k_real + fine_delta);
	set_ts(&root->basetime[CLOCK_MONOTONIC], k_mono + fine_delta);
	set_ts(&root->basetime[CLOCK_REALTIME_COARSE], k_real);
	set_ts(&root->basetime[CLOCK_MONOTONIC_COARSE], k_mono);
	if (s->timens) {
		/* The namespace's page sits in the vvar slot. */
		img.vd->seq = 1;
		img.vd->clock_mode = CLOCKMODE_TIMENS;
		set_ts(&img.vd->basetime[CLOCK_MONOTONIC], ns_offset);
		set_ts(&img.vd->basetime[CLOCK_MONOTONIC_COARSE], ns_offset);
	}
	if (!img.tp)
		return;

	root->tickpage.mode = s->mode;
	root->tickpage.generation = s->generation;
	root->tickpage.offset_ns = offset;
	root->tickpage.mono_limit_ns = (uint64_t)(s->limit - offset);
	root->tickpage.floor_ns = (uint64_t)s->floor;
	root->tickpage.low_ns = (uint64_t)low;
	root->tickpage.period_ns = period;
	/* update_vsyscall() keeps these. */
	root->tickpage.real_ns = wall;
	root->tickpage.mono_base_sec = (uint64_t)(low / NS);
	root->tickpage.mono_base_ns = root->tickpage.mono_base_sec * NS;
	root->tickpage.real_base_sec = (uint64_t)((low + wall) / NS);
	root->tickpage.real_base_ns = root->tickpage.real_base_sec * NS - wall;
	if (s->mode == VD_TICKPAGE_PAGE) {
		struct tickpage_sample ps = {
			.realtime_sec = s->page_real / NS,
			.realtime_nsec = (uint32_t)(s->page_real % NS),
			.monotonic_ns = (uint64_t)(s->page_mono - offset),
		};

		struct tickpage_writer w;

		tickpage_writer_init(&w, img.tp, period, TICKPAGE_F_VALID, 7);
		tickpage_publish(&w, &ps);
	} else {
		memset(img.tp, 0, PAGE);	/* the zero page */
	}
}

static int64_t read_ns(clockid_t clk)
{
	struct timespec ts;

	if (img.gettime(clk, &ts))
		return -1;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= NS)
		return -2;	/* not normalised */
	return ts.tv_sec * NS + ts.tv_nsec;
}

static void expect(const char *what, int64_t mono, int64_t real)
{
	int64_t m = read_ns(CLOCK_MONOTONIC_COARSE);
	int64_t r = read_ns(CLOCK_REALTIME_COARSE);

	report(m == mono, "%s: MONOTONIC_COARSE %lld, want %lld", what,
	       (long long)m, (long long)mono);
	report(r == real, "%s: REALTIME_COARSE %lld, want %lld", what,
	       (long long)r, (long long)real);
}

static void expect_res(const char *what, int64_t want)
{
	struct timespec a, b;
	int ra = img.getres(CLOCK_MONOTONIC_COARSE, &a);
	int rb = img.getres(CLOCK_REALTIME_COARSE, &b);

	report(!ra && !rb && a.tv_sec * NS + a.tv_nsec == want &&
	       b.tv_sec * NS + b.tv_nsec == want,
	       "%s: clock_getres of both coarse clocks is %lld ns", what,
	       (long long)want);
}

static struct state page_state(void)
{
	struct state s = {
		.mode = VD_TICKPAGE_PAGE,
		.page_mono = k_mono + 2 * MS,
		.page_real = k_real + 1500 * MS,	/* the host's own wall clock */
		.limit = k_mono + 10 * NS,
		.generation = 7,
	};
	return s;
}

/* A page that the vDSO must refuse: @tweak breaks it after publication. */
static void refused(const char *what, void (*tweak)(struct tickpage *))
{
	struct state s = page_state();

	apply(&s);
	tweak(img.tp);
	expect(what, k_mono + fine_delta, k_real + fine_delta);
}

static void bad_magic(struct tickpage *tp) { tp->magic = ~TICKPAGE_MAGIC; }
static void bad_major(struct tickpage *tp) { tp->abi_major = 2; }
static void invalid(struct tickpage *tp) { tp->flags &= ~TICKPAGE_F_VALID; }
static void seq_odd(struct tickpage *tp) { tp->seq |= 1; }
static void seq_odd_invalid(struct tickpage *tp)
{
	seq_odd(tp);
	invalid(tp);
}
static void bad_nsec(struct tickpage *tp) { tp->realtime_nsec = NS; }

static int check(int hz)
{
	const int64_t tick = (NS + hz / 2) / hz;	/* TICK_NSEC */
	struct state s = { .mode = VD_TICKPAGE_OFF };

	apply(&s);
	expect("no page", k_mono, k_real);
	expect_res("no page", tick);
	s.timens = 1;
	apply(&s);
	expect("no page, time namespace", k_mono + ns_offset, k_real);
	if (!img.tp) {
		report_skip("an unpatched image: no page states to check");
		return report_summary();
	}

	/*
	 * Wherever the page or the floor serves CLOCK_MONOTONIC_COARSE (M),
	 * CLOCK_REALTIME_COARSE is M + wall: the page's own realtime
	 * (page_state(): 1.5 s off the guest's) plays no part.
	 */
	s = (struct state){ .mode = VD_TICKPAGE_FLOOR, .floor = k_mono + MS };
	apply(&s);
	expect("floor above the kernel's coarse time: both clocks lifted",
	       k_mono + MS, k_mono + MS + wall);
	expect_res("floor", tick);

	s = page_state();
	apply(&s);
	expect("page", s.page_mono, s.page_mono + wall);
	expect_res("page", (int64_t)period);

	/* Past the second the bases name: the division, the same time. */
	s = page_state();
	s.page_mono = k_mono + 1700 * MS;
	apply(&s);
	expect("page in the second after the kernel's", s.page_mono,
	       s.page_mono + wall);
	s.page_mono = k_mono + 7 * NS + 3;
	apply(&s);
	expect("page seconds past the kernel's", s.page_mono,
	       s.page_mono + wall);

	s = page_state();
	s.page_mono = k_mono - 5 * MS;
	apply(&s);
	expect("stale page: held at the kernel's coarse time", k_mono, k_real);

	s = page_state();
	s.floor = s.page_mono + 4 * MS;
	apply(&s);
	expect("page behind the floor: held at the floor", s.floor,
	       s.floor + wall);

	s = page_state();
	s.limit = s.page_mono - MS;
	apply(&s);
	expect("page past the driver's limit: held at the limit", s.limit,
	       s.limit + wall);

	s = page_state();
	s.page_mono = s.limit + (1ll << 62);
	apply(&s);
	expect("2^62 ns past the limit: held at the limit", s.limit,
	       s.limit + wall);
	s = page_state();
	apply(&s);
	img.tp->monotonic_ns = (uint64_t)(s.limit - offset) + (1ull << 63) +
			       (1ull << 62);
	expect("2^63 + 2^62 ns past the limit: held at the limit", s.limit,
	       s.limit + wall);

	s = page_state();
	s.generation = 8;
	apply(&s);
	expect("generation changed: the fine clock", k_mono + fine_delta,
	       k_real + fine_delta);
	/* The driver checks the identity; readers check the generation. */
	s = page_state();
	apply(&s);
	bad_magic(img.tp);
	expect("bad magic, same generation: the page (the driver's to refuse)",
	       s.page_mono, s.page_mono + wall);
	apply(&s);
	bad_major(img.tp);
	expect("unknown ABI major, same generation: the page",
	       s.page_mono, s.page_mono + wall);
	refused("VALID clear: the fine clock", invalid);
	s = page_state();
	apply(&s);
	seq_odd(img.tp);
	expect("seq stuck odd: the page's monotonic field alone", s.page_mono,
	       s.page_mono + wall);
	s.generation = 8;
	apply(&s);
	seq_odd(img.tp);
	expect("seq stuck odd, generation changed: the fine clock",
	       k_mono + fine_delta, k_real + fine_delta);
	refused("seq stuck odd, VALID clear: the fine clock", seq_odd_invalid);
	s = page_state();
	apply(&s);
	bad_nsec(img.tp);
	expect("the page's realtime out of range: not read", s.page_mono,
	       s.page_mono + wall);

	s = page_state();
	s.timens = 1;
	apply(&s);
	expect("page, time namespace: monotonic offset only",
	       s.page_mono + ns_offset, s.page_mono + wall);
	s.generation = 8;
	apply(&s);
	expect("generation changed, time namespace: the fine clock",
	       k_mono + fine_delta + ns_offset, k_real + fine_delta);
	return report_summary();
}

static __attribute__((noinline)) void vdso_image_loop(clockid_t clk, long n)
{
	struct timespec ts;

	while (n--) {
		img.gettime(clk, &ts);
		sink += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
	}
}

static int bench(int page, clockid_t clk, long count, int timed)
{
	struct state s = page ? page_state() :
			 (struct state){ .mode = VD_TICKPAGE_OFF };
	int64_t want;

	if (page && !img.tp)
		die("--page needs a patched image (no tickpage_page symbol)");
	apply(&s);
	want = clk == CLOCK_MONOTONIC_COARSE ? (page ? s.page_mono : k_mono) :
					       (page ? s.page_mono + wall : k_real);
	if (read_ns(clk) != want)
		die("the image does not return what its data says: does its struct vdso_data match this tool's?");

	vdso_image_loop(clk, count);
	if (timed) {
		/*
		 * Best of nine batches: a shared host moves single batches
		 * by half their time (3.5 to 6.1 ns seen for one image).
		 */
		const long n = 1l << 21;
		int64_t best = INT64_MAX, dt;
		struct timespec t0, t1;
		int round;

		vdso_image_loop(clk, n / 8);
		for (round = 0; round < 9; round++) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			vdso_image_loop(clk, n);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			dt = (t1.tv_sec - t0.tv_sec) * NS +
			     (t1.tv_nsec - t0.tv_nsec);
			if (dt < best)
				best = dt;
		}
		printf("ns_per_call %.2f\n", (double)best / (double)n);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int do_check = 0, do_bench = 0, page = 0, timed = 0, hz = 0, i;
	clockid_t clk = CLOCK_MONOTONIC_COARSE;
	const char *path = NULL;
	long count = 1000;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			do_check = 1;
		else if (!strcmp(argv[i], "--bench"))
			do_bench = 1;
		else if (!strcmp(argv[i], "--page"))
			page = 1;
		else if (!strcmp(argv[i], "--clock=mono"))
			clk = CLOCK_MONOTONIC_COARSE;
		else if (!strcmp(argv[i], "--clock=real"))
			clk = CLOCK_REALTIME_COARSE;
		else if (!strncmp(argv[i], "--count=", 8))
			count = atol(argv[i] + 8);
		else if (!strncmp(argv[i], "--hz=", 5))
			hz = atoi(argv[i] + 5);
		else if (!strcmp(argv[i], "--time"))
			timed = 1;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "vdso-image: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!path || do_check == do_bench || count <= 0 ||
	    (do_check && hz <= 0)) {
		fprintf(stderr, "usage: vdso-image --check --hz=HZ IMAGE\n"
			"       vdso-image --bench [--page] [--clock=mono|real] [--count=N] [--time] IMAGE\n");
		return 2;
	}
	vdso_load(path, &img);
	return do_check ? check(hz) : bench(page, clk, count, timed);
}
