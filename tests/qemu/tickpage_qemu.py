# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Run the project's QEMU with -device tickpage and read the page from the host.

No guest OS: the VM sits in SeaBIOS, which assigns the BARs. The page is
read through the monitor (HMP "xp" on the BAR address from query-pci).
HMP runs in QEMU's main loop, the same thread that publishes, so a read
never overlaps a publication; the seq check below guards that anyway.
"""
import os
import struct
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from qmp import QMP, QMPError  # noqa: E402

# TICKPAGE_ACCEL=tcg forces TCG; by default KVM is used when it works.
QEMU = os.environ.get("TICKPAGE_QEMU",
                      os.path.join(TOP, "build/qemu/qemu-system-x86_64"))

# struct tickpage, ABI 1.0 (vdso/include/tickpage-abi.h)
LAYOUT = struct.Struct("<IHHII QQQQ qII Q")
FIELDS = ("magic abi_major abi_minor size seq flags generation update_count "
          "period_ns realtime_sec realtime_nsec reserved0 monotonic_ns").split()
assert LAYOUT.size == 72
MAGIC = 0x47504B54
F_VALID, F_VM_CLOCK = 1, 2
VENDOR, DEVICE = 0x1B36, 0x00F0


class Report:
    """kselftest-style lines; exit 0 pass, 1 fail, 77 skip."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        print(f"{'PASS' if ok else 'FAIL'}: {what}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def done(self):
        print(f"SUMMARY: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed or not self.passed else 0)


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def need_qemu():
    if not os.access(QEMU, os.X_OK):
        skip(f"{QEMU} not built (run 'make qemu')")


class Page(dict):
    @property
    def realtime_ns(self):
        return self["realtime_sec"] * 10**9 + self["realtime_nsec"]

    @property
    def mono(self):
        return self["monotonic_ns"]

    @property
    def gen(self):
        return self["generation"]


class Qemu:
    def __init__(self, device="tickpage", extra=(), incoming=None):
        need_qemu()
        self.dir = tempfile.mkdtemp(prefix="tickpage-qemu-")
        self.sock = os.path.join(self.dir, "qmp.sock")
        self.errpath = os.path.join(self.dir, "stderr")
        accels = os.environ.get("TICKPAGE_ACCEL", "kvm:tcg").split(":")
        args = [QEMU, "-machine", "q35"]
        for a in accels:
            args += ["-accel", a]
        args += ["-display", "none", "-nodefaults", "-m", "128",
                 "-qmp", f"unix:{self.sock},server=on,wait=off"]
        if device:
            args += ["-device", device]
        if incoming:
            args += ["-incoming", incoming]
        args += list(extra)
        self.err = open(self.errpath, "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.err, stderr=self.err)
        self.pid = self.proc.pid
        try:
            self.qmp = QMP(self.sock)
        except QMPError:
            self.close()
            raise QMPError(f"QEMU did not start: {self.stderr()}")
        self.addr = None

    def stderr(self):
        with open(self.errpath) as f:
            return f.read().strip()

    def accel(self):
        return "kvm" if self.qmp.cmd("query-kvm")["enabled"] else "tcg"

    def bar(self, timeout=60.0):
        """Wait until the firmware has assigned BAR 0; return its address."""
        deadline = time.monotonic() + timeout
        while True:
            for bus in self.qmp.cmd("query-pci"):
                for dev in bus["devices"]:
                    if (dev["id"]["vendor"], dev["id"]["device"]) != (VENDOR, DEVICE):
                        continue
                    for r in dev["regions"]:
                        a = r.get("address", -1)
                        if r["bar"] == 0 and 0 < a < 2**63 and r["size"] == 4096:
                            self.addr = a
                            return a
            if time.monotonic() > deadline:
                raise QMPError("firmware never assigned the tickpage BAR")
            time.sleep(0.1)

    def page(self):
        if self.addr is None:
            self.bar()
        for _ in range(100):
            out = self.qmp.hmp(f"xp /9gx {self.addr:#x}")
            words = [int(w, 16) for line in out.splitlines()
                     for w in line.split(":", 1)[1].split()]
            p = Page(zip(FIELDS, LAYOUT.unpack(struct.pack("<9Q", *words))))
            if p["seq"] % 2 == 0:
                return p
        raise QMPError("page seq stayed odd")

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.qmp.cmd("quit")
                except Exception:
                    pass
                self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
