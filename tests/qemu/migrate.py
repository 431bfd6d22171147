#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Migration to a file and back: the destination's page has a new
generation and monotonic time that did not go back."""
import os
import time

from tickpage_qemu import F_VALID, Qemu, QMPError, Report

r = Report()
src = Qemu("tickpage")
dst = None
try:
    print(f"# accel {src.accel()}, BAR 0 at {src.bar():#x}")
    time.sleep(0.5)
    before = src.page()
    image = os.path.join(src.dir, "vm.state")
    src.qmp.cmd("migrate", uri=f"exec:cat > {image}")
    status = None
    for _ in range(600):
        status = src.qmp.cmd("query-migrate").get("status")
        if status in ("completed", "failed"):
            break
        time.sleep(0.1)
    r.check(status == "completed", f"migration to a file: {status}")
    saved = src.page()
    r.check(saved.mono >= before.mono, "source page at the end of migration")

    dst = Qemu("tickpage", incoming=f"exec:cat {image}")
    state = None
    for _ in range(600):
        state = dst.qmp.cmd("query-status")["status"]
        if state == "running":
            break
        time.sleep(0.1)
    r.check(state == "running", f"destination runs after -incoming ({state})")
    r.check(dst.bar() == src.addr, f"BAR 0 kept its address {dst.addr:#x}")
    p = dst.page()
    r.check(p["flags"] & F_VALID, "destination page is valid")
    r.check(p.gen > saved.gen, f"generation bumped: {saved.gen} -> {p.gen}")
    r.check(p.mono >= saved.mono,
            f"monotonic did not go back: {saved.mono} -> {p.mono} ns")
    time.sleep(0.3)
    p2 = dst.page()
    r.check(p2["update_count"] > p["update_count"] and p2.mono > p.mono and p2.gen == p.gen,
            "destination keeps publishing, generation then stays")
except QMPError as e:
    r.check(False, f"QMP: {e}")
finally:
    src.close()
    if dst:
        dst.close()
r.done()
