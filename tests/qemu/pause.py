#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""stop/cont: the page's monotonic time leaves out the pause, the page is
fresh at once on resume, and the generation changes (docs/qemu-device.md).

A 1 s period makes "at once" visible: a periodic tick would be up to a
second late, the resume publication is not.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import device_vm, report, summary  # noqa: E402
from tickpage.page import F_VALID, F_VM_CLOCK, MAGIC  # noqa: E402

PERIOD = 10**9
PAUSE = 1.5

with device_vm(f"tickpage,period-ns={PERIOD}", name="qemu-pause") as q:
    print(f"# accel {q.accel}, BAR 0 at {q.tickpage_bar():#x}")
    p0 = q.device_page()
    report(p0["magic"] == MAGIC and p0["abi_major"] == 1,
           f"page identity (magic {p0['magic']:#x}, ABI {p0['abi_major']}.{p0['abi_minor']})")
    report(p0["flags"] == F_VALID | F_VM_CLOCK, f"flags VALID|VM_CLOCK ({p0['flags']:#x})")
    report(p0["period_ns"] == PERIOD, f"period_ns {p0['period_ns']} is the property")
    wall = time.time_ns()
    report(abs(p0.realtime_ns - wall) < 2 * PERIOD + 10**8,
           f"realtime is the host's wall clock (off by {(p0.realtime_ns - wall) / 1e6:.1f} ms)")
    qtree = q.qmp.hmp("info qtree")
    report(f"period-ns = {PERIOD}" in qtree, "info qtree shows period-ns")

    time.sleep(1.2 * PERIOD / 1e9)
    p1 = q.device_page()
    report(p1["update_count"] > p0["update_count"] and p1.mono > p0.mono,
           f"running: updates {p0['update_count']}->{p1['update_count']}")

    q.qmp.cmd("stop")
    ps = q.device_page()
    time.sleep(PAUSE)
    ps2 = q.device_page()
    report(ps2 == ps, "stopped: nothing is published")

    t_cont = time.time_ns()
    q.qmp.cmd("cont")
    p2 = q.device_page()
    t_read = time.time_ns()
    report(p2.realtime_ns >= t_cont - 10**6 and p2.realtime_ns <= t_read,
           "resume: realtime is fresh at once "
           f"({(t_read - p2.realtime_ns) / 1e6:.1f} ms old)")
    mono_step = p2.mono - ps.mono
    wall_step = p2.realtime_ns - ps.realtime_ns
    # ps is the last tick before the stop (up to a period old): compare
    # how far realtime moved against monotonic, which must cover the pause.
    report(mono_step >= 0 and wall_step - mono_step >= (PAUSE - 0.1) * 1e9,
           f"monotonic left out the {PAUSE} s pause: +{mono_step / 1e6:.0f} ms "
           f"while realtime moved +{wall_step / 1e6:.0f} ms")
    report(p2.gen == ps.gen + 1,
           f"resume after a pause > period: generation {ps.gen} -> {p2.gen}")

    q.qmp.cmd("stop")
    q.qmp.cmd("cont")
    p3 = q.device_page()
    report(p3.gen == p2.gen, f"brief stop/cont (< period): generation stays {p3.gen}")
    # docs/abi.md: within a generation realtime - monotonic never changes,
    # so the brief pause leaves the page's realtime that far behind.
    report(p3.realtime_ns - p3.mono == p2.realtime_ns - p2.mono,
           "... and realtime - monotonic on the page stays as it was "
           f"({p3.realtime_ns - p3.mono - (p2.realtime_ns - p2.mono)} ns)")

    q.qmp.cmd("system_reset")
    # The reset unmaps the BAR until SeaBIOS has assigned it again.
    p4 = None
    for _ in range(100):
        time.sleep(0.1)
        q.tickpage_bar()
        p4 = q.device_page()
        if p4["magic"] == MAGIC:
            break
    report(p4.gen == p3.gen and p4["flags"] & F_VALID and p4.mono >= p3.mono,
           f"system_reset: page valid, generation stays {p4.gen}, monotonic kept")
summary()
