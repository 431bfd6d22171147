/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * page-trace: see every load and store the code under test makes to a
 * time page, one at a time, in program order.
 *
 * The page is a memfd mapped twice: @page (what the code under test
 * gets) is PROT_NONE, so each access faults; the SIGSEGV handler counts
 * it, runs the @before hook, opens the page for exactly one instruction
 * with the x86 trap flag, and the SIGTRAP that follows runs @after and
 * closes the page again. @alias is an ordinary mapping of the same
 * memory that hooks (and the test) use to look and poke without
 * faulting. This lets a unit test prove how many times a reader loads
 * @seq, make a "writer" act between two of its loads, and look at the
 * page after every single store of the writer.
 *
 * x86-64 Linux only (trap flag, ucontext layout); page_trace_setup()
 * returns -1 elsewhere and the test skips those checks.
 */
#ifndef TICKPAGE_PAGE_TRACE_H
#define TICKPAGE_PAGE_TRACE_H

#include <stddef.h>

#include "tickpage-abi.h"

struct page_trace {
	void *page;		/* traced mapping: every access traps */
	void *alias;		/* untraced view of the same memory */
	int grant;		/* PROT_ given for one instruction */
	unsigned long accesses;	/* all traced accesses */
	unsigned long at[TICKPAGE_PAGE_SIZE];	/* accesses by offset */
	unsigned long refused;	/* accesses the grant did not allow */
	void (*before)(struct page_trace *t, size_t off);
	void (*after)(struct page_trace *t, size_t off);
	void *priv;		/* for the hooks */
	int stepping;		/* between the fault and its trap */
	size_t off;		/* offset of the access in flight */
};

/*
 * Map the page (zeroed) and install the handlers. @grant is PROT_READ
 * for a reader (a store then counts in @refused and is let through) or
 * PROT_READ | PROT_WRITE for a writer. Returns 0, or -1 when tracing is
 * not available here.
 */
int page_trace_setup(struct page_trace *t, int grant);
/* Zero the counters and start trapping; stop trapping. */
void page_trace_start(struct page_trace *t);
void page_trace_stop(struct page_trace *t);
void page_trace_teardown(struct page_trace *t);

#endif /* TICKPAGE_PAGE_TRACE_H */
