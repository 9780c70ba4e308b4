"""CareModel.branch: a deep copy of a model that runs under other params from then on.

A branch of a model under its own params must step bit-identically to the model; a
branch shares no array with its source; params a branch cannot honour are refused; and
the web UI's arms share one burn-in, so B - A is zero at week 0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fingerprint import arrays, differing, fingerprint
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.scenarios import load
from carecomplex.ui import numbers
from carecomplex.ui.session import Draft, Session, scenario_levers


def small(scenario: str = "siloed", persons: int = 400, seed: int = 3) -> Params:
    """A small, short run (burn-in 3 weeks, 12 measured weeks)."""
    over = {"population": {"persons": persons}, "run": {"years": 12 / 52, "burn_in": 3}}
    return load(scenario).params.replace(**over)


def stepped(m: CareModel, weeks: int) -> CareModel:
    for _ in range(weeks):
        if m.week >= m.n_weeks:
            break
        m.step()
    return m


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    before=st.integers(0, 6),
    after=st.integers(1, 10),
    scenario=st.sampled_from(["siloed", "alliance"]),
)
def test_branch_under_own_params_is_bit_identical(
    seed: int, before: int, after: int, scenario: str
) -> None:
    """Branch at any week (burn-in or measured); both then step as the original would."""
    p = small(scenario)
    ref = stepped(CareModel(p, seed), before + after)
    src = stepped(CareModel(p, seed), before)
    twin = src.branch(src.params)
    stepped(src, after)
    stepped(twin, after)
    want = fingerprint(ref)
    assert differing(want, fingerprint(src)) == []
    assert differing(want, fingerprint(twin)) == []


def test_branch_shares_no_array_with_its_source() -> None:
    m = stepped(CareModel(small(), 5), 4)
    twin = m.branch(m.params)
    mine, its = arrays(m), arrays(twin)
    for name, a in mine.items():
        assert not np.shares_memory(a, its[name]), name
    for name in ("_scratch", "_books"):
        for a, b in zip(getattr(m, name), getattr(twin, name), strict=True):
            assert not np.shares_memory(a, b), name
    # Writing to the branch leaves the source alone.
    before = m.state.person.need.copy()
    twin.state.person.need[:] = 0.0
    assert np.array_equal(m.state.person.need, before)
    assert twin.params is m.params and twin.seed == m.seed


def test_branch_runs_under_the_new_params() -> None:
    """A branch under other levers takes them (and a lever change) from its next step."""
    m = stepped(CareModel(small("siloed"), 2), 3)  # week 0
    assert m.week == 0
    alt = small("alliance")
    twin = m.branch(alt)
    assert twin.params is alt and m.params is not alt
    # Week 0 starts the alliance's learning curve at the shared history; from week 1
    # its levers move, and the move is a lever change (friction, programme cost).
    stepped(twin, 2)
    stepped(m, 2)
    assert twin.levers != m.levers
    assert twin._change > 0 and m._change == 0  # the ordinary lever-change path
    assert differing(fingerprint(m), fingerprint(twin))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"population": {"persons": 500}}, "population"),
        ({"run": {"years": 1.0}}, "run.years"),
        ({"run": {"burn_in": 5}}, "run.burn_in"),
        ({"costs": {"social_worker_hour": 60.0}}, "costs"),
        ({"capacity": {"workers_per_1000": 20.0}}, "capacity.workers_per_1000"),
        ({"trust": {"initial": 0.2}}, "trust.initial"),
    ],
)
def test_branch_refuses_what_it_cannot_change(change: dict, named: str) -> None:
    m = CareModel(small(), 1)
    with pytest.raises(ValueError, match=rf"branch: .*differ in {named}"):
        m.branch(m.params.replace(**change))


def test_branch_refuses_a_non_params() -> None:
    m = CareModel(small(), 1)
    with pytest.raises(ValueError, match="must be a Params"):
        m.branch({"regime": {}})  # type: ignore[arg-type]


def test_branch_takes_other_world_and_levers() -> None:
    """World parameters read every week (turnover, trust) and levers may differ."""
    m = CareModel(small(), 1)
    p = m.params.replace(workforce={"turnover": 0.03}, trust={"build": 0.2}, regime={})
    assert m.branch(p).params is p


def test_session_arms_share_their_burn_in() -> None:
    """At week 0 the arms are the same system: B - A is zero for every outcome."""
    d = Draft().with_(persons="300", levers={**scenario_levers("alliance"), "continuity": 0.0})
    s = Session(d.with_(base="alliance"))
    a, b = (arm.model for arm in s.arms)
    assert a.week == b.week == 0
    assert differing(fingerprint(a), fingerprint(b)) == []
    assert a.params is not b.params and a.params.regime != b.params.regime
    s.advance(1)
    for row in numbers.compare_rows(s):
        assert math.isfinite(row["A"]), row
    # In week 0 both learning curves start from the shared history; the change acts later.
    s.advance(4)
    assert any(row["B - A"] != 0 for row in numbers.compare_rows(s))


def test_session_week_zero_headlines_equal() -> None:
    s = Session(Draft().with_(persons="300"))
    rows = numbers.compare_rows(s)
    assert rows
    for row in rows:
        assert row["A"] == row["B"] or (math.isnan(row["A"]) and math.isnan(row["B"])), row
