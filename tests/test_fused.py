"""Fused and split kernels agree exactly; the wellbeing sums against their NumPy twin.

``life.life_families`` is ``life.families`` followed by ``life.life_crisis`` in one pass
(chunks of whole families); ``support.support`` takes the week's wellbeing sums
(``observation.wellbeing_sums``) in the same parallel region. Every array must come out
bit-identical; for life_families the integer per-chunk partials of the ledger and the
event table may fall in other chunks, so only their totals over chunks are compared
(the model only ever uses the totals).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from carecomplex.processes import access, life, observation, support
from carecomplex.processes.common import chunk_sum
from carecomplex.reference import common as ref_common
from carecomplex.reference import observation as ref_observation
from carecomplex.state import N_CHUNKS, N_GROUPS, FamilyTable, PersonTable, State
from test_reference import (
    HYPO,
    PARTIALS,
    World,
    access_args,
    arrays,
    families_args,
    life_crisis_args,
    support_args,
    worlds,
)


@HYPO
@given(world=worlds())
def test_life_families_equals_families_then_life_crisis(world: World) -> None:
    assert life.families_tile(world.state.family, world.state.person)
    split = world.copy()
    life.families(*families_args(split).values())
    life.life_crisis(*life_crisis_args(split).values())
    life.life_families(*life_crisis_args(world).values())
    want = arrays(life_crisis_args(split))
    for name, x in arrays(life_crisis_args(world)).items():
        y = want[name]
        if name in PARTIALS:
            x, y = x.sum(axis=0), y.sum(axis=0)
        np.testing.assert_array_equal(x, y, err_msg=f"life_families: {name} differs")
    np.testing.assert_array_equal(world.state.family.support, split.state.family.support)


def _tile(start, size, family) -> bool:
    s = State.empty(len(family), len(start), 8)
    fam = FamilyTable(**{**s.family._asdict(), "start": start, "size": size})
    per = PersonTable(**{**s.person._asdict(), "family": family})
    return life.families_tile(fam, per)


def test_families_tile_detects_gaps_and_order() -> None:
    start, size = np.array([0, 2, 3], dtype=np.int32), np.array([2, 1, 2], dtype=np.int32)
    family = np.array([0, 0, 1, 2, 2], dtype=np.int32)
    assert _tile(start, size, family)
    assert not _tile(start, size, family[:4])  # a person outside every family
    assert not _tile(start, size, np.array([0, 0, 2, 1, 1], dtype=np.int32))
    assert not _tile(np.array([0, 3, 2], dtype=np.int32), size, family)


@HYPO
@given(world=worlds())
def test_wellbeing_sums_matches_twin(world: World) -> None:
    p = world.state.person
    got, want = world.books.copy(), world.books.copy()
    got.wellbeing_sums[:] = np.nan
    want.wellbeing_sums[:] = np.nan
    observation.wellbeing_sums(p, got)
    ref_observation.wellbeing_sums(p, want)
    got, want = got.wellbeing_sums, want.wellbeing_sums
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
def test_support_sums_wellbeing_as_wellbeing_sums_does_after_it(world: World) -> None:
    """The fused sums equal the standalone kernel's on the supported state, bit for bit."""
    world.books.wellbeing_sums[:] = np.nan
    support.support(*support_args(world).values())
    want = world.books.copy()
    want.wellbeing_sums[:] = np.nan
    observation.wellbeing_sums(world.state.person, want)
    assert want.wellbeing_sums.shape == (N_CHUNKS, N_GROUPS, 2)
    np.testing.assert_array_equal(world.books.wellbeing_sums, want.wellbeing_sums)


@HYPO
@given(world=worlds())
def test_access_with_dirty_scratch_equals_fresh_scratch(world: World) -> None:
    """Scratch reused from week to week: stale contents must not matter."""
    split = world.copy()
    access.access(*access_args(split).values())
    dirty = access_args(world)
    rng = np.random.default_rng(0)
    for a in dirty["scratch"]:  # garbage, as left by an earlier week
        a[:] = rng.integers(0, 200, a.shape).astype(a.dtype)
    access.access(*dirty.values())
    want = arrays(access_args(split))
    for name, x in arrays(dirty).items():
        np.testing.assert_array_equal(x, want[name], err_msg=f"access: {name}")


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
    got, want = chunk_sum(parts), ref_common.chunk_sum(parts)
    assert got.shape == parts.shape[1:]
    np.testing.assert_array_equal(got, want)
