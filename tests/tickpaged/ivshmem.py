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
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from qmp import QMP  # noqa: E402
from report import report, summary  # noqa: E402

TICKPAGED = os.environ.get("TICKPAGED", "build/hv/tickpaged")
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
MAGIC = 0x47504B54
BAR = 0xE0000000
DEVFN = 1 << 3  # 00:01.0
def file_page(path):
    with open(path, "rb") as f:
        return f.read(72)


def page_valid(path):
    try:
        head = file_page(path)
    except OSError:
        return False
    return (len(head) >= 24 and struct.unpack_from("<I", head)[0] == MAGIC
            and struct.unpack_from("<Q", head, 16)[0] & 1)


class QTest:
    """A minimal qtest client: QEMU connects to our listening socket."""

    def __init__(self, srv):
        srv.settimeout(20)
        self.conn, _ = srv.accept()
        self.conn.settimeout(20)
        self.f = self.conn.makefile("rw")

    def cmd(self, line):
        self.f.write(line + "\n")
        self.f.flush()
        while True:
            r = self.f.readline()
            if not r:
                raise RuntimeError("qtest connection closed")
            r = r.split()
            if r and r[0] in ("OK", "FAIL", "ERR"):
                if r[0] != "OK":
                    raise RuntimeError(f"qtest {line}: {' '.join(r)}")
                return int(r[1], 16) if len(r) > 1 else None

    def cfg_write(self, reg, val, size="l"):
        self.cmd(f"outl 0xcf8 {0x80000000 | DEVFN << 8 | reg:#x}")
        self.cmd(f"out{size} 0xcfc {val:#x}")

    def cfg_read(self, reg):
        self.cmd(f"outl 0xcf8 {0x80000000 | DEVFN << 8 | reg:#x}")
        return self.cmd("inl 0xcfc")


def qemu_cmdline(path, readonly, qmp_sock):
    backend = "memory-backend-file,id=tp,share=on"
    if readonly:
        backend += ",readonly=on"
    backend += f",mem-path={path},size=4096"
    return [QEMU, "-machine", "q35", "-accel", "tcg", "-display", "none",
            "-nodefaults", "-S",
            "-object", backend, "-device", "ivshmem-plain,memdev=tp,addr=01.0",
            "-qmp", f"unix:{qmp_sock},server=on,wait=off"]


def run_qemu(tmp, path, readonly):
    """Start QEMU as qtest 'guest'; return (proc, qtest, qmp)."""
    qt_sock = os.path.join(tmp, "qtest.sock")
    qmp_sock = os.path.join(tmp, "qmp.sock")
    for s in (qt_sock, qmp_sock):
        if os.path.exists(s):
            os.unlink(s)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(qt_sock)
    srv.listen(1)
    cmd = qemu_cmdline(path, readonly, qmp_sock) + [
        "-qtest", f"unix:{qt_sock}", "-qtest-log", "/dev/null"]
    proc = subprocess.Popen(cmd)
    try:
        qt = QTest(srv)
        qmp = QMP(qmp_sock, timeout=20)
    except Exception:
        proc.kill()
        proc.wait()
        raise
    finally:
        srv.close()
    # -S: no firmware runs to move the BAR set below. QEMU talks qtest
    # before machine init and its reset are over (which would undo it);
    # QMP answering from the main loop means they are.
    qmp.cmd("query-status")
    # Play firmware: BAR 2 (64-bit) at BAR, then memory decoding on.
    qt.cfg_write(0x18, BAR)
    qt.cfg_write(0x1C, 0)
    qt.cfg_write(0x04, 0x2, "w")
    return proc, qt, qmp


def stop_qemu(proc, qmp):
    try:
        qmp.cmd("quit")
    except Exception:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode


def main():
    if shutil.which(QEMU) is None:
        print(f"SKIP: {QEMU} not installed")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="tickpaged-ivshmem.")
    path = f"/dev/shm/tickpaged-test-ivshmem-{os.getpid()}"
    daemon = subprocess.Popen([TICKPAGED, "-q", path])
    try:
        deadline = time.monotonic() + 5
        while not page_valid(path) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not report(page_valid(path), f"tickpaged publishes {path}"):
            return
        report(os.path.getsize(path) == 4096,
               "the file is 4096 bytes, the size= QEMU is given")

        # The documented command line: readonly=on.
        proc, qt, qmp = run_qemu(tmp, path, readonly=True)
        ids = qt.cfg_read(0)
        report(ids == 0x11101AF4,
               f"QEMU starts with the documented command line; "
               f"ivshmem 1af4:1110 at 00:01.0 (id {ids:#010x})")
        magic = qt.cmd(f"readl {BAR:#x}")
        report(magic == MAGIC, f"guest-physical BAR 2 holds the page "
               f"(magic {magic:#x})")
        u0 = u1 = qt.cmd(f"readq {BAR + 32:#x}")
        deadline = time.monotonic() + 3  # the daemon may be starved
        while u1 <= u0 and time.monotonic() < deadline:
            time.sleep(0.05)
            u1 = qt.cmd(f"readq {BAR + 32:#x}")
        report(u1 > u0, f"the guest sees it live: update_count {u0} -> {u1}")
        qt.cmd(f"writel {BAR:#x} 0xdeadbeef")
        back = qt.cmd(f"readl {BAR:#x}")
        report(back == MAGIC and page_valid(path),
               "readonly=on: a guest write to the page is dropped "
               f"(reads back {back:#x}, host page intact)")
        rc = stop_qemu(proc, qmp)
        report(rc == 0, f"QMP quit: QEMU exits 0 ({rc})")

        # Without readonly=on the guest reaches the host's page. Use a
        # copy so that the daemon's page is not disturbed.
        copy = f"{path}.copy"
        shutil.copyfile(path, copy)
        try:
            proc, qt, qmp = run_qemu(tmp, copy, readonly=False)
            qt.cmd(f"writel {BAR:#x} 0xdeadbeef")
            stop_qemu(proc, qmp)
            got = struct.unpack_from("<I", file_page(copy))[0]
            report(got == 0xDEADBEEF,
                   "without readonly=on a guest write lands in the host "
                   f"file ({got:#x}): why the docs insist on readonly=on")
        finally:
            os.unlink(copy)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        if os.path.exists(path):
            os.unlink(path)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
    summary()
