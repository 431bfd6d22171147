#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""A host wall-clock step bumps the generation and shows on the page at
once, while monotonic time goes on. The machine's clock is never
touched: QEMU runs under libfaketime, whose offset file is rewritten to
step QEMU's view of CLOCK_REALTIME (CLOCK_MONOTONIC is left real)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import device_vm, report, skip_all, summary  # noqa: E402

LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
if not os.path.exists(LIB):
    skip_all(f"{LIB} missing (libfaketime; run scripts/setup)")

rc = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tickpage-faketime-{os.getpid()}")


def set_offset(text):
    with open(rc + ".new", "w") as f:
        f.write(text + "\n")
    os.replace(rc + ".new", rc)


def settled(q, gen, timeout=10.0):
    """Wait for a publication with a generation other than gen."""
    deadline = time.monotonic() + timeout
    while True:
        p = q.device_page()
        if p.gen != gen or time.monotonic() > deadline:
            return p
        time.sleep(0.05)


set_offset("+0")
env = dict(LD_PRELOAD=LIB, FAKETIME_TIMESTAMP_FILE=rc, FAKETIME_NO_CACHE="1",
           FAKETIME_DONT_FAKE_MONOTONIC="1")
try:
    with device_vm(name="qemu-wallclock-step", env=env) as q:
        print(f"# accel {q.accel}, BAR 0 at {q.tickpage_bar():#x}")
        time.sleep(0.5)
        p0 = q.device_page()
        time.sleep(0.3)
        p1 = q.device_page()
        report(p1.gen == p0.gen and p1["update_count"] > p0["update_count"],
               f"no step, no new generation ({p1.gen})")

        set_offset("+30")
        p2 = settled(q, p1.gen)
        ahead = (p2.realtime_ns - time.time_ns()) / 1e9
        report(p2.gen == p1.gen + 1, f"wall clock stepped +30 s: generation {p1.gen} -> {p2.gen}")
        report(29 < ahead < 31, f"page realtime is {ahead:+.3f} s from the real clock")
        report(p2.mono > p1.mono and p2.mono - p1.mono < 5e9,
               f"monotonic went on: +{(p2.mono - p1.mono) / 1e6:.0f} ms")

        set_offset("+0")
        p3 = settled(q, p2.gen)
        back = (p3.realtime_ns - time.time_ns()) / 1e9
        report(p3.gen == p2.gen + 1, f"wall clock stepped back 30 s: generation {p2.gen} -> {p3.gen}")
        report(abs(back) < 1, f"page realtime is {back:+.3f} s from the real clock")
        report(p3.mono > p2.mono, "monotonic did not go back with the wall clock")
finally:
    for f in (rc, rc + ".new"):
        if os.path.exists(f):
            os.unlink(f)
summary()
