// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * page-trace: trap every access to a page (see page-trace.h).
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "page-trace.h"

#if defined(__x86_64__) && defined(__linux__)

#define X86_EFLAGS_TF	0x100

/* Signal handlers have no argument to carry this. */
static struct page_trace *cur;

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	char *addr = si->si_addr;
	char *page = cur ? cur->page : NULL;

	if (!page || addr < page || addr >= page + TICKPAGE_PAGE_SIZE) {
		/* A real crash: let it happen with the default action. */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	if (cur->stepping) {
		/*
		 * Faulted again while open for one instruction: it needs more
		 * than the grant (a reader storing to the page). Count it and
		 * let it finish so the test can report rather than die.
		 */
		cur->refused++;
		mprotect(page, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE);
		return;
	}
	cur->off = (size_t)(addr - page);
	cur->accesses++;
	cur->at[cur->off]++;
	if (cur->before)
		cur->before(cur, cur->off);
	cur->stepping = 1;
	mprotect(page, TICKPAGE_PAGE_SIZE, cur->grant);
	uc->uc_mcontext.gregs[REG_EFL] |= X86_EFLAGS_TF;
}

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	if (!cur || !cur->stepping) {
		signal(SIGTRAP, SIG_DFL);
		return;
	}
	mprotect(cur->page, TICKPAGE_PAGE_SIZE, PROT_NONE);
	uc->uc_mcontext.gregs[REG_EFL] &= ~X86_EFLAGS_TF;
	cur->stepping = 0;
	if (cur->after)
		cur->after(cur, cur->off);
}

int page_trace_setup(struct page_trace *t, int grant)
{
	struct sigaction sa;
	int fd;

	memset(t, 0, sizeof(*t));
	t->grant = grant;
	fd = memfd_create("tickpage-trace", 0);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, TICKPAGE_PAGE_SIZE) < 0)
		goto err_fd;
	t->alias = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	if (t->alias == MAP_FAILED)
		goto err_fd;
	t->page = mmap(NULL, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);
	if (t->page == MAP_FAILED)
		goto err_alias;
	close(fd);

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
	cur = t;
	return 0;

err_alias:
	munmap(t->alias, TICKPAGE_PAGE_SIZE);
err_fd:
	close(fd);
	return -1;
}

void page_trace_start(struct page_trace *t)
{
	t->accesses = 0;
	t->refused = 0;
	memset(t->at, 0, sizeof(t->at));
	t->stepping = 0;
	mprotect(t->page, TICKPAGE_PAGE_SIZE, PROT_NONE);
}

void page_trace_stop(struct page_trace *t)
{
	mprotect(t->page, TICKPAGE_PAGE_SIZE, PROT_READ | PROT_WRITE);
}

void page_trace_teardown(struct page_trace *t)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGTRAP, SIG_DFL);
	cur = NULL;
	munmap(t->page, TICKPAGE_PAGE_SIZE);
	munmap(t->alias, TICKPAGE_PAGE_SIZE);
}

#else

int page_trace_setup(struct page_trace *t, int grant)
{
	return -1;
}

void page_trace_start(struct page_trace *t)
{
}

void page_trace_stop(struct page_trace *t)
{
}

void page_trace_teardown(struct page_trace *t)
{
}

#endif
