#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Migration to a file and back: the destination's page has a new
generation and monotonic time that did not go back."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import QMPError, VMError, device_vm, report, summary  # noqa: E402
from tickpage.page import F_VALID  # noqa: E402

with device_vm(name="qemu-migrate") as src:
    try:
        print(f"# accel {src.accel}, BAR 0 at {src.tickpage_bar():#x}")
        time.sleep(0.5)
        before = src.device_page()
        image = os.path.join(src.dir, "vm.state")
        try:
            status = src.save(image, timeout=60)
        except VMError as e:
            status = str(e)
        report(status == "completed", f"migration to a file: {status}")
        saved = src.device_page()
        report(saved.mono >= before.mono, "source page at the end of migration")

        with src.clone(incoming=f"exec:cat {image}") as dst:
            state = dst.status()
            report(state == "running", f"destination runs after -incoming ({state})")
            report(dst.tickpage_bar() == src.bar_addr, f"BAR 0 kept its address {dst.bar_addr:#x}")
            p = dst.device_page()
            report(p["flags"] & F_VALID, "destination page is valid")
            report(p.gen > saved.gen, f"generation bumped: {saved.gen} -> {p.gen}")
            report(p.mono >= saved.mono,
                   f"monotonic did not go back: {saved.mono} -> {p.mono} ns")
            time.sleep(0.3)
            p2 = dst.device_page()
            report(p2["update_count"] > p["update_count"] and p2.mono > p.mono
                   and p2.gen == p.gen, "destination keeps publishing, generation then stays")
    except (QMPError, VMError) as e:
        report(False, f"QMP: {e}")
summary()
