"""Micro-benchmark of the random-stream layouts: the hash alone, per person-week and per draw.

```sh
uv run python benchmarks/streams.py                  # 1e6 persons, 15 interleaved repeats
uv run python benchmarks/streams.py --persons 1e5 --repeats 31 --out /tmp/streams.json
```

Times, in one process and interleaved (each repeat runs every variant once, medians):

* ``model 1 life draws``: the 19 rounds a living person cost each week before model 2
  (5 stream keys hoisted; 4 entity keys of 2 rounds; 11 draws of 1 round), rebuilt
  here from the old formulas;
* ``model 2 life draws``: the life kernel's draws now (``LIFE`` stream, 7 rounds);
* ``draw_at`` and ``draw_pair``: one 64-bit hash per call over many entity keys, giving
  53-bit draws and pairs of 32-bit draws per second.

Nothing else runs in the loops, so the figures are much less sensitive to the shared
machine's noise than whole steps; the draws are summed (pairwise, so that the sum is not
one long chain of dependent additions) and kept, so nothing is optimised away. Thread
count: numba's default (``NUMBA_NUM_THREADS``).
"""

from __future__ import annotations

import argparse
import json
import time

import numba as nb
import numpy as np

from carecomplex.processes.common import chunk_bounds
from carecomplex.processes.life import life_keys
from carecomplex.rng import (
    LifeDraw,
    _mix,
    draw_at,
    draw_pair,
    entity_key,
    stream_key,
)
from carecomplex.state import N_CHUNKS

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
K_SC, K_DEATH = int(LifeDraw.SHOCK_CRISIS), int(LifeDraw.DEATH)


@nb.njit(inline="always")
def _old_entity_key(sk, entity, week):
    """Model 1's entity key: 2 rounds."""
    h = _mix(sk ^ (np.uint64(entity) + _GOLD))
    return _mix(h ^ (np.uint64(week) * _M2))


@nb.njit(parallel=True)
def old_life(n, key, t, out):
    s_noise, s_shock = stream_key(key, 3), stream_key(key, 4)
    s_crisis, s_death = stream_key(key, 6), stream_key(key, 8)
    for c in nb.prange(N_CHUNKS):
        lo, hi = chunk_bounds(c, n)
        acc = 0.0
        for i in range(lo, hi):
            ek = _old_entity_key(s_noise, i, t)
            x = draw_at(_old_entity_key(s_shock, i, t), 0)
            x += draw_at(_old_entity_key(s_crisis, i, t), 0)
            x += draw_at(_old_entity_key(s_death, i, t), 0)
            y = (draw_at(ek, 0) + draw_at(ek, 1)) + (draw_at(ek, 2) + draw_at(ek, 3))
            y += (draw_at(ek, 4) + draw_at(ek, 5)) + (draw_at(ek, 6) + draw_at(ek, 7))
            acc += x + y
        out[c] = acc


@nb.njit(parallel=True)
def new_life(n, key, t, out):
    s_life = life_keys(key)
    for c in nb.prange(N_CHUNKS):
        lo, hi = chunk_bounds(c, n)
        acc = 0.0
        for i in range(lo, hi):
            ek = entity_key(s_life, i, t)
            a, b = draw_pair(ek, K_SC)
            x = a + b + draw_at(ek, K_DEATH)
            a0, b0 = draw_pair(ek, 0)
            a1, b1 = draw_pair(ek, 1)
            a2, b2 = draw_pair(ek, 2)
            a3, b3 = draw_pair(ek, 3)
            y = ((a0 + b0) + (a1 + b1)) + ((a2 + b2) + (a3 + b3))
            acc += x + y
        out[c] = acc


@nb.njit(parallel=True)
def hash_at(n, key, t, out):
    """n 53-bit draws: 8 hashes of each of n / 8 entity keys."""
    sk = stream_key(key, 1)
    for c in nb.prange(N_CHUNKS):
        lo, hi = chunk_bounds(c, n // 8)
        acc = 0.0
        for i in range(lo, hi):
            ek = entity_key(sk, i, t)
            y = (draw_at(ek, 0) + draw_at(ek, 1)) + (draw_at(ek, 2) + draw_at(ek, 3))
            acc += y + (draw_at(ek, 4) + draw_at(ek, 5)) + (draw_at(ek, 6) + draw_at(ek, 7))
        out[c] = acc


@nb.njit(parallel=True)
def hash_pair(n, key, t, out):
    """n pairs of 32-bit draws: 8 hashes of each of n / 8 entity keys."""
    sk = stream_key(key, 1)
    for c in nb.prange(N_CHUNKS):
        lo, hi = chunk_bounds(c, n // 8)
        acc = 0.0
        for i in range(lo, hi):
            ek = entity_key(sk, i, t)
            y = 0.0
            for k in range(8):
                a, b = draw_pair(ek, k)
                y += a + b
            acc += y
        out[c] = acc


VARIANTS = {
    "model 1 life draws (19 rounds), ns/person-week": old_life,
    "model 2 life draws (7 rounds), ns/person-week": new_life,
    "draw_at: ns per 53-bit draw (1 hash)": hash_at,
    "draw_pair: ns per pair of 32-bit draws (1 hash)": hash_pair,
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=float, default=1e6, help="persons (or draws) per call")
    ap.add_argument("--repeats", type=int, default=15, help="interleaved repeats (median)")
    ap.add_argument("--out", default="", help="JSON path (optional)")
    args = ap.parse_args(argv)
    n = int(args.persons)
    key, out = np.uint64(20_261_201), np.zeros(N_CHUNKS)
    for f in VARIANTS.values():
        f(1000, key, 0, out)  # compile
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    for r in range(args.repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            VARIANTS[name](n, key, r, out)
            times[name].append((time.perf_counter() - t0) / n * 1e9)
    res = {
        "persons": n,
        "threads": nb.get_num_threads(),
        "loadavg": [round(x, 2) for x in __import__("os").getloadavg()],
        "median_ns": {k: float(np.median(v)) for k, v in times.items()},
        "all_ns": times,
    }
    for k, v in res["median_ns"].items():
        print(f"{v:8.2f}  {k}")
    old, new = (res["median_ns"][names[i]] for i in (0, 1))
    print(f"life draws: {old / new:.2f}x faster; loadavg {res['loadavg']}")
    at, pair = res["median_ns"][names[2]], res["median_ns"][names[3]]
    print(f"hash: {1e3 / at:.0f} M 53-bit draws/s, {2e3 / pair:.0f} M 32-bit draws/s")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
