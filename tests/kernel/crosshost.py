#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The patched guest kernel migrated between two hosts' pages, on one
machine, N times in one test (issue 14).

Host A is tickpaged on its page file; host B a second tickpaged (the
test build, build/tests/tickpaged/tickpaged-test) on its own file, with
its own generation and its monotonic clock offset (--test-mono-offset).
The guest runs the patched kernel on the project's QEMU with the page in
shared mode (-device tickpage,memdev=ID, the page file mapped
read-only, not migrated), and `tp-coarse pairs` reads the coarse clocks
in pairs with the fine ones all along, in the vDSO, while the host
moves it A -> B -> A ... through a migration file. Each landing maps the
other host's page: the guest must see the new generation, realign, and
the vDSO serve the page again by the driver's first check (every 50 ms
of guest time) after the landing, counted with the guest page's check
counter (the time it took, in guest ms, is printed); MONOTONIC_COARSE
never goes back and neither coarse clock is ever ahead of the fine one
read after it.

Usage: tests/kernel/crosshost.py [-n N] [--mono-offset=[+|-]DUR] [--checks C] [--dwell S]
One PASS/FAIL/SKIP line per check, exit 0/1/77 (tests/run).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from tickpage import (BUILD, PROJECT_QEMU, PageHost, Publisher, PublisherError,  # noqa: E402
                      QMPError, VMError, choose_accel, log, make_initramfs, report,
                      skip_all, summary)
from tickpage.report import failures  # noqa: E402
import guest as kguest  # noqa: E402  tests/kernel/guest.py: the kernel to boot

TP_COARSE = os.path.join(BUILD, "tests/kernel/tp-coarse")
TICKPAGED_TEST = os.path.join(BUILD, "tests/tickpaged/tickpaged-test")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=20, help="migrations (default 20)")
    ap.add_argument("--mono-offset", default="+1000s",
                    help="host B's monotonic offset (tickpaged-test --test-mono-offset)")
    ap.add_argument("--checks", type=int, default=1,
                    help="page served again within C driver checks of a landing (default 1)")
    ap.add_argument("--dwell", type=float, default=1.0,
                    help="seconds the guest runs on each host before it moves on")
    a = ap.parse_args()

    for f in (TP_COARSE, TICKPAGED_TEST):
        if not os.path.exists(f):
            skip_all(f"{f} not built (make check builds it)")
    if not os.access(PROJECT_QEMU, os.X_OK):
        skip_all(f"shared mode needs the project's QEMU ({PROJECT_QEMU})")
    helptext = subprocess.run([TICKPAGED_TEST, "--help"], capture_output=True, text=True).stdout
    if "--test-mono-offset" not in helptext:
        skip_all(f"{TICKPAGED_TEST} has no --test-mono-offset")
    kernel = kguest.kernel_path(argparse.Namespace(kernel=None))
    if not os.path.exists(kernel):
        skip_all(f"no kernel at {kernel}")

    work = tempfile.mkdtemp(prefix="tp-kernel-crosshost-")
    initrd = make_initramfs(os.path.join(work, "initrd.gz"), bins=[TP_COARSE])
    env = PageHost("shared", work, initrd, "tickpage-kcross")
    pub_b = Publisher(env.shm + "-b", binary=TICKPAGED_TEST,
                      extra=[f"--test-mono-offset={a.mono_offset}"])
    # Host B's QEMU: the same argv with B's page file for the backend.
    hosts = [env.args, [x.replace(f"mem-path={env.shm},", f"mem-path={pub_b.path},")
                        for x in env.args]]
    if hosts[0] == hosts[1]:
        skip_all("PageHost's shared-mode arguments name no mem-path to swap")
    vm = None
    t0 = time.monotonic()
    try:
        env.pub.start()
        pub_b.start()
        pa, pb = env.pub.page(), pub_b.page()
        log(f"host A: {env.pub.name} generation {pa['generation']}, monotonic "
            f"{pa['monotonic_ns'] / 1e9:.3f} s; host B: {pub_b.name} generation "
            f"{pb['generation']}, monotonic {pb['monotonic_ns'] / 1e9:.3f} s")
        report(pa["generation"] != pb["generation"], "the two hosts' pages have different generations")
        accel, why = choose_accel()
        log(f"accel: {accel} ({why})")
        # The built-in driver binds the page by itself: load nothing.
        vm = env.vm(kernel=kernel, name="kcross", mem=256, append="",
                    accel=accel, cpu="max" if accel == "tcg" else None)
        vm.start()
        log(f"booted the patched kernel in {vm.boot_seconds:.1f}s")
        st = vm.driver_attr("status")
        report(st == "ok", f"host A's page bound at boot (status {st})")
        # The reader: guest seconds are plenty (migrations stop its clock).
        h = vm.spawn(f"tp-coarse pairs {int(a.n * (a.dwell + 2) + 120)} {a.n} {a.checks}")
        time.sleep(a.dwell)
        gens, host_waits, saves = [int(vm.driver_attr("generation"))], [], []
        for i in range(a.n):
            mig = os.path.join(work, "migration.bin")
            old, vm = vm, vm.migrate(path=mig, name=f"kcross{i + 1}", args=hosts[(i + 1) % 2])
            shutil.rmtree(old.dir, ignore_errors=True)
            saves.append(sum(vm.migration_seconds))
            # The host's view, through the command channel (slow under
            # TCG): the driver's sysfs shows the new host's generation.
            st, gen, waited = vm.wait_new_generation(gens[-1])
            host_waits.append(waited)
            report(st == "ok" and gen != gens[-1],
                   f"landing {i + 1} on host {'BA'[i % 2]}: driver status {st}, generation "
                   f"{gens[-1]} -> {gen} (seen by the host after {host_waits[-1]:.2f}s)")
            gens.append(gen)
            time.sleep(max(0.0, a.dwell - host_waits[-1]))
        log(f"migrations took {min(saves):.2f}..{max(saves):.2f}s (save + load), "
            f"median {sorted(saves)[len(saves) // 2]:.2f}s")
        report(all(g == gens[i % 2] for i, g in enumerate(gens)),
               "the guest alternated between exactly two generations, A's and B's")
        vm.check("touch /tmp/tp-stop")
        rc, out = vm.reap(h, 120)
        print("    " + out.rstrip("\n").replace("\n", "\n    "), flush=True)
        for line in out.splitlines():
            if line.startswith(("PASS:", "FAIL:")):
                report(line.startswith("PASS:"), "guest: " + line.split(":", 1)[1].strip())
        report(rc == 0 and re.search(r"^PASS: ", out, re.M) is not None,
               f"tp-coarse pairs exited {rc}")
        bad = [l for l in vm.check("dmesg").splitlines()
               if re.search(r"BUG|WARNING|Oops|Call Trace", l)]
        report(not bad, "no warning or oops in dmesg" + (": " + " | ".join(bad[:3]) if bad else ""))
    except (VMError, QMPError, PublisherError, OSError, subprocess.SubprocessError) as e:
        report(False, f"crosshost: {e}")
    finally:
        if vm is not None:
            vm.shutdown()
            if failures():
                vm.dump()
                print(f"vm[{vm.name}]: files kept in {vm.dir}", file=sys.stderr)
            else:
                shutil.rmtree(vm.dir, ignore_errors=True)
        pub_b.close()
        env.close()
    log(f"took {time.monotonic() - t0:.1f}s")
    summary()


if __name__ == "__main__":
    main()
