"""The evidence check: its statistics on constructed runs, and the command end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecomplex.experiments import evidence
from carecomplex.experiments.evidence import BASELINE, EFFECTS, Range, effect, jcurve, verdict

positive = st.floats(1.0, 1e6, allow_nan=False)


@given(st.lists(st.tuples(positive, positive), min_size=2, max_size=12))
def test_relative_effects_never_leave_their_domain(pairs) -> None:
    base, alt = zip(*pairs, strict=True)
    m, lo, hi = effect(base, alt, "relative")
    for x in (m, lo, hi):
        assert math.isnan(x) or x >= -100.0  # exp of a large negative log ratio underflows
    if math.isfinite(lo):
        assert lo <= m <= hi


def test_relative_effect_is_the_ratio_on_the_log_scale() -> None:
    m, lo, hi = effect([100.0, 200.0, 400.0], [50.0, 100.0, 200.0], "relative")
    assert m == pytest.approx(-50.0)
    assert lo == pytest.approx(-50.0) and hi == pytest.approx(-50.0)


def test_points_differences_are_paired() -> None:
    m, lo, hi = effect([10.0, 20.0, 30.0], [40.0, 50.0, 60.0], "pp")
    assert (m, lo, hi) == pytest.approx((30.0, 30.0, 30.0))


def test_verdict_names_the_side() -> None:
    r = Range("x", "x", "relative", -30.0, 0.0, "")
    assert [verdict(v, r) for v in (-31.0, -30.0, -5.0, 0.0, 1.0, math.nan)] == [
        "below",
        "inside",
        "inside",
        "inside",
        "above",
        "n/a",
    ]


def _run(arm: str, seed: int, weekly: np.ndarray) -> dict:
    return {"arm": arm, "seed": seed, "cost": weekly, "alive": np.full(len(weekly), 10.0)}


def test_jcurve_finds_the_break_even_week() -> None:
    weeks = 6 * 52
    base = np.full(weeks, 100.0)
    # The alternative costs more for two years, then less: cumulative break-even at 4 y.
    alt = np.where(np.arange(weeks) < 104, 150.0, 50.0)
    runs = [_run("siloed", s, base) for s in (1, 2)] + [_run("transition", s, alt) for s in (1, 2)]
    jc = jcurve(runs, switch=0)
    assert jc["year1"][0] == pytest.approx(50.0)
    assert jc["break_even"] == 207  # 104 weeks x 5 extra, paid back at 5 a week
    never = [_run("siloed", 1, base), _run("transition", 1, base + 1.0)]
    assert jcurve(never, switch=0)["break_even"] is None


def test_every_range_is_ordered_and_sourced() -> None:
    keys = [r.key for r in EFFECTS] + [r.key for r in BASELINE]
    assert len(set(r.key for r in EFFECTS)) == len(EFFECTS)
    for r in (*EFFECTS, *BASELINE):
        assert r.lo < r.hi, r
        assert r.kind in ("relative", "pp", "level"), r
        assert len(r.source) > 10, r
    assert "housed" in keys and "cost_years3_5" in keys


def test_drift_measures_a_trend() -> None:
    weeks = 5 * 52
    flat = {"cost": np.full(weeks, 100.0), "alive": np.full(weeks, 1.0)}
    assert evidence.drift(flat) == pytest.approx(0.0, abs=1e-9)
    rising = {"cost": 100.0 * 1.1 ** (np.arange(weeks) // 52), "alive": np.full(weeks, 1.0)}
    assert evidence.drift(rising) > 5.0
