#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Boot the patched guest kernel once, run one program in it, and act on
the VM from the host while it runs.

Usage: tests/kernel/guest.py [options] -- PROG [ARGS...]
  --mode ivshmem   the page comes from a publisher (tickpaged when built,
                   else tests/guest/tp-publish) through stock QEMU's
                   ivshmem-plain (default)
  --mode device    QEMU's -device tickpage (needs build/qemu)
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
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "vm"))
from qmp import QMP, QMPError  # noqa: E402
from vm import choose_accel  # noqa: E402


def die(msg, rc=1):
    print(f"guest.py: {msg}", flush=True)
    sys.exit(rc)


def skip(msg):
    print(f"SKIP: {msg}", flush=True)
    sys.exit(77)


def kernel_path(args):
    if args.kernel:
        return args.kernel
    if os.environ.get("TICKPAGE_GUEST_BZIMAGE"):
        return os.environ["TICKPAGE_GUEST_BZIMAGE"]
    r = subprocess.run([os.path.join(TOP, "scripts/build-guest-kernel"),
                        "--print"], capture_output=True, text=True)
    if r.returncode:
        skip("patched guest kernel not built (scripts/build-guest-kernel)")
    return r.stdout.strip()


def qemu_binary(mode):
    built = os.path.join(TOP, "build/qemu/qemu-system-x86_64")
    if mode == "device":
        if not os.access(built, os.X_OK):
            skip("-device tickpage needs the project's QEMU "
                 "(scripts/build-qemu)")
        return built
    # Stock QEMU for everything else: the project's build may carry only
    # the devices its own tests need.
    q = shutil.which("qemu-system-x86_64")
    if not q:
        skip("no qemu-system-x86_64")
    return q


class Publisher:
    """The host side of ivshmem mode: tickpaged, or tp-publish."""

    def __init__(self, path):
        self.path = path
        self.proc = None
        self.gen = 0
        daemon = os.path.join(TOP, "build/hv/tickpaged")
        helper = os.path.join(TOP, "build/tests/guest/tp-publish")
        if os.access(helper, os.X_OK):
            self.argv = [helper, path]
        elif os.access(daemon, os.X_OK):
            self.argv = [daemon, "--shm", path]
        else:
            skip("no publisher (make build/tests/guest/tp-publish)")

    def start(self):
        self.gen += 1
        argv = list(self.argv)
        if "tp-publish" in argv[0]:
            argv.append(f"--generation={self.gen}")
        self.proc = subprocess.Popen(argv)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if os.path.exists(self.path) and os.path.getsize(self.path) >= 4096:
                return
            time.sleep(0.02)
        die("publisher did not create its page")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Qemu:
    """One QEMU process, its QMP connection, and the thread that copies
    its serial output (the guest program's output) here."""

    def __init__(self, argv, qmp_path, serial):
        self.proc = subprocess.Popen(
            argv + ["-qmp", f"unix:{qmp_path},server=on,wait=off"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        self.serial = serial
        self.thread = None
        try:
            self.qmp = QMP(qmp_path)
        except QMPError:
            self.kill()
            raise

    def relay(self):
        self.thread = threading.Thread(target=self.serial,
                                       args=(self.proc.stdout,), daemon=True)
        self.thread.start()

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.qmp.cmd("quit")
                self.proc.wait(10)
            except (QMPError, OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_migration(qmp, side, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        st = qmp.cmd("query-migrate").get("status", "none")
        if st == "completed":
            return
        if st in ("failed", "cancelled"):
            die(f"{side} migration {st}: {qmp.cmd('query-migrate')}")
        if time.monotonic() > deadline:
            die(f"{side} migration not done after {timeout}s (status {st})")
        time.sleep(0.05)


def migrate(src, argv, tmp, vms):
    """Save SRC's guest to a file, carry on in a new QEMU (appended to
    VMS, so that it is killed whatever happens); return it.

    Through a file rather than a socket: the guest is stopped for as
    long as saving and loading take, the harder case for its clocks."""
    n = len(vms)
    path = os.path.join(tmp, f"migration{n}.bin")
    t0 = time.monotonic()
    running = src.qmp.cmd("query-status").get("status") == "running"
    src.qmp.cmd("migrate", uri=f"exec:cat>{path}")
    wait_migration(src.qmp, "outgoing")
    t1 = time.monotonic()
    dst = Qemu(argv + ["-incoming", "defer"],
               os.path.join(tmp, f"qmp{n}.sock"), src.serial)
    vms.append(dst)
    # The source is stopped (postmigrate) and prints no more: let its
    # reader drain it to EOF first, so lines stay in order and the
    # result line, printed later by the destination, is not missed.
    src.quit()
    src.thread.join(10)
    dst.relay()
    dst.qmp.cmd("migrate-incoming", uri=f"exec:cat {path}")
    wait_migration(dst.qmp, "incoming")
    # Without -S the destination starts the guest itself, unless the
    # source had it paused (--at pause): keep that, a later resume conts.
    if running and dst.qmp.cmd("query-status").get("status") != "running":
        dst.qmp.cmd("cont")
    t2 = time.monotonic()
    print(f"# host: migrated in {t2 - t0:.2f}s (saved "
          f"{os.path.getsize(path) >> 20} MiB in {t1 - t0:.2f}s, loaded "
          f"in {t2 - t1:.2f}s)", flush=True)
    os.unlink(path)
    return dst


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--mode", default="ivshmem",
                    choices=("ivshmem", "device", "none"))
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
    actions = []
    for a in args.at:
        t, _, what = a.partition(":")
        if what not in ("unplug", "plug", "stop", "start", "pause", "resume",
                        "migrate", "savevm", "loadvm"):
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

    kernel = kernel_path(args)
    if not os.path.exists(kernel):
        skip(f"no kernel at {kernel}")
    qemu = qemu_binary(args.mode)
    tmp = tempfile.mkdtemp(prefix="tp-kernel-")
    pub = None
    vms = []
    try:
        initrd = os.path.join(tmp, "initrd.gz")
        mk = [os.path.join(TOP, "scripts/mkinitramfs"), initrd]
        for b in args.bin:
            mk += ["--bin", b]
        for f in args.file:
            mk += ["--file", f]
        subprocess.run(mk, check=True)

        page_dev = []
        shm = None
        if args.mode == "ivshmem":
            shm = os.path.join(tmp, "page")
            pub = Publisher(shm)
            pub.start()
            backend = ("memory-backend-file,id=tpmem,share=on,"
                       f"mem-path={shm},size=4096")
            # master=on: ivshmem-plain's default (off, "peer mode")
            # blocks migration. On, the page's RAM block migrates too,
            # so the destination writes the source's last copy of the
            # page back into the shared file until the publisher's next
            # update: the vDSO must not go back across that either.
            page_dev = ["-object", backend, "-device",
                        "ivshmem-plain,memdev=tpmem,id=tp,master=on"]
            plug = {"driver": "ivshmem-plain", "memdev": "tpmem", "id": "tp",
                    "master": "on"}
        elif args.mode == "device":
            page_dev = ["-device", "tickpage,id=tp"]
            plug = {"driver": "tickpage", "id": "tp"}
        run = os.path.basename(prog[0].split(":")[-1])
        cmdline = (f"console=ttyS0 panic=-1 quiet tpvm.run=/bin/{run}"
                   + (f" tpvm.args={','.join(prog[1:])}" if prog[1:] else "")
                   + (" " + args.append if args.append else ""))
        accel, why = choose_accel()
        print(f"# accel: {accel} ({why})", flush=True)
        cpu = ["-cpu", "host"] if accel == "kvm" else ["-cpu", "max"]
        argv = [qemu, "-accel", accel, *cpu, "-m", "256M",
                "-smp", "2", "-nodefaults", "-no-user-config",
                "-display", "none", "-no-reboot",
                "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
                "-append", cmdline] + page_dev
        if "savevm" in acts:
            # Internal snapshots live in a qcow2 image: one the guest
            # has no device for, so that it only holds the snapshot.
            img = shutil.which("qemu-img")
            if not img:
                skip("qemu-img not installed (scripts/setup installs qemu-utils)")
            disk = os.path.join(tmp, "snap.qcow2")
            subprocess.run([img, "create", "-q", "-f", "qcow2", disk, "64M"],
                           check=True)
            argv += ["-drive", f"if=none,id=snapdisk,format=qcow2,file={disk}"]
        started = threading.Event()
        rc = [None]

        def reader(stream):
            for raw in stream:
                line = raw.decode(errors="replace").rstrip("\r\n")
                print(line, flush=True)
                if "@@WATCH-START@@" in line:
                    started.set()
                if line.startswith("@@TICKPAGE-TEST-END") and "rc=" in line:
                    rc[0] = int(line.rsplit("rc=", 1)[1].rstrip("@"))
        vm = Qemu(argv, os.path.join(tmp, "qmp.sock"), reader)
        vms.append(vm)
        vm.relay()
        qmp = vm.qmp
        nplug = 0
        if actions:
            if not started.wait(args.timeout):
                die("guest never started watching")
            t0 = time.monotonic()
            for when, what in actions:
                delay = t0 + when - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                print(f"# host: {what} at {time.monotonic() - t0:.2f}s",
                      flush=True)
                if what == "unplug":
                    qmp.cmd("device_del", id="tp")
                    # The guest must eject it before the memory backend
                    # can back a new device.
                    qmp.wait_event("DEVICE_DELETED", timeout=30)
                    print(f"# host: unplugged at {time.monotonic() - t0:.2f}s",
                          flush=True)
                elif what == "plug":
                    if args.mode == "ivshmem":
                        # A memory backend keeps the RAM block name of
                        # the device it backed (QEMU 7.2 asserts on reuse):
                        # give the new device a new backend, same file.
                        nplug += 1
                        mem = f"tpmem{nplug}"
                        qmp.cmd("object-add", **{
                            "qom-type": "memory-backend-file", "id": mem,
                            "mem-path": shm, "size": 4096, "share": True})
                        plug["memdev"] = mem
                    qmp.cmd("device_add", **plug)
                elif what == "stop":
                    pub.stop()
                elif what == "start":
                    pub.start()
                elif what == "pause":
                    qmp.cmd("stop")
                elif what == "resume":
                    qmp.cmd("cont")
                elif what == "migrate":
                    vm = migrate(vm, argv, tmp, vms)
                    qmp = vm.qmp
                elif what in ("savevm", "loadvm"):
                    # HMP: QEMU 7.2's snapshot-save/-load jobs need more
                    # plumbing for the same thing. Both return once done,
                    # with the VM running again; any text is an error.
                    out = qmp.cmd("human-monitor-command",
                                  **{"command-line": f"{what} tp"})
                    if out.strip():
                        die(f"{what}: {out.strip()}")
                    print(f"# host: {what} done at "
                          f"{time.monotonic() - t0:.2f}s", flush=True)
        try:
            vm.proc.wait(args.timeout)
        except subprocess.TimeoutExpired:
            die("guest timed out")
        vm.thread.join(5)
        if rc[0] is None:
            die("guest ended without a result "
                f"(QEMU exit {vm.proc.returncode})")
        return rc[0]
    finally:
        for vm in vms:
            vm.kill()
        if pub:
            pub.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
