#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""End-to-end tests of tickpage.ko, libtickpage and tickpage-check in
booted guests (tests/lib/tickpage), in each host mode:

  ivshmem   tickpaged writes the page into a shared-memory file that
            stock QEMU maps into the guest with ivshmem-plain
  device    the project's QEMU (build/qemu/) with -device tickpage
  shared    the project's QEMU mapping tickpaged's page read-only:
            -device tickpage,memdev=ID

Usage: tests/guest/e2e.py SCENARIO [--mode ivshmem|device|shared]
Scenarios: basic, pause, migrate, restart, refuse, unplug, modload,
step (host wall-clock step, simulated in tickpaged), torture (100 us),
slow (100 ms), crosshost (20 migrations between two tickpaged pages,
shared mode).
One PASS/FAIL/SKIP line per check, exit 0/1/77 (tests/run).
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage import (BUILD, PROJECT_QEMU, PageHost, Publisher, PublisherError, QMPError,  # noqa: E402
                      VMError, host_libs, ivshmem_args, log, make_initramfs, report, skip,
                      skip_all, summary, write_bad)
from tickpage.page import ABI_MAJOR, ABI_MINOR  # noqa: E402
from tickpage.publisher import TESTPUB, TICKPAGED  # noqa: E402

KO = os.path.join(BUILD, "guest/driver/tickpage.ko")
CHECK = os.path.join(BUILD, "vdso/tools/tickpage-check")
PRELOAD = os.path.join(BUILD, "vdso/lib/libtickpage-preload.so")
PROBE = os.path.join(BUILD, "tests/guest/preload-probe")
# tickpaged's test build: the only one with the clock seam
# (--test-wall-offset-file, docs/tickpaged.md).
TICKPAGED_TEST = os.path.join(BUILD, "tests/tickpaged/tickpaged-test")
PERIOD_NS = 1000000
# Coarse monotonic may lag the guest clock by one period plus jitter.
# That bound is a sanity check, not a measurement (the lag percentiles
# are printed; `make bench` measures them). Under TCG the guest's vCPUs,
# the publisher and whatever else runs share two host cores: a starved
# guest sees its clock (QEMU's virtual clock) run on while neither the
# publisher nor the driver's check gets to run, so the tail is the host
# scheduler's and the bound must be generous.
SLACK_US_KVM = 50000
SLACK_US_TCG = 1000000


def slack_us(vm):
    return SLACK_US_KVM if vm.accel == "kvm" else SLACK_US_TCG
BAD_DMESG = re.compile(r"BUG|WARNING|Oops|Call Trace|general protection|"
                       r"Unable to handle|refcount_t|list_del corruption")

# -- host side ----------------------------------------------------------


def initramfs(workdir):
    """Module, tickpage-check, and for the preload test the host's own
    dynamic loader and libc (the busybox guest has none)."""
    files = [f"{PRELOAD}:/lib/tickpage-preload/libtickpage-preload.so",
             f"{PROBE}:/bin/preload-probe"] + host_libs(PRELOAD, PROBE)
    out = os.path.join(workdir, "initramfs.cpio.gz")
    return make_initramfs(out, modules=[KO], bins=[CHECK], files=files)


def Env(mode, hotplug=False, master=False):
    """One scenario's host setup: publisher or project QEMU, and VMs."""
    work = tempfile.mkdtemp(prefix="tickpage-e2e-")
    return PageHost(mode, work, initramfs(work), "tickpage-e2e", hotplug, master)


def dmesg_clean(vm, what):
    out = vm.check("dmesg")
    bad = [l for l in out.splitlines() if BAD_DMESG.search(l)]
    report(not bad, f"{what}: no warning/oops in dmesg"
           + ("" if not bad else ": " + " | ".join(bad[:3])))
    return out


def run_check(vm, label, args="", timeout=120):
    t = vm.run_timed(f"tickpage-check {args}", timeout)
    for line in t.out.splitlines():
        print(f"    {line}")
    report(t.rc == 0, f"{label}: tickpage-check {args} (rc={t.rc})")
    return t


def reader_result(out):
    m = re.search(r"# reader page=(\d+) fallback=(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


# -- scenarios ------------------------------------------------------------


def basic(env):
    with env.vm(name="basic") as vm:
        log(f"booted in {vm.boot_seconds:.2f}s ({vm.accel})")
        dm = vm.check("dmesg")
        bound = [l for l in dm.splitlines() if "tickpage" in l and "time page ABI" in l]
        report(len(bound) == 1, "driver bound the page: " + (bound[0].strip() if bound else "no line"))
        st = vm.wait_driver_status("ok")
        report(st == "ok", f"sysfs status is ok ({st})")
        abi = f"{ABI_MAJOR}.{ABI_MINOR}"
        report(vm.driver_attr("abi") == abi, f"sysfs abi is {abi}, the header's")
        report(vm.driver_attr("period_ns") == str(PERIOD_NS), f"sysfs period_ns is {PERIOD_NS}")
        report(vm.driver_attr("device") not in ("", "none"), "sysfs device names the PCI device")

        # Host-true: what the guest read lies between the host's samples.
        t = vm.run_timed("tickpage-check --print")
        kv = dict(l.split("=", 1) for l in t.out.split() if "=" in l)
        if "realtime" in kv:
            sec, nsec = kv["realtime"].split(".")
            rt = int(sec) * 10**9 + int(nsec)
            lo = t.real_before_ns - PERIOD_NS - slack_us(vm) * 1000
            report(lo <= rt <= t.real_after_ns,
                   f"host-true: page realtime {(rt - t.real_before_ns) / 1e6:+.3f} ms from the "
                   f"host clock before the command ({(t.real_after_ns - t.real_before_ns) / 1e6:.1f} ms round trip)")
        else:
            report(False, f"tickpage-check --print gave no realtime: {t.out!r}")

        run_check(vm, "invariants", f"--duration=3000 --slack-us={slack_us(vm)} "
                  f"--host-realtime={t.real_before_ns / 1e9:.9f} --tolerance-ms=10000")

        # An unmodified program under LD_PRELOAD gets the page's clocks.
        t = vm.run_timed("LD_PRELOAD=/lib/tickpage-preload/libtickpage-preload.so preload-probe")
        print("    " + t.out.replace("\n", "\n    "))
        m = re.search(r"realtime_coarse=0 (\d+)\.(\d+) res=0 (\d+)\.(\d+)", t.out)
        report(t.rc == 0 and m and int(m.group(3)) * 10**9 + int(m.group(4)) == PERIOD_NS,
               "preload: clock_getres(CLOCK_REALTIME_COARSE) is the page period, not the tick")
        if m:
            rt = int(m.group(1)) * 10**9 + int(m.group(2))
            report(t.real_before_ns - PERIOD_NS - slack_us(vm) * 1000 <= rt <= t.real_after_ns,
                   "preload: CLOCK_REALTIME_COARSE host-true")
        t2 = vm.run("preload-probe")[1]
        m2 = re.search(r"realtime_coarse=0 \S+ res=0 (\d+)\.(\d+)", t2)
        report(m2 and int(m2.group(1)) * 10**9 + int(m2.group(2)) != PERIOD_NS,
               "without the preload the kernel's resolution shows (the probe discriminates)")
        dmesg_clean(vm, "basic")


def pause(env):
    with env.vm(name="pause") as vm:
        gen0 = vm.driver_attr("generation")
        h = vm.spawn("tickpage-check --reader=6000")
        time.sleep(1.5)
        vm.pause()
        time.sleep(1.0)
        vm.resume()
        rc, out = vm.reap(h, 120)
        print("    " + out.replace("\n", "\n    "))
        report(rc == 0, "reader across pause/resume: monotonic never back, never ahead")
        page, fb = reader_result(out)
        report(page > 0, f"reader used the page ({page} page reads, {fb} fallbacks)")
        report(vm.wait_driver_status("ok") == "ok", "status ok after resume")
        log(f"generation {gen0} -> {vm.driver_attr('generation')}")
        run_check(vm, "after resume", f"--duration=1000 --slack-us={slack_us(vm)}")
        dmesg_clean(vm, "pause")


def migrate(env):
    vm = env.vm(name="migrate")
    vm.start()
    try:
        gen0 = int(vm.driver_attr("generation"))
        h = vm.spawn("tickpage-check --reader=8000")
        time.sleep(1.5)
        # Not x-ignore-shared: QEMU 7.2 refuses it for an ivshmem BAR
        # ("Mismatched GPAs": the destination has not mapped the BAR when
        # RAM loads). So the incoming side writes the saved copy of the
        # page into tickpaged's file until tickpaged's next publication.
        t0 = time.monotonic()
        vm2 = vm.migrate()
        log(f"migrated to file and back in via -incoming in {time.monotonic() - t0:.2f}s")
        vm = vm2
        rc, out = vm.reap(h, 120)
        print("    " + out.replace("\n", "\n    "))
        report(rc == 0, "reader across migration: monotonic never back, never ahead")
        report(vm.wait_driver_status("ok") == "ok", "status ok after migration")
        gen1 = int(vm.driver_attr("generation"))
        if env.mode == "device":
            report(gen1 != gen0, f"incoming migration changed the generation ({gen0} -> {gen1})")
        else:
            log(f"generation {gen0} -> {gen1} (same tickpaged: no change expected)")
        run_check(vm, "after migration", f"--duration=1000 --slack-us={slack_us(vm)}")
        dmesg_clean(vm, "migrate")
    finally:
        vm.shutdown()


def crosshost(env, n=20):
    """Migration between two hosts, on one machine: host B is a second
    tickpaged on its own file, with its own generation and (where the test
    build can) a monotonic clock 1000 s ahead. The guest, with a reader
    running, goes A -> B -> A ... N times: monotonic never back and never
    ahead of the guest's own, and each landing serves the new host's page
    again."""
    if env.mode != "shared":
        skip("crosshost: needs the shared-page device (each host its own page)")
        return
    shm_b = env.shm + "-b"
    extra = []
    if "--test-mono-offset" in subprocess.run([TICKPAGED_TEST, "--help"],
                                              capture_output=True, text=True).stdout:
        extra = ["--test-mono-offset=+1000s"]
    pub_b = Publisher(shm_b, binary=TICKPAGED_TEST, extra=extra)
    pub_b.start()
    hosts = [env.args, [a.replace(f"mem-path={env.shm},", f"mem-path={shm_b},")
                        for a in env.args]]
    vm = env.vm(name="crosshost")
    vm.start()
    try:
        h = vm.spawn(f"tickpage-check --reader={n * 4000}")
        time.sleep(1)
        gens, waits, bad = [int(vm.driver_attr("generation"))], [], 0
        for i in range(n):
            mig = os.path.join(env.work, "migration.bin")
            vm = vm.migrate(path=mig, name=f"crosshost{i + 1}", args=hosts[(i + 1) % 2])
            st, gen, waited = vm.wait_new_generation(gens[-1])
            waits.append(waited)
            bad += st != "ok" or gen == gens[-1]
            gens.append(gen)
        log(f"generations {gens[:4]}..., page served again after "
            f"{min(waits):.2f}..{max(waits):.2f} s (median {sorted(waits)[n // 2]:.2f} s)")
        report(bad == 0, f"{n} landings on the other host: each served its page, "
               f"a new generation, within {max(waits):.2f} s ({bad} not)")
        rc, out = vm.reap(h, n * 4 + 120)
        print("    " + out.replace("\n", "\n    "))
        report(rc == 0, f"reader across {n} cross-host migrations: monotonic never back, never ahead")
        run_check(vm, "after the last landing", f"--duration=1000 --slack-us={slack_us(vm)}")
        dmesg_clean(vm, "crosshost")
    finally:
        vm.shutdown()
        pub_b.close()


def restart(env):
    if env.mode == "device":
        skip("restart: the publisher is QEMU itself in device mode")
        return
    with env.vm(name="restart") as vm:
        gen0 = int(vm.driver_attr("generation"))
        h = vm.spawn("tickpage-check --reader=12000")
        time.sleep(1)
        env.pub.stop(signal.SIGKILL)
        st = vm.wait_driver_status("stale")
        report(st == "stale", f"{env.pub.name} killed: page marked stale (status {st})")
        run_check(vm, "stale page", "--absent")
        env.pub.start()
        st = vm.wait_driver_status("ok")
        gen1 = int(vm.driver_attr("generation"))
        report(st == "ok", f"{env.pub.name} restarted: page usable again (status {st})")
        report(gen1 != gen0, f"restart changed the generation ({gen0} -> {gen1})")
        time.sleep(1)
        env.pub.stop(signal.SIGTERM)
        st = vm.wait_driver_status("invalid")
        report(st == "invalid", f"{env.pub.name} stopped cleanly: page invalid (status {st})")
        env.pub.start()
        report(vm.wait_driver_status("ok") == "ok", "started again: usable")
        rc, out = vm.reap(h, 120)
        print("    " + out.replace("\n", "\n    "))
        page, fb = reader_result(out)
        report(rc == 0, "reader across two restarts: survived, never back, never ahead")
        report(page > 0 and fb > 0, f"reader fell back and recovered ({page} page reads, {fb} fallbacks)")
        run_check(vm, "after restart", f"--duration=1000 --slack-us={slack_us(vm)}")
        dmesg_clean(vm, "restart")


def refuse(env):
    if env.mode != "ivshmem":
        skip("refuse: the QEMU device always writes a good identity")
        return
    args = []
    for kind in ("magic", "major", "size"):
        path = f"{env.shm}-{kind}"
        write_bad(path, kind)
        args += ivshmem_args(path, f"bad-{kind}")
    try:
        with env.vm(name="refuse", args=args) as vm:
            dm = vm.check("dmesg")
            lines = [l for l in dm.splitlines() if "tickpage" in l]
            for l in lines:
                log(l.strip())
            report(sum("unknown ABI major 2" in l for l in lines) == 1,
                   "unknown ABI major refused with one dmesg line")
            report(sum("bad header size" in l for l in lines) == 1,
                   "bad size refused with one dmesg line")
            report(not any("0x12345678" in l or "probe" in l for l in lines),
                   "ivshmem without the magic left alone quietly (no line)")
            report(vm.driver_attr("status") == "absent" and vm.driver_attr("device") == "none",
                   "nothing bound: status absent")
            run_check(vm, "no good page", "--absent")
            dmesg_clean(vm, "refuse (first load)")
            # The silent refusal was for the right reason: its debug line.
            vm.check("rmmod tickpage && dmesg -c >/dev/null && modprobe tickpage dyndbg=+p")
            dm = vm.check("dmesg")
            report(sum("magic 0x12345678, not a tickpage" in l for l in dm.splitlines()) == 1,
                   "with dyndbg the ivshmem without the magic says why (debug level)")
            dmesg_clean(vm, "refuse")
    finally:
        for kind in ("magic", "major", "size"):
            try:
                os.unlink(f"{env.shm}-{kind}")
            except OSError:
                pass


def unplug(env):
    with env.vm(name="unplug") as vm:
        dev = vm.driver_attr("device")
        h = vm.spawn("tickpage-check --reader=10000")
        time.sleep(1.5)
        t0 = time.monotonic()
        vm.device_del("tp0", timeout=60)
        log(f"device_del of {dev} done in {time.monotonic() - t0:.2f}s")
        report(vm.driver_attr("status") == "absent", "status absent after unplug")
        run_check(vm, "after unplug", "--absent")
        # Plug it back: the reader's old mapping faults in the new page.
        if env.mode == "shared":
            # Unplug unmapped the backend: the same one maps again.
            vm.device_add("tickpage", "tp0", bus="rp1", memdev="mem-tp0")
        elif env.mode == "ivshmem":
            # A fresh backend: QEMU 7.2 aborts (qemu_ram_set_idstr
            # assertion) when ivshmem-plain is re-added on the memdev of
            # the device just removed.
            vm.object_add("memory-backend-file", "mem-tp0b", size=4096, share=True,
                          readonly=True, **{"mem-path": env.shm})
            vm.device_add("ivshmem-plain", "tp0", bus="rp1", memdev="mem-tp0b")
        else:
            vm.device_add("tickpage", "tp0", bus="rp1")
        st = vm.wait_driver_status("ok", timeout=30)
        report(st == "ok", f"device_add again: page bound and usable (status {st})")
        rc, out = vm.reap(h, 120)
        print("    " + out.replace("\n", "\n    "))
        page, fb = reader_result(out)
        report(rc == 0, "reader survived unplug and replug of its mapped page")
        report(page > 0 and fb > 0, f"reader used the page, fell back, ({page}/{fb})")
        report("last=page" in out, "the reader's old mapping serves the replugged page")
        t = vm.run("tickpage-check --reader=500")
        page2, _ = reader_result(t[1])
        report(t[0] == 0 and page2 > 0, f"a new reader uses the replugged page ({page2} page reads)")
        rc, _ = vm.run("rmmod tickpage")
        report(rc == 0, "module unloads with the replugged device bound")
        dmesg_clean(vm, "unplug")


def page_realtime(vm):
    """(page realtime ns, host realtime ns sampled before the command)."""
    t = vm.run_timed("tickpage-check --print")
    kv = dict(l.split("=", 1) for l in t.out.split() if "=" in l)
    sec, nsec = kv["realtime"].split(".")
    return int(sec) * 10**9 + int(nsec), t.real_before_ns


def step(env):
    """A host wall-clock step (simulated in tickpaged, never on this
    machine): realtime steps with a new generation, monotonic does not."""
    if env.mode == "device" or not os.access(TICKPAGED_TEST, os.X_OK):
        skip("step: needs tickpaged-test's --test-wall-offset-file (ivshmem or shared mode)")
        return
    with env.vm(name="step") as vm:
        gen0 = int(vm.driver_attr("generation"))
        h = vm.spawn("tickpage-check --reader=9000")
        time.sleep(1)
        for i, off in enumerate((3600 * 10**9, 0, -86400 * 10**9)):
            with open(env.wall_offset, "w") as f:
                f.write(f"{off}\n")
            env.pub.signal(signal.SIGUSR1)
            deadline = time.monotonic() + 10
            while True:
                rt, host = page_realtime(vm)
                if abs(rt - host - off) < 10 * 10**9 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            report(abs(rt - host - off) < 10 * 10**9,
                   f"step {off / 1e9:+.0f} s: page realtime follows ({(rt - host) / 1e9:+.3f} s)")
            st = vm.wait_driver_status("ok")
            gen = int(vm.driver_attr("generation"))
            report(gen != gen0 and st == "ok",
                   f"step {off / 1e9:+.0f} s: new generation {gen0} -> {gen}, status {st}")
            gen0 = gen
            time.sleep(1)
        rc, out = vm.reap(h, 120)
        print("    " + out.replace("\n", "\n    "))
        report(rc == 0, "reader across three wall-clock steps: monotonic never back, never ahead")
        dmesg_clean(vm, "step")


def torture(env):
    """The fastest publisher tickpaged allows (100 us) against readers on
    every vCPU: still no torn snapshot."""
    with env.vm(name="torture") as vm:
        # At 10 kHz next to two busy TCG vCPU threads on two host cores
        # the publisher is starved for tens of ms (tickpaged) and QEMU's
        # main loop, fighting the vCPUs for the BQL, for up to seconds
        # (the device's timer). This scenario is about tearing, so the
        # lag bound is off (the lag is still printed).
        run_check(vm, "100 us period", "--duration=8000 --slack-us=100000000", timeout=240)
        dmesg_clean(vm, "torture")


def slow(env):
    """A 100 ms period: the driver sleeps between polls while it waits
    for a publication edge; coarse time stays behind and within reach."""
    with env.vm(name="slow") as vm:
        report(vm.driver_attr("period_ns") == "100000000", "sysfs period_ns is 100 ms")
        report(vm.wait_driver_status("ok") == "ok", "aligned on a 100 ms page")
        run_check(vm, "100 ms period", f"--duration=3000 --slack-us={slack_us(vm)}")
        dmesg_clean(vm, "slow")


def modload(env, n=100):
    with env.vm(name="modload") as vm:
        # A process holding the device keeps the module loaded.
        h = vm.spawn("tickpage-check --reader=3000")
        time.sleep(1)
        rc, _ = vm.run("rmmod tickpage")
        report(rc != 0, "rmmod refused while /dev/tickpage is mapped")
        vm.reap(h, 60)
        t0 = time.monotonic()
        rc, out = vm.run(f"i=0; while [ $i -lt {n} ]; do rmmod tickpage && modprobe tickpage || "
                         f"{{ echo \"failed at $i\"; exit 1; }}; i=$((i+1)); done", timeout=600)
        secs = time.monotonic() - t0
        report(rc == 0, f"rmmod + insmod {n} times ({secs:.1f}s) {out.strip()}")
        dm = vm.check("dmesg")
        report(dm.count("time page ABI") == n + 1, f"bound {dm.count('time page ABI')} times")
        dmesg_clean(vm, "modload")
        report(vm.wait_driver_status("ok") == "ok", "page usable after the last load")
        run_check(vm, "after reloads", f"--duration=500 --slack-us={slack_us(vm)}")


SCENARIOS = dict(basic=basic, pause=pause, migrate=migrate, restart=restart,
                 refuse=refuse, unplug=unplug, modload=modload, step=step,
                 torture=torture, slow=slow, crosshost=crosshost)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--mode", choices=("ivshmem", "device", "shared"), default="ivshmem")
    a = ap.parse_args()
    for f in (KO, CHECK, PRELOAD, PROBE, TESTPUB, TICKPAGED):
        if not os.path.exists(f):
            skip_all(f"{f} not built (make check builds it)")
    if a.mode in ("device", "shared") and not os.access(PROJECT_QEMU, os.X_OK):
        skip_all(f"device mode needs the project's QEMU ({PROJECT_QEMU})")
    env = Env(a.mode, hotplug=a.scenario == "unplug", master=a.scenario == "migrate")
    t0 = time.monotonic()
    try:
        if env.pub:
            if a.scenario == "torture":
                env.pub.period_ns = 100000
            if a.scenario == "slow":
                env.pub.period_ns = 100000000
            if a.scenario == "step":
                env.wall_offset = os.path.join(env.work, "wall-offset")
                with open(env.wall_offset, "w") as f:
                    f.write("0\n")
                env.pub.binary = TICKPAGED_TEST
                env.pub.extra = [f"--test-wall-offset-file={env.wall_offset}"]
            env.pub.start()
            log(f"publisher: {env.pub.name}")
        elif a.scenario in ("torture", "slow"):
            env.devices[0] += ",period-ns=" + ("100000" if a.scenario == "torture" else "100000000")
        SCENARIOS[a.scenario](env)
    except (VMError, QMPError, PublisherError, OSError, subprocess.SubprocessError) as e:
        report(False, f"{a.scenario}: {e}")
    finally:
        env.close()
    log(f"{a.scenario} ({a.mode}) took {time.monotonic() - t0:.1f}s")
    summary()


if __name__ == "__main__":
    main()
