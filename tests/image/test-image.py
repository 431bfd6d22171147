#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The Debian 12 guest image (scripts/build-guest-image) booted as a user
would boot it: systemd, udev, chrony, Debian's cloud kernel with the
module DKMS built in the image, our packages installed with apt. One
boot per host mode, every check in that boot:

  ivshmem  tickpaged's page, Debian's stock QEMU, ivshmem-plain read-only
  shared   tickpaged's page, the project's QEMU, -device tickpage,memdev=

Checks: systemd reaches "running"; udev loaded tickpage.ko (the DKMS
build) for the device, nobody else did; tickpage-check passes; a program
built with `pkg-config --cflags --libs tickpage` against the packaged
libtickpage-dev (on this host, from the .debs) reads both coarse clocks
from the page, and its realtime is the host's; with the packaged chrony
snippet enabled, `chronyc sources` lists the driver's PHC.

With --kernel patched, the image's second kernel: the patched one that
`make deb` packaged (linux-image-6.1.N-tickpage) and apt installed in
the image, booted without an initrd. The same checks, but the driver is
built in (bound to the device with no module anywhere), and on top,
tests/kernel/'s tp-coarse proves that the vDSO serves both coarse clocks
from the page: clock_getres() is the page's period, their steps and
values are the page's, vDSO and system call agree, and they are read
with the time system calls forbidden (seccomp).

With --libvirt, the same image and the same checks, but the guest is a
domain that the real libvirt daemon runs (started as tests/libvirt/
does), as a user would: a plain domain (the image's disk, its kernel,
two serial ports) to which scripts/tickpage-virt-xml adds the page,
then virsh define and virsh start: ivshmem is its default mode,
shmem-ro (Debian's QEMU, ivshmem-plain read-only), shared its
device-shared mode (the project's QEMU, -device tickpage,memdev=).

Usage: tests/image/test-image.py --mode ivshmem|shared [--libvirt]
                                  [--kernel debian|patched]
"""
import argparse
import base64
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import (BUILD, PROJECT_QEMU, STOCK_QEMU, TOP, PageHost, log, report,  # noqa: E402
                      skip_all, summary)
from tickpage.libvirt_vm import LibvirtVM, unix_serial  # noqa: E402

PERIOD_NS = 1000000
SLACK_US_KVM = 50000           # tickpage-check --slack-us, as tests/guest/e2e.py
SLACK_US_TCG = 1000000
SLACK_NS = 2000000000          # TCG on a loaded host: generous, still catches a dead page
BOOT_TIMEOUT = 900             # systemd under TCG on 2 busy cores
PROG_SRC = os.path.join(TOP, "tests", "image", "coarse-clocks.c")
TP_COARSE = os.path.join(BUILD, "tests", "image", "tp-coarse")
DEB_DIR = os.environ.get("TICKPAGE_DEB_DIR", os.path.join(BUILD, "deb"))


def image_env():
    """The cached image's variables (scripts/build-guest-image --print),
    or skip: building it is make guest-image's job, not a test's.
    $TICKPAGE_IMAGE_ENV: another image's image.env instead
    ($TICKPAGE_IMAGE_APPEND: more kernel command line)."""
    for tool in ("mmdebstrap", "apt-ftparchive", "qemu-img"):
        if not shutil.which(tool):
            skip_all(f"{tool} missing (apt-get install mmdebstrap apt-utils qemu-utils)")
    if os.environ.get("TICKPAGE_IMAGE_ENV"):
        with open(os.environ["TICKPAGE_IMAGE_ENV"]) as f:
            text = f.read()
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    r = subprocess.run([os.path.join(TOP, "scripts", "build-guest-image"), "--print",
                        "--deb-dir", DEB_DIR], capture_output=True, text=True)
    if r.returncode != 0:
        skip_all(f"guest image not built (make guest-image): {r.stderr.strip()}")
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


def build_program(work):
    """coarse-clocks, compiled here the way a user would in the guest:
    with pkg-config's flags from the packaged libtickpage-dev (the .debs
    unpacked into a sysroot), linked to libtickpage.so.1."""
    sysroot = os.path.join(work, "sysroot")
    for pkg in ("libtickpage-dev", "libtickpage1"):
        debs = sorted(glob.glob(os.path.join(DEB_DIR, f"{pkg}_*.deb")))
        subprocess.run(["dpkg-deb", "-x", debs[-1], sysroot], check=True)
    pc = glob.glob(os.path.join(sysroot, "usr/lib/*/pkgconfig/tickpage.pc"))
    env = {**os.environ, "PKG_CONFIG_SYSROOT_DIR": sysroot,
           "PKG_CONFIG_LIBDIR": os.path.dirname(pc[0])}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "tickpage"], env=env,
                           check=True, capture_output=True, text=True).stdout.split()
    log(f"pkg-config --cflags --libs tickpage: {' '.join(flags)}")
    out = os.path.join(work, "coarse-clocks")
    subprocess.run(["cc", "-O2", "-s", "-o", out, PROG_SRC, *flags], check=True)
    return out


def guest_print(out):
    """A guest command's output, indented: its own PASS/FAIL lines are
    not this test's."""
    for line in out.splitlines():
        print(f"  | {line}")


def put_file(vm, data, path, chunk=3000):
    """Copy DATA to the guest's PATH over the command channel, in chunks
    (a long line is what a busy TCG UART garbles)."""
    vm.check(f": > {path}.b64")
    b64 = base64.b64encode(data).decode()
    for i in range(0, len(b64), chunk):
        vm.check(f"printf %s '{b64[i:i + chunk]}' >> {path}.b64")
    vm.check(f"base64 -d {path}.b64 > {path} && rm {path}.b64 && chmod 755 {path}")


def bound_devices(vm):
    """The PCI devices the tickpage driver is bound to (one expected),
    and udev's record of it."""
    devs = vm.check("ls -d /sys/bus/pci/drivers/tickpage/0000:* 2>/dev/null || :").split()
    report(len(devs) == 1, f"the tickpage driver is bound to one PCI device: "
           f"{' '.join(devs) or 'none'}")
    if devs:
        udev = vm.check(f"udevadm info {devs[0]}")
        report(re.search(r"^E: DRIVER=tickpage$", udev, re.M) is not None,
               "udev's database has the device with DRIVER=tickpage")
    return devs


def check_udev_module(vm, env):
    """Debian's kernel: udev loaded the module, for the device, and the
    module is the one DKMS built in the image. Nothing in the image loads
    it by name (modules-load.d, /etc/modules) and this test never
    modprobes: the only way in is the device's modalias through udev's
    kmod builtin."""
    devs = bound_devices(vm)
    if devs:
        dev = devs[0]
        alias = vm.check(f"cat {dev}/modalias").strip()
        resolved = vm.check(f"modprobe --resolve-alias '{alias}'").split()
        report("tickpage" in resolved,
               f"the device's modalias {alias} resolves to {resolved}")
    report(vm.run("test -d /sys/module/tickpage")[0] == 0, "tickpage is loaded")
    path = vm.check("modinfo -n tickpage").strip()
    report(f"/lib/modules/{env['KVER']}/updates/dkms/" in path,
           f"the module is DKMS's build for {env['KVER']}: {path}")
    out = vm.check("grep -rsl tickpage /etc/modules /etc/modules-load.d "
                   "/usr/lib/modules-load.d /run/modules-load.d || :")
    report(out.strip() == "", f"nothing loads tickpage by name (modules-load.d, /etc/modules)"
           f"{': ' + out if out.strip() else ''}")
    report(not any(re.search(r"\b(modprobe|insmod)\b", c) and "--resolve-alias" not in c
                   for c, _, _ in vm.transcript),
           "this test loaded no module itself")


def check_builtin(vm, env):
    """The patched kernel: the one apt installed from make deb's package,
    with the driver built in; no module of it exists for this kernel
    (DKMS had no headers to build one), so nothing could load one."""
    release = vm.check("uname -r").strip()
    report(release == env["KVER_PATCHED"],
           f"the patched kernel runs: uname -r {release}, packaged {env['KVER_PATCHED']}")
    pkg = vm.check(f"dpkg-query -W -f '${{Status}} ${{Version}}' linux-image-{release} || :")
    report(pkg.startswith("install ok installed"),
           f"apt installed it as linux-image-{release}: {pkg.strip() or 'not installed'}")
    bound_devices(vm)
    report(vm.run("test -d /sys/module/tickpage && test ! -e /sys/module/tickpage/initstate")[0]
           == 0, "tickpage is built in (/sys/module/tickpage without initstate)")
    out = vm.check(f"find /lib/modules/{release} -name 'tickpage.ko*' 2>/dev/null || :")
    report(out.strip() == "", f"no tickpage module for {release}{': ' + out if out.strip() else ''}")


def check_vdso(vm):
    """tp-coarse page (tests/kernel/): the vDSO serves both coarse clocks
    from the page, with the expected values read from /dev/tickpage."""
    with open(TP_COARSE, "rb") as f:
        put_file(vm, f.read(), "/usr/local/bin/tp-coarse")
    rc, out = vm.run("tp-coarse page", timeout=300)
    guest_print(out)
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    report(rc == 0 and "PASS" in out, f"tp-coarse page: the vDSO serves the coarse clocks "
           f"from the page (rc {rc})" + "".join(f"\n    {line}" for line in fails))


def check_boot(vm, env, prog, patched):
    # 1. systemd: the whole boot, no failed unit.
    rc, out = vm.run("systemctl is-system-running --wait", timeout=600)
    state = out.strip()
    if not report(state == "running", f"systemctl is-system-running: {state}"):
        print(vm.run("systemctl --failed --no-pager; journalctl -b -p warning --no-pager "
                     "| tail -n 40")[1])
    log("boot: " + vm.check("systemd-analyze time || :").strip().replace("\n", " "))

    # 2. Which kernel, and how the driver came in.
    if patched:
        check_builtin(vm, env)
    else:
        check_udev_module(vm, env)
    kmsg = vm.check("journalctl -b -k --no-pager -o cat | grep -i tickpage || :")
    log("kernel: " + kmsg.strip().replace("\n", " | "))

    # 3. tickpage-check, as installed by tickpage-tools (TCG on a busy
    # host: the lag it allows beyond one period is the e2e tests').
    slack = SLACK_US_KVM if vm.accel == "kvm" else SLACK_US_TCG
    rc, out = vm.run(f"tickpage-check --slack-us={slack}")
    guest_print(out)
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    report(rc == 0, f"tickpage-check --slack-us={slack} passes (rc {rc})"
           + "".join(f"\n    {line}" for line in fails))

    # 4. A program linked with pkg-config --libs tickpage.
    with open(prog, "rb") as f:
        put_file(vm, f.read(), "/usr/local/bin/coarse-clocks")
    libs = vm.check("ldd /usr/local/bin/coarse-clocks")
    report(re.search(r"libtickpage\.so\.1 => (/usr)?/lib/\S+/libtickpage\.so\.1", libs) is not None,
           "coarse-clocks runs against the packaged libtickpage.so.1")
    t = vm.run_timed("coarse-clocks")
    guest_print(t.out)
    report(t.rc == 0, f"the page serves both coarse clocks to coarse-clocks (rc {t.rc})")
    m = re.search(r"^realtime_coarse rc=0 (\d+)\.(\d+)$", t.out, re.M)
    if m:
        rt = int(m.group(1)) * 10**9 + int(m.group(2))
        lo = t.real_before_ns - PERIOD_NS - SLACK_NS
        report(lo <= rt <= t.real_after_ns,
               f"its realtime is the host's: {(rt - t.real_before_ns) / 1e6:+.1f} ms after "
               f"the host's sample before the command")
    m = re.search(r"^period_ns (-?\d+)$", t.out, re.M)
    report(m is not None and int(m.group(1)) == PERIOD_NS,
           f"period_ns is the host's {PERIOD_NS}: {m and m.group(1)}")
    if patched:
        check_vdso(vm)

    # 5. chrony, with the packaged snippet enabled as README.Debian says.
    report(vm.run("test -c /dev/ptp_tickpage")[0] == 0,
           "udev named the driver's PTP clock /dev/ptp_tickpage")
    vm.check("cp /usr/share/tickpage/chrony-tickpage.conf /etc/chrony/conf.d/tickpage.conf"
             " && systemctl restart chrony")
    out = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rc, out = vm.run("chronyc -n sources")
        if re.search(r"^#\S\s+PHC\d", out, re.M) and re.search(r"^#[*+]", out, re.M):
            break
        time.sleep(3)
    guest_print(out)
    report(re.search(r"^#\S\s+PHC\d", out, re.M) is not None,
           "chronyc sources lists the PHC")
    report(re.search(r"^#\*\s+PHC\d", out, re.M) is not None,
           "chrony selected the PHC (#*)")
    report(vm.run("systemctl is-active chrony")[1].strip() == "active", "chrony is active")


class Libvirt:
    """The libvirt side of --libvirt: the daemons (tests/libvirt/'s own
    code: started unless running, stopped again, one libvirt test on the
    host at a time), the domain's directory in libvirt's images, where
    libvirt-qemu reads copies of the image, kernel and initrd, and
    afterwards nothing left."""

    def __init__(self, label):
        if os.geteuid() != 0:
            skip_all("--libvirt needs root: it runs the system libvirt daemon")
        for tool in ("libvirtd", "virtlogd", "virsh", "virt-xml-validate", "runuser"):
            if not shutil.which(tool):
                skip_all(f"{tool} missing (run scripts/setup)")
        spec = importlib.util.spec_from_file_location(
            "test_daemon", os.path.join(TOP, "tests", "libvirt", "test-daemon.py"))
        self.td = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.td)
        self.lock = self.td.lock_host()
        self.label, self.name = label, f"tickpage-{label}-{os.getpid()}"
        self.wd = os.path.join(self.td.IMAGES, self.name)
        self.rundir = f"/run/{self.name}"
        self.log = f"/var/log/libvirt/qemu/{self.name}.log"
        os.makedirs(self.rundir)
        os.makedirs(self.wd, mode=0o755)
        os.chmod(self.wd, 0o755)
        self.caps = self.caps_files()
        self.daemons = self.td.Daemons(self.rundir)
        self.daemons.up()

    def caps_files(self):
        return set(glob.glob(os.path.join(self.td.CAPS_CACHE, "*.xml")))

    def emulator(self, qemu):
        """QEMU as libvirt-qemu can run it, and the tickpage-virt-xml
        options that go with it: a build under root's cache is copied into
        the domain's directory, with Debian's firmware directories."""
        real = os.path.realpath(qemu)
        if real == STOCK_QEMU or self.td.can_use(real, "-x"):
            return real, []
        copy = os.path.join(self.wd, "qemu-system-x86_64")
        shutil.copy2(real, copy)
        log(f"{real} is out of libvirt-qemu's reach: using a copy, {copy}")
        return copy, [f"--datadir={d}" for d in
                      ("/usr/share/qemu", "/usr/share/seabios", "/usr/lib/ipxe/qemu")]

    def vm(self, mode, env, shm):
        """The domain: a plain one made here, the page added by
        scripts/tickpage-virt-xml; a LibvirtVM, not started."""
        t0 = time.monotonic()
        for key, dest in (("IMAGE", "image.qcow2"), ("KERNEL", "vmlinuz"),
                          ("INITRD", "initrd")):
            if env[key]:
                shutil.copy(env[key], os.path.join(self.wd, dest))
        log(f"image, kernel, initrd copied for libvirt-qemu in {time.monotonic() - t0:.1f}s")
        # tests/libvirt/'s plain domain (its kernel command line, serial
        # console, TCG), with the image's disk, more memory, and the
        # command channel's second serial port.
        wd = self.wd
        guest = f"{env['APPEND']} tpvm.cmd=ttyS1 " + os.environ.get("TICKPAGE_IMAGE_APPEND", "")
        root = ET.fromstring(self.td.base_xml(self.name, wd, STOCK_QEMU, guest.strip()))
        root.find("memory").text = "1024"
        if not env["INITRD"]:
            os_el = root.find("os")
            os_el.remove(os_el.find("initrd"))
        devices = root.find("devices")
        devices.append(ET.fromstring(
            f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            f"<source file='{wd}/image.qcow2'/><target dev='vda' bus='virtio'/></disk>"))
        devices.append(ET.fromstring(unix_serial(os.path.join(wd, "cmd.sock"), 1)))
        base = os.path.join(wd, "base.xml")
        ET.ElementTree(root).write(base)
        opts = [f"--shmem-name={os.path.basename(shm)}"]
        if mode == "shared":
            emulator, datadirs = self.emulator(PROJECT_QEMU)
            opts += ["--mode=device-shared", f"--emulator={emulator}", *datadirs]
        xml = os.path.join(wd, "domain.xml")
        r = subprocess.run([os.path.join(TOP, "scripts", "tickpage-virt-xml"), *opts,
                            base, "-o", xml], capture_output=True, text=True)
        if not report(r.returncode == 0, f"tickpage-virt-xml {' '.join(opts)}"):
            print(r.stderr)
            summary()
        with open(xml) as f:
            log("the domain's page: " + " ".join(re.findall(r"value='([^']*tickpage[^']*)'",
                                                            f.read().replace('"', "'"))))
        return LibvirtVM(self.name, xml, wd, boot_timeout=BOOT_TIMEOUT)

    def close(self):
        self.td.keep_serial(self.wd, self.label)
        shutil.rmtree(self.wd, ignore_errors=True)
        for f in glob.glob(self.log + "*"):
            os.unlink(f)
        for f in self.caps_files() - self.caps:     # the copied emulator's
            with open(f, errors="replace") as c:
                if "<emulator>/usr/bin/" not in c.read():
                    os.unlink(f)
        self.daemons.down()
        shutil.rmtree(self.rundir, ignore_errors=True)
        self.td.nothing_left(self.name, [self.wd, self.rundir, self.log])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("ivshmem", "shared"), required=True)
    ap.add_argument("--libvirt", action="store_true",
                    help="a domain run by the libvirt daemon (tickpage-virt-xml)")
    ap.add_argument("--kernel", choices=("debian", "patched"), default="debian",
                    help="Debian's cloud kernel (the default) or the image's patched one")
    a = ap.parse_args()
    env = image_env()
    patched = a.kernel == "patched"
    if patched:
        if not report("KERNEL_PATCHED" in env, "the image has the patched kernel (KERNEL_PATCHED)"):
            summary()
        if not os.path.exists(TP_COARSE):
            skip_all(f"{TP_COARSE} not built (make)")
        # Its own kernel and no initrd: a kernel that boots from the disk.
        env = {**env, "KERNEL": env["KERNEL_PATCHED"], "INITRD": None}
    if a.mode == "shared" and not os.access(PROJECT_QEMU, os.X_OK):
        skip_all(f"{PROJECT_QEMU} not built (make qemu)")
    name = f"image-{'patched-' if patched else ''}{'libvirt-' if a.libvirt else ''}{a.mode}"
    lv = Libvirt(name) if a.libvirt else None
    work = tempfile.mkdtemp(prefix=f"tp{name}-")
    # libvirt's QEMU runs as libvirt-qemu: the page must be readable by it.
    host = PageHost(a.mode, work, env["INITRD"], "tickpage-image", period_ns=PERIOD_NS,
                    extra=["--mode=0644"] if lv else [])
    try:
        if not host.pub.available():
            skip_all(f"{host.pub.binary} not built (make)")
        prog = build_program(work)
        report(host.pub.start(check=False), f"{host.pub.name} publishes {host.shm}")
        if lv:
            vm = lv.vm(a.mode, env, host.shm)
        else:
            drive = ["-drive", f"file={env['IMAGE']},if=virtio,format=qcow2,snapshot=on"]
            vm = host.vm(name=name, kernel=env["KERNEL"], initrd=env["INITRD"] or False,
                         qemu=STOCK_QEMU if a.mode == "ivshmem" else PROJECT_QEMU,
                         args=host.args + drive, mem=1024, boot_timeout=BOOT_TIMEOUT,
                         append=f"{env['APPEND']} tpvm.cmd=ttyS1 "
                         + os.environ.get("TICKPAGE_IMAGE_APPEND", ""))
        with vm:
            log(f"command channel up {vm.boot_seconds:.1f}s after start")
            check_boot(vm, env, prog, patched)
    finally:
        host.close()
        if lv:
            lv.close()
    summary()


if __name__ == "__main__":
    main()
