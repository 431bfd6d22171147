# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The tests' one host-side publisher: a process that keeps a page file
live for stock QEMU's ivshmem-plain (or for host readers).

    program="tickpaged"  build/hv/tickpaged, the real daemon (the default)
    program="tp-publish" build/tests/guest/tp-publish, the independent
                         test publisher: each start gets its own
                         generation (starts 1, 2, ...), as a restarted
                         tickpaged does; it also writes broken pages
                         (write_bad())

    with Publisher(path, period_ns=10**6) as pub:   # started, page live
        pub.stop(signal.SIGKILL); pub.start(); pub.page()
"""
import ctypes
import os
import signal
import subprocess
import time

from . import page as tp
from .paths import BUILD

TICKPAGED = os.path.join(BUILD, "hv", "tickpaged")
TESTPUB = os.path.join(BUILD, "tests", "guest", "tp-publish")
PROGRAMS = {"tickpaged": TICKPAGED, "tp-publish": TESTPUB}


class PublisherError(Exception):
    pass


def die_with_parent():
    """In a child: SIGKILL when the test process dies, however it dies,
    so that nothing a test started outlives it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def write_bad(path, kind):
    """A page that must be refused: --bad-magic, --bad-major or --bad-size."""
    subprocess.run([TESTPUB, path, f"--bad-{kind}"], check=True)


class Publisher:
    def __init__(self, path, program="tickpaged", period_ns=tp.PERIOD_DEFAULT_NS,
                 extra=(), binary=None):
        if program not in PROGRAMS:
            raise PublisherError(f"publisher {program!r}: one of {', '.join(PROGRAMS)}")
        self.path = path
        self.program = program
        self.binary = binary or PROGRAMS[program]
        self.period_ns = period_ns
        self.extra = list(extra)
        self.proc = None
        self.starts = 0

    @property
    def name(self):
        return os.path.basename(self.binary)

    def available(self):
        return os.access(self.binary, os.X_OK)

    def argv(self):
        if self.program == "tickpaged":
            return [self.binary, f"--period={self.period_ns // 1000}us", *self.extra, self.path]
        return [self.binary, self.path, f"--period-ns={self.period_ns}",
                f"--generation={self.starts}", *self.extra]

    def start(self, timeout=10, check=True):
        """Start it; return True once the page is valid and has been
        updated. If it is not within TIMEOUT: raise, or with check=False
        return False."""
        if self.proc is not None:
            raise PublisherError(f"{self.name} is already running")
        self.starts += 1
        argv = self.argv()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            p = self.page()
            if tp.usable(p) and p["update_count"] > 0:
                return True
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                if not check:
                    return False
                raise PublisherError(f"{' '.join(argv)} wrote no live page to {self.path}")
            time.sleep(0.01)

    def page(self):
        """The page in the file now (a page.Page), or None."""
        return tp.read_file(self.path)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal it and reap it; its exit status (None if not running)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def signal(self, sig):
        self.proc.send_signal(sig)

    def close(self):
        """Stop it and remove its file, and the lock file beside it that a
        tickpaged stopped by SIGKILL leaves behind."""
        self.stop()
        for path in (self.path, self.path + ".lock"):
            try:
                os.unlink(path)
            except OSError:
                pass

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False
