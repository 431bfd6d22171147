# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""A test's host side in one of the host modes, and VMs to match:

  ivshmem  a Publisher's page file, mapped by stock QEMU's ivshmem-plain
  device   the project's QEMU with -device tickpage
  shared   the project's QEMU with -device tickpage,memdev=ID on the
           Publisher's page file, read-only

    host = PageHost("ivshmem", work, initrd, "tickpage-e2e")
    host.pub.start()
    with host.vm(name="basic") as vm: ...
    host.close()
"""
import os
import re
import shutil
import subprocess

from .machine import PROJECT_QEMU, VM
from .publisher import Publisher

MODES = ("ivshmem", "device", "shared")


def ivshmem_args(path, dev_id, bus=None, mem_id=None, master=False):
    """QEMU arguments for an ivshmem-plain DEV_ID on the page file PATH."""
    mem_id = mem_id or f"mem-{dev_id}"
    dev = f"ivshmem-plain,memdev={mem_id},id={dev_id}"
    # Only a "master" ivshmem may migrate (peer mode blocks migration).
    if master:
        dev += ",master=on"
    if bus:
        dev += f",bus={bus}"
    # readonly=on: the guest cannot write the shared page even from its
    # kernel. Not for a migration destination, which writes the saved
    # RAM of the device.
    ro = "" if master else ",readonly=on"
    return ["-object", f"memory-backend-file,id={mem_id},share=on{ro},mem-path={path},size=4096",
            "-device", dev]


def host_libs(*exes):
    """mkinitramfs --file entries ("host:guest") for the shared libraries
    that EXES load, as ldd lists them: the busybox guest has none."""
    files, seen = [], set()
    for exe in exes:
        out = subprocess.run(["ldd", exe], check=True, capture_output=True, text=True).stdout
        for m in re.finditer(r"(/\S+) \(0x", out):
            lib = m.group(1)
            if lib not in seen:
                seen.add(lib)
                files.append(f"{os.path.realpath(lib)}:{lib}")
    return files


class PageHost:
    """MODE's host side for one test: a Publisher (not started) on
    /dev/shm/NAME-PID in ivshmem and shared modes, the QEMU and its
    arguments, the page device as tp0. hotplug: on a PCIe root port rp1.
    master: an ivshmem that may migrate (and is not read-only). PUB_KW
    goes to the Publisher (binary, extra, period_ns)."""

    def __init__(self, mode, work, initrd, name="tickpage", hotplug=False, master=False,
                 **pub_kw):
        self.mode, self.work, self.initrd = mode, work, initrd
        self.shm = f"/dev/shm/{name}-{os.getpid()}"
        self.pub = Publisher(self.shm, **pub_kw) if mode in ("ivshmem", "shared") else None
        self.args, self.devices, self.qemu = [], [], None
        bus = ""
        if hotplug:
            self.args += ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1"]
            bus = ",bus=rp1"
        if mode == "ivshmem":
            self.args += ivshmem_args(self.shm, "tp0", bus[5:] or None, master=master)
        elif mode == "shared":
            # The project's device mapping the publisher's page read-only.
            self.qemu = PROJECT_QEMU
            self.args += ["-object", "memory-backend-file,id=mem-tp0,share=on,readonly=on,"
                          f"mem-path={self.shm},size=4096"]
            self.devices.append(f"tickpage,id=tp0,memdev=mem-tp0{bus}")
        else:
            self.qemu = PROJECT_QEMU
            self.devices.append(f"tickpage,id=tp0{bus}")

    def vm(self, **kw):
        """A VM (not started) with this host's page and tickpage.ko loaded."""
        kw.setdefault("initrd", self.initrd)
        kw.setdefault("args", self.args)
        kw.setdefault("devices", self.devices)
        kw.setdefault("qemu", self.qemu)
        kw.setdefault("append", "tpvm.load=tickpage")
        return VM(**kw)

    def close(self):
        if self.pub:
            self.pub.close()
        shutil.rmtree(self.work, ignore_errors=True)
