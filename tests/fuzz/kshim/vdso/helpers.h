/* SPDX-License-Identifier: GPL-2.0 */
/* include/vdso/helpers.h's seqcount readers, for kshim/vdso/datapage.h. */
#ifndef FUZZ_KSHIM_HELPERS_H
#define FUZZ_KSHIM_HELPERS_H

#include <vdso/datapage.h>

static __always_inline u32 vdso_read_begin(const struct vdso_data *vd)
{
	u32 seq;

	while (unlikely((seq = READ_ONCE(vd->seq)) & 1))
		;
	smp_rmb();
	return seq;
}

static __always_inline u32 vdso_read_retry(const struct vdso_data *vd,
					   u32 start)
{
	smp_rmb();
	return READ_ONCE(vd->seq) != start;
}

#endif /* FUZZ_KSHIM_HELPERS_H */
