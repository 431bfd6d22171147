/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/* tickpage durations: "500us" <-> 500000 ns. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tickpage-duration.h"

static const struct {
	const char *name;
	uint64_t ns;
} tickpage_units[] = {
	{"s", 1000000000ull},
	{"ms", 1000000ull},
	{"us", 1000ull},
	{"ns", 1ull},
};

#define TICKPAGE_NUNITS (sizeof(tickpage_units) / sizeof(tickpage_units[0]))

int tickpage_parse_duration(const char *s, uint64_t *ns)
{
	uint64_t v = 0;
	const char *p = s;
	size_t i;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	for (i = 0; i < TICKPAGE_NUNITS; i++) {
		if (strcmp(p, tickpage_units[i].name))
			continue;
		if (v > UINT64_MAX / tickpage_units[i].ns)
			return -ERANGE;
		*ns = v * tickpage_units[i].ns;
		return 0;
	}
	return -EINVAL;
}

void tickpage_format_duration(char *buf, size_t len, uint64_t ns)
{
	size_t i;

	/* The last unit, ns, divides everything. */
	for (i = 0; i < TICKPAGE_NUNITS - 1; i++)
		if (ns % tickpage_units[i].ns == 0)
			break;
	snprintf(buf, len, "%llu%s",
		 (unsigned long long)(ns / tickpage_units[i].ns),
		 tickpage_units[i].name);
}
