"""Per-call dispatch cost of a numba kernel: loose arrays vs entity tables (NamedTuples).

    uv run python benchmarks/dispatch.py [--repeats 5] [--calls 20000]

A kernel that does nothing is called with the same 30 arrays passed three ways: as 30
loose arguments (the old kernels), as four NamedTuples of arrays (the entity tables),
and as one NamedTuple. The time per call is numba's dispatcher typing the arguments
and unboxing them; it is the fixed cost a small model pays per kernel per step.
Medians of interleaved repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import NamedTuple

import numba as nb
import numpy as np

N_ARRAYS = 30


class T8(NamedTuple):
    a0: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    a3: np.ndarray
    a4: np.ndarray
    a5: np.ndarray
    a6: np.ndarray
    a7: np.ndarray


class T6(NamedTuple):
    a0: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    a3: np.ndarray
    a4: np.ndarray
    a5: np.ndarray


@nb.njit(cache=True)
def loose(*arrays):
    """The first array's length (the work is nil: only dispatch is timed)."""
    return arrays[0].shape[0]


@nb.njit(cache=True)
def tables(a, b, c, d):
    """The tables' first lengths (the work is nil: only dispatch is timed)."""
    return a.a0.shape[0] + b.a0.shape[0] + c.a0.shape[0] + d.a0.shape[0]


def arrays() -> list[np.ndarray]:
    """Thirty small arrays of mixed dtypes and ranks, as the person state has."""
    dts = [np.float32, np.int32, np.uint8, np.int16, np.int64, np.float64]
    out = []
    for i in range(N_ARRAYS):
        shape = (64,) if i % 3 else (64, 8)
        out.append(np.zeros(shape, dtype=dts[i % len(dts)]))
    return out


def per_call(fn, args, calls: int) -> float:
    """Microseconds per call of ``fn(*args)``."""
    fn(*args)
    t0 = time.perf_counter()
    for _ in range(calls):
        fn(*args)
    return (time.perf_counter() - t0) / calls * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    xs = arrays()
    ways = {
        "30 loose arrays": (loose, xs),
        "4 tables (8+8+8+6 arrays)": (
            tables,
            [T8(*xs[0:8]), T8(*xs[8:16]), T8(*xs[16:24]), T6(*xs[24:30])],
        ),
    }
    res = {k: [] for k in ways}
    for r in range(args.repeats):
        order = list(ways) if r % 2 == 0 else list(reversed(ways))
        for k in order:
            fn, a = ways[k]
            res[k].append(per_call(fn, a, args.calls))
    for k, v in res.items():
        print(f"{k:>28}: {statistics.median(v):6.2f} us per call (median of {len(v)})")


if __name__ == "__main__":
    main()
