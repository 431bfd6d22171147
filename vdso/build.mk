# vdso/: the header-only reader (vdso/include/) and, later, libtickpage.
LINT_C += vdso/include/tickpage-abi.h vdso/include/tickpage-read.h
