"""Statistical quality and twins of the model-2 random-stream layout (``carecomplex.rng``).

The layout hashes (key, stream) in 2 rounds, (entity, week) in 1 and each hash ``k`` in
1 round of the splitmix64 finaliser, and may split a hash into two 32-bit uniforms. Few
rounds are fast; these tests check that they are still enough: a battery of uniformity
and independence checks over a few million draws (adjacent entities, adjacent weeks,
adjacent hashes, the two halves of one hash) passes for the real mixer and fails for an
identity and for a weak mixer built here, so it has the power to see a bad one.
"""

from __future__ import annotations

from collections.abc import Callable

import numba as nb
import numpy as np
import pytest
from scipy import stats

from carecomplex import rng
from carecomplex.rng import (
    LIFE_NOISE_PAIRS,
    LifeDraw,
    Stream,
    check_counter,
    draw,
    draw_at,
    draw_pair,
    draws,
    draws2,
    draws32,
    entity_key,
    seed_key,
    stream_key,
)

KEY = int(seed_key(2026))
N = 1 << 21  # draws per check (2,097,152)
P_MIN = 1e-6  # a check fails below this p-value (deterministic: fixed keys)
Mix = Callable[[np.ndarray], np.ndarray]


def layout(mix: Mix, key: int, stream: int, entity, week, k) -> np.ndarray:
    """The layout's 64-bit hash with another mixer (the real one with ``rng._mix_np``)."""
    with np.errstate(over="ignore"):
        e, w = np.asarray(entity, np.uint64), np.asarray(week, np.uint64)
        kk = np.asarray(k, np.uint64)
        h = mix(np.asarray(np.uint64(key) + rng._GOLD, dtype=np.uint64))
        sk = mix(h ^ (np.uint64(stream) * rng._GOLD))
        ek = mix(sk ^ ((e << np.uint64(32)) | w))
        return mix(ek ^ (kk + rng._M1))


def identity(z: np.ndarray) -> np.ndarray:
    return z


def multiply_only(z: np.ndarray) -> np.ndarray:
    """A weak mixer: one odd multiply (low output bits see only low input bits)."""
    with np.errstate(over="ignore"):
        return z * rng._M1


def half_round(z: np.ndarray) -> np.ndarray:
    """A weak mixer: the first xorshift-multiply of splitmix64's finaliser only."""
    with np.errstate(over="ignore"):
        return (z ^ (z >> np.uint64(30))) * rng._M1


def hi53(h: np.ndarray) -> np.ndarray:
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


def hi32(h: np.ndarray) -> np.ndarray:
    return (h >> np.uint64(32)).astype(np.float64) * 2.0**-32


def lo32(h: np.ndarray) -> np.ndarray:
    return (h & np.uint64(0xFFFFFFFF)).astype(np.float64) * 2.0**-32


def uniform_p(u: np.ndarray, bins: int = 1024) -> float:
    """Chi-square p-value of ``u`` on equal bins of [0, 1)."""
    return float(stats.chisquare(np.bincount((u * bins).astype(np.int64), minlength=bins)).pvalue)


def pair_p(u: np.ndarray, v: np.ndarray, bins: int = 32) -> float:
    """Chi-square p-value of the pairs (u, v) on a bins x bins grid (independence)."""
    cell = (u * bins).astype(np.int64) * bins + (v * bins).astype(np.int64)
    return float(stats.chisquare(np.bincount(cell, minlength=bins * bins)).pvalue)


def corr_p(u: np.ndarray, v: np.ndarray) -> float:
    """Two-sided p-value of Pearson's r between u and v (normal approximation)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(u, v)[0, 1]  # nan (a failed check) if either is constant
    return float(2 * stats.norm.sf(abs(r) * np.sqrt(len(u))))


def bits_p(x: np.ndarray, y: np.ndarray) -> float:
    """Smallest p-value (Bonferroni over 64 bits) that a bit of ``x ^ y`` is a fair coin.

    Catches weak avalanche: neighbouring inputs whose hashes share bits.
    """
    diff = x ^ y
    n = len(diff)
    worst = 1.0
    for b in range(64):
        ones = int(((diff >> np.uint64(b)) & np.uint64(1)).sum())
        z = (ones - n / 2) / np.sqrt(n / 4)
        worst = min(worst, 64 * 2 * stats.norm.sf(abs(z)))
    return worst


def battery(mix: Mix) -> dict[str, float]:
    """p-values of every check for the layout with ``mix``: all above P_MIN if random."""
    s = int(Stream.LIFE)
    e = np.arange(N, dtype=np.uint64)
    base = layout(mix, KEY, s, e, 17, 0)  # entities 0..N-1, one week, hash 0
    next_week = layout(mix, KEY, s, e, 18, 0)
    next_k = layout(mix, KEY, s, e, 17, 1)
    weeks = layout(mix, KEY, s, 5, np.arange(N, dtype=np.uint64), 3)  # one entity, N weeks
    out = {
        "uniform 53-bit": uniform_p(hi53(base)),
        "uniform high half": uniform_p(hi32(base)),
        "uniform low half": uniform_p(lo32(base)),
        "uniform over weeks": uniform_p(hi53(weeks)),
        "pairs: adjacent entities": pair_p(hi53(base[:-1]), hi53(base[1:])),
        "pairs: adjacent entities, low halves": pair_p(lo32(base[:-1]), lo32(base[1:])),
        "pairs: adjacent weeks": pair_p(hi53(base), hi53(next_week)),
        "pairs: adjacent weeks of one entity": pair_p(hi53(weeks[:-1]), hi53(weeks[1:])),
        "pairs: adjacent hashes k, k + 1": pair_p(hi53(base), hi53(next_k)),
        "pairs: the two halves of a hash": pair_p(hi32(base), lo32(base)),
        "pairs: low half and next hash's high half": pair_p(lo32(base), hi32(next_k)),
        "corr: adjacent entities": corr_p(hi53(base[:-1]), hi53(base[1:])),
        "corr: adjacent weeks": corr_p(hi53(base), hi53(next_week)),
        "corr: the two halves": corr_p(hi32(base), lo32(base)),
        "corr: lag 2 entities": corr_p(hi53(base[:-2]), hi53(base[2:])),
        "bits: adjacent entities": bits_p(base[:-1], base[1:]),
        "bits: adjacent weeks": bits_p(base, next_week),
        "bits: adjacent hashes": bits_p(base, next_k),
    }
    return out


def test_the_battery_runs_on_the_real_layout() -> None:
    want = draws(KEY, Stream.LIFE, np.arange(1000), 17, 0)
    assert np.array_equal(
        hi53(layout(rng._mix_np, KEY, int(Stream.LIFE), np.arange(1000), 17, 0)), want
    )


def test_the_layout_passes_uniformity_and_independence() -> None:
    p = battery(rng._mix_np)
    bad = {k: v for k, v in p.items() if not v >= P_MIN}  # nan fails too
    assert not bad, f"the random streams fail statistical checks: {bad}"


@pytest.mark.parametrize("mix", [identity, multiply_only, half_round])
def test_the_battery_rejects_a_weak_mixer(mix: Mix) -> None:
    p = battery(mix)
    bad = [k for k, v in p.items() if not v >= P_MIN]
    assert len(bad) >= 3, f"the battery should reject {mix.__name__}, p-values {p}"


# --- Twins and the layout's guarantees -----------------------------------------------


@nb.njit
def _pairs(key, stream, entity, week, k):
    return draw_pair(entity_key(stream_key(key, stream), entity, week), k)


@nb.njit
def _at(key, stream, entity, week, k):
    return draw_at(entity_key(stream_key(key, stream), entity, week), k)


def test_numba_pairs_equal_numpy_twins() -> None:
    g = np.random.default_rng(7)
    for _ in range(300):
        key = int(g.integers(0, 2**64, dtype=np.uint64))
        s = int(g.integers(1, len(Stream) + 1))
        e, w, k = (int(x) for x in g.integers(0, 2**32, size=3))
        hi, lo = _pairs(np.uint64(key), s, e, w, k)
        hi2, lo2 = draws2(key, s, e, w, k)
        assert (hi, lo) == (hi2[()], lo2[()]), f"draw_pair != draws2 at {(key, s, e, w, k)}"
        j = draws32(key, s, e, w, [2 * k, 2 * k + 1])
        assert (hi, lo) == tuple(j), "draws32 must index the halves of draws2"
        assert (
            _at(np.uint64(key), s, e, w, k)
            == draw(np.uint64(key), s, e, w, k)
            == draws(key, s, e, w, k)[()]
        )


def test_pair_halves_and_53_bit_draw_share_the_hash() -> None:
    """A hash read as one 53-bit uniform has the pair's high half as its top 32 bits."""
    hi, _ = draws2(KEY, Stream.LIFE, np.arange(1000), 3, LifeDraw.DEATH)
    u = draws(KEY, Stream.LIFE, np.arange(1000), 3, LifeDraw.DEATH)
    assert np.array_equal(np.floor(u * 2.0**32) / 2.0**32, hi)


def test_life_hashes_are_distinct_and_cover_the_noise() -> None:
    ks = sorted(int(k) for k in LifeDraw)
    noise = set(range(LifeDraw.NOISE, LifeDraw.NOISE + LIFE_NOISE_PAIRS))
    others = {int(LifeDraw.SHOCK_CRISIS), int(LifeDraw.DEATH), int(LifeDraw.SHOCK_DOMAIN)}
    assert len(ks) == len(set(ks)) and not noise & others, "life hashes must not overlap"


@pytest.mark.parametrize(
    ("entity", "week"), [(-1, 0), (0, -1), (2**32, 0), (0, 2**32), (np.array([1, 2**33]), 4)]
)
def test_numpy_twins_reject_counters_out_of_range(entity, week) -> None:
    for f in (draws, draws2, draws32):
        with pytest.raises(ValueError, match="2\\*\\*32"):
            f(KEY, Stream.LIFE, entity, week, 0)


def test_range_edges_are_distinct_counters() -> None:
    edge = 2**32 - 1
    a = draws(KEY, Stream.LIFE, [edge, 0, 1, 0], [0, edge, 0, 1], 0)
    assert len(set(a.tolist())) == 4, "entity and week must not alias in the counter"


def test_check_counter() -> None:
    check_counter(2**32, 2**32)
    for bad in ((2**32 + 1, 1), (1, 2**32 + 1), (-1, 1)):
        with pytest.raises(ValueError):
            check_counter(*bad)
