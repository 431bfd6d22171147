# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""tickpage's test library: every Python test is a short script on top of it.

    machine    VM: one QEMU, QMP, console, command channel, migration,
               snapshots, hot-plug; also firmware-only and qtest guests
    publisher  Publisher: tickpaged (default) or the test publisher
    host       PageHost: a test's host side in each host mode, VMs to match
    page       the page decoder, its layout taken from the ABI header
    report     PASS:/FAIL:/SKIP: lines, summary, exit 0/1/77
    qmp, qtest the two protocols, for the VM class

A test starts with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    from tickpage import VM, Publisher, page, report, summary
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from . import page  # noqa: E402,F401
from .machine import (PROJECT_QEMU, STOCK_QEMU, GuestCommandError, VM, VMError,  # noqa: E402,F401
                      choose_accel, device_vm, find_qemu, guest_kernel, host_clocks,
                      make_initramfs, oneshot, project_qemu)
from .host import PageHost, host_libs, ivshmem_args  # noqa: E402,F401
from .paths import BUILD, TOP  # noqa: E402,F401
from .publisher import Publisher, PublisherError, write_bad  # noqa: E402,F401
from .qmp import QMPError  # noqa: E402,F401
from .report import log, report, skip, skip_all, summary  # noqa: E402,F401
