/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Minimal kselftest/kvm-unit-tests style reporting for C tests: one line
 * per check, a summary, and the exit code tests/run understands
 * (0 pass, 1 fail, 77 skip).
 */
#ifndef TICKPAGE_TEST_REPORT_H
#define TICKPAGE_TEST_REPORT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int report_passes, report_fails, report_skips;

__attribute__((format(printf, 2, 3), unused))
static int report(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		report_passes++;
	else
		report_fails++;
	return ok;
}

__attribute__((format(printf, 1, 2), unused))
static void report_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	report_skips++;
}

/* Print the summary; the return value is the process exit code. */
__attribute__((unused))
static int report_summary(void)
{
	printf("SUMMARY: %d passed, %d failed, %d skipped\n",
	       report_passes, report_fails, report_skips);
	if (report_fails)
		return 1;
	if (!report_passes)
		return 77;
	return 0;
}

#endif /* TICKPAGE_TEST_REPORT_H */
