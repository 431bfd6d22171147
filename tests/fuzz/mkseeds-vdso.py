#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""Seeds for fuzz-vdso: inputs that decode (tests/fuzz/fuzz-vdso.c,
decode()) to the states tests/kernel/vdso-image.c checks by hand, the
regressions among them: a page 2^62 ns and 2^63 + 2^62 ns past the
driver's limit, a period of a whole second.

Usage: tests/fuzz/mkseeds-vdso.py DIR
"""
import os
import sys

NEAR_0 = 0          # near(): base + 0
NEAR_2_62 = 10 << 2  # near(): base + 2^62 (d[10])
NEAR_2_63_62 = 12 << 2  # near(): base + 2^63 + 2^62 (d[12])
NEAR_4S_1 = 8 << 2   # near(): base + 4 s + 1 (d[8])


def le(v, n):
    return (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little")


def seed(f=0, mode=2, mono_near=NEAR_0, seq=0, timens=0, period_near=None):
    f |= timens | (mode << 2)
    if period_near is not None:
        f |= 32
    b = le(f, 4)
    b += le(5000 * 10**9, 6) + le(1800000000 * 10**9, 7)
    b += le(3000000, 3) + le(3000000, 3)
    b += le(1000, 2) + le(7, 4)
    b += le(7, 1)                            # generation
    b += le(0, 1) + le(NEAR_0, 1) + le(NEAR_0, 1)  # offset, limit, floor
    b += le(period_near, 1) if period_near is not None else le(900000, 4)
    b += le(0, 1)                            # minor
    b += le(0, 1) if f & 512 else b""        # odd: when its low 5 bits are 0
    b += le(seq, 4) + le(1, 2) + le(10**6, 8)
    b += le(1800000001, 5) + le(500000000, 4)
    b += le(mono_near, 1)
    return b


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        "off": seed(mode=0),
        "floor": seed(mode=1),
        "page": seed(),
        "page-timens": seed(timens=1),
        "seq-odd": seed(f=512, seq=43),
        "past-4s-1": seed(mono_near=NEAR_4S_1),
        "past-2-62": seed(mono_near=NEAR_2_62),
        "past-2-63-62": seed(mono_near=NEAR_2_63_62),
        "period-1s": seed(period_near=NEAR_0),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
