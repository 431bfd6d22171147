# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Old home of the VM class, now tickpage.machine (tests/lib/tickpage/):
kept only for tests/kernel/guest.py and scripts that have not moved."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tickpage.machine import *  # noqa: E402,F401,F403
