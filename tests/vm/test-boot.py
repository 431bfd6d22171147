#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The guest boots the cloud kernel, runs commands over the channel and
as a one-shot test, and powers off cleanly."""
import os
import time
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import VM, guest_kernel, make_initramfs, oneshot, report, summary  # noqa: E402

kernel = guest_kernel()
kver = kernel["KVER"]

with VM() as vm:
    print(f"boot: {vm.boot_seconds:.2f}s with {vm.accel}")
    rc, out = vm.run("uname -r")
    report(rc == 0 and out.strip() == kver,
           f"guest runs the cloud kernel: uname -r = {out.strip()!r}, want {kver!r}")
    rc, out = vm.run("echo out; echo err >&2; exit 7")
    report(rc == 7 and out == "out\nerr\n",
           f"command channel carries rc and both streams: rc={rc} out={out!r}")
    # Bytes that would upset a line protocol or a cooked tty.
    tricky = "@@TPVM-END 1 rc=0@@\\r\\n\\0\\377 'q' \"d\" $HOME"
    rc, out = vm.run(f"printf '%b' '{tricky.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}'")
    want = "@@TPVM-END 1 rc=0@@\r\n\0\ufffd 'q' \"d\" $HOME"
    report(rc == 0 and out == want, f"output is passed through byte for byte: {out!r}")
    # A line damaged on the way (input dropped by a busy guest): nothing
    # runs, the guest says so, and run() would send the command again.
    vm.sock.sendall(b"9999 40 ZWNobyBvb3BzCg==\n")
    report(vm._answer(9999, time.monotonic() + 30, "a damaged line") is None,
           "a damaged command line is answered GARBLED, not run")
    rc, out = vm.run("echo after")
    report(rc == 0 and out == "after\n", f"the channel works after it: {out!r}")
    rc, out = vm.run("grep -c ^processor /proc/cpuinfo")
    report(out.strip() == str(vm.smp), f"guest sees {out.strip()} CPUs, want {vm.smp}")
    qemu_rc = vm.shutdown()
    report(qemu_rc == 0 and "reboot: Power down" in vm.serial_log(),
           f"guest powers off cleanly (QEMU exit {qemu_rc})")

rc, out, console = oneshot("uname", ["-r"])
report(rc == 0 and out.strip() == kver,
       f"one-shot tpvm.run=uname: rc={rc} output={out.strip()!r}")
rc, out, console = oneshot("false")
report(rc == 1, f"one-shot test's exit code reaches the host: false -> rc={rc}")
# Modules: one by path (as tickpage.ko is packed) and one of the kernel's
# own by name with its dependencies, loaded at boot with tpvm.load.
with tempfile.TemporaryDirectory() as tmp:
    initrd = make_initramfs(os.path.join(tmp, "initramfs.cpio.gz"),
                            modules=[os.path.join(kernel["MODDIR"], "kernel/drivers/net/dummy.ko"),
                                     "virtio_console"],
                            kmod_dir=kernel["MODDIR"])
    with VM(initrd=initrd, load=["dummy", "virtio_console"], name="modules") as vm:
        rc, out = vm.run("cut -d' ' -f1 /proc/modules | sort | tr '\\n' ' '")
        report(out.split() == ["dummy", "virtio", "virtio_console", "virtio_ring"],
               f"tpvm.load loads modules and their dependencies: {out.strip()}")
        rc, out = vm.run("modprobe -r virtio_console dummy && cat /proc/modules")
        report(rc == 0 and out == "", f"modprobe -r unloads them (rc {rc}): {out!r}")
summary()
