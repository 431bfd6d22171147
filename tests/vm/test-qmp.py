#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The harness's QMP actions keep the guest and its command channel
working: pause/resume, migration (to a file and over a unix socket,
with a background guest job running across it) and device unplug."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import VM, VMError, report, summary  # noqa: E402

# A modern virtio-rng (1af4:1044) is in every QEMU build and no module
# in the initramfs drives it: something to unplug from a PCIe root port.
TESTDEV = "grep -l 0x1044 /sys/bus/pci/devices/*/device | " \
          "xargs -r dirname | xargs -r -I@ grep -l 0x1af4 @/vendor"


def pause_resume():
    with VM(name="pause") as vm:
        report(vm.run("echo before") == (0, "before\n"), "command before pause")
        vm.pause()
        report(vm.status() == "paused", "QMP stop pauses the guest")
        t0 = time.monotonic()
        try:
            vm.run("echo while-paused", timeout=2)
            answered = True
        except VMError:
            answered = False
        report(not answered, f"a paused guest runs nothing ({time.monotonic() - t0:.1f}s)")
        vm.resume()
        report(vm.status() == "running", "QMP cont resumes it")
        # The command sent while paused runs now; its answer is dropped as
        # stale and the next one must still pair up with its own command.
        report(vm.run("echo after") == (0, "after\n"),
               "command channel works after cont, answers still paired")
        for i in range(3):
            vm.pause()
            vm.resume()
        report(vm.run("echo again") == (0, "again\n"), "and after 3 more pause/cont cycles")


def migrate():
    with VM(name="migrate") as vm:
        vm.check("echo kept > /tmp/state")
        h = vm.spawn("sleep 3; echo job-done")
        vm2 = vm.migrate()
        with vm2:
            report(not vm.alive(), "source QEMU gone after migration to a file")
            report(vm2.run("cat /tmp/state") == (0, "kept\n"),
                   "guest state came through the file")
            rc, out = vm2.reap(h, 60)
            report(rc == 0 and out == "job-done\n",
                   f"background job ran on across the migration: rc={rc} {out!r}")
            vm3 = vm2.migrate(via="unix")
            with vm3:
                report(vm3.run("cat /tmp/state") == (0, "kept\n"),
                       "and through a live migration over a unix socket")
                h2 = vm3.spawn("echo second")
                report(vm3.reap(h2, 30) == (0, "second\n"),
                       "background jobs after migration get fresh handles")


def unplug():
    with VM(name="unplug",
            args=["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1"],
            devices=["virtio-rng-pci,disable-legacy=on,id=td0,bus=rp1"]) as vm:
        rc, out = vm.run(TESTDEV)
        report(rc == 0 and out.strip(), f"guest sees the test device: {out.strip()}")
        t0 = time.monotonic()
        ev = vm.device_del("td0")
        report(ev["data"]["device"] == "td0",
               f"DEVICE_DELETED for td0 after {time.monotonic() - t0:.1f}s")
        rc, out = vm.run(TESTDEV)
        report(rc == 0 and not out.strip(), f"guest no longer sees it: {out.strip()!r}")
        report(vm.run("echo alive") == (0, "alive\n"), "guest fine after unplug")


tests = {"pause": pause_resume, "migrate": migrate, "unplug": unplug}
for name in sys.argv[1:] or tests:
    if name not in tests:
        sys.exit(f"test-qmp: unknown test {name!r} (one of {', '.join(tests)})")
    tests[name]()
summary()
