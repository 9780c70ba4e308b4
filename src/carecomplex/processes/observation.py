"""Observation (docs/ODD.md §4.11): the weekly wellbeing sums, aggregated online.

The model takes these sums inside the support kernel, chunk by chunk while the needs
are in cache (:func:`carecomplex.processes.support.support`); :func:`wellbeing_sums` is
the same measure on its own, for a state that was not just supported, and the
standard that the fused sums are held to, bit for bit (``tests/test_fused.py``).
"""

from __future__ import annotations

import numba as nb

from carecomplex.processes.common import WB_ALIVE, WB_SUM, chunk_bounds
from carecomplex.state import N_CHUNKS, N_DOMAINS


@nb.njit(cache=True, parallel=True)
def wellbeing_sums(per, books) -> None:
    """Per-chunk sums for the weekly wellbeing output (into ``books.wellbeing_sums``).

    ``books.wellbeing_sums[c, g]`` = (sum of wellbeing, persons alive) over chunk ``c``'s
    living persons of group ``g``, where wellbeing is 1 minus the mean need. Combine in
    chunk order (``chunk_sum``).
    """
    alive, complex_, need, out = per.alive, per.complex, per.need, books.wellbeing_sums
    n = alive.shape[0]
    for c in nb.prange(N_CHUNKS):
        lo, hi = chunk_bounds(c, n)
        wellbeing_range(lo, hi, c, alive, complex_, need, out)


@nb.njit(cache=True)
def wellbeing_range(lo, hi, c, alive, complex_, need, out) -> None:
    """Wellbeing sums of persons ``lo..hi-1`` into ``out[c]`` (both groups written)."""
    s0, s1, n0, n1 = 0.0, 0.0, 0.0, 0.0
    for i in range(lo, hi):
        if alive[i] == 0:
            continue
        x = 0.0
        for d in range(N_DOMAINS):
            x += need[i, d]
        wb = 1.0 - x / N_DOMAINS
        if complex_[i] == 0:
            s0 += wb
            n0 += 1.0
        else:
            s1 += wb
            n1 += 1.0
    out[c, 0, WB_SUM] = s0
    out[c, 0, WB_ALIVE] = n0
    out[c, 1, WB_SUM] = s1
    out[c, 1, WB_ALIVE] = n1
