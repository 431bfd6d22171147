# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""A guest that the libvirt daemon runs, driven like a VM: the same
command channel (tests/vm/init's loop, or the image's tpvm-agent on
ttyS1), so vm.run(), vm.check(), vm.run_timed() and vm.transcript work
unchanged. libvirt owns the QEMU: no QMP here, no -S; the domain is
started paused (virsh start --paused), the channel connected, then
resumed, so that no guest output is lost, as VM.start() does.

    vm = LibvirtVM("tp-img", "/var/lib/libvirt/images/tp-img/domain.xml",
                   "/var/lib/libvirt/images/tp-img")
    with vm:
        vm.check("uname -r")

The domain XML must have its console (ttyS0) in DIR/serial.log and a
second serial port, <serial type='unix'> bound on DIR/cmd.sock, and the
guest kernel command line tpvm.cmd=ttyS1. On exit the guest powers off
(poweroff -f on the channel, then virsh destroy) and the domain is
undefined. The daemons themselves are the caller's (tests/libvirt/).
"""
import os
import socket
import subprocess
import time

from .machine import VM, VMError

URI = "qemu:///system"


def virsh(*args, check=True):
    """virsh -c qemu:///system ARGS; the CompletedProcess."""
    r = subprocess.run(["virsh", "-q", "-c", URI, *args], capture_output=True, text=True)
    if check and r.returncode:
        raise VMError(f"virsh {' '.join(args)}: {r.stderr.strip()}")
    return r


def unix_serial(path, port):
    """A domain's <serial> bound on the unix socket PATH (QEMU listens)."""
    return (f"<serial type='unix'><source mode='bind' path='{path}'/>"
            f"<target port='{port}'/></serial>")


class LibvirtVM(VM):
    """The domain NAME defined from XML, its files in DIR (see above)."""

    def __init__(self, name, xml, wd, boot_timeout=900, accel="tcg", verbose=True):
        super().__init__(kernel=False, name=name, accel=accel, verbose=verbose)
        os.rmdir(self.dir)      # VM's own temporary directory: unused
        self.channel = True
        self.xml, self.dir = xml, wd
        self.boot_timeout = boot_timeout
        self.serial_path = os.path.join(wd, "serial.log")
        self.stderr_path = f"/var/log/libvirt/qemu/{name}.log"
        self.defined = False

    def start(self):
        t0 = time.monotonic()
        virsh("define", self.xml)
        self.defined = True
        t1 = time.monotonic()
        virsh("start", "--paused", self.name)
        self._log(f"virsh define: {t1 - t0:.1f}s, virsh start --paused: "
                  f"{time.monotonic() - t1:.1f}s")
        try:
            self._attach(t0)
        except BaseException:
            self.dump()
            self.shutdown()
            raise
        return self

    def _attach(self, t0):
        """Connect the command channel, resume the vCPUs, wait for the
        guest's agent (its READY line)."""
        path = os.path.join(self.dir, "cmd.sock")
        deadline = time.monotonic() + 30
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                raise VMError(f"libvirt's QEMU made no {path}")
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        virsh("resume", self.name)
        self._read_until(b"@@TPVM-READY@@\n", self.boot_timeout, "boot")
        self.boot_seconds = time.monotonic() - t0
        self._log(f"command channel up {self.boot_seconds:.1f}s after virsh define")

    def state(self):
        return virsh("domstate", self.name, check=False).stdout.strip()

    def alive(self):
        return self.defined and self.state() in ("running", "paused", "in shutdown")

    def status(self):
        return self.state()

    def shutdown(self, timeout=30):
        """Power the guest off, destroy what is left, undefine; the state."""
        if not self.defined:
            return None
        if self.sock is not None and self.state() == "running":
            try:
                self._send("poweroff -f")
            except OSError:
                pass
            deadline = time.monotonic() + timeout
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.2)
        if self.alive():
            self._log("guest did not power off: virsh destroy")
            virsh("destroy", self.name, check=False)
        state = self.state()
        virsh("undefine", self.name, check=False)
        self.defined = False
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        return state

    def kill(self, grace=0):
        virsh("destroy", self.name, check=False)
