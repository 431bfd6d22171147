/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: command line. Every refusal is one line on stderr and
 * TICKPAGED_EXIT_USAGE, so a unit file with a typo fails loudly at start
 * rather than publishing something the operator did not ask for.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickpaged.h"

#define TICKPAGED_STR_(x)	#x
#define TICKPAGED_STR(x)	TICKPAGED_STR_(x)

static const char tickpaged_help[] =
"NAME\n"
"    tickpaged - publish the host's clocks on a shared time page\n"
"\n"
"SYNOPSIS\n"
"    tickpaged [OPTIONS] [PATH]\n"
"\n"
"DESCRIPTION\n"
"    Creates or opens PATH (default " TICKPAGED_DEFAULT_PATH "), a shared-memory\n"
"    file holding one 4 KiB tickpage (see docs/abi.md), and republishes\n"
"    the host's CLOCK_REALTIME and CLOCK_MONOTONIC on it every period, on\n"
"    an absolute-deadline timer. Any number of VMs attach to the same\n"
"    file with QEMU's ivshmem-plain:\n"
"\n"
"      -object memory-backend-file,id=tp,share=on,readonly=on,\\\n"
"              mem-path=PATH,size=4096 -device ivshmem-plain,memdev=tp\n"
"\n"
"    The page's monotonic time is the host's: it keeps counting while a VM\n"
"    is paused (TICKPAGE_F_VM_CLOCK stays clear). A host wall-clock step,\n"
"    and every start of tickpaged on an existing page, changes the page's\n"
"    generation. A page found in PATH is continued; a file that holds\n"
"    something else is refused.\n"
"\n"
"    PATH must be tickpaged's own: a symbolic link, a file owned by another\n"
"    user or a file with more than one link is refused. PATH.lock, a file\n"
"    only tickpaged's user can open, keeps a second tickpaged off the page\n"
"    and is removed on exit.\n"
"\n"
"OPTIONS\n"
"    -p, --period=DUR      publication period, with a unit: ns, us, ms, s\n"
"                          (e.g. 500us, 1ms, 4ms, 1s); 100us..1s;\n"
"                          default 1ms\n"
"    -s, --size=SIZE       size of the file, a power of two from 4K to 64M\n"
"                          (suffix K or M; default 4K, the page alone).\n"
"                          libvirt's <shmem> needs 1M or more. A created\n"
"                          or empty file gets this size; when given, an\n"
"                          existing file of another size is refused\n"
"    -m, --mode=OCTAL      permissions of a created file (default 0640:\n"
"                          tickpaged's user writes, its group reads);\n"
"                          when given, also applied to an existing file\n"
"    -g, --group=GROUP     group of the file (name or number; default\n"
"                          tickpaged's group, kvm in the unit), e.g.\n"
"                          libvirt-qemu\n"
"        --step-threshold=DUR\n"
"                          (realtime - monotonic) moving by more than DUR\n"
"                          from the current generation's counts as a\n"
"                          wall-clock step; the page's realtime stays\n"
"                          within DUR of the host's (default 1ms)\n"
"        --sched=POLICY    how the publishing thread is scheduled:\n"
"                          other (default): as tickpaged was started\n"
"                          (normally SCHED_OTHER; the unit's\n"
"                          CPUSchedulingPolicy= or chrt may set it);\n"
"                          fifo[:PRIO]: SCHED_FIFO at PRIO, 1..99\n"
"                          (default "
	TICKPAGED_STR(TICKPAGED_SCHED_PRIO_DEFAULT)
	") and memory locked, so that\n"
"                          ticks stay on time on a busy host.\n"
"                          Without the privilege (CAP_SYS_NICE or\n"
"                          RLIMIT_RTPRIO) tickpaged says so once and\n"
"                          publishes at normal priority\n"
"    -q, --quiet           log nothing but errors\n"
"        --print-period    check the options, print the period in ns and\n"
"                          exit: for tools that pass a period on and must\n"
"                          accept exactly what tickpaged does\n"
"                          (scripts/tickpage-virt-xml)\n"
#ifdef TICKPAGED_TEST_HOOKS
"        --test-wall-offset-file=FILE\n"
"                          for tests only: add the signed nanosecond\n"
"                          count in FILE to CLOCK_REALTIME, re-read on\n"
"                          SIGUSR1; simulates a wall-clock step without\n"
"                          touching the machine's clock\n"
"        --test-mono-offset=[+|-]DUR\n"
"                          for tests only: add DUR to CLOCK_MONOTONIC as\n"
"                          sampled (the page's monotonic_ns; realtime\n"
"                          stays the host's), so that a second tickpaged\n"
"                          stands for another host\n"
#endif
"    -h, --help            show this text\n"
"\n"
"SIGNALS\n"
"    SIGTERM, SIGINT, SIGHUP, SIGQUIT\n"
"                          clear the page's valid flag (readers fall back to\n"
"                          their own clocks) and exit 0\n"
#ifdef TICKPAGED_TEST_HOOKS
"    SIGUSR1               re-read --test-wall-offset-file\n"
#else
"    SIGUSR1               ignored\n"
#endif
"\n"
"FILES\n"
"    " TICKPAGED_DEFAULT_PATH "\n"
"                          the default PATH, in the unit's runtime\n"
"                          directory (tmpfs: the page never touches a disk)\n"
"    PATH.lock             held while tickpaged publishes on PATH\n"
"\n"
"EXIT STATUS\n"
"    0 stopped by a signal, 1 run-time failure, 2 bad usage\n"
"\n"
"EXAMPLES\n"
"    tickpaged\n"
"    tickpaged --period=4ms\n"
"    tickpaged --sched=fifo:10\n"
"    tickpaged --size=1M --mode=0660 --group=libvirt-qemu /dev/shm/tickpage\n"
"                          (for libvirt's <shmem>, docs/libvirt.md)\n";

void tickpaged_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tickpaged: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_dur_opt(const char *opt, const char *arg, uint64_t min,
			 uint64_t max, uint64_t *out)
{
	uint64_t ns;
	int err = tickpage_parse_duration(arg, &ns);

	if (err == -EINVAL) {
		tickpaged_err("--%s: '%s' is not a duration with a unit (e.g. 500us, 1ms, 1s)",
			      opt, arg);
		return TICKPAGED_EXIT_USAGE;
	}
	if (err || ns < min || ns > max) {
		char lo[32], hi[32];

		tickpage_format_duration(lo, sizeof(lo), min);
		tickpage_format_duration(hi, sizeof(hi), max);
		tickpaged_err("--%s: '%s' is out of range (%s..%s)", opt, arg,
			      lo, hi);
		return TICKPAGED_EXIT_USAGE;
	}
	*out = ns;
	return 0;
}

static int parse_mode(const char *arg, mode_t *mode)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 8);
	if (!*arg || *end || errno || v > 07777) {
		tickpaged_err("--mode: '%s' is not an octal file mode (e.g. 0644)",
			      arg);
		return TICKPAGED_EXIT_USAGE;
	}
	*mode = (mode_t)v;
	return 0;
}

static int parse_group(const char *arg, gid_t *gid)
{
	struct group *gr = getgrnam(arg);
	char *end;
	unsigned long v;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || v >= (gid_t)-1) {
		tickpaged_err("--group: no group '%s'", arg);
		return TICKPAGED_EXIT_USAGE;
	}
	*gid = (gid_t)v;
	return 0;
}

/* "4096", "4K", "1M": a power of two from one page to the maximum. */
static int parse_size(const char *arg, uint64_t *size)
{
	uint64_t v = 0, mult = 1;
	const char *p = arg;

	for (; *p >= '0' && *p <= '9' && v < TICKPAGED_SIZE_MAX; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p != arg && (*p == 'K' || *p == 'k'))
		mult = 1024, p++;
	else if (p != arg && (*p == 'M' || *p == 'm'))
		mult = 1024 * 1024, p++;
	if (p == arg || *p) {
		tickpaged_err("--size: '%s' is not a size (e.g. 4K, 1M)", arg);
		return TICKPAGED_EXIT_USAGE;
	}
	v *= mult;
	if (v < TICKPAGE_PAGE_SIZE || v > TICKPAGED_SIZE_MAX || (v & (v - 1))) {
		tickpaged_err("--size: '%s' must be a power of two from 4K to 64M (a PCI BAR)",
			      arg);
		return TICKPAGED_EXIT_USAGE;
	}
	*size = v;
	return 0;
}

/*
 * "other", "fifo" or "fifo:PRIO". No rr: one publishing thread has no
 * peer at its priority to share a time slice with.
 */
static int parse_sched(const char *arg, int *policy, int *prio)
{
	const char *p;
	char *end;
	long v;

	if (!strcmp(arg, "other")) {
		*policy = SCHED_OTHER;
		*prio = 0;
		return 0;
	}
	if (!strcmp(arg, "fifo")) {
		*policy = SCHED_FIFO;
		*prio = TICKPAGED_SCHED_PRIO_DEFAULT;
		return 0;
	}
	if (strncmp(arg, "fifo:", 5)) {
		tickpaged_err("--sched: '%s' is not a policy (other, fifo or fifo:PRIO)",
			      arg);
		return TICKPAGED_EXIT_USAGE;
	}
	p = arg + 5;
	errno = 0;
	v = strtol(p, &end, 10);
	/* Digits only: strtol() would take " 5", "+5" and "0x5" too. */
	if (*p < '0' || *p > '9' || *end || errno ||
	    v < sched_get_priority_min(SCHED_FIFO) ||
	    v > sched_get_priority_max(SCHED_FIFO)) {
		tickpaged_err("--sched: '%s': the SCHED_FIFO priority must be a number from %d to %d",
			      arg, sched_get_priority_min(SCHED_FIFO),
			      sched_get_priority_max(SCHED_FIFO));
		return TICKPAGED_EXIT_USAGE;
	}
	*policy = SCHED_FIFO;
	*prio = (int)v;
	return 0;
}

#ifdef TICKPAGED_TEST_HOOKS
/*
 * A signed duration: "+1000s", "-5ms", "250us". The bound keeps page
 * time plus offset, and the deadline arithmetic, clear of overflow.
 */
static int parse_offset(const char *opt, const char *arg, int64_t *out)
{
	const char *p = arg;
	bool neg = false;
	uint64_t ns;
	int err;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	err = tickpage_parse_duration(p, &ns);
	if (err == -EINVAL) {
		tickpaged_err("--%s: '%s' is not a signed duration with a unit (e.g. +1000s, -5ms)",
			      opt, arg);
		return TICKPAGED_EXIT_USAGE;
	}
	if (err || ns > (uint64_t)INT64_MAX / 4) {
		tickpaged_err("--%s: '%s' is out of range", opt, arg);
		return TICKPAGED_EXIT_USAGE;
	}
	*out = neg ? -(int64_t)ns : (int64_t)ns;
	return 0;
}
#endif

enum {
	OPT_STEP_THRESHOLD = 256,
	OPT_SCHED,
	OPT_PRINT_PERIOD,
	OPT_TEST_WALL_OFFSET_FILE,
	OPT_TEST_MONO_OFFSET,
};

int tickpaged_parse_args(int argc, char **argv, struct tickpaged_opts *o)
{
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "step-threshold", required_argument, NULL, OPT_STEP_THRESHOLD },
		{ "sched", required_argument, NULL, OPT_SCHED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "print-period", no_argument, NULL, OPT_PRINT_PERIOD },
#ifdef TICKPAGED_TEST_HOOKS
		{ "test-wall-offset-file", required_argument, NULL,
		  OPT_TEST_WALL_OFFSET_FILE },
		{ "test-mono-offset", required_argument, NULL,
		  OPT_TEST_MONO_OFFSET },
#endif
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool print_period = false;
	int c;

	*o = (struct tickpaged_opts){
		.period_ns = TICKPAGE_PERIOD_DEFAULT_NS,
		.step_threshold_ns = TICKPAGED_STEP_THRESHOLD_NS,
		.mode = 0640,
		.path = TICKPAGED_DEFAULT_PATH,
		.size = TICKPAGE_PAGE_SIZE,
		.sched_policy = SCHED_OTHER,
	};

	/* getopt's own messages would not be one "tickpaged: " line. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:m:s:g:qh", longopts, NULL)) != -1) {
		int err = 0;

		switch (c) {
		case 'p':
			err = parse_dur_opt("period", optarg,
					    TICKPAGE_PERIOD_MIN_NS,
					    TICKPAGE_PERIOD_MAX_NS,
					    &o->period_ns);
			break;
		case 'm':
			err = parse_mode(optarg, &o->mode);
			o->mode_set = true;
			break;
		case 's':
			err = parse_size(optarg, &o->size);
			o->size_set = true;
			break;
		case 'g':
			err = parse_group(optarg, &o->gid);
			o->group_set = true;
			break;
		case OPT_STEP_THRESHOLD:
			/* Below ~10us, preemption between clock reads trips it. */
			err = parse_dur_opt("step-threshold", optarg, 10000ull,
					    10000000000ull,
					    &o->step_threshold_ns);
			break;
		case OPT_SCHED:
			err = parse_sched(optarg, &o->sched_policy,
					  &o->sched_prio);
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_PRINT_PERIOD:
			print_period = true;
			break;
#ifdef TICKPAGED_TEST_HOOKS
		case OPT_TEST_WALL_OFFSET_FILE:
			o->wall_offset_file = optarg;
			break;
		case OPT_TEST_MONO_OFFSET:
			err = parse_offset("test-mono-offset", optarg,
					   &o->mono_offset_ns);
			break;
#endif
		case 'h':
			fputs(tickpaged_help, stdout);
			return -1;
		case ':':
			tickpaged_err("option '%s' needs an argument; see --help",
				      argv[optind - 1]);
			return TICKPAGED_EXIT_USAGE;
		default:
			if (optopt)
				tickpaged_err("unknown option '-%c'; see --help",
					      optopt);
			else
				tickpaged_err("unknown option '%s'; see --help",
					      argv[optind - 1]);
			return TICKPAGED_EXIT_USAGE;
		}
		if (err)
			return err;
	}

	if (print_period) {
		printf("%llu\n", (unsigned long long)o->period_ns);
		return -1;
	}
	if (optind == argc)
		return 0;
	if (argc - optind > 1) {
		tickpaged_err("one PATH only, got '%s' and '%s'", argv[optind],
			      argv[optind + 1]);
		return TICKPAGED_EXIT_USAGE;
	}
	o->path = argv[optind];
	if (!*o->path) {
		tickpaged_err("PATH is empty");
		return TICKPAGED_EXIT_USAGE;
	}
	return 0;
}
