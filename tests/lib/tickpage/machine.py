# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""One QEMU and the guest in it: the tests' one VM class, like QEMU's
python/qemu/machine. It owns the QEMU process, QMP, the console, the
command channel, the temporary directory, and every action a test takes
on a VM: pause/resume, migration (to a file or a unix socket, -incoming),
savevm/loadvm, device_add/device_del, shutdown.

    from tickpage import VM
    with VM(devices=["tickpage"]) as vm:
        rc, out = vm.run("uname -r")
        vm.pause(); vm.resume()
        with vm.migrate() as vm2:
            out = vm2.check("tickpage-check")

The guest is Debian's cloud kernel (scripts/guest-kernel) with the
initramfs of scripts/mkinitramfs, whose /init (tests/vm/init) serves a
command channel on its second serial port: a unix socket here. Or no
kernel at all (kernel=False: the firmware sits in SeaBIOS, a test reads
guest memory over QMP), or qtest (qtest=True: the test itself plays the
guest through vm.qtest). docs/vm-harness.md has the whole story.

Standard library only. Boot a guest by hand:
    python3 tests/lib/tickpage [--qemu Q] [--initrd I] [--device D] [CMD ...]
"""
import argparse
import base64
import collections
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from . import page as tp
from . import qtest as qtestlib
from . import report as reportlib
from .paths import BUILD, TOP
from .publisher import die_with_parent
from .qmp import QMP, QMPError

STOCK_QEMU = "/usr/bin/qemu-system-x86_64"
PROJECT_QEMU = os.path.join(BUILD, "qemu", "qemu-system-x86_64")
FIRMWARE_DIR = "/usr/share/qemu"
DEFAULT_INITRD = os.path.join(BUILD, "vm", "initramfs.cpio.gz")
KERNEL_ENV = os.path.join(BUILD, "vm", "guest-kernel.env")
# no_timer_check: on a loaded host a TCG vCPU can miss the window of the
# kernel's early IO-APIC timer check, which then panics ("IO-APIC + timer
# doesn't work"); the check is for broken interrupt routing in hardware.
BASE_APPEND = "console=ttyS0 panic=-1 quiet no_timer_check"

BEGIN = "@@TICKPAGE-TEST-BEGIN"
END = "@@TICKPAGE-TEST-END"


class VMError(Exception):
    """The guest or QEMU did not do what the harness asked."""


class GuestCommandError(VMError):
    """vm.check(): a guest command exited non-zero."""

    def __init__(self, cmd, rc, out):
        super().__init__(f"guest command {cmd!r} exited {rc}:\n{out}")
        self.cmd, self.rc, self.out = cmd, rc, out


# run_timed()'s result: the command's rc and output, and the host's
# CLOCK_REALTIME and CLOCK_MONOTONIC sampled just before the command was
# sent and just after its answer arrived. Whatever the guest read from a
# host clock while it ran lies between the two samples (give or take a
# publication period when it read a published page).
Timed = collections.namedtuple(
    "Timed", "rc out real_before_ns real_after_ns mono_before_ns mono_after_ns")


def guest_kernel():
    """The guest kernel's variables (KVER, VMLINUZ, MODDIR, KDIR, DEBVER),
    from build/vm/guest-kernel.env (make vm-prereqs) or, failing that,
    from scripts/guest-kernel itself."""
    try:
        with open(KERNEL_ENV) as f:
            text = f.read()
    except OSError:
        text = subprocess.run(
            [os.path.join(TOP, "scripts", "guest-kernel"), "--print", "--no-headers"],
            check=True, capture_output=True, text=True).stdout
    env = dict(line.split("=", 1) for line in text.split() if "=" in line)
    if not os.path.exists(env.get("VMLINUZ", "")):
        raise VMError(f"guest kernel {env.get('VMLINUZ')} missing: run scripts/guest-kernel")
    return env


def find_qemu(qemu=None):
    """The QEMU to use: QEMU, else $TICKPAGE_QEMU, else the project's own
    build (build/qemu/qemu-system-x86_64) if present, else Debian's."""
    for q in (qemu, os.environ.get("TICKPAGE_QEMU"), PROJECT_QEMU, STOCK_QEMU):
        if q and os.access(q, os.X_OK):
            return q
        if q and q in (qemu, os.environ.get("TICKPAGE_QEMU")):
            raise VMError(f"QEMU {q} is not an executable")
    raise VMError("no QEMU found (scripts/setup installs Debian's)")


def project_qemu():
    """The project's QEMU (-device tickpage); without it the test skips."""
    if not os.access(PROJECT_QEMU, os.X_OK):
        reportlib.skip_all(f"{PROJECT_QEMU} not built (make qemu)")
    return PROJECT_QEMU


def device_vm(device="tickpage", **kw):
    """A VM on the project's QEMU with DEVICE and no guest kernel: the
    firmware assigns the BARs and idles, and the test reads the page with
    vm.device_page() (tests/qemu/)."""
    kw.setdefault("mem", 128)
    return VM(kernel=False, qemu=project_qemu(), devices=[device], **kw)


def choose_accel():
    """('kvm'|'tcg', why). $TICKPAGE_ACCEL=kvm|tcg forces one.

    "-accel kvm -accel tcg" alone is not enough: it picks KVM whenever
    /dev/kvm opens, but a software nested KVM (kvm_pvm) opens fine and
    then crawls through an unmodified kernel's boot for minutes. So KVM
    is used only when /dev/kvm opens read-write and a hardware KVM
    module (kvm_intel or kvm_amd) is loaded."""
    forced = os.environ.get("TICKPAGE_ACCEL", "")
    if forced in ("kvm", "tcg"):
        return forced, "forced by TICKPAGE_ACCEL"
    if forced:
        raise VMError(f"TICKPAGE_ACCEL={forced}: want kvm or tcg")
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        return "tcg", f"/dev/kvm: {e.strerror}"
    for mod in ("kvm_intel", "kvm_amd"):
        if os.path.isdir(f"/sys/module/{mod}"):
            return "kvm", f"/dev/kvm usable ({mod})"
    return "tcg", "/dev/kvm is not hardware KVM (no kvm_intel/kvm_amd)"


def make_initramfs(out, modules=(), bins=(), files=(), kmod_dir=None):
    """Run scripts/mkinitramfs; return OUT."""
    cmd = [os.path.join(TOP, "scripts", "mkinitramfs"), out]
    for m in modules:
        cmd += ["--module", m]
    for b in bins:
        cmd += ["--bin", b]
    for f in files:
        cmd += ["--file", f]
    if kmod_dir:
        cmd += ["--kmod-dir", kmod_dir]
    subprocess.run(cmd, check=True)
    return out


def _fail_count():
    """FAIL lines printed so far through the reporter."""
    return reportlib.failures()


def host_clocks():
    """(CLOCK_REALTIME ns, CLOCK_MONOTONIC ns), sampled back to back."""
    return (time.clock_gettime_ns(time.CLOCK_REALTIME),
            time.clock_gettime_ns(time.CLOCK_MONOTONIC))


class VM:
    """One QEMU process and the guest in it; use it as a context manager.

    kernel, initrd  default: the cached Debian cloud kernel and
                    build/vm/initramfs.cpio.gz; kernel=False boots no
                    kernel (the firmware idles; no command channel);
                    initrd=False boots the kernel alone (its root= on
                    a disk in args)
    qemu            default: find_qemu()
    devices         list of -device arguments, e.g. ["tickpage,period-ns=1000000"]
    args            any other QEMU arguments (a list), e.g. ["-object", ...]
    append          added to the kernel command line (after the defaults
                    "console=ttyS0 panic=-1 quiet no_timer_check", so it can
                    override them)
    load            modules (packed with mkinitramfs --module) that /init
                    modprobes at boot, or "all"; default none
    smp, mem        vCPUs and MiB
    machine, cpu    default q35, and -cpu host with KVM (QEMU's default
                    model with TCG)
    accel           'kvm' or 'tcg'; default choose_accel()
    boot_timeout    seconds until the command channel answers; default
                    30 with KVM, 120 with TCG
    channel         False for a one-shot guest (tpvm.run=... in append):
                    no command channel, wait_exit() and test_output()
    qtest           True: no kernel, the vCPUs never run (-S), and the
                    test plays the guest through vm.qtest (qtest.QTest)
    snapshots       True: a scratch qcow2 drive (the guest has no device
                    for it) to hold savevm's internal snapshots
    env             environment variables for QEMU (e.g. LD_PRELOAD)
    incoming        a migration URI to start from (-incoming defer, then
                    migrate-incoming); migrate() uses it
    autostart       False: start() leaves the vCPUs stopped (as -S does)

    On entry QEMU starts paused, QMP and the command channel connect, and
    only then do the vCPUs run, so no guest output is ever lost. On exit
    the guest powers off (QMP quit, then SIGKILL of this QEMU's PID only,
    if it will not). If the with-block raised, or reported a FAIL through
    the package's report(), the guest's console and the command transcript
    are printed to stderr first (vm.dump()), and its directory is kept.
    """

    def __init__(self, kernel=None, initrd=None, qemu=None, devices=(), args=(),
                 append="", load=(), smp=2, mem=512, accel=None, boot_timeout=None,
                 channel=True, name="guest", incoming=None, verbose=True,
                 qtest=False, snapshots=False, env=None, machine="q35", cpu=None,
                 autostart=True):
        if qtest:
            kernel = False
        if kernel is False:
            self.kernel = self.initrd = None
            channel = False
        else:
            self.kernel = kernel or guest_kernel()["VMLINUZ"]
            self.initrd = None if initrd is False else initrd or DEFAULT_INITRD
            if self.initrd and not os.path.exists(self.initrd):
                raise VMError(f"initramfs {self.initrd} missing: run make vm-prereqs")
        self.qemu = find_qemu(qemu)
        self.devices = list(devices)
        self.args = list(args)
        self.append = append
        self.load = [load] if isinstance(load, str) else list(load)
        self.smp, self.mem = smp, mem
        if accel:
            self.accel, self.accel_why = accel, "asked by the caller"
        else:
            self.accel, self.accel_why = choose_accel()
        self.boot_timeout = boot_timeout or (30 if self.accel == "kvm" else 120)
        self.channel = channel
        self.name = name
        self.incoming = (incoming, []) if isinstance(incoming, str) else incoming
        self.verbose = verbose
        self.use_qtest = qtest
        self.snapshots = snapshots
        self.machine, self.cpu, self.autostart = machine, cpu, autostart
        self._echo = None
        self.env = dict(env or {})
        self.proc = None
        self.qmp = None
        self.qtest = None
        self.bar_addr = None
        self.sock = None
        self.boot_seconds = None
        self.transcript = []
        self._buf = b""
        self._next_id = 1
        self._bg = 0
        self.dir = tempfile.mkdtemp(prefix=f"tpvm-{name}-")
        self.serial_path = os.path.join(self.dir, "serial.log")
        self.stderr_path = os.path.join(self.dir, "qemu.stderr")

    # -- life cycle --------------------------------------------------------

    def _log(self, msg):
        if self.verbose:
            print(f"vm[{self.name}]: {msg}", flush=True)

    def cmdline(self):
        """The full QEMU command line (also handy to boot by hand)."""
        # TCG keeps QEMU's default CPU model: "max" costs ~15% more CPU
        # to boot and gives the guest nothing the tests use (it still
        # finds the TSC unstable and runs on the HPET).
        cpu = self.cpu or ("host" if self.accel == "kvm" else None)
        a = [self.qemu, "-name", self.name,
             "-accel", self.accel, *(["-cpu", cpu] if cpu else []), "-machine", self.machine,
             "-smp", str(self.smp), "-m", str(self.mem),
             "-nodefaults", "-display", "none", "-no-user-config",
             "-S",
             "-qmp", f"unix:{self.dir}/qmp.sock,server=on,wait=off",
             # ttyS0: the console, to a file. ttyS1: the command channel.
             "-chardev", f"file,id=tpvm-con,path={self.serial_path}",
             "-device", "isa-serial,chardev=tpvm-con"]
        if self.kernel:
            # A guest kernel's reboot (a panic: panic=-1) ends QEMU. Without
            # one, system_reset is the firmware's and must stay a reset.
            a += ["-kernel", self.kernel, *(["-initrd", self.initrd] if self.initrd else []),
                  "-append", self.kernel_append(), "-no-reboot"]
        if self.use_qtest:
            a += ["-qtest", f"unix:{self.dir}/qtest.sock", "-qtest-log", "/dev/null"]
        if self.snapshots:
            a += ["-drive", f"if=none,id=snapdisk,format=qcow2,file={self.dir}/snap.qcow2"]
        if os.path.realpath(self.qemu) != STOCK_QEMU and os.path.isdir(FIRMWARE_DIR):
            # A QEMU built from Debian's dfsg source has no firmware blobs
            # of its own: lend it the packaged SeaBIOS and option ROMs.
            a += ["-L", FIRMWARE_DIR]
        if self.channel:
            a += ["-chardev", f"socket,id=tpvm-cmd,path={self.dir}/cmd.sock,server=on,wait=off",
                  "-device", "isa-serial,chardev=tpvm-cmd"]
        # args first: they may define buses (pcie-root-port) for devices.
        a += self.args
        for d in self.devices:
            a += ["-device", d]
        if self.incoming:
            a += ["-incoming", "defer"]
        return a

    def kernel_append(self):
        extra = f" tpvm.load={','.join(self.load)}" if self.load else ""
        return f"{BASE_APPEND}{extra} {self.append}".strip()

    def start(self):
        start = time.monotonic()
        self._log(f"{self.qemu} accel={self.accel} ({self.accel_why})")
        self._launch()
        try:
            self._connect()
            if self.incoming:
                self._incoming(*self.incoming)
            if self.use_qtest or not self.autostart:
                return self
            self.qmp.cmd("cont")
            if self.channel and not self.incoming:
                self._read_until(b"@@TPVM-READY@@\n", self.boot_timeout, "boot")
                self.boot_seconds = time.monotonic() - start
                self._log(f"booted in {self.boot_seconds:.2f}s")
        except BaseException:
            self.dump()
            self.kill()
            raise
        return self

    def __enter__(self):
        self._fails_at_entry = _fail_count()
        if not self.proc:
            self.start()
        return self

    def __exit__(self, etype, exc, tb):
        failed = etype is not None or _fail_count() > self._fails_at_entry
        if failed:
            self.dump()
        self.shutdown()
        if not failed:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"vm[{self.name}]: files kept in {self.dir}", file=sys.stderr)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _launch(self):
        if self.snapshots and not os.path.exists(f"{self.dir}/snap.qcow2"):
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2",
                            f"{self.dir}/snap.qcow2", "64M"], check=True)
        listener = qtestlib.listen(f"{self.dir}/qtest.sock") if self.use_qtest else None
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.cmdline(), stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err,
                                         env={**os.environ, **self.env},
                                         preexec_fn=die_with_parent)
        if listener:
            try:
                self.qtest = qtestlib.QTest(listener)
            except OSError as e:
                self.kill()
                raise VMError(f"QEMU did not connect to qtest ({e}):\n{self.stderr()}") from None

    def _connect(self):
        """Connect QMP and the command channel of a QEMU started with -S."""
        try:
            self._wait_for_socket("qmp.sock", 30)
            deadline = time.monotonic() + 30
            while self.qmp is None:
                # QEMU makes the socket before it checks the devices, so
                # it may still exit: try in short steps, watching it.
                try:
                    self.qmp = QMP(os.path.join(self.dir, "qmp.sock"), timeout=1)
                except (QMPError, OSError):
                    if not self.alive() or time.monotonic() > deadline:
                        raise
            self.qmp.sock.settimeout(60)
            if self.channel:
                self._wait_for_socket("cmd.sock", 30)
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(os.path.join(self.dir, "cmd.sock"))
        except (QMPError, OSError) as e:
            self.kill(grace=2)
            raise VMError(f"cannot connect to QEMU ({e}); QEMU said:\n{self.stderr()}") from None

    def _wait_for_socket(self, name, timeout):
        path = os.path.join(self.dir, name)
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if not self.alive():
                raise VMError(f"QEMU exited ({self.proc.returncode}) before creating {name}:\n"
                              + self.stderr())
            if time.monotonic() > deadline:
                raise VMError(f"QEMU made no {name} in {timeout}s")
            time.sleep(0.01)

    def shutdown(self, timeout=20):
        """Power the guest off (or quit QEMU); return QEMU's exit code."""
        if self.proc is None:
            return None
        running = False
        if self.alive() and self.qmp is not None:
            try:
                running = self.status() == "running"
            except (QMPError, OSError):
                pass
        if running and self.sock is not None:
            try:
                self._send("poweroff -f")
                self.proc.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                self._log("guest did not power off")
        if self.alive() and self.qmp is not None:
            try:
                self.qmp.cmd("quit")
            except (QMPError, OSError):
                pass
        self.kill(grace=10)
        self._stop_echo()
        for c in (self.qmp, self.sock, self.qtest):
            if c is not None:
                c.close()
        self.qmp = self.sock = self.qtest = None
        return self.proc.returncode

    def kill(self, grace=0):
        """Wait GRACE seconds for QEMU to exit, then SIGKILL it (by PID)."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def wait_exit(self, timeout):
        """Wait for QEMU to exit on its own (one-shot guests); its rc."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise VMError(f"guest still running after {timeout}s") from None

    # -- output ------------------------------------------------------------

    def serial_log(self):
        """Everything the guest printed on its console (ttyS0) so far,
        with the tty's CR LF line ends turned back into LF."""
        try:
            with open(self.serial_path, "rb") as f:
                return f.read().decode(errors="replace").replace("\r\n", "\n")
        except OSError:
            return ""

    def wait_console(self, marker, timeout):
        """Wait until the console has shown MARKER; False on timeout or
        if QEMU exits first."""
        deadline = time.monotonic() + timeout
        while marker not in self.serial_log():
            if not self.alive() or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def echo_console(self):
        """Copy the guest's console to stdout line by line as it comes,
        until shutdown() (which prints what is left). The VM migrate()
        returns echoes on where this one stopped."""
        stop = threading.Event()

        def loop():
            pos, buf = 0, b""
            while True:
                stopping = stop.is_set()
                try:
                    with open(self.serial_path, "rb") as f:
                        f.seek(pos)
                        data = f.read()
                except OSError:
                    data = b""
                pos += len(data)
                *lines, buf = (buf + data).split(b"\n")
                for line in lines + ([buf] if stopping and buf else []):
                    print(line.decode(errors="replace").rstrip("\r"), flush=True)
                if stopping:
                    return
                time.sleep(0.05)
        self._echo = (stop, threading.Thread(target=loop, daemon=True))
        self._echo[1].start()

    def _stop_echo(self):
        if self._echo:
            self._echo[0].set()
            self._echo[1].join(10)
            self._echo = None

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def test_output(self, name):
        """(rc, output) of a one-shot tpvm.run=NAME test, from the console."""
        log = self.serial_log()
        b = log.find(f"{BEGIN} {name}@@\n")
        e = log.find(f"{END} {name} rc=", b)
        if b < 0 or e < 0:
            raise VMError(f"no complete output of test {name} on the console")
        rc = int(log[e:].split("rc=", 1)[1].split("@@", 1)[0])
        return rc, log[b + len(BEGIN) + len(name) + 4:e]

    def dump(self):
        """Print the console tail, the last commands and QEMU's stderr."""
        out = sys.stderr
        print(f"----- vm[{self.name}]: guest console (last 60 lines) -----", file=out)
        for line in self.serial_log().splitlines()[-60:]:
            print(f"  | {line}", file=out)
        if self.transcript:
            print(f"----- vm[{self.name}]: command channel (last 10) -----", file=out)
            for cmd, rc, text in self.transcript[-10:]:
                print(f"  $ {cmd}    [rc={rc}]", file=out)
                for line in text.splitlines()[-20:]:
                    print(f"  | {line}", file=out)
        err = self.stderr().strip()
        if err:
            print(f"----- vm[{self.name}]: QEMU stderr -----\n{err}", file=out)
        print("-----", file=out, flush=True)

    # -- command channel ---------------------------------------------------

    def _send(self, cmd):
        cid = self._next_id
        self._next_id += 1
        b64 = base64.b64encode(cmd.encode()).decode()
        self.sock.sendall(f"{cid} {len(b64)} {b64}\n".encode())
        return cid

    def _fill(self, deadline, what):
        left = deadline - time.monotonic()
        if left <= 0:
            raise VMError(f"timed out waiting for {what}")
        self.sock.settimeout(min(left, 0.25))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            data = None
        if data == b"":
            raise VMError(f"command channel closed while waiting for {what}")
        if data:
            self._buf += data
        elif not self.alive():
            raise VMError(f"QEMU exited ({self.proc.returncode}) while waiting for {what}")

    def _read_until(self, marker, timeout, what):
        deadline = time.monotonic() + timeout
        while marker not in self._buf:
            self._fill(deadline, what)
        i = self._buf.index(marker) + len(marker)
        head, self._buf = self._buf[:i], self._buf[i:]
        return head

    def _answer(self, cid, deadline, what):
        """Read answers until command CID's; drop stale ones (given up on).
        None: the guest got the command damaged and ran nothing."""
        while True:
            while b"@@\n" not in self._buf:
                self._fill(deadline, what)
            start = self._buf.find(b"@@TPVM-OUT ")
            garbled = self._buf.find(b"@@TPVM-GARBLED@@\n")
            if garbled >= 0 and (start < 0 or garbled < start):
                self._buf = self._buf[garbled + len(b"@@TPVM-GARBLED@@\n"):]
                return None
            if start < 0:
                # Not an answer header: skip one line (e.g. a late READY).
                self._buf = self._buf.split(b"\n", 1)[1]
                continue
            self._buf = self._buf[start:]
            while b"@@\n" not in self._buf:    # the header itself, whole
                self._fill(deadline, what)
            hdr, _, rest = self._buf.partition(b"@@\n")
            _, sid, slen = hdr.decode().split()
            n = int(slen)
            while len(rest) < n or b"@@\n" not in rest[n:]:
                self._fill(deadline, what)
                hdr, _, rest = self._buf.partition(b"@@\n")
            out, tail = rest[:n], rest[n:]
            end, _, self._buf = tail.partition(b"@@\n")
            rc = int(end.decode().rsplit("rc=", 1)[1])
            if int(sid) == cid:
                return rc, out.decode(errors="replace")

    def run(self, cmd, timeout=60):
        """Run COMMAND with the guest's sh; return (rc, stdout+stderr)."""
        if self.sock is None:
            raise VMError("this VM has no command channel")
        deadline = time.monotonic() + timeout
        for _ in range(5):
            answer = self._answer(self._send(cmd), deadline, f"guest command {cmd!r}")
            if answer is not None:
                break
            print(f"vm[{self.name}]: the guest got {cmd!r} damaged; sending it again",
                  flush=True)
        else:
            raise VMError(f"the guest got {cmd!r} damaged five times")
        rc, out = answer
        self.transcript.append((cmd, rc, out))
        return rc, out

    def check(self, cmd, timeout=60):
        """Like run(), but raise GuestCommandError unless rc is 0; the output."""
        rc, out = self.run(cmd, timeout)
        if rc != 0:
            raise GuestCommandError(cmd, rc, out)
        return out

    def run_timed(self, cmd, timeout=60):
        """run(), bracketed by host clock samples; returns a Timed."""
        rb, mb = host_clocks()
        rc, out = self.run(cmd, timeout)
        ra, ma = host_clocks()
        return Timed(rc, out, rb, ra, mb, ma)

    def spawn(self, cmd):
        """Start COMMAND in the guest's background; a handle for reap()."""
        self._bg += 1
        h = f"/tmp/tpvm-bg.{self._bg}"
        self.check(f"( ( {cmd} ) >{h}.out 2>&1; echo $? >{h}.rc.new; mv {h}.rc.new {h}.rc ) "
                   f"</dev/null >/dev/null 2>&1 &")
        return h

    def reap(self, handle, timeout=60):
        """Wait for a spawn()ed command; its (rc, output)."""
        deadline = time.monotonic() + timeout
        while True:
            rc, out = self.run(f"cat {handle}.rc 2>/dev/null && cat {handle}.out",
                               max(1, deadline - time.monotonic()))
            if rc == 0:
                status, _, text = out.partition("\n")
                return int(status), text
            if time.monotonic() > deadline:
                raise VMError(f"background command {handle} still running after {timeout}s")
            time.sleep(0.2)

    # -- QMP actions -------------------------------------------------------

    def status(self):
        return self.qmp.cmd("query-status")["status"]

    def pause(self):
        """Stop the vCPUs (QMP stop); returns once they are stopped."""
        self.qmp.cmd("stop")
        if self.status() != "paused":
            raise VMError(f"guest not paused after stop: {self.status()}")

    def resume(self):
        self.qmp.cmd("cont")
        if self.status() != "running":
            raise VMError(f"guest not running after cont: {self.status()}")

    def device_del(self, dev_id, timeout=60):
        """Hot-unplug device DEV_ID; return once QEMU says it is gone.
        The guest has to cooperate (PCIe native hot-plug needs a root port:
        add the device with bus=<a pcie-root-port id>)."""
        self.qmp.cmd("device_del", id=dev_id)
        deadline = time.monotonic() + timeout
        while True:
            ev = self.qmp.wait_event("DEVICE_DELETED", max(0.1, deadline - time.monotonic()))
            if ev.get("data", {}).get("device") == dev_id:
                return ev

    def device_add(self, driver, dev_id, **props):
        """Hot-plug a device (QMP device_add)."""
        self.qmp.cmd("device_add", driver=driver, id=dev_id, **props)

    def object_add(self, qom_type, obj_id, **props):
        """Add a QOM object (QMP object-add), e.g. a memory backend."""
        self.qmp.cmd("object-add", **{"qom-type": qom_type, "id": obj_id}, **props)

    def savevm(self, tag="tp"):
        """Take an internal snapshot (needs snapshots=True). HMP: QEMU 7.2's
        snapshot-save job needs more plumbing for the same thing. Returns
        once done, the VM running again; any text from HMP is an error."""
        self._hmp_quiet(f"savevm {tag}")

    def loadvm(self, tag="tp"):
        """Restore an internal snapshot taken by savevm()."""
        self._hmp_quiet(f"loadvm {tag}")

    def _hmp_quiet(self, command):
        out = self.qmp.hmp(command)
        if out.strip():
            raise VMError(f"{command}: {out.strip()}")

    # -- guest memory, as the monitor sees it --------------------------------

    def pci_bar(self, vendor, device, bar=0, size=None, timeout=60):
        """The address of BAR BAR of the first VENDOR:DEVICE function, once
        the firmware has assigned it (query-pci)."""
        deadline = time.monotonic() + timeout
        while True:
            for bus in self.qmp.cmd("query-pci"):
                for dev in bus["devices"]:
                    if (dev["id"]["vendor"], dev["id"]["device"]) != (vendor, device):
                        continue
                    for r in dev["regions"]:
                        a = r.get("address", -1)
                        if r["bar"] == bar and 0 < a < 2**63 and size in (None, r["size"]):
                            return a
            if time.monotonic() > deadline:
                raise VMError(f"firmware never assigned BAR {bar} of {vendor:04x}:{device:04x}")
            time.sleep(0.1)

    def read_phys(self, addr, size):
        """SIZE bytes (a multiple of 8) of guest-physical memory at ADDR.
        HMP runs in QEMU's main loop, so a read never overlaps what the
        main loop writes (the tickpage device's publications)."""
        out = self.qmp.hmp(f"xp /{size // 8}gx {addr:#x}")
        words = [int(w, 16) for line in out.splitlines() for w in line.split(":", 1)[1].split()]
        return struct.pack(f"<{len(words)}Q", *words)

    def tickpage_bar(self, timeout=60):
        """-device tickpage's BAR 0 address (kept in vm.bar_addr)."""
        self.bar_addr = self.pci_bar(tp.PCI_VENDOR_ID, tp.PCI_DEVICE_ID, 0,
                                     tp.PAGE_SIZE, timeout)
        return self.bar_addr

    def driver_attr(self, attr):
        """One of the guest driver's sysfs attributes, stripped."""
        return self.check(f"cat /sys/class/misc/tickpage/{attr}").strip()

    def wait_driver_status(self, want, timeout=10):
        """Poll the driver's status until it is @want or @timeout s
        pass: the last status read."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.driver_attr("status")
            if st == want or time.monotonic() > deadline:
                return st
            time.sleep(0.1)

    def wait_new_generation(self, old, timeout=10):
        """Poll until the driver serves a page of a generation other than
        @old (a landing, a restore): (status, generation, seconds waited)."""
        t0 = time.monotonic()
        while True:
            st, gen = self.driver_attr("status"), int(self.driver_attr("generation"))
            waited = time.monotonic() - t0
            if (st == "ok" and gen != old) or waited > timeout:
                return st, gen, waited
            time.sleep(0.02)

    def device_page(self):
        """The page in -device tickpage's BAR 0, decoded (a page.Page)."""
        if self.bar_addr is None:
            self.tickpage_bar()
        for _ in range(100):
            p = tp.decode(self.read_phys(self.bar_addr, tp.SIZE))
            if p["seq"] % 2 == 0:
                return p
        raise VMError("page seq stayed odd")

    def _wait_migration(self, timeout, side):
        deadline = time.monotonic() + timeout
        while True:
            st = self.qmp.cmd("query-migrate").get("status", "none")
            if st == "completed":
                return
            if st in ("failed", "cancelled"):
                raise VMError(f"{side} migration {st}: {self.qmp.cmd('query-migrate')}")
            if time.monotonic() > deadline:
                raise VMError(f"{side} migration not done after {timeout}s (status {st})")
            time.sleep(0.05)

    def save(self, path, timeout=120):
        """Migrate the VM's state to the file PATH ("exec:cat>PATH") and
        wait for it; the VM stays, stopped (postmigrate). Returns the
        migration's final status, "completed"; raises if it failed."""
        self.qmp.cmd("migrate", uri=f"exec:cat>{path}")
        self._wait_migration(timeout, "outgoing")
        return self.qmp.cmd("query-migrate")["status"]

    def _incoming(self, uri, capabilities):
        if capabilities:
            self.qmp.cmd("migrate-set-capabilities", capabilities=capabilities)
        self.qmp.cmd("migrate-incoming", uri=uri)
        if not uri.startswith("unix:"):
            self._wait_migration(120, "incoming")

    def clone(self, **over):
        """A new, unstarted VM with the same configuration (and OVERRIDES)."""
        kw = dict(kernel=self.kernel or False, initrd=self.initrd or False, qemu=self.qemu,
                  devices=self.devices, args=self.args, append=self.append,
                  load=self.load, smp=self.smp, mem=self.mem, accel=self.accel,
                  boot_timeout=self.boot_timeout, channel=self.channel,
                  name=self.name + "'", verbose=self.verbose, qtest=self.use_qtest,
                  snapshots=self.snapshots, env=self.env, machine=self.machine, cpu=self.cpu)
        kw.update(over)
        return VM(**kw)

    def migrate(self, path=None, via="file", capabilities=None, timeout=120, **over):
        """Migrate this guest into a new QEMU and return that VM.

        via="file": save to PATH (default in the VM's directory) with
        "exec:cat>PATH", then start the copy with "-incoming exec:cat PATH".
        via="unix": live, over a unix socket, both QEMUs up at once.
        CAPABILITIES is a dict for migrate-set-capabilities on both sides,
        e.g. {"x-ignore-shared": True} to leave share=on memory (a
        tickpaged page) alone. OVER overrides the copy's configuration.
        This QEMU is shut down once the copy has the guest. A paused guest
        stays paused; a VM echoing its console goes on in the copy."""
        echo = self._echo is not None
        over.setdefault("autostart", self.status() == "running")
        caps = [{"capability": k, "state": bool(v)} for k, v in (capabilities or {}).items()]
        if caps:
            self.qmp.cmd("migrate-set-capabilities", capabilities=caps)
        t0 = time.monotonic()
        if via == "file":
            path = path or os.path.join(self.dir, "migration.bin")
            self.save(path, timeout)
            t1 = time.monotonic()
            dest = self.clone(incoming=(f"exec:cat {path}", caps), **over)
            self.shutdown()
            dest.start()
        elif via == "unix":
            dest = self.clone(incoming=None, **over)
            sock = os.path.join(dest.dir, "migrate.sock")
            dest.incoming = (f"unix:{sock}", caps)
            # start() blocks in cont until the migration is in, so run the
            # source side from here once the destination listens.
            dest._start_incoming_async()
            self.qmp.cmd("migrate", uri=f"unix:{sock}")
            self._wait_migration(timeout, "outgoing")
            t1 = time.monotonic()
            dest._finish_incoming(timeout)
            self.shutdown()
        else:
            raise VMError(f"migrate: via={via!r}: want 'file' or 'unix'")
        # Seconds to save (or, live, to send) and then to load.
        dest.migration_seconds = (t1 - t0, time.monotonic() - t1)
        if echo:
            dest.echo_console()
        # The guest's state went along: keep numbering commands and
        # background jobs where this VM left off.
        dest._next_id, dest._bg = self._next_id, self._bg
        dest.transcript = self.transcript
        dest._log(f"migrated in via {via}")
        return dest

    def _start_incoming_async(self):
        """For via=unix: start QEMU up to a listening migrate-incoming."""
        self._launch()
        try:
            self._connect()
            self._incoming(*self.incoming)
        except BaseException:
            self.dump()
            self.kill()
            raise

    def _finish_incoming(self, timeout):
        self._wait_migration(timeout, "incoming")
        if self.autostart:
            self.qmp.cmd("cont")


def oneshot(prog, args=(), timeout=None, **kw):
    """Boot a guest that runs PROG ARGS once (tpvm.run) and powers off.
    Returns (rc, output, console): console is the whole serial log."""
    extra = f"tpvm.run={prog}"
    if args:
        if any("," in a or " " in a for a in args):
            raise VMError("oneshot(): arguments may not contain ',' or ' '")
        extra += " tpvm.args=" + ",".join(args)
    kw["append"] = f"{extra} {kw.get('append', '')}".strip()
    with VM(channel=False, **kw) as vm:
        vm.wait_exit(timeout or vm.boot_timeout)
        console = vm.serial_log()
        rc, out = vm.test_output(prog)
    return rc, out, console


def main():
    ap = argparse.ArgumentParser(
        description="Boot a tickpage test guest; run each CMD in it (or read "
                    "commands from stdin) and print the output.")
    ap.add_argument("--qemu")
    ap.add_argument("--kernel")
    ap.add_argument("--initrd")
    ap.add_argument("--device", action="append", default=[])
    ap.add_argument("--append", default="")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", type=int, default=512)
    ap.add_argument("cmd", nargs="*")
    a = ap.parse_args()
    rc = 0
    with VM(kernel=a.kernel, initrd=a.initrd, qemu=a.qemu, devices=a.device,
            append=a.append, smp=a.smp, mem=a.mem) as vm:
        cmds = a.cmd or (line.rstrip("\n") for line in sys.stdin)
        for c in cmds:
            if not c.strip():
                continue
            rc, out = vm.run(c, timeout=600)
            sys.stdout.write(out)
            if rc:
                print(f"[rc={rc}]")
            sys.stdout.flush()
    return rc
