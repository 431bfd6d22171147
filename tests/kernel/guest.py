#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Boot the patched guest kernel once, run one program in it, and act on
the VM from the host while it runs.

Usage: tests/kernel/guest.py [options] -- PROG [ARGS...]
  --mode ivshmem   the page comes from the tests' publisher
                   (tests/guest/tp-publish) through stock QEMU's
                   ivshmem-plain (default)
  --mode device    QEMU's -device tickpage (needs build/qemu)
  --mode shared    the tests' publisher's page mapped read-only by
                   -device tickpage,memdev= (needs build/qemu)
  --mode none      no page
  --kernel PATH    bzImage (default: scripts/build-guest-kernel --print;
                   $TICKPAGE_GUEST_BZIMAGE overrides)
  --bin PATH[:NAME] extra static program for the initramfs (repeatable)
  --file SRC:DEST  any other file for the initramfs (repeatable)
  --at T:ACTION    after the guest prints @@WATCH-START@@, at T seconds:
                   unplug | plug | stop | start | pause | resume | migrate |
                   savevm | loadvm
                   (repeatable); migrate saves the guest to a file
                   (exec:cat>FILE) and carries on in a new QEMU with the
                   same argv and -incoming defer; the program runs on
                   there and its result comes from the new QEMU; savevm
                   and loadvm take and restore an internal snapshot
                   (HMP, in a scratch qcow2 disk the guest never sees)
  --append ARGS    extra kernel command line

PROG runs as the guest's tpvm.run program (tests/vm/init); its output is
copied here and its exit status becomes ours (77 = skip). Everything
lives in a temporary directory; QEMU and the publisher are killed by PID.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import (PROJECT_QEMU, STOCK_QEMU, TOP, VM, Publisher, VMError,  # noqa: E402
                      choose_accel, make_initramfs, skip_all)

ACTIONS = ("unplug", "plug", "stop", "start", "pause", "resume", "migrate", "savevm", "loadvm")


def die(msg, rc=1):
    print(f"guest.py: {msg}", flush=True)
    sys.exit(rc)


def kernel_path(args):
    if args.kernel:
        return args.kernel
    if os.environ.get("TICKPAGE_GUEST_BZIMAGE"):
        return os.environ["TICKPAGE_GUEST_BZIMAGE"]
    r = subprocess.run([os.path.join(TOP, "scripts/build-guest-kernel"),
                        "--print"], capture_output=True, text=True)
    if r.returncode:
        skip_all("patched guest kernel not built (scripts/build-guest-kernel)")
    return r.stdout.strip()


def qemu_binary(mode):
    if mode in ("device", "shared"):
        if not os.access(PROJECT_QEMU, os.X_OK):
            skip_all("-device tickpage needs the project's QEMU (scripts/build-qemu)")
        return PROJECT_QEMU
    # Stock QEMU for everything else: the project's build may carry only
    # the devices its own tests need.
    if not os.access(STOCK_QEMU, os.X_OK):
        skip_all("no qemu-system-x86_64")
    return STOCK_QEMU


def parse_actions(ats):
    actions = []
    for a in ats:
        t, _, what = a.partition(":")
        if what not in ACTIONS:
            die(f"--at {a}: unknown action")
        actions.append((float(t), what))
    actions.sort()
    acts = [w for _, w in actions]
    if "migrate" in acts and {"unplug", "plug"} & set(acts[:acts.index("migrate")]):
        # The destination is started with the boot argv: it would not
        # have the devices plugged or unplugged since.
        die("--at: migrate after unplug/plug is not supported")
    if {"savevm", "loadvm"} & set(acts) and {"unplug", "plug", "migrate"} & set(acts):
        # A snapshot restores the devices it was taken with.
        die("--at: savevm/loadvm with unplug, plug or migrate is not supported")
    if "loadvm" in acts and ("savevm" not in acts or
                             acts.index("savevm") > acts.index("loadvm")):
        die("--at: loadvm needs an earlier savevm")
    return actions


def migrate(vm):
    """Save VM's guest to a file and carry on in a new QEMU; return it.

    Through a file rather than a socket: the guest is stopped for as
    long as saving and loading take, the harder case for its clocks."""
    path = os.path.join(vm.dir, "migration.bin")
    vm2 = vm.migrate(path)
    save, load = vm2.migration_seconds
    print(f"# host: migrated in {save + load:.2f}s (saved "
          f"{os.path.getsize(path) >> 20} MiB in {save:.2f}s, loaded "
          f"in {load:.2f}s)", flush=True)
    shutil.rmtree(vm.dir, ignore_errors=True)
    return vm2


class Host:
    """What --at acts on: the VM (replaced by migrate) and the publisher."""

    def __init__(self, vm, mode, pub):
        self.vm, self.mode, self.pub = vm, mode, pub
        self.nplug = 0

    def act(self, what, t0):
        vm = self.vm
        if what == "unplug":
            # The guest must eject it before the memory backend can back
            # a new device.
            vm.device_del("tp", timeout=30)
            print(f"# host: unplugged at {time.monotonic() - t0:.2f}s", flush=True)
        elif what == "plug" and self.mode == "ivshmem":
            # A memory backend keeps the RAM block name of the device it
            # backed (QEMU 7.2 asserts on reuse): give the new device a
            # new backend, same file.
            self.nplug += 1
            mem = f"tpmem{self.nplug}"
            vm.object_add("memory-backend-file", mem, size=4096, share=True,
                          **{"mem-path": self.pub.path})
            vm.device_add("ivshmem-plain", "tp", memdev=mem, master="on")
        elif what == "plug" and self.mode == "shared":
            self.nplug += 1
            mem = f"tpmem{self.nplug}"
            vm.object_add("memory-backend-file", mem, size=4096, share=True,
                          readonly=True, **{"mem-path": self.pub.path})
            vm.device_add("tickpage", "tp", memdev=mem)
        elif what == "plug":
            vm.device_add("tickpage", "tp")
        elif what == "stop":
            self.pub.stop()
        elif what == "start":
            self.pub.start(timeout=5)
        elif what == "pause":
            vm.qmp.cmd("stop")
        elif what == "resume":
            vm.qmp.cmd("cont")
        elif what == "migrate":
            self.vm = migrate(vm)
        elif what == "savevm":
            vm.savevm("tp")
        elif what == "loadvm":
            vm.loadvm("tp")
        if what in ("savevm", "loadvm"):
            print(f"# host: {what} done at {time.monotonic() - t0:.2f}s", flush=True)


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--mode", default="ivshmem",
                    choices=("ivshmem", "device", "shared", "none"))
    ap.add_argument("--kernel")
    ap.add_argument("--bin", action="append", default=[])
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--at", action="append", default=[])
    ap.add_argument("--append", default="")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("prog", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    prog = [p for p in args.prog if p != "--"]
    if not prog:
        die("no program to run")
    actions = parse_actions(args.at)

    kernel = kernel_path(args)
    if not os.path.exists(kernel):
        skip_all(f"no kernel at {kernel}")
    qemu = qemu_binary(args.mode)
    snapshots = any(w == "savevm" for _, w in actions)
    if snapshots and not shutil.which("qemu-img"):
        skip_all("qemu-img not installed (scripts/setup installs qemu-utils)")
    tmp = tempfile.mkdtemp(prefix="tp-kernel-")
    shm = os.path.join(tmp, "page")
    pub = Publisher(shm, "tp-publish") if args.mode in ("ivshmem", "shared") else None
    host = None
    try:
        initrd = make_initramfs(os.path.join(tmp, "initrd.gz"), bins=args.bin, files=args.file)
        page_args, page_devs = [], []
        if args.mode == "ivshmem":
            pub.start(timeout=5)
            # master=on: ivshmem-plain's default (off, "peer mode")
            # blocks migration. On, the page's RAM block migrates too,
            # so the destination writes the source's last copy of the
            # page back into the shared file until the publisher's next
            # update: the vDSO must not go back across that either.
            page_args = ["-object", "memory-backend-file,id=tpmem,share=on,"
                         f"mem-path={shm},size=4096"]
            page_devs = ["ivshmem-plain,memdev=tpmem,id=tp,master=on"]
        elif args.mode == "shared":
            pub.start(timeout=5)
            page_args = ["-object", "memory-backend-file,id=tpmem,share=on,"
                         f"readonly=on,mem-path={shm},size=4096"]
            page_devs = ["tickpage,id=tp,memdev=tpmem"]
        elif args.mode == "device":
            page_devs = ["tickpage,id=tp"]
        run = os.path.basename(prog[0].split(":")[-1])
        append = (f"tpvm.run=/bin/{run}"
                  + (f" tpvm.args={','.join(prog[1:])}" if prog[1:] else "")
                  + (" " + args.append if args.append else ""))
        accel, why = choose_accel()
        print(f"# accel: {accel} ({why})", flush=True)
        # The old pc machine: the page hot-plugs straight onto its PCI bus.
        vm = VM(kernel=kernel, initrd=initrd, qemu=qemu, machine="pc",
                cpu="host" if accel == "kvm" else "max", accel=accel, mem=256,
                append=append, channel=False, args=page_args, devices=page_devs,
                snapshots=snapshots, name="kernel", verbose=False)
        host = Host(vm, args.mode, pub)
        vm.start()
        vm.echo_console()
        if actions:
            if not vm.wait_console("@@WATCH-START@@", args.timeout):
                die("guest never started watching")
            t0 = time.monotonic()
            for when, what in actions:
                delay = t0 + when - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                print(f"# host: {what} at {time.monotonic() - t0:.2f}s", flush=True)
                host.act(what, t0)
        vm = host.vm
        try:
            vm.wait_exit(args.timeout)
        except VMError:
            die("guest timed out")
        vm.shutdown()
        # The END line: from the last QEMU, after a migration.
        m = re.search(r"^@@TICKPAGE-TEST-END \S+ rc=(\d+)@@", vm.serial_log(), re.M)
        if not m:
            die(f"guest ended without a result (QEMU exit {vm.proc.returncode})")
        return int(m.group(1))
    finally:
        if host:
            host.vm.shutdown()
            shutil.rmtree(host.vm.dir, ignore_errors=True)
        if pub:
            pub.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
