"""Fused and split kernels agree exactly; wellbeing_sums against its NumPy twin.

``kernels.life_families`` is ``kernels.families`` followed by ``kernels.life_crisis`` in
one pass (chunks of whole families); ``kernels.support_wellbeing`` is ``kernels.support``
followed by ``kernels.wellbeing_sums`` in one parallel region. Every array must come
out bit-identical; for life_families the integer per-chunk partials of the ledger and
the event table may fall in other chunks, so only their totals over chunks are compared
(the model only ever uses the totals).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from carecomplex import kernels as kn
from carecomplex import reference as ref
from carecomplex.state import N_CHUNKS, N_GROUPS
from test_reference import (
    HYPO,
    PARTIALS,
    World,
    access_args,
    families_args,
    life_crisis_args,
    support_args,
    worlds,
)


def _fused_args(w: World) -> dict:
    fam = families_args(w)
    life = life_crisis_args(w)
    head = {k: life.pop(k) for k in ("seed", "t", "kp")}
    return {
        **head,
        "start": fam["start"],
        "size": fam["size"],
        "connection": fam["connection"],
        **life,
    }


@HYPO
@given(world=worlds())
def test_life_families_equals_families_then_life_crisis(world: World) -> None:
    p, f = world.state.person, world.state.family
    assert kn.families_tile(f.start, f.size, p.family)
    split = world.state.copy()
    split_w = World(**{**world.__dict__, "state": split})
    split_w.ledger, split_w.events = world.ledger.copy(), world.events.copy()
    kn.families(*families_args(split_w).values())
    kn.life_crisis(*life_crisis_args(split_w).values())
    fused = _fused_args(world)
    kn.life_families(*fused.values())
    want = life_crisis_args(split_w)
    for name, x in life_crisis_args(world).items():
        if not isinstance(x, np.ndarray):
            continue
        y = want[name]
        if name in PARTIALS:
            x, y = x.sum(axis=0), y.sum(axis=0)
        np.testing.assert_array_equal(x, y, err_msg=f"life_families: {name} differs")
    np.testing.assert_array_equal(f.support, split.family.support)


def test_families_tile_detects_gaps_and_order() -> None:
    start, size = np.array([0, 2, 3], dtype=np.int32), np.array([2, 1, 2], dtype=np.int32)
    family = np.array([0, 0, 1, 2, 2], dtype=np.int32)
    assert kn.families_tile(start, size, family)
    assert not kn.families_tile(start, size, family[:4])  # a person outside every family
    assert not kn.families_tile(start, size, np.array([0, 0, 2, 1, 1], dtype=np.int32))
    assert not kn.families_tile(np.array([0, 3, 2], dtype=np.int32), size, family)


@HYPO
@given(world=worlds())
def test_wellbeing_sums_matches_twin(world: World) -> None:
    p = world.state.person
    got = np.full((N_CHUNKS, N_GROUPS, 2), np.nan)
    want = got.copy()
    kn.wellbeing_sums(p.alive, p.complex, p.need, got)
    ref.wellbeing_sums(p.alive, p.complex, p.need, want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # Counts are exact, and the sums combined in chunk order give the group means.
    np.testing.assert_array_equal(got[:, :, 1], want[:, :, 1])
    for g in range(N_GROUPS):
        alive = (p.alive == 1) & (p.complex == g)
        assert got[:, g, 1].sum() == alive.sum()
        wb = 1.0 - p.need[alive].astype(np.float64).mean(axis=1)
        np.testing.assert_allclose(got[:, g, 0].sum(), wb.sum(), rtol=1e-9, atol=1e-9)


@HYPO
@given(world=worlds())
def test_support_wellbeing_equals_support_then_wellbeing_sums(world: World) -> None:
    split = World(**{**world.__dict__, "state": world.state.copy()})
    for name in PARTIALS:
        setattr(split, name, getattr(world, name).copy())
    want_wb = np.full((N_CHUNKS, N_GROUPS, 2), np.nan)
    got_wb = want_wb.copy()
    kn.support(*support_args(split).values())
    p = split.state.person
    kn.wellbeing_sums(p.alive, p.complex, p.need, want_wb)
    kn.support_wellbeing(*support_args(world).values(), got_wb)
    want = support_args(split)
    for name, x in support_args(world).items():
        if isinstance(x, np.ndarray):  # same chunks here: partials compared chunk by chunk
            np.testing.assert_array_equal(x, want[name], err_msg=f"support_wellbeing: {name}")
    np.testing.assert_array_equal(got_wb, want_wb)


@HYPO
@given(world=worlds())
def test_access_into_with_dirty_scratch_equals_access(world: World) -> None:
    """Scratch reused from week to week: stale contents must not matter."""
    split = World(**{**world.__dict__, "state": world.state.copy()})
    for name in PARTIALS:
        setattr(split, name, getattr(world, name).copy())
    kn.access(*access_args(split).values())
    scratch = kn.access_scratch(len(world.state.person.pid))
    rng = np.random.default_rng(0)
    for a in scratch:  # garbage, as left by an earlier week
        a[:] = rng.integers(0, 200, a.shape).astype(a.dtype)
    kn.access_into(*access_args(world).values(), scratch)
    want = access_args(split)
    for name, x in access_args(world).items():
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, want[name], err_msg=f"access_into: {name}")


@HYPO
@given(
    parts=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=3, max_side=N_CHUNKS),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    )
)
def test_chunk_sum_adds_the_chunks_in_order_like_its_twin(parts: np.ndarray) -> None:
    # Bitwise, not close: the weekly sums must not depend on how they are combined.
    got, want = kn.chunk_sum(parts), ref.chunk_sum(parts)
    assert got.shape == parts.shape[1:]
    np.testing.assert_array_equal(got, want)
