/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * The fuzz targets' input: bytes taken little-endian from the front,
 * zeros once it runs out, so every input is a complete program.
 */
#ifndef TICKPAGE_FUZZ_INPUT_H
#define TICKPAGE_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

#endif /* TICKPAGE_FUZZ_INPUT_H */
