# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""The tests' one decoder of the time page.

No offset is written here: the layout and the constants come from
build/tests/lib/abi-layout.txt, which the build makes by compiling
tests/lib/abi-layout.c against vdso/include/tickpage-abi.h (make, or
make build/tests/lib/abi-layout.txt). A field added to the header
without being listed there fails that build.

    from tickpage import page
    p = page.read_file("/dev/shm/tickpage")   # a Page (a dict), or
    p = page.decode(raw_bytes)
    p["generation"], p.realtime_ns, p.mono, p.gen, page.usable(p)
"""
import os
import struct

from .paths import BUILD

LAYOUT_FILE = os.path.join(BUILD, "tests", "lib", "abi-layout.txt")
_CODES = {(1, 0): "B", (2, 0): "H", (4, 0): "I", (8, 0): "Q",
          (1, 1): "b", (2, 1): "h", (4, 1): "i", (8, 1): "q"}


def _load():
    try:
        with open(LAYOUT_FILE) as f:
            lines = [line.split() for line in f]
    except OSError as e:
        raise RuntimeError(f"{LAYOUT_FILE}: {e.strerror}: run make") from None
    offsets, consts, fmt, at = {}, {}, "<", 0
    for kind, name, *vals in lines:
        if kind == "const":
            consts[name] = int(vals[0])
            continue
        off, size, signed = map(int, vals)
        fmt += "x" * (off - at) + _CODES[size, signed]
        at = off + size
        offsets[name] = off
    return offsets, struct.Struct(fmt + "x" * (consts["STRUCT_SIZE"] - at)), consts


OFFSET, LAYOUT, _C = _load()   # OFFSET: field name -> byte offset
FIELDS = tuple(OFFSET)
SIZE = LAYOUT.size
MAGIC = _C["TICKPAGE_MAGIC"]
ABI_MAJOR, ABI_MINOR = _C["TICKPAGE_ABI_MAJOR"], _C["TICKPAGE_ABI_MINOR"]
PAGE_SIZE = _C["TICKPAGE_PAGE_SIZE"]
PERIOD_DEFAULT_NS = _C["TICKPAGE_PERIOD_DEFAULT_NS"]
PCI_VENDOR_ID, PCI_DEVICE_ID = _C["TICKPAGE_PCI_VENDOR_ID"], _C["TICKPAGE_PCI_DEVICE_ID"]
F_VALID, F_VM_CLOCK = _C["TICKPAGE_F_VALID"], _C["TICKPAGE_F_VM_CLOCK"]


class Page(dict):
    """One snapshot of the page: field name -> value."""

    @property
    def realtime_ns(self):
        return self["realtime_sec"] * 10**9 + self["realtime_nsec"]

    @property
    def mono(self):
        return self["monotonic_ns"]

    @property
    def gen(self):
        return self["generation"]


def decode(raw):
    """RAW (at least SIZE bytes, little-endian as in guest memory) -> Page."""
    return Page(zip(FIELDS, LAYOUT.unpack_from(raw)))


def read_file(path):
    """The page in a publisher's file; None if it is missing or short."""
    try:
        with open(path, "rb") as f:
            raw = f.read(SIZE)
    except OSError:
        return None
    return decode(raw) if len(raw) == SIZE else None


def usable(p):
    """A page a reader would take: the identity right, VALID, seq even."""
    return (p is not None and p["magic"] == MAGIC and p["abi_major"] == ABI_MAJOR
            and bool(p["flags"] & F_VALID) and p["seq"] % 2 == 0)
