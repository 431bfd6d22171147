#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""`make demo` stage 2: a guest with -device tickpage on the project's
QEMU, tickpage.ko loaded; show what the driver says, check the page's
invariants and time the reads, then sum it all up in one table.
Called by scripts/demo; exit 0 only if every step worked.
"""
import csv
import io
import os
import re
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import tickpage as vmlib  # noqa: E402

BUILD = os.path.join(TOP, os.environ.get("O", "build"))
KO = os.path.join(BUILD, "guest/driver/tickpage.ko")
CHECK = os.path.join(BUILD, "vdso/tools/tickpage-check")
BENCH = os.path.join(BUILD, "vdso/tools/tickpage-bench-static")
SYSFS = "/sys/class/misc/tickpage"
# Every attribute of guest/driver/tickpage-sysfs.c, in its order.
ATTRS = ("abi", "period_ns", "generation", "update_count", "offset_ns",
         "status", "page_status", "device")
# tickpage-check's lag bound beyond one period, as tests/guest/e2e.py
# sets it: under TCG the vCPUs share the host's two cores with QEMU's
# publisher, so the guest sees long scheduling gaps that are not the
# page's.
SLACK_US = {"kvm": 50000, "tcg": 1000000}
BOLD = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")


def say(msg):
    print(f"\n{BOLD[0]}{msg}{BOLD[1]}", flush=True)


def show(vm, cmd, timeout=60):
    """Run cmd in the guest like a transcript; return (rc, output)."""
    print(f"guest$ {cmd}", flush=True)
    rc, out = vm.run(cmd, timeout=timeout)
    sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
    if rc:
        print(f"(exit status {rc})")
    sys.stdout.flush()
    return rc, out


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    rule = "  +" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(rule)
    for n, r in enumerate(rows):
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        print("  | " + " | ".join(cells) + " |")
        if n == 0:
            print(rule)
    print(rule)


def main():
    os.chdir(TOP)
    for need in (vmlib.PROJECT_QEMU, KO, CHECK, BENCH):
        if not os.path.exists(need):
            print(f"demo: {need} not built; run 'make demo'", file=sys.stderr)
            return 1
    work = tempfile.mkdtemp(prefix="tickpage-demo-")
    initrd = vmlib.make_initramfs(os.path.join(work, "initramfs.cpio.gz"),
                                  modules=[KO],
                                  bins=[CHECK, f"{BENCH}:tickpage-bench"])
    ok = True
    say("-- boot a guest: the project's QEMU with -device tickpage, "
        "tickpage.ko loaded at boot")
    with vmlib.VM(initrd=initrd, qemu=vmlib.PROJECT_QEMU,
                  devices=["tickpage,id=tp0"], load=["tickpage"]) as vm:
        print(f"booted in {vm.boot_seconds:.1f} s ({vm.accel.upper()})")

        say("-- the driver found the device: its line in the kernel log")
        rc, out = show(vm, "dmesg | grep 'tickpage [0-9a-f]'")
        ok &= rc == 0

        say("-- its sysfs attributes: page state, period, generation, the offset\n"
            "   the driver adds to the page's monotonic time to land on the guest's,\n"
            "   and the device that provides the page")
        rc, out = show(vm, f"cd {SYSFS} && grep -H . {' '.join(ATTRS)}")
        got = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        missing = [a for a in ATTRS if not got.get(a)]
        if missing:
            print(f"demo: no value for {', '.join(missing)} in {SYSFS}")
        ok &= rc == 0 and not missing

        slack = SLACK_US.get(vm.accel, SLACK_US["tcg"])
        say("-- tickpage-check: the page's invariants, read as the guest's "
            "programs read it")
        rc, out = show(vm, f"tickpage-check --slack-us={slack}", timeout=120)
        passes = len(re.findall(r"^PASS:", out, re.M))
        fails = len(re.findall(r"^FAIL:", out, re.M))
        skips = len(re.findall(r"^SKIP:", out, re.M))
        ok &= rc == 0 and fails == 0 and passes > 0

        say("-- tickpage-bench --lib: what one CLOCK_MONOTONIC_COARSE "
            "read costs in this guest")
        rc, out = show(vm, "tickpage-bench --page=/dev/tickpage --lib "
                       "--rounds=9 --round-ms=20 --csv", timeout=120)
        bench = {}
        if rc == 0:
            bench = {r["path"]: r for r in csv.DictReader(io.StringIO(out))}
        ok &= rc == 0 and {"lib", "page", "vdso-coarse", "syscall"} <= bench.keys()
        accel = vm.accel
    os.remove(initrd)
    os.rmdir(work)

    say(f"-- stage 2 in one glance ({accel.upper()} guest)")
    table([("tickpage-check", "PASS", "FAIL", "SKIP"),
           ("invariants", passes, fails, skips)])
    if bench:
        sys_ns = float(bench["syscall"]["ns_per_call"])
        rows = [("CLOCK_MONOTONIC_COARSE via", "ns/call", "x vDSO",
                 "x syscall")]
        for path, label in (("lib", "libtickpage (page + offset)"),
                            ("page", "raw page reader"),
                            ("vdso-coarse", "glibc vDSO"),
                            ("syscall", "system call")):
            r = bench[path]
            ns = float(r["ns_per_call"])
            rows.append((label, f"{ns:.1f}",
                         f"{float(r['ratio_vs_vdso_coarse']):.2f}",
                         f"{ns / sys_ns:.3f}"))
        table(rows)
        print("  (medians of 9 interleaved rounds; x vDSO is the median of "
              "per-round ratios)")
        lib = float(bench["lib"]["ratio_vs_vdso_coarse"])
        lib_sys = float(bench["lib"]["ns_per_call"]) / sys_ns
        print(f"  libtickpage: {1 / lib_sys:.1f}x faster than the system call, "
              f"{lib:.2f}x the vDSO coarse path "
              f"({'faster' if lib < 1 else 'slower'}; docs/benchmarks.md)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
