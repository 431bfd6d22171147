/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpaged: the page file.
 *
 * PATH is usually on tmpfs (/dev/shm) and mapped by QEMU's
 * memory-backend-file, which wants a regular file at least as large as
 * its size= (4096, a power of two as a PCI BAR must be). tickpaged only
 * ever uses the first 4 KiB. Anything that is not clearly ours or empty
 * is refused, so a typo in PATH cannot clobber another program's file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

static int open_file(struct tickpaged_page *pg, const struct tickpaged_opts *o)
{
	const char *path = o->path;
	int fd;

	/* O_NONBLOCK: a FIFO at PATH must not hang us before fstat refuses it. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK,
		  o->mode);
	if (fd >= 0) {
		pg->created = true;
		return fd;
	}
	if (errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		tickpaged_err("%s: cannot open for writing: %s", path,
			      strerror(errno));
	return fd;
}

/* Refuse what cannot be, or must not be overwritten by, a tickpage. */
static int check_file(struct tickpaged_page *pg, const struct tickpaged_opts *o,
		      const struct stat *st)
{
	const char *path = o->path;

	if (!S_ISREG(st->st_mode)) {
		tickpaged_err("%s: not a regular file", path);
		return -1;
	}
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

	*pg = (struct tickpaged_page){ .fd = -1 };
	pg->fd = open_file(pg, o);
	if (pg->fd < 0)
		return -1;
	if (fstat(pg->fd, &st)) {
		tickpaged_err("%s: %s", o->path, strerror(errno));
		goto err_close;
	}
	if (check_file(pg, o, &st))
		goto err_close;

	/*
	 * One writer per page: a second tickpaged on the same file would
	 * interleave seqcount writes. The lock dies with the process, so a
	 * crashed publisher never blocks its successor.
	 */
	if (flock(pg->fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			tickpaged_err("%s: another tickpaged is already publishing this page",
				      o->path);
		else
			tickpaged_err("%s: cannot lock: %s", o->path,
				      strerror(errno));
		goto err_close;
	}
	if (apply_owner(pg, o))
		goto err_close;
	if (st.st_size == 0 && ftruncate(pg->fd, (off_t)o->size)) {
		tickpaged_err("%s: cannot size to %llu bytes: %s", o->path,
			      (unsigned long long)o->size, strerror(errno));
		goto err_close;
	}

	map = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, pg->fd, 0);
	if (map == MAP_FAILED) {
		tickpaged_err("%s: cannot map: %s", o->path, strerror(errno));
		goto err_close;
	}
	pg->tp = map;
	if (adopt_page(pg, o->path))
		goto err_unmap;
	return 0;

err_unmap:
	munmap(pg->tp, TICKPAGE_PAGE_SIZE);
	pg->tp = NULL;
err_close:
	close(pg->fd);
	pg->fd = -1;
	/* Leave no empty file behind for a start that failed. */
	if (pg->created)
		unlink(o->path);
	return -1;
}

void tickpaged_page_close(struct tickpaged_page *pg)
{
	/* tmpfs ignores it; a page file on a disk keeps the invalid flag. */
	msync(pg->tp, TICKPAGE_PAGE_SIZE, MS_SYNC);
	munmap(pg->tp, TICKPAGE_PAGE_SIZE);
	close(pg->fd);
}
