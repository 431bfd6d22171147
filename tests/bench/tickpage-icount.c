// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * tickpage-icount: instructions per coarse clock read, counted by
 * single-stepping with ptrace. callgrind cannot count the vDSO path:
 * valgrind hides the vDSO from the program it runs, so glibc falls back
 * to the system call there. Single-stepping runs the real vDSO, and
 * counts every user-mode instruction retired (a syscall instruction
 * counts as one; the kernel's work is not counted).
 *
 * Usage: tickpage-icount --page=PATH [--count=N]
 * Steps N single calls of each path (default 200) and prints CSV
 * "path,instructions,instructions_worst" for page, vdso-coarse and
 * syscall: the most frequent and the largest count per call, less the
 * cost of the stepping harness itself (the "empty" path, which does
 * everything but the read and so prints 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-read.h"

#define NSEC_PER_SEC	1000000000ull

static const struct tickpage *page;
static volatile uint64_t sink;
static unsigned long fallbacks;

/* The same read tickpage-bench times: snapshot, then a timespec. */
static __attribute__((noinline)) void one_page(void)
{
	struct tickpage_snapshot s;
	struct timespec ts;

	if (tickpage_read(page, &s)) {
		fallbacks++;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	} else {
		ts.tv_sec = (time_t)(s.monotonic_ns / NSEC_PER_SEC);
		ts.tv_nsec = (long)(s.monotonic_ns % NSEC_PER_SEC);
	}
	sink += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) void one_vdso_coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	sink += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) void one_syscall(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &ts);
	sink += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) void one_empty(void)
{
	struct timespec ts = { 0, 0 };

	__asm__ __volatile__("" : : "r"(&ts) : "memory");
	sink += (uint64_t)ts.tv_sec + (uint64_t)ts.tv_nsec;
}

static const struct {
	const char *name;
	void (*one)(void);
} paths[] = {
	{ "page", one_page },
	{ "vdso-coarse", one_vdso_coarse },
	{ "syscall", one_syscall },
	{ "empty", one_empty },
};

#define MAX_STEPS	100000

/*
 * The child stops itself before each call; the parent counts the steps
 * from one stop to the next. Steps per call are tallied, and the most
 * frequent count is the uncontended path: a call slowed down by
 * stepping so much that a writer moved the seqcount under it retries,
 * and only such calls count more.
 */
static long count_steps(void (*one)(void), long n, long *worst)
{
	static long tally[MAX_STEPS];
	long steps, mode = -1;
	pid_t pid;
	int st;

	memset(tally, 0, sizeof(tally));
	*worst = 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Warm up first so lazy binding is not counted. */
		one();
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		for (long i = 0; i < n; i++) {
			raise(SIGSTOP);
			one();
		}
		raise(SIGSTOP);
		_exit(fallbacks ? 3 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -1;
	for (long i = 0; i < n; i++) {
		for (steps = 0;; steps++) {
			if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL))
				return -1;
			if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
				return -1;
			if (WSTOPSIG(st) == SIGSTOP)
				break;
		}
		if (steps >= MAX_STEPS)
			return -1;
		tally[steps]++;
		if (steps > *worst)
			*worst = steps;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	for (long i = 0; i < MAX_STEPS; i++)
		if (tally[i] && (mode < 0 || tally[i] > tally[mode]))
			mode = i;
	return mode;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	enum { NPATHS = sizeof(paths) / sizeof(paths[0]) };
	long counts[NPATHS], worsts[NPATHS];
	long n = 200;
	void *p;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--page=", 7))
			path = argv[i] + 7;
		else if (!strncmp(argv[i], "--count=", 8))
			n = atol(argv[i] + 8);
		else
			path = NULL, n = 0, i = argc;
	}
	if (!path || n <= 0) {
		fprintf(stderr, "usage: tickpage-icount --page=PATH [--count=N]\n");
		return 1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tickpage-icount: %s: %s\n", path, strerror(errno));
		return 1;
	}
	p = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "tickpage-icount: mmap: %s\n", strerror(errno));
		return 1;
	}
	page = p;

	/* Steps between two stops include raise(): "empty" is just that. */
	printf("path,instructions,instructions_worst\n");
	for (size_t i = 0; i < NPATHS; i++) {
		long worst, mode = count_steps(paths[i].one, n, &worst);

		if (mode < 0) {
			fprintf(stderr, "tickpage-icount: %s: single-stepping failed "
				"(ptrace refused, or the page fell back)\n",
				paths[i].name);
			return 1;
		}
		counts[i] = mode;
		worsts[i] = worst;
	}
	for (size_t i = 0; i < NPATHS; i++)
		printf("%s,%ld,%ld\n", paths[i].name, counts[i] - counts[NPATHS - 1],
		       worsts[i] - counts[NPATHS - 1]);
	return 0;
}
