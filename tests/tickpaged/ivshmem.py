#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""tickpaged's file works with Debian's stock QEMU exactly as documented
(docs/tickpaged.md): QEMU starts with the ivshmem-plain command line, and
the page is in the device's BAR 2 as a guest sees it. No guest is booted:
QEMU is started stopped (-S) and its qtest protocol plays the guest,
programming BAR 2 through PCI config space and reading and writing
guest-physical memory.

Also checks why the docs insist on readonly=on: with it a guest's write
to the BAR is dropped; without it the write lands in the host's page,
which every VM and the daemon share."""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import STOCK_QEMU, VM, Publisher, page, report, skip_all, summary  # noqa: E402

BAR = 0xE0000000
DEVFN = 1 << 3  # 00:01.0


def intact(path):
    """The host's page still has its identity and is valid (seq aside:
    the daemon may be mid-write)."""
    p = page.read_file(path)
    return p is not None and p["magic"] == page.MAGIC and p["flags"] & page.F_VALID


def ivshmem_vm(path, readonly):
    """Stock QEMU with the documented command line, as qtest 'guest'."""
    backend = "memory-backend-file,id=tp,share=on"
    if readonly:
        backend += ",readonly=on"
    vm = VM(qtest=True, qemu=STOCK_QEMU, accel="tcg", mem=128, name="ivshmem",
            args=["-object", f"{backend},mem-path={path},size=4096"],
            devices=["ivshmem-plain,memdev=tp,addr=01.0"]).start()
    # -S: no firmware runs to move the BAR set below. QEMU talks qtest
    # before machine init and its reset are over (which would undo it);
    # QMP answering from the main loop means they are.
    vm.status()
    # Play firmware: BAR 2 (64-bit) at BAR, then memory decoding on.
    vm.qtest.pci_cfg_write(DEVFN, 0x18, BAR)
    vm.qtest.pci_cfg_write(DEVFN, 0x1C, 0)
    vm.qtest.pci_cfg_write(DEVFN, 0x04, 0x2, "w")
    return vm


def main(path):
    if not report(pub.start(check=False), f"tickpaged publishes {path}"):
        return
    report(os.path.getsize(path) == 4096, "the file is 4096 bytes, the size= QEMU is given")

    # The documented command line: readonly=on.
    with ivshmem_vm(path, readonly=True) as vm:
        qt = vm.qtest
        ids = qt.pci_cfg_read(DEVFN, 0)
        report(ids == 0x11101AF4, f"QEMU starts with the documented command line; "
               f"ivshmem 1af4:1110 at 00:01.0 (id {ids:#010x})")
        magic = qt.readl(BAR)
        report(magic == page.MAGIC, f"guest-physical BAR 2 holds the page (magic {magic:#x})")
        u0 = u1 = qt.readq(BAR + page.OFFSET["update_count"])
        deadline = time.monotonic() + 3  # the daemon may be starved
        while u1 <= u0 and time.monotonic() < deadline:
            time.sleep(0.05)
            u1 = qt.readq(BAR + page.OFFSET["update_count"])
        report(u1 > u0, f"the guest sees it live: update_count {u0} -> {u1}")
        qt.writel(BAR, 0xDEADBEEF)
        back = qt.readl(BAR)
        report(back == page.MAGIC and intact(path), "readonly=on: a guest write to the page "
               f"is dropped (reads back {back:#x}, host page intact)")
        rc = vm.shutdown()
        report(rc == 0, f"QMP quit: QEMU exits 0 ({rc})")

    # Without readonly=on the guest reaches the host's page. Use a copy
    # so that the daemon's page is not disturbed.
    copy = f"{path}.copy"
    shutil.copyfile(path, copy)
    try:
        with ivshmem_vm(copy, readonly=False) as vm:
            vm.qtest.writel(BAR, 0xDEADBEEF)
        got = page.read_file(copy)["magic"]
        report(got == 0xDEADBEEF, "without readonly=on a guest write lands in the host "
               f"file ({got:#x}): why the docs insist on readonly=on")
    finally:
        os.unlink(copy)


if not os.access(STOCK_QEMU, os.X_OK):
    skip_all(f"{STOCK_QEMU} not installed")
pub = Publisher(f"/dev/shm/tickpaged-test-ivshmem-{os.getpid()}", extra=["-q"],
                binary=os.environ.get("TICKPAGED"))
try:
    main(pub.path)
finally:
    pub.close()
summary()
