"""Fused and split kernels agree exactly; wellbeing_sums against its NumPy twin.

``kernels.life_families`` is ``kernels.families`` followed by ``kernels.life_crisis`` in
one pass (chunks of whole families). Every array must come out bit-identical; the
integer per-chunk partials of the ledger and the event table may fall in other chunks,
so only their totals over chunks are compared (the model only ever uses the totals).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given

from carecomplex import kernels as kn
from carecomplex import reference as ref
from carecomplex.state import N_CHUNKS, N_GROUPS
from test_reference import HYPO, PARTIALS, World, families_args, life_crisis_args, worlds


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
