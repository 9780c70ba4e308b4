"""Bit-level fingerprints of a model run (shared helper for determinism tests)."""

from __future__ import annotations

import hashlib

import numpy as np

from carecomplex.model import CareModel

OUTPUTS = ("events", "ledger", "services", "wellbeing", "journeys")
ENTITIES = ("person", "family", "worker", "service")


def arrays(model: CareModel) -> dict[str, np.ndarray]:
    """Every output and state array of ``model``, by name."""
    out = {name: getattr(model, name) for name in OUTPUTS}
    for e in ENTITIES:
        group = getattr(model.state, e)
        for n in group.names():
            out[f"{e}.{n}"] = getattr(group, n)
    out["clock"] = np.array([model.t, model.week, model._next_uid], dtype=np.int64)
    return out


def digest(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes."""
    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.tobytes())
    return h.hexdigest()


def fingerprint(model: CareModel) -> dict[str, str]:
    """sha256 per array, plus ``"all"`` over every array in a fixed order."""
    fp = {name: digest(a) for name, a in arrays(model).items()}
    fp["all"] = hashlib.sha256("".join(f"{k}={v};" for k, v in fp.items()).encode()).hexdigest()
    return fp


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """Names of arrays whose fingerprints differ."""
    return sorted(k for k in a.keys() | b.keys() if k != "all" and a.get(k) != b.get(k))
