#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""`make demo` stage 3: the patched guest kernel serves the coarse clocks
from the host's page in every process's vDSO. Boots it with -device
tickpage on the project's QEMU, and Debian's stock cloud kernel on the
same QEMU and device, runs `tp-coarse show` in both (getres and steps of
both coarse clocks, whether they work with the clock_gettime system call
forbidden by seccomp, the page if any) and prints them side by side;
then `tp-consistency` in both: every pair of clocks, the way stock Linux
promises they agree (docs/vdso.md, "One wall clock").
"""
import re
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from tickpage import BUILD, guest_kernel  # noqa: E402

TP_COARSE = os.path.join(BUILD, "tests/kernel/tp-coarse")
TP_CONSISTENCY = os.path.join(BUILD, "tests/guest/tp-consistency")
ROUNDS = "200000"
PAIR_RE = re.compile(r"^(PASS|FAIL|SKIP): (.*?): (\d+) violations in (\d+) reads")


def boot(kernel, binary, *args):
    """Run @binary with @args as the guest's program (tests/kernel/guest.py,
    -device tickpage) in @kernel, or the patched kernel when None."""
    argv = [os.path.join(TOP, "tests/kernel/guest.py"), "--mode", "device",
            "--bin", binary]
    if kernel:
        argv += ["--kernel", kernel]
    argv += ["--", os.path.basename(binary), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def show(kernel):
    r = boot(kernel, TP_COARSE, "show")
    vals = {}
    for line in r.stdout.splitlines():
        key, _, val = line.partition(" ")
        if key in ("getres_monotonic_coarse_ns", "getres_realtime_coarse_ns",
                   "step_monotonic_coarse_ns", "step_realtime_coarse_ns",
                   "no_syscall", "page", "realtime_coarse_minus_page_ns"):
            vals[key] = val.strip()
    if r.returncode or "no_syscall" not in vals:
        sys.stdout.write(r.stdout[-3000:])
        raise SystemExit(f"demo: tp-coarse show failed (exit {r.returncode})")
    return vals


def consistency(kernel):
    """tp-consistency's pairs in a guest: {pair: (violations, reads)}."""
    r = boot(kernel, TP_CONSISTENCY, ROUNDS)
    pairs = {}
    for line in r.stdout.splitlines():
        m = PAIR_RE.match(line)
        if m:
            pairs[m.group(2)] = (int(m.group(3)), int(m.group(4)))
    if not pairs:
        sys.stdout.write(r.stdout[-3000:])
        raise SystemExit(f"demo: tp-consistency failed to run (exit {r.returncode})")
    return pairs


def us(v):
    try:
        return f"{int(v) / 1000:.0f} us"
    except (TypeError, ValueError):
        return v or "-"


def page(v):
    if not v or v == "none":
        return "none"
    return "yes, " + v.replace("period ", "").replace(" ns,", " ns period,")


def near(value, want):
    """True when @value is within 10 % of @want (both ns, as strings)."""
    try:
        return abs(int(value) - int(want)) * 10 <= int(want)
    except (TypeError, ValueError):
        return False


def main():
    stock_env = guest_kernel()
    vmlinuz, kver = stock_env["VMLINUZ"], stock_env["KVER"]
    print("booting the patched kernel (guest/linux/) ...", flush=True)
    patched = show(None)
    print(f"booting Debian's stock kernel {kver} ...", flush=True)
    stock = show(vmlinuz)
    rows = [
        ("clock_getres(CLOCK_MONOTONIC_COARSE)", "getres_monotonic_coarse_ns", us),
        ("clock_getres(CLOCK_REALTIME_COARSE)", "getres_realtime_coarse_ns", us),
        ("CLOCK_MONOTONIC_COARSE steps by", "step_monotonic_coarse_ns", us),
        ("CLOCK_REALTIME_COARSE steps by", "step_realtime_coarse_ns", us),
        ("works with clock_gettime(2) forbidden", "no_syscall", str),
        ("time page bound in the guest", "page", page),
        ("guest wall clock - the page's (host's)", "realtime_coarse_minus_page_ns", us),
    ]
    w = max(len(r[0]) for r in rows)
    print()
    print(f"{'':{w}}  {'patched kernel':>36}  {'stock ' + kver:>36}")
    for label, key, fmt in rows:
        print(f"{label:{w}}  {fmt(patched.get(key)):>36}  {fmt(stock.get(key)):>36}")
    print()
    period = patched.get("getres_monotonic_coarse_ns")
    ok = (patched.get("no_syscall") == "yes" and
          patched.get("page", "none") != "none" and
          near(patched.get("step_monotonic_coarse_ns"), period) and
          near(patched.get("step_realtime_coarse_ns"), period) and
          patched.get("page", "").startswith(f"period {period} "))
    print("patched kernel: coarse clocks step by the host page's period, "
          "served by the vDSO without a system call" if ok else
          "patched kernel: the coarse clocks are NOT served from the page")

    print(f"\nEvery pair of clocks, {ROUNDS} rounds (tp-consistency), violations:",
          flush=True)
    c_patched = consistency(None)
    c_stock = consistency(vmlinuz)
    w = max(len(k) for k in c_patched)
    print(f"{'':{w}}  {'patched':>10}  {'stock':>10}")
    for pair, (bad, _) in c_patched.items():
        sbad = c_stock.get(pair, ("-", 0))[0]
        print(f"{pair:{w}}  {bad:>10}  {sbad:>10}")
    agree = all(bad == 0 for bad, _ in c_patched.values())
    print("patched kernel: its clocks agree in every pair, as the stock kernel's do"
          if agree else "patched kernel: some pairs of clocks DISAGREE")
    return 0 if ok and agree else 1


if __name__ == "__main__":
    sys.exit(main())
