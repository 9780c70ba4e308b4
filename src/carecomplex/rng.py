"""Counter-based random streams, usable inside numba kernels and from NumPy.

A draw is a pure function of ``(key, stream, entity, week, k)``: the run's key (its
root seed mixed by :func:`seed_key`), the :class:`Stream` naming the decision, the
stable id of the entity (person, post, family), the week and a small index ``k`` for
several draws of one decision. Results therefore do not depend on thread count,
evaluation order or on which other entities exist, and two scenarios run with one seed
share every draw (common random numbers).

Layout (model 2, issue 15; chosen for speed, the hash rounds being most of the cost of
the draws a person needs each week). Each step is one round of the splitmix64
finaliser (Steele, Lea & Flood 2014), a bijective 64-bit mixer:

* :func:`stream_key` ``(key, stream)``: 2 rounds, computed once per kernel call;
* :func:`entity_key` ``(stream key, entity, week)``: 1 round, absorbing entity and week
  as one 64-bit counter ``entity << 32 | week``. Both must be in ``[0, 2**32)`` so that
  distinct (entity, week) never share a counter: the NumPy twins raise ``ValueError``
  otherwise, and the model checks its ids and weeks once (:func:`check_counter`);
* :func:`draw_at` ``(entity key, k)``: 1 round per 64-bit hash ``k``; its top 53 bits
  give one uniform float in [0, 1). :func:`draw_pair` splits the same hash into two
  32-bit uniforms (high half, low half), so two decisions cost one round.

:func:`draw` is the composition (4 rounds) and :func:`draws`, :func:`draws2` and
:func:`draws32` its vectorised NumPy twins, bit-identical to the numba functions.
Within one (stream, entity, week) a hash ``k`` is used either as one 53-bit uniform or
as a pair, never both. A decision has its own hash (or half of one), which exists
whether or not any other decision happened, so common random numbers hold decision by
decision.

The life step draws everything from one entity key per person and week on the
``LIFE`` stream (the hashes :class:`LifeDraw` lists): 1 + 4 (eight need-noise uniforms
in pairs) + 1 (shock and crisis, a pair) + 1 (death) = 7 rounds per person-week, where
the model-1 layout used 19 (five stream keys, 2 rounds per entity key, one hash per
uniform). ``tests/test_rng.py`` checks uniformity and independence (adjacent entities,
adjacent weeks, adjacent hashes, the two halves of one hash) and that the same checks
reject a weak mixer.

Resolution: a 32-bit uniform makes a decision of probability ``p`` happen with
probability ``ceil(p * 2**32) / 2**32``, an excess below ``2**-32`` (2.3e-10): a relative
error under 0.23 % for any hazard of at least 1e-7 a week, and under 2e-5 at the death
hazard's base rate of 1.2e-5. The need noise, the shock and the crisis (default
hazards 1e-4 and more) use 32-bit uniforms; the death from need, whose base hazard's
range reaches 0, keeps a 53-bit one (at no extra cost: an eleventh uniform would need a
hash of its own anyway), as do all draws made with :func:`draw`.

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
_S32 = np.uint64(32)
_LO32 = np.uint64(0xFFFFFFFF)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_TO_UNIT32 = 1.0 / 4294967296.0  # 2**-32
COUNTER_LIMIT = 2**32  # entity ids and weeks must be below this (one 64-bit counter)


class Stream(IntEnum):
    """One stream per decision. Values are part of the results: never renumber."""

    POPULATION = 1
    FAMILY = 2
    NEED_NOISE = 3  # model 1 only: the life step now draws from LIFE
    SHOCK = 4  # model 1 only (LIFE)
    SHOCK_DOMAIN = 5  # model 1 only (LIFE)
    CRISIS = 6  # model 1 only (LIFE)
    CRISIS_KIND = 7
    DEATH = 8  # k = 1: death in a crisis; k = 0 was model 1's death from need (LIFE)
    PRISON = 9
    PRIORITY = 10
    ASSESS = 11
    GAMING = 12
    CONTINUITY = 13
    DISENGAGE = 14
    TURNOVER = 15  # entity: the post (worker row), not its holder's uid
    WORKER = 16
    AMBULANCE = 17
    REFER = 18
    BUDGET = 19
    LIFE = 20  # the life step's draws, one entity key per person-week (LifeDraw)
    ADMISSION = 21  # k = 0: day of the week admitted; k = 1: length of stay
    SENTENCE = 22  # k = 0: short or long; k = 1: weeks served
    IN_REACH = 23  # k = 0: in-reach in this custody spell
    RELEASE = 24  # k = 0: release planned; k = 1: released without settled accommodation
    PROVEN = 25  # k = 0: a custody is a proven offence
    TENANCY = 26  # ordinary tenancy placement, tenancy loss
    TREATMENT = 27  # referral, start, drop-out and relapse of drug/alcohol treatment


class LifeDraw(IntEnum):
    """Hashes ``k`` of the ``LIFE`` stream. Values are part of the results."""

    NOISE = 0  # hashes 0..3 (LIFE_NOISE_PAIRS): noise of domains 2k (high), 2k + 1 (low)
    SHOCK_CRISIS = 4  # a pair: high half the life shock, low half the crisis
    DEATH = 5  # 53-bit: death from need
    SHOCK_DOMAIN = 6  # 53-bit: the domain a shock hits (drawn only on a shock)


LIFE_NOISE_PAIRS = 4  # hashes of need noise: two 32-bit uniforms each, one per domain


@nb.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(cache=True, inline="always")
def stream_key(key: np.uint64, stream: int) -> np.uint64:
    """The part of :func:`draw` that depends on (key, stream) only (hoist it): 2 rounds."""
    h = _mix(key + _GOLD)
    return _mix(h ^ (np.uint64(stream) * _GOLD))


@nb.njit(cache=True, inline="always")
def entity_key(sk: np.uint64, entity: int, week: int) -> np.uint64:
    """The part of :func:`draw` that depends on (key, stream, entity, week): 1 round.

    The caller keeps entity and week in ``[0, 2**32)`` (:func:`check_counter`; not
    checked here: a raise would keep numba from running a ``prange`` loop in parallel).
    """
    return _mix(sk ^ ((np.uint64(entity) << _S32) | np.uint64(week)))


@nb.njit(cache=True, inline="always")
def draw_at(ek: np.uint64, k: int) -> float:
    """``draw(key, stream, entity, week, k)`` from its :func:`entity_key` (bit-identical)."""
    h = _mix(ek ^ (np.uint64(k) + _M1))
    return float(h >> _S11) * _TO_UNIT


@nb.njit(cache=True, inline="always")
def draw_pair(ek: np.uint64, k: int) -> tuple[float, float]:
    """Two 32-bit uniforms in [0, 1) from hash ``k`` of an entity key: (high, low half).

    The twin is :func:`draws2`. Use a ``k`` either here or in :func:`draw_at`, not both.
    """
    h = _mix(ek ^ (np.uint64(k) + _M1))
    return float(h >> _S32) * _TO_UNIT32, float(h & _LO32) * _TO_UNIT32


@nb.njit(cache=True, inline="always")
def draw(key: np.uint64, stream: int, entity: int, week: int, k: int) -> float:
    """Uniform float64 in [0, 1) for one (key, stream, entity, week, k): 4 rounds."""
    return draw_at(entity_key(stream_key(key, stream), entity, week), k)


def _mix_np(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _hash_np(key: int, stream: int, entity, week, k) -> np.ndarray:
    """The 64-bit hash of :func:`draw_at` for broadcast (entity, week, k), in NumPy."""
    with np.errstate(over="ignore"):
        e = np.asarray(entity).astype(np.uint64)
        w = np.asarray(week).astype(np.uint64)
        if np.any((e | w) >> _S32):
            raise ValueError("random streams: entity and week must be in [0, 2**32)")
        kk = np.asarray(k).astype(np.uint64)
        h = _mix_np(np.asarray(np.uint64(key) + _GOLD, dtype=np.uint64))
        sk = _mix_np(h ^ (np.uint64(stream) * _GOLD))
        ek = _mix_np(sk ^ ((e << _S32) | w))
        return _mix_np(ek ^ (kk + _M1))


def draws(
    key: int,
    stream: int,
    entity: np.ndarray | int,
    week: np.ndarray | int,
    k: np.ndarray | int = 0,
) -> np.ndarray:
    """Vectorised NumPy twin of :func:`draw` (broadcasts entity, week and k)."""
    return (_hash_np(key, stream, entity, week, k) >> _S11).astype(np.float64) * _TO_UNIT


def draws2(
    key: int,
    stream: int,
    entity: np.ndarray | int,
    week: np.ndarray | int,
    k: np.ndarray | int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised twin of :func:`draw_pair`: the (high, low) 32-bit uniforms of hash k."""
    h = _hash_np(key, stream, entity, week, k)
    return (h >> _S32).astype(np.float64) * _TO_UNIT32, (h & _LO32).astype(np.float64) * _TO_UNIT32


def draws32(
    key: int,
    stream: int,
    entity: np.ndarray | int,
    week: np.ndarray | int,
    j: np.ndarray | int,
) -> np.ndarray:
    """The ``j``-th 32-bit uniform of a (stream, entity, week), broadcast like :func:`draws`.

    Hash ``j // 2``, high half for even ``j``, low half for odd: uniforms 2k and 2k + 1
    are :func:`draws2` of hash k.
    """
    jj = np.asarray(j).astype(np.uint64)
    h = _hash_np(key, stream, entity, week, jj >> np.uint64(1))
    half = np.where((jj & np.uint64(1)) == 0, h >> _S32, h & _LO32)
    return half.astype(np.float64) * _TO_UNIT32


def check_counter(entities: int, weeks: int) -> None:
    """Check that entity ids ``0..entities-1`` and weeks ``0..weeks-1`` fit the counter.

    Raises:
        ValueError: if either count exceeds ``2**32`` (ids and weeks share one 64-bit
            counter ``entity << 32 | week``, so larger values would collide).
    """
    if not (0 <= entities <= COUNTER_LIMIT and 0 <= weeks <= COUNTER_LIMIT):
        raise ValueError(
            f"random streams: {entities} entities and {weeks} weeks must each be at most "
            "2**32 (entity << 32 | week is one 64-bit counter)"
        )


def seed_key(seed: int) -> np.uint64:
    """The uint64 key of a root seed (mixed so that nearby seeds are unrelated)."""
    with np.errstate(over="ignore"):
        return _mix_np(np.asarray(np.uint64(seed) ^ _M2, dtype=np.uint64))[()]
