/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * tickpage durations as people type them: a decimal count and a unit
 * (ns, us, ms, s), e.g. "500us", "1ms". The one parser of the project:
 * tickpaged's options use it, and scripts/tickpage-virt-xml asks
 * tickpaged (--print-period) rather than parse a period itself.
 */
#ifndef TICKPAGE_DURATION_H
#define TICKPAGE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse @s into *@ns. A bare number is refused: "1000" could mean ns or
 * us to the person typing it. Returns 0, -EINVAL (not a duration with a
 * unit) or -ERANGE (more than 64 bits of nanoseconds); *@ns is written
 * only on success.
 */
int tickpage_parse_duration(const char *s, uint64_t *ns);

/* @ns in the largest unit that shows it exactly: 100000 -> "100us". */
void tickpage_format_duration(char *buf, size_t len, uint64_t ns);

#endif /* TICKPAGE_DURATION_H */
