/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * What the page fuzz targets check besides their own model: a failed
 * CHECK() aborts, so that libFuzzer keeps the input as a crash.
 */
#ifndef TICKPAGE_FUZZ_CHECK_H
#define TICKPAGE_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "snapshot.h"
#include "tickpage-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

/* What a caller may rely on after TICKPAGE_OK (docs/abi.md). */
static inline int snapshot_sane(const struct tickpage_snapshot *s)
{
	return (s->flags & TICKPAGE_F_VALID) &&
	       s->realtime_nsec < 1000000000u &&
	       s->period_ns >= TICKPAGE_PERIOD_MIN_NS &&
	       s->period_ns <= TICKPAGE_PERIOD_MAX_NS;
}

#endif /* TICKPAGE_FUZZ_CHECK_H */
