"""What the twins share: chunk indices, draws, charging and counting on a flat view.

A twin reads the tables through :func:`flat`, one namespace of every array it was
given: person and books fields under their own names, family fields prefixed ``f_``,
worker fields ``w_``, service fields ``s_``, the structure constants under theirs.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from carecomplex.costs import Item
from carecomplex.rng import Stream, draws
from carecomplex.state import N_CHUNKS, N_DOMAINS, Event

F64 = np.float64
DOMAINS = np.arange(N_DOMAINS)
PREFIX = {"per": "", "fam": "f_", "wk": "w_", "sv": "s_", "books": "", "structure": ""}


def flat(**parts) -> SimpleNamespace:
    """One namespace of the tables' arrays (prefixed as in ``PREFIX``) and other values."""
    out = {}
    for name, part in parts.items():
        if name in PREFIX:
            out.update({PREFIX[name] + k: v for k, v in part._asdict().items()})
        else:
            out[name] = part
    return SimpleNamespace(**out)


def chunk_index(n: int) -> np.ndarray:
    """Chunk of each of ``n`` persons: chunk ``c`` is ``c*n//N_CHUNKS .. (c+1)*n//N_CHUNKS``.

    Returns:
        int64 array of shape (n,).
    """
    out = np.empty(n, dtype=np.int64)
    for c in range(N_CHUNKS):
        out[c * n // N_CHUNKS : (c + 1) * n // N_CHUNKS] = c
    return out


def draw1(key, stream: Stream, entity, week: int, k: int = 0) -> float:
    """One uniform draw as a Python float."""
    return float(draws(key, int(stream), int(entity), int(week), int(k)))


def clip(x):
    """``x`` clipped to [0, 1]."""
    return np.clip(x, 0.0, 1.0)


def bits(remit) -> np.ndarray:
    """Domains (bool per domain) of a remit bit mask."""
    return ((int(remit) >> DOMAINS) & 1).astype(bool)


def n_high(x: np.ndarray, high: float) -> int:
    """Number of domains with need above ``high``."""
    return int((x > high).sum())


def charge(a, who, item: Item, qty: float, g, c) -> None:
    """Charge ``qty`` units of ``item`` for persons ``who`` (scalars or arrays).

    The amount is rounded to whole pence (half to even) once per charge, then added to
    the person's account at the item's budget holder and to the ledger partial.
    """
    amount = round(float(a.pence[item]) * qty)
    np.add.at(a.cost, (who, a.holder[item]), amount)
    np.add.at(a.ledger, (c, int(item), g), amount)


def count(a, c, event: Event, g) -> None:
    """Count one ``event`` for each (chunk, group) given (scalars or arrays)."""
    np.add.at(a.events, (c, int(event), g), 1)


def chunk_sum(partials: np.ndarray) -> np.ndarray:
    """Twin of :func:`carecomplex.processes.common.chunk_sum`: the chunks one by one."""
    out = np.zeros(partials.shape[1:])
    for chunk in partials:
        out += chunk
    return out
