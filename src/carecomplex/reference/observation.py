"""Twin of :mod:`carecomplex.processes.observation`: the weekly wellbeing sums."""

from __future__ import annotations

from carecomplex.reference.common import F64, chunk_index
from carecomplex.state import N_CHUNKS, N_DOMAINS, WellbeingSum


def wellbeing_sums(per, books) -> None:
    """Twin of :func:`carecomplex.processes.observation.wellbeing_sums` (in place).

    ``books.wellbeing_sums[c, g]`` = (sum of wellbeing, persons alive) over the living
    persons of group ``g`` in chunk ``c``, wellbeing being 1 minus the mean need. Sums
    are taken person by person in index order within a chunk, as the kernel does.
    """
    out = books.wellbeing_sums
    chunk = chunk_index(len(per.alive))
    wb = 1.0 - per.need.astype(F64).sum(axis=1) / N_DOMAINS
    out[:] = 0.0
    for c in range(N_CHUNKS):
        for g in range(out.shape[1]):
            mine = (chunk == c) & (per.alive == 1) & (per.complex == g)
            total = 0.0
            for i in mine.nonzero()[0]:  # sequential, like the kernel, so the float sums agree
                total += float(wb[i])
            out[c, g, WellbeingSum.SUM] = total
            out[c, g, WellbeingSum.ALIVE] = float(mine.sum())
