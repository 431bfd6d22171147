# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""python3 tests/lib/tickpage [--qemu Q] [--device D] [CMD ...]: boot a
test guest, run each CMD in it (or commands from stdin), print the output."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tickpage.machine import main  # noqa: E402

sys.exit(main())
