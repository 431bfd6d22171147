# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""A client of QEMU's qtest protocol (docs/devel/qtest.rst): with it a
test plays the guest, doing port I/O and guest-physical memory accesses
on a QEMU that runs no guest code. VM(qtest=True) gives one as vm.qtest.

QEMU connects to a socket we listen on ("-qtest unix:PATH"), so the
listener is made before QEMU starts (listen()) and accepted after."""
import socket

PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA = 0xCF8, 0xCFC


class QTestError(Exception):
    pass


def listen(path):
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    return srv


class QTest:
    def __init__(self, srv, timeout=20):
        srv.settimeout(timeout)
        try:
            self.conn, _ = srv.accept()
        finally:
            srv.close()
        self.conn.settimeout(timeout)
        self.f = self.conn.makefile("rw")

    def cmd(self, line):
        """Send one command; its value (int) or None. Raises on FAIL/ERR."""
        self.f.write(line + "\n")
        self.f.flush()
        while True:
            r = self.f.readline()
            if not r:
                raise QTestError("qtest connection closed")
            r = r.split()
            if r and r[0] in ("OK", "FAIL", "ERR"):
                if r[0] != "OK":
                    raise QTestError(f"qtest {line}: {' '.join(r)}")
                return int(r[1], 16) if len(r) > 1 else None

    def readl(self, addr):
        return self.cmd(f"readl {addr:#x}")

    def readq(self, addr):
        return self.cmd(f"readq {addr:#x}")

    def writel(self, addr, val):
        self.cmd(f"writel {addr:#x} {val:#x}")

    def pci_cfg_write(self, devfn, reg, val, size="l"):
        """Configuration mechanism #1 on bus 0; SIZE b, w or l."""
        self.cmd(f"outl {PCI_CONFIG_ADDRESS:#x} {0x80000000 | devfn << 8 | reg:#x}")
        self.cmd(f"out{size} {PCI_CONFIG_DATA:#x} {val:#x}")

    def pci_cfg_read(self, devfn, reg):
        self.cmd(f"outl {PCI_CONFIG_ADDRESS:#x} {0x80000000 | devfn << 8 | reg:#x}")
        return self.cmd(f"inl {PCI_CONFIG_DATA:#x}")

    def close(self):
        for c in (self.f, self.conn):
            try:
                c.close()
            except OSError:
                pass
