/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged runs as a trusted user; every other local user is not. No
 * one else may decide which file it publishes into or what that file
 * holds, nor keep it from starting:
 *  - a symlink at PATH is refused, so root's files keep their mode and
 *    their content (O_NOFOLLOW);
 *  - a file someone else created first, holding a forged page or zeros,
 *    is refused rather than adopted, and left byte for byte as it was;
 *  - a file with a second link is refused (the other name could be
 *    anyone's);
 *  - a user who can only read the page cannot lock tickpaged out with
 *    flock() or a read lock, and cannot open its lock file.
 * Each refusal is exit 1 and one "tickpaged: " line saying what to do.
 */
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "tpd.h"

static char dir[64];

static void in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* What a consumer of @path would see, and who may change it. */
struct file_state {
	struct stat st;
	unsigned char data[TICKPAGE_PAGE_SIZE];
	ssize_t len;
};

static int read_file_state(const char *path, struct file_state *f)
{
	int fd;

	memset(f, 0, sizeof(*f));
	if (stat(path, &f->st))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	f->len = read(fd, f->data, sizeof(f->data));
	close(fd);
	return f->len < 0 ? -1 : 0;
}

static bool same_file_state(const char *path, const struct file_state *old)
{
	struct file_state now;

	return !read_file_state(path, &now) && now.st.st_ino == old->st.st_ino &&
	       now.st.st_mode == old->st.st_mode &&
	       now.st.st_uid == old->st.st_uid &&
	       now.st.st_gid == old->st.st_gid && now.len == old->len &&
	       !memcmp(now.data, old->data, (size_t)now.len);
}

/* Exit 1 and exactly one "tickpaged: " line that contains @needle. */
static void expect_refused(const char *what, const char *path,
			   const char *const *args, const char *needle)
{
	char err[1024], *nl;
	int status = tpd_run(path, args, err, sizeof(err), 1000);
	bool one_line;

	nl = strchr(err, '\n');
	one_line = nl && !nl[1];
	if (nl)
		*nl = '\0';
	if (status == -1)
		report(0, "%s: refused (tickpaged accepted it and published)",
		       what);
	else
		report(WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
		       one_line && !strncmp(err, "tickpaged: ", 11) &&
		       strstr(err, needle),
		       "%s: refused, exit %d: %s", what,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
}

static int write_file(const char *path, const void *buf, size_t len,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	/* Explicit: the umask must not decide what the attacker allows. */
	if (fchmod(fd, mode) || close(fd) || n != (ssize_t)len)
		return -1;
	return 0;
}

/* Run @fn as user nobody in a child; its exit status says how it went. */
static int as_nobody(int (*fn)(const void *), const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(tpd_become("nobody") || fn(arg) ? 1 : 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A genuine page from a real run, its realtime moved a year ahead. */
static int forged_page(unsigned char *buf)
{
	const char *path = tpd_path("files-genuine");
	const struct tickpage *tp;
	struct tickpage *forged = (struct tickpage *)buf;
	pid_t pid = tpd_start(path, NULL);

	tp = tpd_wait_valid(path, pid);
	/* SIGKILL leaves VALID set, as a crashed publisher would. */
	tpd_stop(pid, SIGKILL);
	if (!tp) {
		tpd_cleanup();
		return -1;
	}
	memcpy(buf, tp, TICKPAGE_PAGE_SIZE);
	munmap((void *)tp, TICKPAGE_PAGE_SIZE);
	tpd_cleanup();
	forged->realtime_sec += 365 * 86400;
	return tickpage_validate(forged) == TICKPAGE_OK &&
	       (forged->flags & TICKPAGE_F_VALID) ? 0 : -1;
}

static void symlinks(void)
{
	static const char *const mode666[] = { "--mode=0666", NULL };
	static const unsigned char zero[TICKPAGE_PAGE_SIZE];
	unsigned char secret[TICKPAGE_PAGE_SIZE];
	char target[128], link_path[128];
	struct file_state before;
	const struct {
		const char *name;
		const unsigned char *data;
	} targets[] = {
		{ "an empty page", zero },
		{ "a secret", secret },
	};
	size_t i;

	memset(secret, 's', sizeof(secret));
	for (i = 0; i < 2; i++) {
		char what[128];

		in_dir(target, sizeof(target), i ? "secret" : "zero");
		in_dir(link_path, sizeof(link_path), "link");
		unlink(link_path);
		if (write_file(target, targets[i].data, TICKPAGE_PAGE_SIZE,
			       0600) || symlink(target, link_path) ||
		    read_file_state(target, &before)) {
			report(0, "set up the symlink to %s", target);
			return;
		}
		snprintf(what, sizeof(what),
			 "symlink to root's 0600 file holding %s",
			 targets[i].name);
		expect_refused(what, link_path, mode666, "symbolic link");
		report(same_file_state(target, &before),
		       "%s: the target's mode and content are unchanged (%04o)",
		       what, (unsigned int)(before.st.st_mode & 07777));
	}
	unlink(link_path);
}

struct plant {
	const char *path;
	const unsigned char *data;
};

static int plant_file(const void *arg)
{
	const struct plant *p = arg;

	return write_file(p->path, p->data, TICKPAGE_PAGE_SIZE, 0666);
}

/*
 * nobody got there first, in a directory anyone may write (what
 * /dev/shm is): the file is nobody's whatever it holds.
 */
static void foreign_owner(void)
{
	static const unsigned char zero[TICKPAGE_PAGE_SIZE];
	unsigned char forged[TICKPAGE_PAGE_SIZE];
	char shared[96], page[128], lock[160];
	struct file_state before;
	struct plant p;

	in_dir(shared, sizeof(shared), "shared");
	if (mkdir(shared, 0777) || chmod(shared, 01777)) {
		report(0, "mkdir %s", shared);
		return;
	}
	if (!report(forged_page(forged) == 0,
		    "a valid page with a forged realtime to plant"))
		return;

	snprintf(page, sizeof(page), "%s/forged", shared);
	p = (struct plant){ page, forged };
	if (as_nobody(plant_file, &p) || read_file_state(page, &before)) {
		report(0, "nobody plants %s", page);
		return;
	}
	expect_refused("nobody's 0666 file holding a forged valid page", page,
		       NULL, "owned by");
	report(same_file_state(page, &before),
	       "nobody's forged page: not continued, not published into, byte for byte as planted");

	snprintf(page, sizeof(page), "%s/zero", shared);
	p = (struct plant){ page, zero };
	if (as_nobody(plant_file, &p) || read_file_state(page, &before)) {
		report(0, "nobody plants %s", page);
		return;
	}
	expect_refused("nobody's 0666 file of zeros", page, NULL, "owned by");
	report(same_file_state(page, &before),
	       "nobody's zero file: nothing published into it, still all zero");

	/* The lock file is as much tickpaged's as the page. */
	snprintf(page, sizeof(page), "%s/locked", shared);
	tpd_lock_path(lock, sizeof(lock), page);
	p = (struct plant){ lock, zero };
	if (as_nobody(plant_file, &p)) {
		report(0, "nobody plants %s", lock);
		return;
	}
	expect_refused("nobody's lock file beside PATH", page, NULL,
		       "owned by");
	report(access(page, F_OK) && errno == ENOENT,
	       "nobody's lock file: no page created");
}

static void two_links(void)
{
	static const unsigned char zero[TICKPAGE_PAGE_SIZE];
	char page[128], other[128];
	struct file_state before;

	in_dir(page, sizeof(page), "linked");
	in_dir(other, sizeof(other), "linked-again");
	if (write_file(page, zero, sizeof(zero), 0644) || link(page, other) ||
	    read_file_state(page, &before)) {
		report(0, "set up %s with two links", page);
		return;
	}
	expect_refused("a file with two links", page, NULL, "links");
	report(same_file_state(page, &before),
	       "the two-link file is left as it was");
}

enum lock_kind { LOCK_FLOCK, LOCK_POSIX_READ, LOCK_OFD_READ };

static const char *const lock_names[] = {
	[LOCK_FLOCK] = "flock(LOCK_EX)",
	[LOCK_POSIX_READ] = "a POSIX read lock",
	[LOCK_OFD_READ] = "an OFD read lock",
};

/*
 * In a child, as nobody: open @path read-only (all nobody may do), take
 * a lock of @kind on it, tell the parent through a pipe, hold it until
 * killed. Returns the child, or -1 if it could not take the lock.
 */
static pid_t hold_lock(const char *path, enum lock_kind kind)
{
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
		int fd, err = -1;

		close(p[0]);
		if (tpd_become("nobody"))
			_exit(1);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(1);
		if (kind == LOCK_FLOCK)
			err = flock(fd, LOCK_EX | LOCK_NB);
		else
			err = fcntl(fd, kind == LOCK_OFD_READ ? F_OFD_SETLK :
				    F_SETLK, &fl);
		if (err)
			_exit(1);
		c = 1;
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || !c) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	return pid;
}

static int open_lock_file(const void *arg)
{
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EACCES ? 0 : 1;
}

static void read_only_locks(void)
{
	static const char *const mode644[] = { "--mode=0644", NULL };
	char page[128], lock[160];
	const struct tickpage *tp;
	int k;

	pid_t pid;

	/* A page nobody may read, left by an earlier run. */
	in_dir(page, sizeof(page), "readable");
	tpd_lock_path(lock, sizeof(lock), page);
	pid = tpd_start(page, mode644);
	tp = tpd_wait_valid(page, pid);
	tpd_stop(pid, SIGTERM);
	if (!report(tp != NULL, "a page the read-only user may read (0644)"))
		return;
	munmap((void *)tp, TICKPAGE_PAGE_SIZE);
	for (k = LOCK_FLOCK; k <= LOCK_OFD_READ; k++) {
		pid_t holder = hold_lock(page, (enum lock_kind)k);

		if (!report(holder > 0, "nobody, read-only, holds %s on %s",
			    lock_names[k], page))
			continue;
		pid = tpd_start(page, mode644);
		tp = tpd_wait_valid(page, pid);
		report(tp != NULL,
		       "%s held by a read-only user does not keep tickpaged from starting",
		       lock_names[k]);
		if (k == LOCK_FLOCK && tp)
			report(as_nobody(open_lock_file, lock) == 0,
			       "the read-only user cannot open the lock file (EACCES)");
		tpd_stop(pid, SIGTERM);
		if (tp)
			munmap((void *)tp, TICKPAGE_PAGE_SIZE);
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
}

static void remove_dir(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	if (geteuid() || !getpwnam("nobody")) {
		printf("SKIP: needs root and a user 'nobody' to play the other user\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "/dev/shm/tickpaged-test-files.XXXXXX");
	/* nobody must reach the files it plants or reads in there. */
	if (!mkdtemp(dir) || chmod(dir, 0755)) {
		report(0, "mkdtemp: %s", strerror(errno));
		return report_summary();
	}
	symlinks();
	foreign_owner();
	two_links();
	read_only_locks();
	remove_dir();
	return report_summary();
}
