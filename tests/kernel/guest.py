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
                   unplug | plug | stop | start | pause | resume
                   (repeatable)
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
from qmp import QMP  # noqa: E402
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
        if what not in ("unplug", "plug", "stop", "start", "pause", "resume"):
            die(f"--at {a}: unknown action")
        actions.append((float(t), what))
    actions.sort()

    kernel = kernel_path(args)
    if not os.path.exists(kernel):
        skip(f"no kernel at {kernel}")
    qemu = qemu_binary(args.mode)
    tmp = tempfile.mkdtemp(prefix="tp-kernel-")
    pub = None
    qproc = None
    try:
        initrd = os.path.join(tmp, "initrd.gz")
        mk = [os.path.join(TOP, "scripts/mkinitramfs"), initrd]
        for b in args.bin:
            mk += ["--bin", b]
        for f in args.file:
            mk += ["--file", f]
        subprocess.run(mk, check=True)

        qmp_path = os.path.join(tmp, "qmp.sock")
        page_dev = []
        shm = None
        if args.mode == "ivshmem":
            shm = os.path.join(tmp, "page")
            pub = Publisher(shm)
            pub.start()
            backend = ("memory-backend-file,id=tpmem,share=on,"
                       f"mem-path={shm},size=4096")
            page_dev = ["-object", backend,
                        "-device", "ivshmem-plain,memdev=tpmem,id=tp"]
            plug = {"driver": "ivshmem-plain", "memdev": "tpmem", "id": "tp"}
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
                "-append", cmdline,
                "-qmp", f"unix:{qmp_path},server=on,wait=off"] + page_dev
        qproc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        qmp = QMP(qmp_path)
        started = threading.Event()
        rc = [None]

        def reader():
            for raw in qproc.stdout:
                line = raw.decode(errors="replace").rstrip("\r\n")
                print(line, flush=True)
                if "@@WATCH-START@@" in line:
                    started.set()
                if line.startswith("@@TICKPAGE-TEST-END") and "rc=" in line:
                    rc[0] = int(line.rsplit("rc=", 1)[1].rstrip("@"))
        t = threading.Thread(target=reader, daemon=True)
        t.start()
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
        try:
            qproc.wait(args.timeout)
        except subprocess.TimeoutExpired:
            die("guest timed out")
        t.join(5)
        if rc[0] is None:
            die(f"guest ended without a result (QEMU exit {qproc.returncode})")
        return rc[0]
    finally:
        if qproc and qproc.poll() is None:
            qproc.kill()
            qproc.wait()
        if pub:
            pub.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
