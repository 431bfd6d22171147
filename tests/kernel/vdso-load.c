// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * The vDSO is position-independent code that reads its data at fixed
 * offsets below its text: mapping its text under a vvar area of our own
 * runs it against any data we like (vdso-load.h).
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vdso-load.h"

#define PAGE	4096ul

static void die(const char *what)
{
	fprintf(stderr, "vdso-load: %s\n", what);
	exit(1);
}

/* Symbol @name's value in the ELF file @f of @len bytes, or -1. */
static int64_t sym(const unsigned char *f, size_t len, const char *name)
{
	const Elf64_Ehdr *eh = (const void *)f;
	const Elf64_Shdr *sh;
	int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > len)
		die("not a 64-bit ELF file");
	sh = (const void *)(f + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *s, *end;
		const char *str;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		s = (const void *)(f + sh[i].sh_offset);
		end = s + sh[i].sh_size / sizeof(*s);
		str = (const char *)f + sh[sh[i].sh_link].sh_offset;
		for (; s < end; s++)
			if (!strcmp(str + s->st_name, name))
				return (int64_t)s->st_value;
	}
	return -1;
}

static int64_t need(const unsigned char *f, size_t len, const char *name)
{
	int64_t v = sym(f, len, name);

	if (v == -1) {
		fprintf(stderr, "vdso-load: no symbol %s (need vdso64.so.dbg)\n",
			name);
		exit(1);
	}
	return v;
}

/* Map @path's text under a fresh vvar area, as the kernel maps it. */
void vdso_load(const char *path, struct vdso_img *img)
{
	int64_t vvar_start, vd_off, ns_off, tp_off;
	size_t vvar_len, text_len;
	unsigned char *f, *base;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("cannot open the image");
	f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		die("cannot map the image");
	close(fd);

	vvar_start = need(f, (size_t)st.st_size, "vvar_start");
	vd_off = need(f, (size_t)st.st_size, "vvar__vdso_data") - vvar_start;
	ns_off = need(f, (size_t)st.st_size, "timens__vdso_data") - vvar_start;
	tp_off = sym(f, (size_t)st.st_size, "tickpage_page");
	if (vvar_start >= 0 || -vvar_start > 16 * (int64_t)PAGE)
		die("vvar_start is not a few pages below the text");

	vvar_len = (size_t)-vvar_start;
	text_len = ((size_t)st.st_size + PAGE - 1) & ~(PAGE - 1);
	base = mmap(NULL, vvar_len + text_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		die("cannot map the vvar and text area");
	img->text = base + vvar_len;
	memcpy(img->text, f, (size_t)st.st_size);
	if (mprotect(img->text, text_len, PROT_READ | PROT_EXEC))
		die("cannot make the text executable");

	img->vd = (struct vd *)(void *)(base + vd_off);
	img->timens = (struct vd *)(void *)(base + ns_off);
	img->tp = tp_off == -1 ? NULL :
		  (struct tickpage *)(void *)(base + (tp_off - vvar_start));
	img->gettime = (vdso_clock_fn)(void *)(img->text +
		need(f, (size_t)st.st_size, "__vdso_clock_gettime"));
	img->getres = (vdso_clock_fn)(void *)(img->text +
		need(f, (size_t)st.st_size, "__vdso_clock_getres"));
	munmap(f, (size_t)st.st_size);
}
