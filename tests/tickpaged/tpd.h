/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Helpers for the tickpaged tests: run the real daemon binary on a
 * private shm file and look at the page the way any consumer does,
 * through an independent read-only mapping and tickpage-read.h.
 */
#ifndef TICKPAGED_TEST_TPD_H
#define TICKPAGED_TEST_TPD_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "tickpage-read.h"

#define TPD_BIN_DEFAULT		"build/hv/tickpaged"
#define TPD_TEST_BIN_DEFAULT	"build/tests/tickpaged/tickpaged-test"

static inline int64_t tpd_now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static inline void tpd_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000l };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A private page file, removed by tpd_cleanup(). */
static char tpd_file[128];

static inline const char *tpd_path(const char *name)
{
	snprintf(tpd_file, sizeof(tpd_file), "/dev/shm/tickpaged-test-%s-%d",
		 name, (int)getpid());
	unlink(tpd_file);
	return tpd_file;
}

/* The daemon's lock file beside PATH (docs/tickpaged.md). */
static inline void tpd_lock_path(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%s.lock", path);
}

/* Also the lock file a killed daemon leaves behind. */
static inline void tpd_cleanup(void)
{
	char lock[sizeof(tpd_file) + 8];

	if (!tpd_file[0])
		return;
	unlink(tpd_file);
	tpd_lock_path(lock, sizeof(lock), tpd_file);
	unlink(lock);
}

/*
 * Start @bin -q [args...] PATH; args ends with NULL. @errfd, when not -1,
 * becomes the daemon's stderr.
 */
static inline pid_t tpd_spawn(const char *bin, const char *path,
			      const char *const *args, int errfd)
{
	const char *argv[16];
	int n = 0;
	pid_t pid;

	argv[n++] = bin;
	argv[n++] = "-q";
	while (args && *args && n < 14)
		argv[n++] = *args++;
	argv[n++] = path;
	argv[n] = NULL;

	pid = fork();
	if (pid == 0) {
		if (errfd >= 0 && dup2(errfd, 2) < 0)
			_exit(127);
		execv(bin, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	return pid;
}

static inline const char *tpd_bin(void)
{
	return getenv("TICKPAGED") ? getenv("TICKPAGED") : TPD_BIN_DEFAULT;
}

/* The production daemon, tickpaged -q [args...] PATH. */
static inline pid_t tpd_start(const char *path, const char *const *args)
{
	return tpd_spawn(tpd_bin(), path, args, -1);
}

/* The test build, which has the clock seam (--test-wall-offset-file). */
static inline pid_t tpd_start_test(const char *path, const char *const *args)
{
	const char *bin = getenv("TICKPAGED_TEST") ? getenv("TICKPAGED_TEST") :
			  TPD_TEST_BIN_DEFAULT;

	return tpd_spawn(bin, path, args, -1);
}

/*
 * Map the page the way a consumer does: read-only, shared. Not before
 * the daemon has sized the file: a load past its end is a SIGBUS.
 */
static inline const struct tickpage *tpd_map(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size < TICKPAGE_PAGE_SIZE) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Wait until @path holds a valid page (the daemon may not have created
 * it yet); returns the mapping, or NULL if the daemon died or 3 s passed.
 */
static inline const struct tickpage *tpd_wait_valid(const char *path,
						    pid_t pid)
{
	int64_t end = tpd_now(CLOCK_MONOTONIC) + 3000000000ll;
	const struct tickpage *tp = NULL;
	struct tickpage_snapshot s;
	int status;

	while (tpd_now(CLOCK_MONOTONIC) < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return NULL;
		if (!tp)
			tp = tpd_map(path);
		if (tp && tickpage_read(tp, &s) == TICKPAGE_OK)
			return tp;
		tpd_sleep_ms(5);
	}
	return NULL;
}

/* Send @sig and reap; returns the wait status, or -1 after 3 s. */
static inline int tpd_stop(pid_t pid, int sig)
{
	int64_t end = tpd_now(CLOCK_MONOTONIC) + 3000000000ll;
	int status;

	kill(pid, sig);
	while (tpd_now(CLOCK_MONOTONIC) < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		tpd_sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * tpd_start() and tpd_wait_valid() in one, reported as "@what: page
 * valid after start". On failure the daemon is killed and reaped, and
 * NULL returned.
 */
static inline const struct tickpage *tpd_start_valid(const char *path,
						     const char *const *args,
						     const char *what,
						     pid_t *pid)
{
	const struct tickpage *tp;

	*pid = tpd_start(path, args);
	tp = tpd_wait_valid(path, *pid);
	if (!report(tp != NULL, "%s: page valid after start", what))
		tpd_stop(*pid, SIGKILL);
	return tp;
}

/*
 * Run tickpaged -q [args...] PATH to its exit, with its stderr in @err.
 * A daemon still running after @ms accepted PATH: it is stopped with
 * SIGTERM and -1 is returned; otherwise its wait status.
 */
static inline int tpd_run(const char *path, const char *const *args,
			  char *err, size_t len, int ms)
{
	int64_t end = tpd_now(CLOCK_MONOTONIC) + ms * 1000000ll;
	size_t got = 0;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = tpd_spawn(tpd_bin(), path, args, p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(p[0], err + got, len - 1 - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0 || got == len - 1)
			break;
		if (tpd_now(CLOCK_MONOTONIC) > end) {
			err[got] = '\0';
			close(p[0]);
			tpd_stop(pid, SIGTERM);
			return -1;
		}
		tpd_sleep_ms(5);
	}
	err[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

/* Drop root for good in a child: be @name, a user the daemon must not trust. */
static inline int tpd_become(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (!pw || setgroups(0, NULL) ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid))
		return -1;
	return 0;
}

/*
 * Stop the publisher (SIGSTOP) between two writes, so the page holds
 * still for the test to look at; SIGCONT lets it go on.
 */
static inline int tpd_freeze(pid_t pid, const struct tickpage *tp)
{
	int i;

	for (i = 0; i < 100; i++) {
		kill(pid, SIGSTOP);
		tpd_sleep_ms(20);
		if (!(__atomic_load_n(&tp->seq, __ATOMIC_ACQUIRE) & 1))
			return 0;
		kill(pid, SIGCONT);
	}
	return -1;
}

/* Realtime of a snapshot in ns. */
static inline int64_t tpd_rt(const struct tickpage_snapshot *s)
{
	return s->realtime_sec * 1000000000ll + s->realtime_nsec;
}

#endif /* TICKPAGED_TEST_TPD_H */
