"""Claims checker 2: honest intervals, deaths kept, per-arm overrides, unit-cost screens,
alternative encodings, footing and feasibility, a complete manifest, provenance."""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecomplex import claims as cl
from carecomplex import console
from carecomplex.cli import main
from carecomplex.costs import UNIT_COSTS
from carecomplex.stats import Estimate

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "experiments" / "claims"

BASE = {
    "claim": {
        "id": "t",
        "statement": "s",
        "metric": "cost_total",
        "population": "complex",
        "baseline": "siloed",
        "intervention": "alliance",
        "window": [26, 52],
        "effect": "saving",
        "value": 1000.0,
    },
    "run": {"persons": 400, "years": 1.0, "seeds": 2},
}


def _claim(years: float = 1.0, **claim: object) -> cl.Claim:
    data = {k: dict(v) for k, v in BASE.items()}
    data["claim"].update(claim)
    data["run"]["years"] = years
    return cl.parse(data, "f.toml")


# ---------------------------------------------------------------------------------
# 1. Intervals stay in their quantity's domain


# Rates and costs: exactly zero (nobody died) or from a thousandth to ten million.
nonneg = st.one_of(st.just(0.0), st.floats(1e-3, 1e7))


@settings(max_examples=200, deadline=None)
@given(x=st.lists(nonneg, min_size=2, max_size=40))
def test_rate_intervals_never_go_below_zero(x: list[float]) -> None:
    e = Estimate.nonneg(x)
    assert e.lo >= 0.0 and e.lo <= e.hi, e
    assert min(x) - 1e-6 * max(1.0, max(x)) <= e.mean <= max(x) + 1e-6 * max(1.0, max(x))
    if e.method == "bootstrap":  # used only where the t interval would cross zero
        assert Estimate.of(x).lo < 0


@settings(max_examples=100, deadline=None)
@given(x=st.lists(st.one_of(st.just(0.0), st.just(1.0), st.floats(0, 1)), min_size=2, max_size=40))
def test_share_intervals_stay_between_zero_and_one(x: list[float]) -> None:
    e = Estimate.share(x)
    assert 0.0 <= e.lo <= e.hi <= 1.0, e


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(nonneg, nonneg), min_size=2, max_size=40))
def test_ratio_intervals_never_leave_zero_to_infinity(pairs: list[tuple[float, float]]) -> None:
    base, alt = zip(*pairs, strict=True)
    e = Estimate.ratio(base, alt)
    if math.isfinite(e.lo):
        assert 0.0 <= e.lo <= e.hi, e
        assert e.lo <= e.mean * (1 + 1e-9) + 1e-12 and e.mean <= e.hi * (1 + 1e-9) + 1e-12, e
    if all(b > 0 for b in base) and all(a > 0 for a in alt):
        assert e.method == "log-t"
        with np.errstate(over="ignore"):
            ratios = np.array(alt) / np.array(base)
        assert ratios.min() * (1 - 1e-9) <= e.mean <= ratios.max() * (1 + 1e-9)


def test_the_evaluators_negative_intervals_are_gone() -> None:
    """Per-seed ratios like plymouth_deaths' (zero, small, large) and a death rate with
    zeros: a symmetric t interval went below zero; these do not."""
    base = [2.0, 1.5, 3.0, 2.5, 1.0, 2.0]
    alt = [0.0, 0.5, 3.5, 0.0, 1.5, 0.2]
    assert Estimate.of(np.array(alt) / np.array(base)).lo < 0  # the old way
    e = Estimate.ratio(base, alt)
    assert e.method == "bootstrap" and 0 <= e.lo <= e.mean <= e.hi
    rates = [0.0, 0.0, 0.0, 20.0, 0.0, 0.0]
    assert Estimate.of(rates).lo < 0
    r = Estimate.nonneg(rates)
    assert r.lo == 0.0 and r.hi > 0.0 and r.method == "bootstrap"


# ---------------------------------------------------------------------------------
# 7. Deaths are outcomes: cohort rates count every member for the whole window


def _series(values, alive, cohort):
    snap = np.array([0, 13, 26, 39, 52])
    value = np.array(values, dtype=float)
    weeks = np.concatenate([[0.0], np.cumsum(np.diff(snap) * np.array(alive[:-1]))])
    return cl.ArmSeries(value, value * 0.0, weeks, alive=np.array(alive, dtype=float)), snap


def test_a_cohort_member_who_dies_is_counted_not_dropped() -> None:
    """A persona dead after week 13 in one arm: the old rate (per person-year alive) was
    undefined in a window after death and the seed was dropped; intention to treat
    counts the dead member at zero cost for the rest of the window."""
    alive_arm, snap = _series([0, 1000, 2000, 3000, 4000], [1, 1, 1, 1, 1], 1)
    dead_arm, _ = _series([0, 1000, 1000, 1000, 1000], [1, 1, 0, 0, 0], 1)
    window = (26, 52)
    assert math.isnan(cl.rate(dead_arm, snap, window, 1.0))  # per person-year alive
    assert cl.rate(dead_arm, snap, window, 1.0, persons=1) == 0.0
    assert cl.rate(alive_arm, snap, window, 1.0, persons=1) == pytest.approx(2000 / 0.5)
    c = _claim(population="persona", persona="brian", effect="ratio", value=0.5)
    pairs = [
        cl.PairResult("t", s, "default", snap, (alive_arm, dead_arm), 1, 0.0) for s in (1, 2, 3)
    ]
    r = cl.summarise(c, pairs, [], 0.0)
    assert r.effect.n == 3 and r.effect.mean == 0.0  # no seed dropped
    assert r.survival is not None
    assert r.survival[0].mean == 1.0 and r.survival[1].mean == 0.0


@pytest.mark.slow
def test_brian_keeps_every_seed() -> None:
    c = cl.load(CLAIMS / "brian.toml")
    c = replace(c, persons=600, seeds=tuple(range(1, 9)), screen_seeds=2)
    (r,) = cl.check([c], screen=False)
    assert r.effect.n == len(c.seeds)
    assert r.survival is not None and 0 <= r.survival[0].lo <= r.survival[0].hi <= 1


# ---------------------------------------------------------------------------------
# 6. Per-arm overrides, unit-cost screens


def test_per_arm_overrides_touch_only_their_arm() -> None:
    data = {k: dict(v) for k, v in BASE.items()}
    data["claim"]["intervention"] = "transition"
    data["parameters"] = {
        "crisis": {"base_rate": 0.005},
        "intervention": {"transition": {"week": 52}},
        "baseline": {"population": {"complex_share": 0.25}},
    }
    c = cl.parse(data, "f.toml")
    base, alt = cl.arms(c)
    assert alt.transition.week == 52 and base.transition.week != 52
    assert base.population.complex_share == 0.25 != alt.population.complex_share
    assert base.crisis.base_rate == alt.crisis.base_rate == 0.005
    data["parameters"] = {"intervention": {"transition": {"week": -5}}}
    with pytest.raises(cl.ClaimError, match=r"^f.toml: parameters.intervention.transition.week"):
        cl.parse(data, "f.toml")


def test_unit_costs_are_screened_over_their_published_range() -> None:
    data = {k: dict(v) for k, v in BASE.items()}
    data["sensitivity"] = {"costs.prison_place_year": "range", "costs.ae_attendance": [0.5, 2]}
    c = cl.parse(data, "f.toml")
    row = UNIT_COSTS["prison_place_year"]
    lo, hi = c.screen["costs.prison_place_year"]
    assert lo * row.value == pytest.approx(row.low) and hi * row.value == pytest.approx(row.high)
    b, a = cl.screen_params(c, "costs.prison_place_year", hi)
    assert b.costs["prison_place_year"] == a.costs["prison_place_year"] == pytest.approx(row.high)
    tasks = cl.tasks(c, screen=True)
    points = {t.point for t in tasks}
    assert {"costs.prison_place_year@" + f"{hi:g}", "costs.ae_attendance@2"} <= points
    for bad, match in [
        ({"costs.caviar": "range"}, r"sensitivity.costs.caviar: unknown unit cost"),
        ({"trust.erode": "range"}, r"sensitivity.trust.erode: 'range' is for unit costs"),
    ]:
        data["sensitivity"] = bad
        with pytest.raises(cl.ClaimError, match=match):
            cl.parse(data, "f.toml")


# ---------------------------------------------------------------------------------
# 2. Encodings, footing, feasibility


def test_alternative_encodings_are_parsed_and_run() -> None:
    c = _claim(intervention=["transition", "alliance"])
    assert (c.baseline, c.intervention) == ("siloed", "transition")
    assert c.encodings == (("siloed", "alliance"),)
    points = [t.point for t in cl.tasks(c, screen=False)]
    assert points.count("encoding:siloed/alliance") == len(c.seeds)
    with pytest.raises(cl.ClaimError, match=r"claim.intervention: scenario names repeat"):
        _claim(intervention=["alliance", "alliance"])
    with pytest.raises(cl.ClaimError, match=r"claim.intervention: 9 encodings"):
        _claim(baseline=["siloed", "a", "b"], intervention=["x", "y", "z"])


def _result(c: cl.Claim, verdict: str = "not supported", encodings=()) -> cl.ClaimResult:
    e = Estimate(1.0, 0.5, 1.5, 3)
    return cl.ClaimResult(
        claim=c,
        effect=e,
        p_holds=0.0,
        verdict=verdict,
        reason="",
        rates=(Estimate(30000.0, 25000.0, 35000.0, 3), Estimate(29000.0, 24000.0, 34000.0, 3)),
        before_after=(e, e),
        cashable=None,
        non_cashable=None,
        national=None,
        trajectory={},
        screen=[],
        cohort=100,
        seconds=0.0,
        encodings=list(encodings),
    )


def test_footing_names_what_the_verdict_rests_on() -> None:
    other = cl.EncodingResult("siloed", "alliance", Estimate(1, 0, 2, 3), 0.5, "inconclusive")
    c = _claim(4.0, intervention=["transition", "alliance"], window=[156, 208])
    assert cl.footing_of(_result(c, encodings=[other]))[0] == "encoding choice"
    same = replace(other, verdict="not supported")
    label, why = cl.footing_of(_result(c, encodings=[same]))
    assert label == "calibrated effect" and "years 3-5" in why
    assert cl.footing_of(_result(_claim(intervention="siloed")))[0] == "baseline calibration only"
    persona = _claim(population="persona", persona="brian")
    assert cl.footing_of(_result(persona))[0] == "priors beyond evidence"
    assert all(cl.footing_of(_result(x))[0] in cl.FOOTINGS for x in (c, persona))


def test_feasibility_says_when_a_claim_needs_more_than_the_baseline() -> None:
    """£18bn / 363,000 people = £49.6k a person-year against a £30k baseline: a 165 % cut."""
    data = {k: dict(v) for k, v in BASE.items()}
    data["claim"].update(effect="national", value=18e9)
    data["national"] = {"count": 363000, "definition": "d", "claimed_total": 18e9}
    c = cl.parse(data, "f.toml")
    need = cl.implied_change(c, 30000.0)
    assert need == pytest.approx(-18e9 / 363000 / 30000)
    rows = dict(cl.feasibility(_result(c)))
    assert "larger than the whole modelled baseline" in rows["Change the claim needs"]
    b = _claim(population="persona", persona="brian", claimed_baseline=460000.0)
    rows = dict(cl.feasibility(_result(b)))
    assert "15 times the modelled one" in rows["Claimed vs modelled baseline"]
    ok = dict(cl.feasibility(_result(_claim(value=1000.0))))
    assert "larger than" not in ok["Change the claim needs"]


# ---------------------------------------------------------------------------------
# 6. The report states what was run: overrides, screen, manifest, per-seed rows


def test_report_states_overrides_and_the_manifest_is_complete(tmp_path: Path) -> None:
    src = (CLAIMS / "thurrock.toml").read_text()
    p = tmp_path / "thurrock.toml"
    for a, b in [
        ("years = 4", "years = 2.5"),
        ("window = [104, 208]", "window = [78, 130]"),
        ("before = [52, 104]", "before = [26, 78]"),
        ("select_week = 104", "select_week = 78"),
    ]:
        src = src.replace(a, b)
    observed = '[observed]\nsource = "a local monitoring return"\nrule = "top tenth"\n'
    p.write_text(src + observed + "before = 60000\nafter = 20000\npersons = 18\n")
    out = tmp_path / "rep"
    args = ["claims", str(p), "--out", str(out), "--persons", "400", "--seeds", "2"]
    assert main([*args, "--no-screen", "--workers", "1", "--quiet"]) == 0
    md = (out / "report.md").read_text()
    assert "--persons gives 400 persons (the claim file says 4,000)" in md
    assert "--seeds gives 2 seeds (the claim file says 10)" in md
    assert "not run (--no-screen)" in md
    assert "Under other encodings" in md and "siloed -> alliance" in md
    assert "What the verdict rests on" in md and "Alive at the end of the window" in md
    assert "journey.png" not in md  # no persona claim: no persona journey
    assert "Observed (local data)" in md and "an observed saving of £40,000" in md
    assert "Expected from the selection alone" in md
    m = json.loads((out / "manifest.json").read_text())
    assert m["seeds"] == [1, 2] and m["screen"] is False
    entry = m["claims"]["thurrock"]
    import hashlib

    assert entry["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert entry["overridden_by_command_line"] == {"seeds": 10, "persons": 4000}
    assert set(entry["scenarios"]) == {"baseline", "intervention"}
    assert entry["scenarios"]["baseline"]["params"]["population"]["persons"] == 400
    assert "siloed/alliance" in entry["encodings"]
    import pandas as pd

    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs["point"]) == {"default", "encoding:siloed/alliance"}
    for _, sub in runs.groupby("point"):
        assert sorted(sub["seed"]) == [1, 2]  # one row per seed at every point
    assert runs["baseline_rate"].notna().all()
    s = pd.read_csv(out / "series.csv")
    assert set(s["arm"]) == {"baseline", "intervention"} and set(s["seed"]) == {1, 2}
    assert s["rate"].notna().all() and s["in_window"].any() and s["in_before"].any()


def test_progress_lines_when_not_on_a_terminal(monkeypatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with console.progress_bar(quiet=False) as bar:
        task = bar.add_task("paired runs", total=20)
        for _ in range(20):
            bar.advance(task)
    lines = err.getvalue().splitlines()
    assert 5 <= len(lines) <= 11, lines
    assert lines[-1].startswith("paired runs: 20/20 (100 %)")
    err.truncate(0)
    with console.progress_bar(quiet=True) as bar:
        bar.advance(bar.add_task("x", total=3))
    assert err.getvalue() == ""


# ---------------------------------------------------------------------------------
# 8. Provenance inside the project


def test_nothing_cites_a_path_outside_the_repository() -> None:
    pattern = re.compile(r"shared/(seeds|research)/")
    found = []
    for folder in ("src", "docs", "experiments", "scripts", "benchmarks", ".ci", "notebooks"):
        for f in (ROOT / folder).rglob("*"):
            if (
                f.suffix in {".py", ".md", ".toml", ".csv", ".txt", ".sh", ".ipynb"}
                or f.name == "run"
            ) and f.is_file():
                for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                    if pattern.search(line):
                        found.append(f"{f.relative_to(ROOT)}:{i}")
    for name in ("README.md", "pyproject.toml", "CHANGELOG.md"):
        lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
        found += [f"{name}:{i}" for i, line in enumerate(lines, 1) if pattern.search(line)]
    assert not found, found


def test_claim_sources_are_documented_in_the_project() -> None:
    evidence = (ROOT / "docs" / "evidence.md").read_text()
    for f in sorted(CLAIMS.glob("*.toml")):
        c = cl.load(f)
        assert "docs/evidence.md" in c.source, f.name
        assert f"`{c.id}`" in evidence or c.id.startswith("national_"), f.name


# ---------------------------------------------------------------------------------
# 5. Observed data beside regression to the mean


def _observed(**observed: object) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    data["claim"].update(population="top_cost", among="complex", window=[26, 52], lookback=13)
    data["observed"] = {"source": "local", "rule": "top 10 %", "before": 60000.0} | observed
    return data


@pytest.mark.parametrize(
    ("observed", "key"),
    [
        ({}, "observed.after"),
        ({"after": -1.0}, "observed.after"),
        ({"after": 1.0, "interval": [2.0, 1.0]}, "observed.interval"),
        ({"after": 1.0, "colour": "red"}, "observed.colour"),
        ({"after": "less"}, "observed.after"),
    ],
)
def test_bad_observed_tables_name_the_key(observed: dict, key: str) -> None:
    with pytest.raises(cl.ClaimError) as err:
        cl.parse(_observed(**observed), "f.toml")
    assert str(err.value).startswith(f"f.toml: {key}"), err.value


def test_observed_change_is_set_beside_regression_to_the_mean() -> None:
    from carecomplex.claims.observed import observed_effect, observed_rows

    c = cl.parse(_observed(after=20000.0, persons=18, interval=[30000.0, 50000.0]), "f.toml")
    assert observed_effect(c) == 40000.0
    r = _result(c)
    r.before_after = (
        Estimate(25000.0, 20000.0, 30000.0, 3),
        Estimate(30000.0, 24000.0, 36000.0, 3),
    )
    rows = dict(observed_rows(r))
    assert "an observed saving of £40,000" in rows["Observed (local data)"]
    assert "18 persons" in rows["Observed (local data)"]
    assert "lies outside that range" in rows["Expected from the selection alone"]
    assert "= £15,000" in rows["Left for the programme to explain"]
    data = _observed(after=30000.0)
    data["claim"].update(effect="ratio", value=0.5)
    ratio = cl.parse(data, "f.toml")
    r = _result(ratio)
    r.before_after = (Estimate(0.6, 0.5, 0.7, 3), Estimate(0.5, 0.4, 0.6, 3))
    rows = dict(observed_rows(r))
    assert "inside that range" in rows["Expected from the selection alone"]
    assert (
        "observed ratio / the selection's ratio = 0.833"
        in rows["Left for the programme to explain"]
    )
    assert observed_rows(_result(_claim())) == []
