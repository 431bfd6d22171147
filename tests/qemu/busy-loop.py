#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""A busy main loop does not hold up the page (docs/qemu-device.md).

QMP's pmemsave into a FIFO that nobody reads blocks QEMU's main loop in
open(), with the BQL held, for BLOCK seconds: no main-loop timer fires
and no monitor command is answered meanwhile. The device publishes from
a thread of its own, so its publications, traced to a log file
(tickpage_publish, written by the publishing thread), must go on at the
period's rate all the same. $TICKPAGE_QEMU runs another build (the
device before it had a thread publishes nothing in the window).
"""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import VM, project_qemu, report, summary  # noqa: E402

PERIOD = 10**6
BLOCK = 1.0


def publications(log):
    with open(log, errors="replace") as f:
        return sum("tickpage_publish" in line for line in f)


with tempfile.TemporaryDirectory(prefix="tickpage-busy-") as tmp:
    log, fifo = os.path.join(tmp, "trace.log"), os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    qemu = os.environ.get("TICKPAGE_QEMU") or project_qemu()
    with VM(kernel=False, qemu=qemu, mem=128, name="qemu-busy-loop",
            args=["-D", log, "-trace", "tickpage_publish"],
            devices=[f"tickpage,period-ns={PERIOD}"]) as q:
        print(f"# accel {q.accel}, BAR 0 at {q.tickpage_bar():#x}")
        p0 = q.device_page()
        report(publications(log) > 0, "the trace log shows publications")

        answer = []
        blocker = threading.Thread(target=lambda: answer.append(
            q.qmp.cmd("pmemsave", val=0, size=4096, filename=fifo)))
        blocker.start()
        time.sleep(0.2)
        n0, t0 = publications(log), time.monotonic()
        time.sleep(BLOCK)
        n1, t1 = publications(log), time.monotonic()
        blocked = blocker.is_alive() and not answer
        with open(fifo, "rb") as f:
            f.read()
        blocker.join(30)
        report(blocked, "main loop blocked: pmemsave into the unread FIFO "
               f"had not returned after {t1 - t0 + 0.2:.1f} s")
        rate = (n1 - n0) / (t1 - t0)
        report(rate >= 0.5 * 1e9 / PERIOD,
               f"publications went on meanwhile: {rate:.0f}/s "
               f"(period {PERIOD / 1e6:g} ms)")
        report(not blocker.is_alive() and answer == [{}],
               "the main loop goes on once the FIFO is read")
        p1 = q.device_page()
        report(p1.gen == p0.gen and p1["update_count"] > p0["update_count"] + n1 - n0 - 1,
               f"page updates {p0['update_count']} -> {p1['update_count']}, generation kept")
summary()
