/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage-show: decode a time page for a person.
 *
 * Reads a page file (the tickpaged shm file on a host, /dev/tickpage in
 * a guest) with the same seqcount reader the clocks use, and prints it
 * beside this machine's own clocks, so "is it live, is it right" can be
 * answered by eye.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-read.h"

#define SHOW_EXIT_INVALID	3
#define SHOW_INTERVAL_NS	200000000ll

static const char show_help[] =
"Usage: tickpage-show [--once | --watch SECONDS] PATH\n"
"Decode the time page in PATH (a tickpaged file such as /dev/shm/tickpage,\n"
"or /dev/tickpage in a guest) next to this machine's own clocks.\n"
"  --once           print the page once, field by field (the default)\n"
"  --watch SECONDS  print one line about every 200 ms for SECONDS\n"
"Exit status: 0 page valid, 3 a tickpage that is not valid (publisher\n"
"stopped), 1 no readable tickpage, 2 bad usage.\n";

struct show_src {
	int fd;
	const struct tickpage *map;	/* NULL: pread() each time */
	struct tickpage copy;
};

static void die_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "tickpage-show: %s%s%s; see --help\n", msg,
		arg ? " " : "", arg ? arg : "");
	exit(2);
}

/*
 * mmap is what readers do; a device that only offers read() (or a
 * kernel that refuses the mapping) still gets decoded from a copy.
 */
static int show_open(struct show_src *src, const char *path)
{
	struct stat st;
	void *p;

	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0 || fstat(src->fd, &st)) {
		fprintf(stderr, "tickpage-show: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size < TICKPAGE_PAGE_SIZE) {
		fprintf(stderr, "tickpage-show: %s: %lld bytes, too small for a tickpage\n",
			path, (long long)st.st_size);
		return -1;
	}
	p = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ, MAP_SHARED, src->fd, 0);
	src->map = p == MAP_FAILED ? NULL : p;
	return 0;
}

static const struct tickpage *show_page(struct show_src *src)
{
	if (src->map)
		return src->map;
	if (pread(src->fd, &src->copy, sizeof(src->copy), 0) !=
	    (ssize_t)sizeof(src->copy))
		memset(&src->copy, 0, sizeof(src->copy));
	return &src->copy;
}

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* "2026-11-23 14:10:00.123456" in UTC, from s + ns. */
static void fmt_wall(char *buf, size_t len, int64_t sec, uint32_t nsec,
		     int digits)
{
	struct tm tm;
	time_t t = (time_t)sec;
	char base[32];
	unsigned int div = 1;
	int i;

	for (i = digits; i < 9; i++)
		div *= 10;
	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%0*u", base, digits, nsec / div);
}

static void fmt_period(char *buf, size_t len, uint64_t ns)
{
	if (ns % 1000000000u == 0)
		snprintf(buf, len, "%" PRIu64 "s", ns / 1000000000u);
	else if (ns % 1000000u == 0)
		snprintf(buf, len, "%" PRIu64 "ms", ns / 1000000u);
	else if (ns % 1000u == 0)
		snprintf(buf, len, "%" PRIu64 "us", ns / 1000u);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
}

static int show_once(const char *path, const struct tickpage *tp)
{
	struct tickpage_snapshot s;
	char page[48], host[48], per[24];
	int64_t host_rt, host_mono, page_rt;
	int err = tickpage_read(tp, &s);

	host_rt = now_ns(CLOCK_REALTIME);
	host_mono = now_ns(CLOCK_MONOTONIC);
	if (err != TICKPAGE_OK && err != TICKPAGE_ERR_INVALID) {
		printf("%s: not a usable tickpage: %s\n", path,
		       tickpage_strerror(err));
		return 1;
	}
	page_rt = s.realtime_sec * 1000000000ll + s.realtime_nsec;
	fmt_wall(page, sizeof(page), s.realtime_sec, s.realtime_nsec, 9);
	fmt_wall(host, sizeof(host), host_rt / 1000000000ll,
		 (uint32_t)(host_rt % 1000000000ll), 9);
	fmt_period(per, sizeof(per), s.period_ns);

	printf("page        %s: tickpage ABI %u.%u, %u bytes\n", path,
	       (unsigned int)tp->abi_major, (unsigned int)tp->abi_minor,
	       (unsigned int)tp->size);
	printf("status      %s\n", err ? "NOT VALID (readers fall back to their own clocks)" :
	       "valid");
	printf("flags       0x%" PRIx64 "%s%s\n", s.flags,
	       s.flags & TICKPAGE_F_VALID ? " VALID" : "",
	       s.flags & TICKPAGE_F_VM_CLOCK ? " VM_CLOCK" :
	       " (monotonic is the host's)");
	printf("generation  %" PRIu64 "\n", s.generation);
	printf("updates     %" PRIu64 "\n", s.update_count);
	printf("period      %s\n", per);
	if (err) {
		/* A stopped page's age says nothing about its accuracy. */
		printf("realtime    %s UTC   (last published)\n", page);
		printf("monotonic   %" PRIu64 ".%09" PRIu64 " s   (last published)\n",
		       s.monotonic_ns / 1000000000u,
		       s.monotonic_ns % 1000000000u);
		return SHOW_EXIT_INVALID;
	}
	printf("realtime    %s UTC   host %s  (page behind by %.3f ms)\n",
	       page, host, (double)(host_rt - page_rt) / 1e6);
	printf("monotonic   %" PRIu64 ".%09" PRIu64 " s   host %" PRId64 ".%09" PRId64 " s\n",
	       s.monotonic_ns / 1000000000u, s.monotonic_ns % 1000000000u,
	       (int64_t)(host_mono / 1000000000), (int64_t)(host_mono % 1000000000));
	return 0;
}

static int show_line(const struct tickpage *tp)
{
	struct tickpage_snapshot s;
	char page[48], host[48], per[24];
	int64_t host_rt, page_rt;
	int err = tickpage_read(tp, &s);

	host_rt = now_ns(CLOCK_REALTIME);
	if (err != TICKPAGE_OK && err != TICKPAGE_ERR_INVALID) {
		printf("-- not a usable tickpage: %s\n", tickpage_strerror(err));
		return 1;
	}
	page_rt = s.realtime_sec * 1000000000ll + s.realtime_nsec;
	fmt_wall(page, sizeof(page), s.realtime_sec, s.realtime_nsec, 6);
	fmt_wall(host, sizeof(host), host_rt / 1000000000ll,
		 (uint32_t)(host_rt % 1000000000ll), 6);
	fmt_period(per, sizeof(per), s.period_ns);
	printf("%-5s %12" PRIu64 " %9" PRIu64 " %6s  %s  %s %8.3f\n",
	       err ? "STOP" : "valid", s.generation, s.update_count, per,
	       page + 11, host + 11, (double)(host_rt - page_rt) / 1e6);
	fflush(stdout);
	return err ? SHOW_EXIT_INVALID : 0;
}

static int show_watch(struct show_src *src, long secs)
{
	int64_t start = now_ns(CLOCK_MONOTONIC);
	int64_t end = start + secs * 1000000000ll, next = start;
	struct timespec ts;
	int ret = 0;

	printf("%-5s %12s %9s %6s  %-15s  %-15s %8s\n", "state", "generation",
	       "updates", "period", "page UTC", "host UTC", "lag ms");
	while (next <= end) {
		ret = show_line(show_page(src));
		next += SHOW_INTERVAL_NS;
		ts.tv_sec = next / 1000000000ll;
		ts.tv_nsec = next % 1000000000ll;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct show_src src = { .fd = -1 };
	long watch = 0;
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "ow:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			watch = 0;
			break;
		case 'w':
			errno = 0;
			watch = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || watch < 1 ||
			    watch > 86400)
				die_usage("--watch wants 1..86400 seconds, not",
					  optarg);
			break;
		case 'h':
			fputs(show_help, stdout);
			return 0;
		default:
			die_usage("unknown option or missing argument:",
				  argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		die_usage("want exactly one PATH", NULL);
	if (show_open(&src, argv[optind]))
		return 1;
	if (watch)
		return show_watch(&src, watch);
	return show_once(argv[optind], show_page(&src));
}
