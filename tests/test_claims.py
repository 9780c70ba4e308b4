"""The claims checker: parsing, statistics, regression to the mean, honesty, the report."""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecomplex import claims as cl
from carecomplex.cli import main
from carecomplex.manifest import provenance

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "experiments" / "claims").glob("*.toml"))

BASE = {
    "claim": {
        "id": "t",
        "statement": "s",
        "metric": "crises",
        "population": "complex",
        "baseline": "siloed",
        "intervention": "alliance",
        "window": [26, 52],
        "effect": "ratio",
        "value": 0.5,
    },
    "run": {"persons": 600, "years": 1.0, "seeds": 3},
}


def small(c: cl.Claim, persons: int = 1200, seeds: int = 4) -> cl.Claim:
    return replace(c, persons=persons, seeds=tuple(range(1, seeds + 1)), screen_seeds=2)


def _with(**changes: object) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    for path, value in changes.items():
        table, key = path.split("__")
        if value is None:
            data[table].pop(key, None)
        else:
            data[table][key] = value
    return data


def test_shipped_claims_load() -> None:
    ids = [cl.load(p).id for p in SHIPPED]
    assert len(SHIPPED) >= 8
    assert len(set(ids)) == len(ids)
    for name in ("plymouth_ea", "plymouth_deaths", "brian", "thurrock", "national_england"):
        assert name in ids


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"claim__metric": "happiness"}, "claim.metric"),
        ({"claim__population": "martians"}, "claim.population"),
        ({"claim__effect": "vibes"}, "claim.effect"),
        ({"claim__window": [52, 26]}, "claim.window"),
        ({"claim__window": [0, 9999]}, "claim.window"),
        ({"claim__window": [0, 26]}, "claim.window"),
        ({"claim__value": -1.0}, "claim.value"),
        ({"claim__value": "half"}, "claim.value"),
        ({"claim__value": math.inf}, "claim.value"),
        ({"claim__tolerance": 1.5}, "claim.tolerance"),
        ({"claim__statement": None}, "claim.statement"),
        ({"claim__colour": "red"}, "claim.colour"),
        ({"run__seeds": 1}, "run.seeds"),
        ({"run__seeds": [3, 3]}, "run.seeds"),
        ({"run__persons": 10}, "run.persons"),
        (
            {"claim__population": "top_cost", "claim__metric": "cost_emergency_accommodation"},
            "claim.metric",
        ),
        (
            {"claim__population": "persona", "claim__persona": "zaphod", "claim__metric": "crises"},
            "claim.persona",
        ),
        (
            {"claim__population": "top_cost", "claim__select_week": 10, "claim__lookback": 20},
            "claim.select_week",
        ),
        ({"claim__effect": "national", "claim__metric": "cost_total"}, "national.count"),
    ],
)
def test_bad_claims_name_the_key(changes: dict, key: str) -> None:
    with pytest.raises(cl.ClaimError) as err:
        cl.parse(_with(**changes), "f.toml")
    msg = str(err.value)
    assert msg.startswith(f"f.toml: {key}"), msg
    assert "\n" not in msg


def _toml(data: dict) -> str:
    """Minimal TOML writer for the flat tables these tests use."""

    def val(v: object) -> str:
        if isinstance(v, str):
            return '"' + v + '"'
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return repr(v)

    lines = []
    for table, body in data.items():
        lines.append(f"[{table}]")
        lines += [f'"{k}" = {val(v)}' for k, v in body.items()]
    return "\n".join(lines) + "\n"


def test_unknown_scenario_and_screen_parameter_rejected(tmp_path: Path) -> None:
    bad = _with(claim__intervention="utopia")
    p = tmp_path / "c.toml"
    p.write_text(_toml(bad))
    with pytest.raises(cl.ClaimError, match=r"c.toml: claim.intervention: .*utopia"):
        cl.load(p)
    bad = _with()
    bad["sensitivity"] = {"trust.nonsense": [0.5, 2.0]}
    p.write_text(_toml(bad))
    with pytest.raises(cl.ClaimError, match=r"sensitivity.trust.nonsense: unknown parameter"):
        cl.load(p)
    bad["sensitivity"] = {"trust.erode": [0.5, 1e9]}
    p.write_text(_toml(bad))
    with pytest.raises(cl.ClaimError, match=r"sensitivity.trust.erode: x1e\+09"):
        cl.load(p)


def test_cli_bad_claim_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    p = tmp_path / "broken.toml"
    p.write_bytes(b"[claim]\nid = 'x'\nmetric = 3\n")
    out = tmp_path / "out"
    assert main(["claims", str(p), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "broken.toml: claim.metric" in err
    assert not out.exists()
    p.write_bytes(b"\xff\xfe not utf8")
    assert main(["claims", str(p), "--out", str(out), "--quiet"]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert not out.exists()


@settings(max_examples=80, deadline=None)
@given(
    rates=st.lists(
        st.tuples(st.floats(0, 1e6, allow_nan=False), st.floats(0, 1e6, allow_nan=False)),
        min_size=2,
        max_size=30,
    ),
    value=st.floats(0.01, 1e5),
    effect=st.sampled_from(["ratio", "difference", "saving"]),
)
def test_verdict_agrees_with_interval_and_probability(rates, value, effect) -> None:
    """The verdict, the interval and the probability the claim holds tell one story, on
    the scale the effect is estimated on (log scale for ratios)."""
    value = -value if effect == "difference" else value
    value = min(value, 50.0) if effect == "ratio" else value
    c = cl.parse(_with(claim__effect=effect, claim__value=value), "f")
    base, alt = zip(*rates, strict=True)
    e = cl.estimate(c, base, alt)
    v, reason = cl.verdict(c, e.lo, e.hi, e.mean)
    p = cl.probability(c, base, alt)
    if math.isnan(p):
        return
    assert 0.0 <= p <= 1.0
    if v == "supported":
        assert p >= 0.975 - 0.02, (p, reason, e)
    if v == "not supported":
        assert p <= 0.025 + 0.02, (p, reason, e)
    # The bound is on the claim's side of the tolerance: a claim never tightens.
    if c.at_most:
        assert c.bound >= c.value
    else:
        assert c.bound <= c.value


def test_regression_to_the_mean_is_told_apart() -> None:
    """A high-cost cohort chosen at one moment, no change of regime: the before-after
    estimate shows a large fall, the counterfactual shows none."""
    c = small(cl.load(ROOT / "experiments/claims/regression_to_the_mean.toml"), 3000, 3)
    (r,) = cl.check([c], screen=False)
    assert r.before_after[1].mean < 0.7, r.before_after  # a fall of more than 30 %
    assert r.before_after[0].mean == pytest.approx(r.before_after[1].mean)
    assert r.effect.mean == pytest.approx(1.0) and r.effect.hi == pytest.approx(1.0)
    assert r.verdict == "not supported"
    # The naive estimate alone would have supported the claim.
    assert r.before_after[1].mean <= c.bound


def test_persona_and_cohorts_are_the_same_people_in_both_arms() -> None:
    c = small(cl.load(ROOT / "experiments/claims/thurrock.toml"), 1500, 2)
    c = replace(c, years=2.5, window=(78, 130), before=(26, 78), select_week=78)
    base, alt = cl.arms(c)
    r1 = cl.measure(cl.PairTask(c, 1, "default", base, base))
    a, b = r1.arms
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.weeks, b.weeks)
    assert 1 <= r1.cohort <= 0.2 * c.persons
    r2 = cl.measure(cl.PairTask(c, 1, "default", base, alt))
    assert r2.cohort == r1.cohort
    # Before the switch (week 78 here is before the transition's week 104) both arms agree.
    i = int(np.searchsorted(r2.snap, 78))
    np.testing.assert_array_equal(r2.arms[0].value[: i + 1], r2.arms[1].value[: i + 1])


def test_unsupportable_claim_is_not_supported_and_screen_moves_verdict() -> None:
    """With the alliance's mechanisms switched off it cannot halve crises; and a parameter
    the screen reports as moving the verdict does move it when set."""
    off = {
        "continuity": 0.0,
        "information_sharing": 0.0,
        "shared_learning": 0.0,
        "flexible_budget": 0.0,
        "whole_person": 0.0,
        "in_reach": 0.0,
    }
    data = _with(claim__window=[26, 104], run__years=2.0)
    data["parameters"] = {"regime": {"target_pressure": 0.0, **off}}
    c = small(cl.parse(data, "ablated"), 1500, 4)
    (r,) = cl.check([c], screen=False)
    assert r.verdict == "not supported", r.reason
    assert r.effect.lo > 0.5

    # Full alliance; the claim's bound is set between the alliance's effect and its
    # effect without the flexible budget (Housing First), so only that screen point
    # moves the verdict. Model 2's effects build up over the learning curve: years 2-5.
    data = _with(claim__window=[52, 260], run__years=5.0)
    c = small(cl.parse(data, "alliance"), 3000, 4)
    screen = {"regime.flexible_budget": (0.0, 1.0)}
    c = replace(c, screen=screen, screen_seeds=4)
    (pilot,) = cl.check([c], screen=True)
    low = next(s for s in pilot.screen if s.multiple == 0.0)
    # without the flexible budget clearly fewer crises are avoided: the intervals part
    assert low.effect.lo > pilot.effect.hi, (low.effect, pilot.effect)
    bound = (low.effect.lo + pilot.effect.hi) / 2
    c = replace(c, value=bound / (1 + c.tolerance))
    (r,) = cl.check([c], screen=True)
    moved = [s for s in r.screen if s.moves_verdict]
    assert r.verdict == "supported", r.reason
    assert [(s.parameter, s.multiple) for s in moved] == [("regime.flexible_budget", 0.0)]
    rerun = cl.with_parameters(c, {"regime": {"flexible_budget": 0.0}})
    (r2,) = cl.check([rerun], screen=False)
    assert r2.verdict == moved[0].verdict != r.verdict


def test_report_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    files = [str(ROOT / "experiments/claims" / f) for f in ("brian.toml", "national_uk.toml")]
    code = main(
        [
            "claims",
            *files,
            "--out",
            str(out),
            "--persons",
            "800",
            "--seeds",
            "2",
            "--no-screen",
            "--workers",
            "1",
            "--quiet",
        ]
    )
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "report.html",
        "report.md",
        "claims.parquet",
        "runs.parquet",
        "manifest.json",
        "figures",
    } <= names
    assert not [n for n in names if n.startswith(".partial")]
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(provenance(None)) <= set(manifest), "one manifest builder for every command"
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4  # effects, 2 trajectories, journey
    md = (out / "report.md").read_text()
    for f in ("effects.png", "trajectory_brian.png", "trajectory_national_uk.png", "journey.png"):
        assert f"figures/{f}" in md
        png = (out / "figures" / f).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    import pandas as pd

    t = pd.read_parquet(out / "claims.parquet")
    assert set(t["claim"]) == {"brian", "national_uk"}
    assert set(t["verdict"]) <= {"supported", "not supported", "inconclusive"}
    uk = t.set_index("claim").loc["national_uk"]
    assert uk["national"] == pytest.approx(uk["mean"])
    tomllib.loads((ROOT / "experiments/claims/national_uk.toml").read_text())


@pytest.mark.parametrize(
    ("x", "unit", "text"),
    [
        (18e9, "£", "£18.00bn"),
        (-1.72e9, "£", "-£1.72bn"),
        (294_939_928, "£", "£294.9m"),
        (50_000, "£", "£50,000"),
        (0.00435, "", "0.00435"),
        (float("nan"), "£", "n/a"),
    ],
)
def test_numbers_are_formatted_for_people(x: float, unit: str, text: str) -> None:
    assert cl.fmt(x, unit) == text


def test_screen_scales_each_arm_from_its_own_value() -> None:
    """x1 is the default point; x0 switches a regime lever off in both arms."""
    c = cl.parse(_with(), "alliance")
    base, alt = cl.arms(c)
    b1, a1 = cl.screen_params(c, "regime.flexible_budget", 1.0)
    assert (b1, a1) == (base, alt)
    b0, a0 = cl.screen_params(c, "regime.flexible_budget", 0.0)
    assert a0.regime.flexible_budget == 0.0 < alt.regime.flexible_budget
    assert b0 == base  # siloed has no flexible budget to scale
