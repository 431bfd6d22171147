#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""tickpage under the real libvirt daemon, driven with virsh.

Usage: tests/libvirt/test-daemon.py --mode=shmem-ro|device-shared|device|shmem-writable
       tests/libvirt/test-daemon.py --mode=device-shared --crosshost[=N]

One TCG guest (<domain type='qemu'>: Debian's cloud kernel, the
initramfs of tests/libvirt/build.mk) is made from a plain domain by
scripts/tickpage-virt-xml, then defined and started with virsh. Inside,
tp-watch prints a line every 100 ms to the serial console, which libvirt
writes to a file; the host reads that file around each operation:

  boot               the page serves coarse monotonic time
  suspend/resume     coarse monotonic never goes back and stays within
  save/restore       one period of the guest's fine monotonic; the page
                     serves again afterwards; device mode: the generation
                     changes on restore (shmem-ro: libvirt must refuse
                     to save, the device being a peer; device-shared
                     saves and restores onto tickpaged's page)
  destroy/undefine   nothing left: no domain, no QEMU, no file, and no
                     daemon this test started

--crosshost (device-shared): instead of suspend/resume and the save and
restore on the same page, N times (default 2) `virsh save`, then `virsh
restore --xml` with the saved XML's memory backend pointed at the other
host's page, A -> B -> A ...: host B is a second tickpaged (the test
build, tests/tickpaged/tickpaged-test, with its monotonic clock offset
by --test-mono-offset) on its own file, with its own generation. After
each restore the guest serves the new host's generation, realigned;
coarse monotonic never goes back and is never ahead of the fine clock.

libvirtd and virtlogd are started here (and stopped again) when they
are not already running: there is no systemd in these containers.
"""
import argparse
import fcntl
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import (BUILD, STOCK_QEMU, TOP, Publisher, VMError, log, report,  # noqa: E402
                      skip_all as skip, summary)
from tickpage import guest_kernel as vm_kernel  # noqa: E402

URI = "qemu:///system"
INITRD = os.path.join(BUILD, "libvirt", "initramfs.cpio.gz")
TICKPAGED = os.path.join(BUILD, "hv", "tickpaged")
# Host B of --crosshost: the test build, which can offset its monotonic clock.
TICKPAGED_TEST = os.path.join(BUILD, "tests", "tickpaged", "tickpaged-test")
MONO_OFFSET_B = "+1000s"
# The patched QEMU: $TICKPAGE_QEMU (as for tests/vm) or scripts/build-qemu's.
PROJECT_QEMU = (os.environ.get("TICKPAGE_QEMU")
                or os.path.join(BUILD, "qemu", "qemu-system-x86_64"))
IMAGES = "/var/lib/libvirt/images"
CAPS_CACHE = "/var/cache/libvirt/qemu/capabilities"
QEMU_USER = "libvirt-qemu"
# Host-true within one period: over the whole run, 90% of the coarse
# reads must lag the fine clock by at most one period, plus the margin
# the driver keeps coarse time behind its measured offset (its margin_ns,
# which tp-watch reads in the guest: docs/guest-driver.md), plus SLACK_NS
# (scheduling jitter: the publisher, tickpaged or QEMU's timer, is a
# host thread on a busy 2-core machine, and so is every TCG vCPU, which
# also makes the driver's offset measurement low by however long it was
# descheduled: tens of ms were seen right after a realignment). No read
# in any segment may lag by more than STALE_NS, which is what a page not
# realigned after a pause or a restore (seconds off) would show. Every
# late read is printed.
SLACK_NS = int(os.environ.get("TICKPAGE_LIBVIRT_SLACK_US", "2000")) * 1000
STALE_NS = 100_000_000
START = re.compile(r"^TPW-START interval_ms=\d+ margin_ns=(-?\d+)")
LINE = re.compile(r"^TPW n=(\d+) fine0=(\d+) page=(-?\d+) app=(\d+) fine=(\d+) "
                  r"gen=(\d+) upd=(\d+) period=(\d+) st=(\d+)")

def virsh(*args, check=True):
    r = subprocess.run(["virsh", "-q", "-c", URI, *args], capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError(f"virsh {' '.join(args)}: {r.stderr.strip()}")
    return r


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class Daemons:
    """virtlogd and libvirtd, started only if not already answering."""

    def __init__(self, rundir):
        self.rundir = rundir
        self.started = []   # (name, pid)

    def _answers(self):
        return subprocess.run(["virsh", "-c", URI, "version"], capture_output=True,
                              timeout=30).returncode == 0

    def _start(self, name, ready):
        pidfile = os.path.join(self.rundir, f"{name}.pid")
        subprocess.run([name, "-d", "-p", pidfile], check=True)
        for _ in range(100):
            if os.path.exists(pidfile) and open(pidfile).read().strip():
                break
            time.sleep(0.1)
        pid = int(open(pidfile).read().strip())
        self.started.append((name, pid))
        log(f"started {name} (pid {pid})")
        for _ in range(100):
            if ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} started but does not answer")

    def up(self):
        if self._answers():
            log("libvirtd already running: using it, not stopping it")
            return
        if not os.path.exists("/run/libvirt/virtlogd-sock"):
            self._start("virtlogd", lambda: os.path.exists("/run/libvirt/virtlogd-sock"))
        self._start("libvirtd", self._answers)

    def down(self):
        for name, pid in reversed(self.started):
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not pid_alive(pid):
                    break
                time.sleep(0.1)
            else:
                log(f"{name} ignores SIGTERM; SIGKILL")
                os.kill(pid, signal.SIGKILL)
            report(not pid_alive(pid), f"{name} (pid {pid}) that this test started is stopped")
        self.started = []


def lock_host():
    """Wait until no other libvirt test runs on this host, from this
    checkout or any other: a second would use the daemons the first
    started, and lose them when the first stops them. The lock is on
    libvirtd's binary, which every checkout shares and which leaves no
    file behind. Held until the returned file is closed (at exit)."""
    lock = open(shutil.which("libvirtd"))
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def can_use(path, mode_flag):
    """Whether the QEMU user can read/execute PATH (DAC, with its groups)."""
    return subprocess.run(["runuser", "-u", QEMU_USER, "--", "test", mode_flag, path],
                          capture_output=True).returncode == 0


def guest_kernel():
    """The cloud kernel's path, or None when it is not there (make vm-prereqs)."""
    try:
        return vm_kernel()["VMLINUZ"]
    except (VMError, subprocess.CalledProcessError):
        return None


def start_tickpaged(shm, shmem, *options, binary=None):
    """tickpaged (or BINARY) publishing SHM for libvirt, with OPTIONS; a
    started tickpage.Publisher. SHMEM: for libvirt's <shmem>, which opens
    the file read-write as libvirt-qemu and insists on 1 MiB."""
    if shmem:
        extra = ["--quiet", *options, "--size=1M", "--mode=0660", f"--group={QEMU_USER}"]
    else:
        extra = ["--quiet", *options, "--mode=0644"]
    pub = Publisher(shm, extra=extra, binary=binary)
    pub.start()
    log(f"tickpaged pid {pub.proc.pid}: {' '.join(pub.argv())}")
    return pub


def start_domain(name, xml, watch, who="guest", tag=""):
    """virsh define XML and start NAME; True once its tp-watch lines
    (WATCH) say the page serves time, else False, reported."""
    virsh("define", xml)
    t0 = time.monotonic()
    r = virsh("start", name, check=False)
    if not report(r.returncode == 0, f"virsh start {name}{tag}"):
        print(r.stderr)
        return False
    ok = watch.wait(20, 180, served=True)
    report(ok, f"{who} booted and the page serves time ({time.monotonic() - t0:.1f} s)")
    if not ok:
        print(watch.raw()[-3000:])
    return ok


def keep_serial(wd, label):
    """Keep a domain's serial log as build/tests/logs/libvirt-LABEL.serial.log."""
    serial = os.path.join(wd, "serial.log")
    if os.path.exists(serial):
        keep = os.path.join(BUILD, "tests", "logs", f"libvirt-{label}.serial.log")
        os.makedirs(os.path.dirname(keep), exist_ok=True)
        shutil.copy(serial, keep)
        log(f"guest serial log kept as {keep}")


def nothing_left(guest, paths):
    """Report that no QEMU runs a guest named GUEST... and no PATH is left."""
    qemus = subprocess.run(["pgrep", "-f", f"guest={guest}"], capture_output=True,
                           text=True).stdout.split()
    left = [p for p in paths if os.path.exists(p)]
    report(not qemus and not left,
           f"nothing left behind (QEMU pids {qemus or 'none'}, files {left or 'none'})")


WATCH_CMDLINE = "tpvm.load=tickpage tpvm.run=/bin/tp-watch"


def base_xml(name, wd, emulator, guest=WATCH_CMDLINE):
    """A plain TCG domain booting the test guest: no tickpage yet. GUEST:
    what tests/vm/init loads and runs in it (kernel command line)."""
    # no_timer_check: under TCG on a loaded host the kernel's early check
    # of the IO-APIC timer can miss its window and panic ("IO-APIC +
    # timer doesn't work"), as a CI run beside other load saw once.
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{wd}/vmlinuz</kernel>
    <initrd>{wd}/initrd</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet no_timer_check {guest}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{emulator}</emulator>
    <serial type='file'>
      <source path='{wd}/serial.log' append='on'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
"""


class Watch:
    """The TPW lines of the guest's serial log."""

    def __init__(self, path):
        self.path = path

    def lines(self):
        """The TPW lines as dicts, each with the driver's margin_ns from
        the TPW-START line before it (-1: tp-watch could not read it)."""
        try:
            with open(self.path, errors="replace") as f:
                text = f.read()
        except OSError:
            return []
        out, margin = [], -1
        for l in text.splitlines():
            m = START.match(l)
            if m:
                margin = int(m.group(1))
            m = LINE.match(l)
            if m:
                v = [int(x) for x in m.groups()]
                out.append(dict(zip(("n", "fine0", "page", "app", "fine", "gen", "upd",
                                     "period", "st"), v), margin=margin))
        return out

    def raw(self):
        try:
            with open(self.path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait(self, count, timeout, served=False):
        """Wait until COUNT more lines (page-served ones if SERVED)."""
        start = len(self.lines())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = self.lines()[start:]
            if served:
                new = [l for l in new if l["page"] >= 0]
            if len(new) >= count:
                return True
            time.sleep(0.2)
        return False


def check_segment(lines, what, whole=False):
    """Coarse time in LINES: non-decreasing, never above fine, within a
    period (+ slack) of it. Returns the worst lag seen, ns."""
    worst = 0
    lags = []
    back_page = back_app = above = late = stale = 0
    last_page = last_app = None
    margin = max((l["margin"] for l in lines), default=-1)
    report(margin >= 0, f"{what}: tp-watch read the driver's margin_ns ({margin} ns)")
    budget = max(margin, 0) + SLACK_NS
    for l in lines:
        if l["page"] >= 0:
            if last_page is not None and l["page"] < last_page:
                back_page += 1
            last_page = l["page"]
            if l["page"] > l["fine"]:
                above += 1
            lag = l["fine0"] - l["page"]
            worst = max(worst, lag)
            lags.append(lag)
            if lag > l["period"] + budget:
                late += 1
                if whole:
                    log(f"late read: n={l['n']} lag {lag / 1e6:.3f} ms, status {l['st']}, "
                        f"generation {l['gen']}")
            if lag > STALE_NS:
                stale += 1
        if last_app is not None and l["app"] < last_app:
            back_app += 1
        last_app = l["app"]
        if l["app"] > l["fine"]:
            above += 1
    served = len(lags)
    if lags:
        lags.sort()
        log(f"{what}: lag of coarse behind fine0, ms: min {lags[0] / 1e6:.3f} "
            f"median {lags[len(lags) // 2] / 1e6:.3f} max {lags[-1] / 1e6:.3f}")
    report(back_page == 0 and back_app == 0,
           f"{what}: coarse monotonic never went back ({len(lines)} lines, "
           f"{back_page} page / {back_app} app regressions)")
    report(above == 0, f"{what}: coarse never ahead of fine monotonic ({above} were)")
    if whole:
        report(served > 0 and late * 10 <= served and stale == 0,
               f"{what}: page served {served}/{len(lines)} reads; {served - late} within one "
               f"period + {budget // 1000} us of fine (90% needed), worst lag "
               f"{worst / 1e6:.3f} ms (at most {STALE_NS // 1000000} ms)")
    else:
        report(served > 0 and stale == 0,
               f"{what}: page served {served}/{len(lines)} reads, worst lag "
               f"{worst / 1e6:.3f} ms (at most {STALE_NS // 1000000} ms), "
               f"{late} beyond one period + {budget // 1000} us")
    return worst


def last_served(lines):
    for l in reversed(lines):
        if l["page"] >= 0:
            return l
    return None


def crosshost(name, wd, watch, pubs, rounds):
    """ROUNDS of virsh save, then virsh restore --xml onto the other
    host's page (PUBS: host A's and host B's started Publishers)."""
    save = os.path.join(wd, "save.img")
    gens = [p.page()["generation"] for p in pubs]
    log(f"host A: {pubs[0].name} {pubs[0].path} generation {gens[0]}; host B: "
        f"{pubs[1].name} {pubs[1].path} generation {gens[1]}, monotonic "
        f"{(pubs[1].page()['monotonic_ns'] - pubs[0].page()['monotonic_ns']) / 1e9:+.3f} s")
    report(gens[0] != gens[1], "the two hosts' pages have different generations")
    for i in range(rounds):
        src, dst = pubs[i % 2], pubs[(i + 1) % 2]
        to = "AB"[(i + 1) % 2]
        n_before = len(watch.lines())
        t0 = time.monotonic()
        r = virsh("save", name, save, check=False)
        if not report(r.returncode == 0, f"round {i + 1}: virsh save on host {'AB'[i % 2]} "
                      f"in {time.monotonic() - t0:.1f} s ({r.stderr.strip()})"):
            return
        xml = virsh("save-image-dumpxml", save).stdout
        old = f"mem-path={src.path},"
        moved = xml.replace(old, f"mem-path={dst.path},")
        if not report(xml.count(old) == 1 and moved != xml,
                      f"round {i + 1}: the saved XML maps {src.path} once; pointed at {dst.path}"):
            print(xml)
            return
        edited = os.path.join(wd, "restore.xml")
        with open(edited, "w") as f:
            f.write(moved)
        t0 = time.monotonic()
        r = virsh("restore", save, "--xml", edited, check=False)
        if not report(r.returncode == 0, f"round {i + 1}: virsh restore --xml onto host {to} "
                      f"in {time.monotonic() - t0:.1f} s ({r.stderr.strip()})"):
            return
        cmdline = ""
        pid = subprocess.run(["pgrep", "-f", f"guest={name}"], capture_output=True,
                             text=True).stdout.split()
        if pid:
            with open(f"/proc/{pid[0]}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        report(f"mem-path={dst.path}," in cmdline,
               f"round {i + 1}: the restored QEMU maps host {to}'s page {dst.path}")
        ok = watch.wait(15, 90, served=True)
        lines = watch.lines()[n_before - 1:]
        served = [l for l in lines if l["page"] >= 0]
        report(ok and served[-1]["gen"] == gens[(i + 1) % 2],
               f"round {i + 1}: the page serves again, host {to}'s generation "
               f"({served[-1]['gen'] if served else None}, want {gens[(i + 1) % 2]}) "
               f"{time.monotonic() - t0:.1f} s after virsh restore")
        after = [l for l in lines[1:] if l["gen"] == gens[(i + 1) % 2]]
        fell = next((k for k, l in enumerate(after) if l["page"] >= 0), len(after))
        log(f"round {i + 1}: {fell} line(s) of 100 ms on host {to}'s page before it "
            f"served (realignment)")
        check_segment(lines, f"round {i + 1} (host {'AB'[i % 2]} -> {to})")
    try:
        os.unlink(save)
    except OSError:
        pass


def run(mode, wd, name, daemons, rounds=0):
    watch = Watch(os.path.join(wd, "serial.log"))
    tickpaged = None
    shm = f"/dev/shm/{name}"
    emulator = STOCK_QEMU
    xml_args = ["--mode", mode]
    try:
        if mode != "device":
            # At real-time priority, as the unit runs it: a page that a
            # loaded host leaves seconds old would fail the checks below.
            # libvirt's <shmem>: QEMU maps it writable, 1 MiB at least.
            tickpaged = start_tickpaged(shm, mode == "shmem-writable", "--sched=fifo")
            xml_args += ["--shmem-name", name]
            st = os.stat(shm)
            report(can_use(shm, "-r") and (mode != "shmem-writable" or can_use(shm, "-w")),
                   f"{shm} ({oct(st.st_mode & 0o777)}, {st.st_size} bytes) usable by {QEMU_USER}")
        if mode.startswith("device"):
            # The build lives in a cache under $HOME, which libvirt-qemu
            # cannot reach: run a copy from the domain's directory, with
            # Debian's firmware (-L) since the copy has no build tree.
            # The build is ours, so QEMU's own path is used when it can.
            real = os.path.realpath(PROJECT_QEMU)
            if can_use(real, "-x"):
                emulator = real
            else:
                emulator = os.path.join(wd, "qemu-system-x86_64")
                shutil.copy2(real, emulator)
                log(f"{real} is out of {QEMU_USER}'s reach: using a copy, {emulator}")
            xml_args += ["--emulator", emulator]
            if mode == "device":
                xml_args += ["--period", "1ms"]
            if emulator != real:
                xml_args += ["--datadir=/usr/share/qemu", "--datadir=/usr/share/seabios",
                             "--datadir=/usr/lib/ipxe/qemu"]

        base = os.path.join(wd, "base.xml")
        with open(base, "w") as f:
            f.write(base_xml(name, wd, STOCK_QEMU))
        final = os.path.join(wd, "domain.xml")
        r = subprocess.run([os.path.join(TOP, "scripts", "tickpage-virt-xml"), *xml_args,
                            base, "-o", final], capture_output=True, text=True)
        if not report(r.returncode == 0, f"tickpage-virt-xml {' '.join(xml_args)}"):
            print(r.stderr)
            return
        if not start_domain(name, final, watch):
            return
        boot = watch.lines()
        check_segment(boot, "boot")

        if rounds:
            pub_b = start_tickpaged(shm + "-b", False, "--sched=fifo",
                                    f"--test-mono-offset={MONO_OFFSET_B}",
                                    binary=TICKPAGED_TEST)
            try:
                crosshost(name, wd, watch, [tickpaged, pub_b], rounds)
                check_segment(watch.lines(), "whole run", whole=True)
            finally:
                pub_b.close()
            return

        # ---- suspend / resume ----
        before = last_served(boot)
        virsh("suspend", name)
        report(virsh("domstate", name).stdout.strip() == "paused", "virsh suspend: paused")
        time.sleep(2)
        virsh("resume", name)
        ok = watch.wait(15, 60, served=True)
        after_lines = watch.lines()
        report(ok, "after resume the page serves again")
        seg = after_lines[len(boot) - 1:]
        check_segment(seg, "suspend/resume")
        after = last_served(after_lines)
        if mode == "device":
            # The device publishes the VM clock: it stopped with the VM.
            d_page = after["page"] - before["page"]
            d_fine = after["fine"] - before["fine"]
            report(abs(d_page - d_fine) < 50_000_000,
                   f"device: page monotonic stopped with the VM (page +{d_page / 1e6:.0f} ms, "
                   f"fine +{d_fine / 1e6:.0f} ms)")

        # ---- save / restore ----
        save = os.path.join(wd, "save.img")
        gen_before = last_served(watch.lines())["gen"]
        n_before = len(watch.lines())
        r = virsh("save", name, save, check=False)
        if mode == "shmem-ro":
            report(r.returncode != 0 and "Migration is disabled" in r.stderr,
                   "shmem-ro: libvirt refuses to save a read-only peer ivshmem "
                   f"({r.stderr.strip().splitlines()[-1] if r.stderr else 'saved!'})")
            report(virsh("domstate", name).stdout.strip() == "running",
                   "shmem-ro: the domain keeps running after the refused save")
            watch.wait(10, 60, served=True)
        else:
            report(r.returncode == 0, f"virsh save ({r.stderr.strip()})")
            report(virsh("domstate", name).stdout.strip() == "shut off", "saved domain is shut off")
            time.sleep(2)
            r = virsh("restore", save, check=False)
            report(r.returncode == 0, f"virsh restore ({r.stderr.strip()})")
            ok = watch.wait(15, 90, served=True)
            report(ok, "after restore the page serves again")
            lines = watch.lines()
            check_segment(lines[n_before - 1:], "save/restore")
            gen_after = last_served(lines)["gen"]
            if mode == "device":
                report(gen_after != gen_before,
                       f"device: generation changed on restore ({gen_before} -> {gen_after})")
            else:
                log(f"{mode}: generation {gen_before} -> {gen_after} (tickpaged did not restart)")
            os.unlink(save)

        check_segment(watch.lines(), "whole run", whole=True)
        tail = watch.lines()[-1]
        log(f"last line: {tail}")
    finally:
        virsh("destroy", name, check=False)
        virsh("undefine", name, check=False)
        if tickpaged:
            tickpaged.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("shmem-ro", "device-shared", "device", "shmem-writable"),
                    required=True)
    ap.add_argument("--crosshost", type=int, nargs="?", const=2, default=0, metavar="N")
    a = ap.parse_args()
    mode = a.mode
    if a.crosshost and mode != "device-shared":
        ap.error("--crosshost: with --mode=device-shared only")

    if os.geteuid() != 0:
        skip("needs root: it runs the system libvirt daemon (qemu:///system)")
    for tool in ("libvirtd", "virtlogd", "virsh", "virt-xml-validate", "runuser"):
        if not shutil.which(tool):
            skip(f"{tool} missing (run scripts/setup)")
    vmlinuz = guest_kernel()
    if not vmlinuz or not os.path.exists(vmlinuz):
        skip("guest kernel missing (make vm-prereqs)")
    if not os.path.exists(INITRD):
        skip(f"{INITRD} missing (make libvirt-prereqs)")
    if mode.startswith("device") and not os.path.exists(PROJECT_QEMU):
        skip(f"{PROJECT_QEMU} missing (scripts/build-qemu)")
    if mode != "device" and not os.path.exists(TICKPAGED):
        skip(f"{TICKPAGED} missing (make)")
    if a.crosshost and (not os.access(TICKPAGED_TEST, os.X_OK) or "--test-mono-offset" not in
                        subprocess.run([TICKPAGED_TEST, "--help"], capture_output=True,
                                       text=True).stdout):
        skip(f"{TICKPAGED_TEST} missing or without --test-mono-offset (make check builds it)")

    lock = lock_host()  # noqa: F841 (held until exit)

    name = f"tickpage-test-{mode}{'-crosshost' if a.crosshost else ''}-{os.getpid()}"
    wd = os.path.join(IMAGES, name)
    rundir = f"/run/{name}"
    os.makedirs(rundir)
    daemons = Daemons(rundir)
    caps_before = set(glob.glob(os.path.join(CAPS_CACHE, "*.xml")))
    try:
        # libvirt-qemu must read the kernel and initramfs: they live in
        # the domain's own directory, which libvirt chowns while it runs.
        os.makedirs(wd, mode=0o755)
        os.chmod(wd, 0o755)
        shutil.copy(vmlinuz, os.path.join(wd, "vmlinuz"))
        shutil.copy(INITRD, os.path.join(wd, "initrd"))
        daemons.up()
        run(mode, wd, name, daemons, a.crosshost)
    except Exception as e:  # report, then clean up all the same
        report(False, f"{type(e).__name__}: {e}")
        serial = os.path.join(wd, "serial.log")
        if os.path.exists(serial):
            print(open(serial, errors="replace").read()[-3000:])
    finally:
        gone = virsh("list", "--all", "--name", check=False).stdout.split() \
            if daemons.started or os.path.exists("/run/libvirt/libvirt-sock") else []
        report(name not in gone, f"no domain {name} left")
        # libvirt caches what it probed of each emulator path: drop what
        # this test added for the project's QEMU (Debian's stays, as any
        # use of libvirt would leave it).
        for f in set(glob.glob(os.path.join(CAPS_CACHE, "*.xml"))) - caps_before:
            try:
                if "<emulator>/usr/bin/" not in open(f, errors="replace").read():
                    os.unlink(f)
            except OSError:
                pass
        keep_serial(wd, mode + ("-crosshost" if a.crosshost else ""))
        shutil.rmtree(wd, ignore_errors=True)
        for f in glob.glob(f"/var/log/libvirt/qemu/{name}.log*"):
            os.unlink(f)
        daemons.down()
        shutil.rmtree(rundir, ignore_errors=True)
        nothing_left(name, [wd, rundir, f"/dev/shm/{name}", f"/dev/shm/{name}-b",
                            f"/var/log/libvirt/qemu/{name}.log"]
                     + [f for f in set(glob.glob(os.path.join(CAPS_CACHE, "*.xml"))) - caps_before
                        if "<emulator>/usr/bin/" not in open(f, errors="replace").read()])

    summary()


if __name__ == "__main__":
    main()
