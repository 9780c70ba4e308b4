"""Counter-based random streams, usable inside numba kernels and from NumPy.

A draw is a pure function of ``(key, stream, entity, week, k)``: the run's key (its
root seed mixed by :func:`seed_key`), the :class:`Stream` naming the decision, the
stable id of the entity (person, worker, family), the week and a small index ``k`` for
several draws of one decision. Results therefore do not depend on thread count,
evaluation order or on which other entities exist, and two scenarios run with one seed
share every draw (common random numbers).

The hash absorbs each component with the splitmix64 finaliser (Steele, Lea & Flood
2014), a bijective 64-bit mixer; the top 53 bits give a uniform float in [0, 1).
Streams are identified by the integer value of their enum member, never by a name or
an attribute path, so renaming code does not change results.
"""

from __future__ import annotations

from enum import IntEnum

import numba as nb
import numpy as np

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


class Stream(IntEnum):
    """One stream per decision. Values are part of the results: never renumber."""

    POPULATION = 1
    FAMILY = 2
    NEED_NOISE = 3
    SHOCK = 4
    SHOCK_DOMAIN = 5
    CRISIS = 6
    CRISIS_KIND = 7
    DEATH = 8
    PRISON = 9
    PRIORITY = 10
    ASSESS = 11
    GAMING = 12
    CONTINUITY = 13
    DISENGAGE = 14
    TURNOVER = 15
    WORKER = 16
    AMBULANCE = 17
    REFER = 18
    BUDGET = 19  # flexible-budget purchases (Housing First tenancy, immediate treatment start)
    TENANCY = 20  # ordinary tenancy placement, tenancy loss
    TREATMENT = 21  # referral, start, drop-out and relapse of drug/alcohol treatment


@nb.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(cache=True, inline="always")
def draw(key: np.uint64, stream: int, entity: int, week: int, k: int) -> float:
    """Uniform float64 in [0, 1) for one (key, stream, entity, week, k)."""
    h = _mix(key + _GOLD)
    h = _mix(h ^ (np.uint64(stream) * _GOLD))
    h = _mix(h ^ (np.uint64(entity) + _GOLD))
    h = _mix(h ^ (np.uint64(week) * _M2))
    h = _mix(h ^ (np.uint64(k) + _M1))
    return float(h >> _S11) * _TO_UNIT


@nb.njit(cache=True, inline="always")
def stream_key(key: np.uint64, stream: int) -> np.uint64:
    """The part of :func:`draw` that depends on (key, stream) only (hoist it)."""
    h = _mix(key + _GOLD)
    return _mix(h ^ (np.uint64(stream) * _GOLD))


@nb.njit(cache=True, inline="always")
def entity_key(sk: np.uint64, entity: int, week: int) -> np.uint64:
    """The part of :func:`draw` that depends on (key, stream, entity, week)."""
    h = _mix(sk ^ (np.uint64(entity) + _GOLD))
    return _mix(h ^ (np.uint64(week) * _M2))


@nb.njit(cache=True, inline="always")
def draw_at(ek: np.uint64, k: int) -> float:
    """``draw(key, stream, entity, week, k)`` from its :func:`entity_key` (bit-identical)."""
    h = _mix(ek ^ (np.uint64(k) + _M1))
    return float(h >> _S11) * _TO_UNIT


def _mix_np(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def draws(
    key: int,
    stream: int,
    entity: np.ndarray | int,
    week: np.ndarray | int,
    k: np.ndarray | int = 0,
) -> np.ndarray:
    """Vectorised NumPy twin of :func:`draw` (broadcasts entity, week and k)."""
    with np.errstate(over="ignore"):
        s = np.uint64(key)
        e = np.asarray(entity).astype(np.uint64)
        w = np.asarray(week).astype(np.uint64)
        kk = np.asarray(k).astype(np.uint64)
        h = _mix_np(np.asarray(s + _GOLD, dtype=np.uint64))
        h = _mix_np(h ^ (np.uint64(stream) * _GOLD))
        h = _mix_np(h ^ (e + _GOLD))
        h = _mix_np(h ^ (w * _M2))
        h = _mix_np(h ^ (kk + _M1))
        return (h >> _S11).astype(np.float64) * _TO_UNIT


def seed_key(seed: int) -> np.uint64:
    """The uint64 key of a root seed (mixed so that nearby seeds are unrelated)."""
    with np.errstate(over="ignore"):
        return _mix_np(np.asarray(np.uint64(seed) ^ _M2, dtype=np.uint64))[()]
