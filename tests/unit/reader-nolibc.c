// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * The reader built the way a vDSO builds it: -ffreestanding -nostdlib
 * -fno-builtin, no C library at all. Its own _start reads static pages
 * and reports through raw system calls; build.mk links it with
 * -nostdlib, so any libc (or libgcc, libatomic) symbol the reader
 * needed would fail the link, and reader-builds.sh also checks that
 * `nm -u` is empty. x86-64 and i386 (-m32).
 */
#include "tickpage-read.h"

#if defined(__x86_64__)
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call tickpage_nolibc_main\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"	/* exit */
	"	syscall\n"
	"	hlt\n");

static long sys_write(int fd, const char *p, unsigned long n)
{
	long ret;

	__asm__ __volatile__("syscall" : "=a"(ret)
			     : "0"(1L), "D"((long)fd), "S"(p), "d"(n)
			     : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__i386__)
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %esp\n"
	"	call tickpage_nolibc_main\n"
	"	mov %eax, %ebx\n"
	"	mov $1, %eax\n"		/* exit */
	"	int $0x80\n"
	"	hlt\n");

static long sys_write(int fd, const char *p, unsigned long n)
{
	long ret;

	__asm__ __volatile__("int $0x80" : "=a"(ret)
			     : "0"(4L), "b"((long)fd), "c"(p), "d"(n)
			     : "memory");
	return ret;
}
#else
#error "reader-nolibc: x86-64 or i386 only"
#endif

int tickpage_nolibc_main(void);

static int fails;

static void say(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	sys_write(1, s, n);
}

static void check(int ok, const char *what)
{
	say(ok ? "PASS: nolibc: " : "FAIL: nolibc: ");
	say(what);
	say("\n");
	fails += !ok;
}

/* Writable, so the compiler cannot fold the reader's loads away. */
static struct tickpage page = {
	.magic = TICKPAGE_MAGIC,
	.abi_major = TICKPAGE_ABI_MAJOR,
	.abi_minor = TICKPAGE_ABI_MINOR,
	.size = TICKPAGE_SIZE_V1_0,
	.seq = 2,
	.flags = TICKPAGE_F_VALID,
	.generation = 3,
	.update_count = 4,
	.period_ns = TICKPAGE_PERIOD_DEFAULT_NS,
	.realtime_sec = 0x123456789ll,	/* past 2106: needs all 64 bits */
	.realtime_nsec = 999999999,
	.monotonic_ns = 0x1122334455667788ull,
};

int tickpage_nolibc_main(void)
{
	struct tickpage_snapshot s;
	int r;

	r = tickpage_read(&page, &s);
	check(r == TICKPAGE_OK && s.realtime_sec == 0x123456789ll &&
	      s.realtime_nsec == 999999999 &&
	      s.monotonic_ns == 0x1122334455667788ull &&
	      s.generation == 3 && s.update_count == 4,
	      "valid page read, 64-bit fields intact");

	page.realtime_nsec = 1000000000u;
	check(tickpage_read(&page, &s) == TICKPAGE_ERR_RANGE, "nsec 1e9 refused");
	page.realtime_nsec = 0;

	page.seq = 3;
	check(tickpage_read(&page, &s) == TICKPAGE_ERR_BUSY,
	      "seq stuck odd returns BUSY");
	page.seq = 4;

	page.abi_major = 2;
	check(tickpage_read(&page, &s) == TICKPAGE_ERR_MAJOR, "major 2 refused");
	page.abi_major = 1;

	page.magic = 0;
	check(tickpage_read(&page, &s) == TICKPAGE_ERR_MAGIC, "bad magic refused");
	return fails ? 1 : 0;
}
