/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Command-line numbers for the tests' small programs (header only: the
 * guest programs are static and link nothing else of tests/lib).
 */
#ifndef TP_TESTS_ARGS_H
#define TP_TESTS_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* @s as a decimal number in @min..@max; else say so as @prog and exit 2. */
static inline long arg_long(const char *prog, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad number '%s' (%ld..%ld)\n", prog, s,
			min, max);
		exit(2);
	}
	return v;
}

#endif /* TP_TESTS_ARGS_H */
