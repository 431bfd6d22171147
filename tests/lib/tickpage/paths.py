# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Where things are: the top of the tree and the build directory ($O)."""
import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.path.join(TOP, os.environ.get("O", "build"))
