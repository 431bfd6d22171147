#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The package's decoder and publisher against each other and the host's
clocks: each publisher's page decodes to the ABI's identity, the period
and generation it was given, and the host's time; the test publisher's
broken pages decode as broken. The layout itself comes from the header
(build/tests/lib/abi-layout.txt), checked here against docs/abi.md's
1.0 table, which no build step produces."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import Publisher, host_clocks, page, report, skip_all, summary, write_bad  # noqa: E402

# docs/abi.md, version 1.0: field, offset.
ABI_1_0 = [("magic", 0), ("abi_major", 4), ("abi_minor", 6), ("size", 8), ("seq", 12),
           ("flags", 16), ("generation", 24), ("update_count", 32), ("period_ns", 40),
           ("realtime_sec", 48), ("realtime_nsec", 56), ("reserved0", 60),
           ("monotonic_ns", 64)]
PERIOD_NS = 2000000

report(list(page.OFFSET.items()) == ABI_1_0 and page.SIZE == 72,
       f"decoder layout from the header is docs/abi.md's 1.0 table ({page.SIZE} bytes)")
with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
    for program in ("tickpaged", "tp-publish"):
        pub = Publisher(os.path.join(tmp, program), program, period_ns=PERIOD_NS)
        if not pub.available():
            skip_all(f"{pub.binary} not built (make)")
        with pub:
            real, mono = host_clocks()
            p = pub.page()
            report(page.usable(p) and (p["magic"], p["abi_major"], p["abi_minor"], p["size"])
                   == (page.MAGIC, page.ABI_MAJOR, page.ABI_MINOR, page.SIZE),
                   f"{program}: identity {p['magic']:#x} {p['abi_major']}.{p['abi_minor']} "
                   f"size {p['size']}, VALID, seq even")
            report(p["period_ns"] == PERIOD_NS, f"{program}: period_ns {p['period_ns']}")
            report(abs(p.realtime_ns - real) < 10**9 and abs(p.mono - mono) < 10**9,
                   f"{program}: realtime {(p.realtime_ns - real) / 1e6:+.1f} ms, monotonic "
                   f"{(p.mono - mono) / 1e6:+.1f} ms from the host's clocks")
            time.sleep(0.1)
            q = pub.page()
            report(q["update_count"] > p["update_count"] and q.mono > p.mono and q.gen == p.gen,
                   f"{program}: live, {q['update_count'] - p['update_count']} updates in 0.1 s")
            if program == "tp-publish":
                pub.stop()
                pub.start()
                report(pub.page().gen == 2, "tp-publish: a second start is generation 2")
        report(not page.usable(pub.page()), f"{program}: stopped cleanly, page not usable")
    for kind in ("magic", "major", "size"):
        path = os.path.join(tmp, f"bad-{kind}")
        write_bad(path, kind)
        p = page.read_file(path)
        bad = {"magic": p["magic"] != page.MAGIC, "major": p["abi_major"] != page.ABI_MAJOR,
               "size": p["size"] < page.SIZE}[kind]
        report(bad and not page.usable(p),
               f"--bad-{kind}: the page decodes with its {kind} broken")
summary()
