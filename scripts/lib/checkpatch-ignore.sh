# shellcheck shell=sh
# The checkpatch.pl types that code shared with user space may break, and
# why; sourced by scripts/lint and tests/kernel/checkpatch.sh.
#
# hv/ and vdso/ must compile in user space (and QEMU) unchanged: the
# kernel's own types and attribute macros (u64, BIT_ULL, __always_inline)
# are not there, and PRId64 is not CamelCase.
CHECKPATCH_C99=PREFER_KERNEL_TYPES,CAMELCASE,BIT_MACRO,PREFER_DEFINED_ATTRIBUTE_MACRO,ARCH_DEFINES
# The shared headers (vdso/include/) also define an inline-function
# keyword for either world (COMPLEX_MACRO), name struct members in
# offsetof-style macros (MACRO_ARG_REUSE), and put a field attribute where
# checkpatch expects a statement (LINE_SPACING).
CHECKPATCH_SHARED=$CHECKPATCH_C99,COMPLEX_MACRO,MACRO_ARG_REUSE,LINE_SPACING
# User space alone: SPDX comments in the C-comment style QEMU accepts,
# libc's idioms (ARRAY_SIZE, volatile for signal flags, long messages,
# __func__ spelled out).
CHECKPATCH_USERSPACE=$CHECKPATCH_C99,SPDX_LICENSE_TAG,ARRAY_SIZE,VOLATILE,SPLIT_STRING,EMBEDDED_FUNCTION_NAME
