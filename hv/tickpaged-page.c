/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: the page file.
 *
 * PATH is usually on tmpfs (/dev/shm) and mapped by QEMU's
 * memory-backend-file, which wants a regular file at least as large as
 * its size= (4096, a power of two as a PCI BAR must be). tickpaged only
 * ever uses the first 4 KiB. Anything that is not clearly ours or empty
 * is refused, so a typo in PATH cannot clobber another program's file.
 *
 * Only tickpaged's own user is trusted with the file: whoever else can
 * write a directory on the way to PATH could have put a symlink there, a
 * file of their own (holding a forged page, or zeros they can overwrite
 * later) or a second link to it. Each is refused, before anything in or
 * about the file changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tickpage-read.h"
#include "tickpaged.h"

static bool page_is_zero(const struct tickpage *tp)
{
	const unsigned char *p = (const unsigned char *)tp;
	size_t i;

	for (i = 0; i < TICKPAGE_PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * A fresh page starts at a random generation, so that pages of two
 * hosts, or of one host before and after /dev/shm was emptied, do not
 * share a generation by chance: a guest moved between them must see a
 * change, since their monotonic clocks have nothing in common.
 */
static uint64_t fresh_generation(void)
{
	uint32_t r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == sizeof(r))
		return r;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_nsec ^ getpid());
}

/*
 * Every open, of the page and of its lock file: O_NOFOLLOW, since a
 * symlink at PATH would hand us, and through --mode the whole host,
 * whatever file it points to; O_NONBLOCK so that a FIFO at PATH cannot
 * hang us before fstat() refuses it; O_NOCTTY so that a terminal cannot
 * become ours.
 */
#define TICKPAGED_OPEN_FLAGS \
	(O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)

static int open_own(const char *path, mode_t mode, bool *created)
{
	int fd;

	fd = open(path, TICKPAGED_OPEN_FLAGS | O_CREAT | O_EXCL, mode);
	if (fd >= 0) {
		if (created)
			*created = true;
		return fd;
	}
	if (errno == EEXIST)
		fd = open(path, TICKPAGED_OPEN_FLAGS);
	if (fd >= 0)
		return fd;
	if (errno == ELOOP)
		tickpaged_err("%s: is a symbolic link, which tickpaged does not follow; give the file's own path, or remove the link",
			      path);
	else if (errno == ENOENT && !strncmp(path, TICKPAGED_RUNTIME_DIR "/",
					     sizeof(TICKPAGED_RUNTIME_DIR)))
		tickpaged_err("%s: cannot open for writing: %s (the unit's RuntimeDirectory=tickpage creates %s; or give a PATH)",
			      path, strerror(errno), TICKPAGED_RUNTIME_DIR);
	else
		tickpaged_err("%s: cannot open for writing: %s", path,
			      strerror(errno));
	return -1;
}

/*
 * Only a file of our own is ours to publish in or to lock: one another
 * user created first may hold their forged page and stays theirs to
 * rewrite; one with a second link is also someone else's under the
 * other name. Root is the only other user who could have made a file
 * of ours, and root is trusted.
 */
static int check_own(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		tickpaged_err("%s: not a regular file", path);
		return -1;
	}
	if (st->st_uid != geteuid()) {
		tickpaged_err("%s: owned by uid %u, not by tickpaged's uid %u: another user may have forged it and can still write it; remove it, or use a directory only tickpaged can write (%s)",
			      path, (unsigned int)st->st_uid,
			      (unsigned int)geteuid(), TICKPAGED_RUNTIME_DIR);
		return -1;
	}
	if (st->st_nlink != 1) {
		tickpaged_err("%s: has %ju links, not 1: the other names may be anyone's; remove them, or the file",
			      path, (uintmax_t)st->st_nlink);
		return -1;
	}
	return 0;
}

/* Refuse what cannot be, or must not be overwritten by, a tickpage. */
static int check_file(const struct tickpaged_opts *o, const struct stat *st)
{
	const char *path = o->path;

	if (check_own(path, st))
		return -1;
	if (st->st_size == 0)
		return 0;
	if (o->size_set && (uint64_t)st->st_size != o->size) {
		tickpaged_err("%s: is %lld bytes, not the %llu of --size; QEMU would refuse the mismatch, so remove it or drop --size",
			      path, (long long)st->st_size,
			      (unsigned long long)o->size);
		return -1;
	}
	if (st->st_size < TICKPAGE_PAGE_SIZE ||
	    st->st_size % TICKPAGE_PAGE_SIZE) {
		tickpaged_err("%s: is %lld bytes, not a tickpage file (a multiple of %u); remove it or choose another PATH",
			      path, (long long)st->st_size, TICKPAGE_PAGE_SIZE);
		return -1;
	}
	return 0;
}

/*
 * One writer per page: a second tickpaged on the same file would
 * interleave seqcount writes. The lock is an OFD write lock on PATH.lock,
 * a file only tickpaged's user may open: not a lock on the page, which
 * every reader of the page could take (flock() needs no write access,
 * and a read lock on the page would block a write lock on it), keeping
 * tickpaged from starting. It dies with the process, so a crashed
 * publisher never blocks its successor.
 */
static int lock_page(struct tickpaged_page *pg, const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	const char *lock = pg->lock_path;
	struct stat st, now;
	int fd, tries;

	if ((size_t)snprintf(pg->lock_path, sizeof(pg->lock_path), "%s.lock",
			     path) >= sizeof(pg->lock_path)) {
		tickpaged_err("%s: path too long for its lock file", path);
		return -1;
	}
	/*
	 * A publisher on its way out removes the lock file while it still
	 * holds the lock: a lock taken on the inode it removed guards
	 * nothing, so it is ours only if PATH.lock still names it.
	 */
	for (tries = 0; tries < 3; tries++) {
		fd = open_own(lock, 0600, NULL);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st)) {
			tickpaged_err("%s: %s", lock, strerror(errno));
			goto err_close;
		}
		if (check_own(lock, &st))
			goto err_close;
		if (fcntl(fd, F_OFD_SETLK, &fl)) {
			if (errno == EAGAIN || errno == EACCES) {
				tickpaged_err("%s: another tickpaged is already publishing this page",
					      path);
				pg->busy = true;
			} else {
				tickpaged_err("%s: cannot lock: %s", lock,
					      strerror(errno));
			}
			goto err_close;
		}
		if (!lstat(lock, &now) && now.st_dev == st.st_dev &&
		    now.st_ino == st.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		tickpaged_err("%s: another tickpaged is already publishing this page",
			      path);
		pg->busy = true;
		return -1;
	}
	/* A lock file an older run left may have another mode: no reader's. */
	if (fchmod(fd, 0600)) {
		tickpaged_err("%s: cannot set mode 0600: %s", lock,
			      strerror(errno));
		unlink(lock);
		goto err_close;
	}
	pg->lock_fd = fd;
	return 0;

err_close:
	close(fd);
	return -1;
}

static void unlock_page(struct tickpaged_page *pg)
{
	/* Before the lock goes: see lock_page() for a successor's check. */
	unlink(pg->lock_path);
	close(pg->lock_fd);
	pg->lock_fd = -1;
}

static int apply_owner(struct tickpaged_page *pg,
		       const struct tickpaged_opts *o)
{
	/* Explicit, so the umask does not decide who may map the page. */
	if ((pg->created || o->mode_set) && fchmod(pg->fd, o->mode)) {
		tickpaged_err("%s: cannot set mode %04o: %s", o->path,
			      (unsigned int)o->mode, strerror(errno));
		return -1;
	}
	if (o->group_set && fchown(pg->fd, (uid_t)-1, o->gid)) {
		tickpaged_err("%s: cannot set group %u: %s", o->path,
			      (unsigned int)o->gid, strerror(errno));
		return -1;
	}
	return 0;
}

static int adopt_page(struct tickpaged_page *pg, const char *path)
{
	struct tickpage *tp = pg->tp;
	int err = tickpage_validate(tp);

	if (err == TICKPAGE_OK) {
		/*
		 * The previous publisher is gone (we hold the lock), so the
		 * field is stable. Its readers must see our restart as a
		 * discontinuity.
		 */
		pg->generation = TICKPAGE_LOAD(tp->generation) + 1;
		pg->continued = true;
		return 0;
	}
	if (page_is_zero(tp)) {
		pg->generation = fresh_generation();
		return 0;
	}
	if (err == TICKPAGE_ERR_MAJOR)
		tickpaged_err("%s: holds a tickpage of ABI major %u, this tickpaged writes %u; remove it first",
			      path, (unsigned int)TICKPAGE_LOAD(tp->abi_major),
			      TICKPAGE_ABI_MAJOR);
	else
		tickpaged_err("%s: holds data that is not a tickpage (%s); remove it or choose another PATH",
			      path, tickpage_strerror(err));
	return -1;
}

int tickpaged_page_open(struct tickpaged_page *pg,
			const struct tickpaged_opts *o)
{
	struct stat st;
	void *map;

	*pg = (struct tickpaged_page){ .fd = -1, .lock_fd = -1 };
	pg->fd = open_own(o->path, o->mode, &pg->created);
	if (pg->fd < 0)
		return -1;
	if (fstat(pg->fd, &st)) {
		tickpaged_err("%s: %s", o->path, strerror(errno));
		goto err_close;
	}
	if (check_file(o, &st))
		goto err_close;
	/*
	 * At once, before the lock: a reader that maps the file while it is
	 * still empty gets SIGBUS on its first load.
	 */
	if (st.st_size == 0 && ftruncate(pg->fd, (off_t)o->size)) {
		tickpaged_err("%s: cannot size to %llu bytes: %s", o->path,
			      (unsigned long long)o->size, strerror(errno));
		goto err_close;
	}
	if (lock_page(pg, o->path))
		goto err_close;

	map = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, pg->fd, 0);
	if (map == MAP_FAILED) {
		tickpaged_err("%s: cannot map: %s", o->path, strerror(errno));
		goto err_unlock;
	}
	pg->tp = map;
	/* What the file holds decides before its mode or group change. */
	if (adopt_page(pg, o->path) || apply_owner(pg, o))
		goto err_unmap;
	return 0;

err_unmap:
	munmap(pg->tp, TICKPAGE_PAGE_SIZE);
	pg->tp = NULL;
err_unlock:
	/* Leave no empty file behind for a start that failed... */
	if (pg->created)
		unlink(o->path);
	unlock_page(pg);
	close(pg->fd);
	pg->fd = -1;
	return -1;
err_close:
	/* ...unless another tickpaged, which holds the lock, now uses it. */
	if (pg->created && !pg->busy)
		unlink(o->path);
	close(pg->fd);
	pg->fd = -1;
	return -1;
}

void tickpaged_page_close(struct tickpaged_page *pg)
{
	/* tmpfs ignores it; a page file on a disk keeps the invalid flag. */
	msync(pg->tp, TICKPAGE_PAGE_SIZE, MS_SYNC);
	munmap(pg->tp, TICKPAGE_PAGE_SIZE);
	close(pg->fd);
	unlock_page(pg);
}
