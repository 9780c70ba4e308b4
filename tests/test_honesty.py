"""Honesty: the alliance's effects come from mechanisms, at the size the evidence allows.

A reduced version of `carecomplex evidence` (3,000 persons, 5 years, 4 paired seeds):
every alliance-vs-siloed effect lands in its published range (docs/evidence.md §3,
with a stated tolerance for the smaller run); the transition costs more than siloed in
its first year and does not break even before its third; with the relational levers
at their siloed values the advantage is gone; with tenancies that fail at the low end
of published sustainment, or cost their high unit costs, the cost advantage shrinks or
reverses; each mechanism moves its own outcome. All arms share seeds (common random
numbers), so differences are paired.
"""

from __future__ import annotations

import numpy as np
import pytest

from carecomplex.experiments.evidence import EFFECTS, effect, jcurve, measures, outcome
from carecomplex.experiments.simulate import Run
from carecomplex.params import Params, to_dict
from carecomplex.scenarios import load

SEEDS = range(1, 5)
SMALL = {"population": {"persons": 3000}, "run": {"years": 5}}
# The smaller run's effects scatter more than the default's: a point estimate may sit
# this far (percentage points, or % for relative effects) outside a range's edge.
TOLERANCE = 3.0
# The "target" levers; every other lever is relational (continuity, information sharing,
# whole-person support, the flexible budget, shared learning, in-reach, need priority,
# caseloads).
TARGET_LEVERS = ("target_pressure", "episode_cap", "eligibility")
# Published sustainment at its low end: 79 % still housed at one year (Busch-Geertsema
# 2013, the lowest Housing First Europe site) is a weekly exit hazard of -ln(0.79)/52.
LOW_SUSTAINMENT = {"housing": {"exit_hf": 0.0045}}


def runs(params: Params, arm: str) -> list[dict]:
    return [measures(Run(arm, params, s)) for s in SEEDS]


def diff(base: list[dict], alt: list[dict], key: str, kind: str = "relative"):
    """Paired effect of ``alt`` over ``base`` on an evidence outcome: mean, lo, hi."""
    return effect([outcome(m, key) for m in base], [outcome(m, key) for m in alt], kind)


def summary_diff(base: list[dict], alt: list[dict], key: str) -> float:
    pairs = zip(base, alt, strict=True)
    return float(np.mean([b["summary"][key] - a["summary"][key] for a, b in pairs]))


@pytest.fixture(scope="module")
def siloed() -> list[dict]:
    return runs(load("siloed", SMALL).params, "siloed")


@pytest.fixture(scope="module")
def alliance_params() -> Params:
    return load("alliance", SMALL).params


@pytest.fixture(scope="module")
def alliance(alliance_params) -> list[dict]:
    return runs(alliance_params, "alliance")


def test_effects_land_in_their_published_ranges(siloed, alliance) -> None:
    for r in EFFECTS:
        m, lo, hi = diff(siloed, alliance, r.key, r.kind)
        assert r.lo - TOLERANCE <= m <= r.hi + TOLERANCE, (
            f"{r.label}: {m:.1f} [{lo:.1f}, {hi:.1f}] outside {r.lo:g}..{r.hi:g} ({r.source})"
        )


def test_transition_costs_more_first_and_breaks_even_late() -> None:
    longer = {"population": {"persons": 3000}, "run": {"years": 7}}
    both = runs(load("siloed", longer).params, "siloed") + runs(
        load("transition", longer).params, "transition"
    )
    switch = load("transition").params.transition.week
    jc = jcurve(both, switch)
    m, lo, _ = jc["year1"]
    assert lo > 0, f"first year after the switch {m:.1f} % [{lo:.1f}, ...]: no extra cost"
    assert jc["break_even"] is None or jc["break_even"] >= 2 * 52, (
        f"cumulative break-even {jc['break_even']} weeks after the switch: before year 3"
    )
    assert jc["cumulative"][52] > 0, "cumulative cost not above siloed after a year"


def test_advantage_is_gone_without_the_relational_levers(siloed, alliance_params) -> None:
    levers = to_dict(load("siloed").params)["regime"]
    relational = {k: v for k, v in levers.items() if k not in TARGET_LEVERS}
    ablated = runs(alliance_params.replace(regime=relational), "ablated")
    m, lo, hi = diff(siloed, ablated, "housed", "pp")
    assert m < 5.0, f"housing gain {m:.1f} pp [{lo:.1f}, {hi:.1f}] without the relational levers"
    for key in ("acute", "custody", "cost_years3_5"):
        m, lo, hi = diff(siloed, ablated, key)
        assert hi > -5.0, f"{key}: {m:.1f} % [{lo:.1f}, {hi:.1f}] still favours the alliance"


@pytest.mark.parametrize(
    "stress",
    [
        LOW_SUSTAINMENT,
        {"costs": {"tenancy_rent_week": 200.0, "tenancy_setup": 3000.0}},
    ],
    ids=["low_sustainment", "dear_tenancies"],
)
def test_weak_or_dear_tenancies_shrink_the_cost_advantage(
    siloed, alliance, alliance_params, stress
) -> None:
    stressed_siloed = runs(load("siloed", {**SMALL, **stress}).params, "siloed")
    stressed = runs(alliance_params.replace(**stress), "stressed")
    base, _, _ = diff(siloed, alliance, "cost_years3_5")
    worse, lo, hi = diff(stressed_siloed, stressed, "cost_years3_5")
    assert worse > base + 0.5, (
        f"cost effect in years 3-5 {worse:.1f} % [{lo:.1f}, {hi:.1f}] under {stress}, "
        f"not above the default's {base:.1f} %"
    )


@pytest.fixture(scope="module")
def without(alliance_params) -> dict[str, list[dict]]:
    out = {}
    for lever in ("continuity", "information_sharing", "shared_learning", "flexible_budget"):
        out[lever] = runs(alliance_params.replace(regime={lever: 0.0}), f"no_{lever}")
    return out


def test_each_mechanism_moves_its_own_outcome(alliance, without) -> None:
    assert summary_diff(alliance, without["continuity"], "handoffs:all") > 0
    # Continuity: a new need is taken up by the known worker, so fewer new workers are
    # met. (With the fair siloed reallocation rate it barely moves mean trust: measured
    # +0.01 without it at this size, so relationships are not asserted here.)
    assert summary_diff(alliance, without["continuity"], "new_workers:complex") > 0
    assert summary_diff(alliance, without["information_sharing"], "reassessments:all") > 0
    assert summary_diff(alliance, without["information_sharing"], "kim_thinking") < 0
    assert summary_diff(alliance, without["shared_learning"], "knowledge") < 0
    m, _, _ = diff(alliance, without["flexible_budget"], "housed", "pp")
    assert m < -10.0, f"housing falls by only {m:.1f} pp without the flexible budget"


def test_brian_is_supported_for_longer_under_the_alliance(siloed, alliance) -> None:
    s = np.mean([m["brian_weeks_supported"] for m in siloed])
    a = np.mean([m["brian_weeks_supported"] for m in alliance])
    assert all(m["brian_alive_at_start"] == 1.0 for m in siloed + alliance)
    assert a > s, f"Brian supported {a:.0f} weeks under the alliance, {s:.0f} under siloed"
