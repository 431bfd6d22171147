# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Old name of tickpage.report, kept only for tests/libvirt/."""
from tickpage.report import failures, log, report, skip, skip_all, summary  # noqa: F401
