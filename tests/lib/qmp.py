# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Old name of tickpage.qmp, kept only for tests/kernel/guest.py."""
from tickpage.qmp import QMP, QMPError  # noqa: F401
