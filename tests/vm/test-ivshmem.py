#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""tickpaged mode end to end, without the driver: tickpaged publishes a
page into a private shm file, Debian's stock QEMU maps it into the guest
with ivshmem-plain, and tests/vm/ivshmem-page reads it from guest user
space. The host then checks what only it can: the realtime the guest
read is the host's, i.e. it lies between the host's own clock samples
taken before the command was sent and after its answer came back,
less one period plus scheduling slack."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import STOCK_QEMU, VM, Publisher, report, skip_all, summary  # noqa: E402

PERIOD_NS = 1000000
# The publisher and the guest's vCPUs share this host's cores: a tick can
# come late by a scheduler's whim. Generous, it still catches a page
# that is not the host's clock (seconds or more off) or not live.
SLACK_NS = 500000000
SAMPLES = 5


def parse_snapshots(out):
    snaps = []
    for line in out.splitlines():
        if line.startswith("snapshot ") and "realtime_ns=" in line:
            snaps.append(dict(kv.split("=") for kv in line.split()[2:]))
    return snaps


shm = tempfile.mkdtemp(prefix="tpvm-ivshmem-", dir="/dev/shm")
page = os.path.join(shm, "page")
pub = Publisher(page, period_ns=PERIOD_NS)
if not pub.available():
    skip_all(f"{pub.binary} not built (make)")
if not report(pub.start(check=False), f"{pub.name} publishes a valid page in {page}"):
    summary()
try:
    with VM(qemu=STOCK_QEMU,
            args=["-object", "memory-backend-file,id=tp,share=on,readonly=on,"
                  f"mem-path={page},size=4096"],
            devices=["ivshmem-plain,memdev=tp,id=tp0"]) as vm:
        t = vm.run_timed(f"ivshmem-page --samples {SAMPLES} --interval-ms 20 --try-write")
        print(t.out, end="")
        report(t.rc == 0, f"guest-side checks of the page pass (rc {t.rc})")
        snaps = parse_snapshots(t.out)
        report(len(snaps) == SAMPLES, f"{len(snaps)} snapshots, want {SAMPLES}")
        lo = t.real_before_ns - PERIOD_NS - SLACK_NS
        for i, s in enumerate(snaps):
            rt = int(s["realtime_ns"])
            report(lo <= rt <= t.real_after_ns,
                   f"snapshot {i}: realtime is the host's: {(rt - t.real_before_ns) / 1e6:+.3f} ms "
                   f"after the host's sample before the command (window "
                   f"{(lo - t.real_before_ns) / 1e6:+.0f} .. "
                   f"{(t.real_after_ns - t.real_before_ns) / 1e6:+.3f} ms)")
            report(int(s["period_ns"]) == PERIOD_NS,
                   f"snapshot {i}: period_ns {s['period_ns']} is the publisher's {PERIOD_NS}")
        # tickpaged going away must turn into "fall back", seen in the guest.
        report(pub.stop() == 0, "tickpaged stops cleanly on SIGTERM")
        rc, out = vm.run("ivshmem-page --samples 2 --interval-ms 0")
        report(rc != 0 and "error=page not valid" in out,
               f"guest reads 'page not valid' once tickpaged has stopped (rc {rc})")
finally:
    pub.stop()
    shutil.rmtree(shm, ignore_errors=True)
summary()
