# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The tests' one reporter, the Python twin of tests/lib/report.h and
report.sh: one line per check, a summary, and the exit code tests/run
understands (0 pass, 1 fail, 77 skip)."""
import sys

_counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}


def report(ok, msg):
    """Print PASS/FAIL: MSG; return OK so a test can stop early."""
    word = "PASS" if ok else "FAIL"
    _counts[word] += 1
    print(f"{word}: {msg}", flush=True)
    return bool(ok)


def failures():
    """FAIL lines so far (a VM dumps the guest's console when this grows)."""
    return _counts["FAIL"]


def skip(msg):
    _counts["SKIP"] += 1
    print(f"SKIP: {msg}", flush=True)


def log(msg):
    """A comment line: what the test did or saw, not a check."""
    print(f"# {msg}", flush=True)


def summary():
    """Print the summary and exit with tests/run's code."""
    p, f, s = _counts["PASS"], _counts["FAIL"], _counts["SKIP"]
    print(f"SUMMARY: {p} passed, {f} failed, {s} skipped", flush=True)
    sys.exit(1 if f else 0 if p else 77)


def skip_all(msg):
    """The whole test cannot run here: SKIP and exit 77."""
    skip(msg)
    sys.exit(77)
