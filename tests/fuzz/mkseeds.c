// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * mkseeds: write the fuzzers' seed corpora, so the fuzzers start from
 * real pages and real call sequences instead of having to discover the
 * magic. Pages are made by the real writer.
 *
 * Usage: mkseeds READ_DIR WRITER_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickpage-writer.h"

static _Alignas(4096) unsigned char page[TICKPAGE_PAGE_SIZE];

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void read_seeds(const char *dir)
{
	struct tickpage *tp = (void *)page;
	struct tickpage_sample s = { 1800000000, 123456789, 5000000000ull };
	struct tickpage_writer w;

	tickpage_writer_init(&w, tp, TICKPAGE_PERIOD_DEFAULT_NS, 0, 1);
	put(dir, "init-only", page, TICKPAGE_SIZE_V1_0);
	tickpage_publish(&w, &s);
	put(dir, "published", page, TICKPAGE_SIZE_V1_0);
	tp->seq++;
	put(dir, "seq-odd", page, TICKPAGE_SIZE_V1_0);
	tp->seq++;
	tp->abi_minor = 1;
	tp->size = 96;
	memset(page + TICKPAGE_SIZE_V1_0, 0xa5, 24);
	put(dir, "newer-minor", page, 96);
	tp->abi_minor = 0;
	tp->size = TICKPAGE_SIZE_V1_0;
	tp->realtime_nsec = 1000000000u;
	put(dir, "nsec-1e9", page, TICKPAGE_SIZE_V1_0);
}

/* Operand encoding of fuzz-writer.c: width byte 1 = 4 bytes LE. */
#define U32(v)	1, (v) & 0xff, ((v) >> 8) & 0xff, ((v) >> 16) & 0xff, (v) >> 24
#define U8(v)	0, (v)

static void writer_seeds(const char *dir)
{
	static const unsigned char life[] = {
		0, U32(1000000u), U8(2), U8(7),		/* init */
		5,					/* read: invalid */
		1, U32(1800000000u), U32(5u), U32(3000u),	/* publish */
		5,					/* read: ok */
		1, U32(1800000001u), U32(6u), U32(1000u),	/* older mono */
		5,
		2, 5,					/* bump, read */
		4, U32(250000u), 5,			/* set_period */
		3, 5,					/* invalidate */
		1, U32(1800000002u), U32(7u), U32(4000u), 5,
		0, U32(1000000u), U8(0), U8(9), 5,	/* re-init */
	};
	static const unsigned char edges[] = {
		0, U8(0), U8(0), U8(0),			/* period 0 */
		1, U8(1), 2, 0, U8(1), 5,		/* nsec near 1e9 */
		4, U8(1), 1, U8(2), U8(3), U8(4), 5,
	};

	put(dir, "life", life, sizeof(life));
	put(dir, "edges", edges, sizeof(edges));
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mkseeds READ_DIR WRITER_DIR\n");
		return 2;
	}
	read_seeds(argv[1]);
	writer_seeds(argv[2]);
	return 0;
}
