"""The Green Book layer of the claims checker: discounting, net benefit, BCR, WELLBYs."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecomplex import claims as cl
from carecomplex.claims.appraisal import GRADES, Appraisal, appraise, break_even, parse_appraisal
from carecomplex.claims.appraisal_report import appraisal_rows
from carecomplex.claims.pairs import ArmSeries, PairResult
from carecomplex.cli import main
from carecomplex.costs import deflators

BASE = {
    "claim": {
        "id": "t",
        "statement": "s",
        "metric": "cost_total",
        "population": "complex",
        "baseline": "siloed",
        "intervention": "alliance",
        "window": [52, 104],
        "effect": "saving",
        "value": 1000.0,
    },
    "run": {"persons": 400, "years": 2.0, "seeds": 2},
}
CLAIM = cl.parse(BASE, "t.toml")
NATIONAL = cl.National(1000, "a thousand people", 1e6)


def arm(spend, cash, programme, wellbeing) -> ArmSeries:
    """An arm from yearly amounts (whole population), cumulative at 52-week snapshots."""

    def cum(x) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(np.asarray(x, dtype=float))])

    zero = cum(np.zeros(len(spend)))
    return ArmSeries(zero, zero, zero, cum(spend), cum(cash), cum(programme), cum(wellbeing))


def pair(base: ArmSeries, alt: ArmSeries, persons: int = 10, seed: int = 1) -> PairResult:
    snap = np.arange(len(base.value)) * 52
    return PairResult("t", seed, "default", snap, (base, alt), persons, 0.0)


def claim_with(**settings_: object) -> cl.Claim:
    return replace(CLAIM, appraisal=Appraisal(**settings_), national=NATIONAL)


# Three measured years, ten persons. Programme cost 200 a year in the intervention arm
# only (inside its spend and cashable spend); wellbeing 52 person-weeks a year higher
# from year 1 (10 WELLBYs a year at 10 points per unit of model wellbeing).
BASELINE = arm([1000, 1000, 1000], [600, 600, 600], [0, 0, 0], [260, 260, 260])
INTERVENTION = arm([1100, 700, 700], [700, 400, 400], [200, 200, 200], [260, 312, 312])


def test_hand_worked_present_values_without_optimism_bias() -> None:
    a = appraise(claim_with(evidence_grade=1), [pair(BASELINE, INTERVENTION)])
    assert a is not None
    v = {k: float(x[0]) for k, x in a.per_seed.items()}
    d1, d2 = 1 / 1.035, 1 / 1.035**2
    # Cashable savings: baseline 600 a year; intervention 500, 200, 200 without programme.
    assert v["savings_cashable"] == pytest.approx((100 + 400 * d1 + 400 * d2) / 10)
    # Non-cashable: baseline 400 a year; intervention 400, 300, 300.
    assert v["savings_non_cashable"] == pytest.approx((0 + 100 * d1 + 100 * d2) / 10)
    assert v["programme"] == pytest.approx(200 * (1 + d1 + d2) / 10)
    assert v["programme"] == v["programme_unadjusted"]
    assert v["fiscal_net"] == pytest.approx((-100 + 300 * d1 + 300 * d2) / 10)
    assert v["bcr_fiscal"] == pytest.approx((100 + 500 * d1 + 500 * d2) / (200 * (1 + d1 + d2)))
    # WELLBYs: 0, 10, 10 a year, discounted at 1.5 %, per person.
    wellbys = (10 / 1.015 + 10 / 1.015**2) / 10
    assert v["wellbys"] == pytest.approx(wellbys)
    price = 13000 * deflators()["2023/24"] / deflators()["2019/20"]
    assert v["wellby_value"] == pytest.approx(wellbys * price)
    assert v["wellby_value_low"] == pytest.approx(wellbys * price * 10 / 13)
    assert v["social_net"] == pytest.approx(v["fiscal_net"] + wellbys * price)
    # Year 0 is below zero (-100), year 1 above: break-even by the end of year 2.
    assert v["break_even_fiscal"] == 2.0
    assert a.years.tolist() == [1.0, 2.0, 3.0]


def test_rows_tell_every_part_apart() -> None:
    c = replace(claim_with(evidence_grade=1), national=None)
    a = appraise(c, [pair(BASELINE, INTERVENTION)] * 2)
    rows = dict(appraisal_rows(SimpleNamespace(appraisal=a)))  # type: ignore[arg-type]
    assert rows["Economic value"].startswith("not modelled")
    assert "cashable" not in rows["Benefit-cost ratio, fiscal"]
    assert rows["Discounted break-even"].startswith("fiscal by the end of measured year 2 in")
    assert "Appraisal, national" not in rows
    assert "optimism bias grade 1" in rows["Appraisal conventions"]
    assert rows["Discounted break-even"].endswith("in every seed")


def test_hand_worked_optimism_bias() -> None:
    a = appraise(claim_with(evidence_grade=6), [pair(BASELINE, INTERVENTION)])
    assert a is not None
    v = {k: float(x[0]) for k, x in a.per_seed.items()}
    d1, d2 = 1 / 1.035, 1 / 1.035**2
    assert v["programme"] == pytest.approx(1.4 * 200 * (1 + d1 + d2) / 10)
    assert v["savings_cashable"] == pytest.approx(0.6 * (100 + 400 * d1 + 400 * d2) / 10)
    costs_only = appraise(claim_with(evidence_grade=6, optimism_on="costs"), a_pairs())
    assert costs_only is not None
    x = costs_only.per_seed
    assert x["savings"][0] == pytest.approx((100 + 500 * d1 + 500 * d2) / 10)
    assert x["programme"][0] == pytest.approx(v["programme"])


def a_pairs() -> list[PairResult]:
    return [pair(BASELINE, INTERVENTION)]


def test_break_even_needs_the_net_benefit_to_stay_above_zero() -> None:
    years = np.array([1.0, 2.0, 3.0, 4.0])
    assert break_even(np.array([1.0, 2.0, 3.0, 4.0]), years) == 1.0
    assert break_even(np.array([-1.0, 2.0, -3.0, 4.0]), years) == 4.0
    assert math.isnan(break_even(np.array([-1.0, 2.0, 3.0, -0.5]), years))


def test_bcr_is_not_available_without_a_programme_cost() -> None:
    free = arm([1100, 500, 500], [700, 200, 200], [0, 0, 0], [260, 312, 312])
    a = appraise(claim_with(), [pair(BASELINE, free), pair(BASELINE, free, seed=2)])
    assert a is not None
    assert np.isnan(a.per_seed["bcr_fiscal"]).all()
    assert appraisal_rows(SimpleNamespace(appraisal=None)) == []  # type: ignore[arg-type]


def test_no_appraisal_without_its_series() -> None:
    bare = ArmSeries(np.zeros(3), np.zeros(3), np.zeros(3))
    assert appraise(CLAIM, [pair(bare, bare)]) is None
    assert appraise(CLAIM, []) is None


# ---------------------------------------------------------------------------------
# Properties

money = st.floats(-5e4, 5e4, allow_nan=False)
positive = st.floats(0, 5e4, allow_nan=False)


@st.composite
def arms(draw, years: int | None = None, saving_after_year_0: bool = False):
    n = years or draw(st.integers(1, 6))
    base_cash = draw(st.lists(positive, min_size=n, max_size=n))
    if saving_after_year_0:
        cut = draw(st.lists(positive, min_size=n, max_size=n))
        alt_cash = [b - c for b, c in zip(base_cash, cut, strict=True)]
    else:
        alt_cash = draw(st.lists(positive, min_size=n, max_size=n))
    non = [draw(st.lists(positive, min_size=n, max_size=n)) for _ in range(2)]
    prog = [draw(st.lists(positive, min_size=n, max_size=n)) for _ in range(2)]
    wb = [draw(st.lists(st.floats(0, 5000), min_size=n, max_size=n)) for _ in range(2)]
    out = []
    for cash, nc, p, w in zip((base_cash, alt_cash), non, prog, wb, strict=True):
        cash = [c + x for c, x in zip(cash, p, strict=True)]  # programme is cashable
        spend = [c + x for c, x in zip(cash, nc, strict=True)]
        out.append(arm(spend, cash, p, w))
    return out[0], out[1], draw(st.integers(1, 500))


@settings(max_examples=60, deadline=None)
@given(arms())
def test_zero_discount_rate_gives_undiscounted_sums(x) -> None:
    b, i, n = x
    a = appraise(
        claim_with(discount_rate=0.0, health_discount_rate=0.0, evidence_grade=1), [pair(b, i, n)]
    )
    assert a is not None
    v = a.per_seed
    cash = (b.spend_cashable[-1] - b.programme[-1]) - (i.spend_cashable[-1] - i.programme[-1])
    non = (b.spend[-1] - b.spend_cashable[-1]) - (i.spend[-1] - i.spend_cashable[-1])
    assert v["savings_cashable"][0] == pytest.approx(cash / n, abs=1e-6)
    assert v["savings_non_cashable"][0] == pytest.approx(non / n, abs=1e-6)
    assert v["programme"][0] == pytest.approx((i.programme[-1] - b.programme[-1]) / n, abs=1e-6)
    gained = (i.wellbeing[-1] - b.wellbeing[-1]) * 10 / 52 / n
    assert v["wellbys"][0] == pytest.approx(gained, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(arms(saving_after_year_0=True), st.floats(0, 0.2), st.floats(0, 0.2))
def test_higher_discount_rate_never_raises_a_positive_saving(x, r1, r2) -> None:
    b, i, n = x
    lo, hi = sorted((r1, r2))
    pv = [
        appraise(claim_with(discount_rate=r, evidence_grade=1), [pair(b, i, n)]) for r in (lo, hi)
    ]
    assert pv[0] is not None and pv[1] is not None
    assert pv[1].per_seed["savings_cashable"][0] <= pv[0].per_seed["savings_cashable"][0] + 1e-9


@settings(max_examples=60, deadline=None)
@given(arms(), st.sampled_from(sorted(GRADES)), st.sampled_from(["both", "costs", "benefits"]))
def test_net_benefit_is_benefits_less_costs_and_parts_add_up(x, grade, on) -> None:
    b, i, n = x
    c = claim_with(evidence_grade=grade, optimism_on=on)
    a = appraise(c, [pair(b, i, n), pair(i, b, n, seed=2)])
    assert a is not None
    v = a.per_seed
    assert np.allclose(v["fiscal_net"], v["savings"] - v["programme"], rtol=0, atol=1e-9)
    assert np.allclose(v["social_net"], v["fiscal_net"] + v["wellby_value"], rtol=0, atol=1e-9)
    for national in (False, True):
        e = a.estimate
        for total, parts in (
            ("savings", ("savings_cashable", "savings_non_cashable")),
            ("fiscal_net", ("fiscal_net_cashable", "fiscal_net_non_cashable")),
        ):
            s = sum(e(p, national).mean for p in parts)
            assert s == pytest.approx(e(total, national).mean, rel=1e-9, abs=1e-6)
    assert np.allclose(
        a.estimate("fiscal_net", True).mean, a.estimate("fiscal_net").mean * NATIONAL.count
    )


@settings(max_examples=60, deadline=None)
@given(arms(), st.sampled_from(["both", "costs", "benefits"]))
def test_optimism_bias_never_makes_an_appraisal_look_better(x, on) -> None:
    b, i, n = x
    results = []
    for grade in sorted(GRADES):
        a = appraise(claim_with(evidence_grade=grade, optimism_on=on), [pair(b, i, n)])
        assert a is not None
        results.append({k: float(v[0]) for k, v in a.per_seed.items()})
    for better, worse in itertools.pairwise(results):
        for key in ("fiscal_net", "social_net", "social_net_low", "social_net_high", "savings"):
            assert worse[key] <= better[key] + 1e-9
        assert worse["programme"] >= better["programme"] - 1e-9
        for key in ("bcr_fiscal", "bcr_social"):
            if not (math.isfinite(worse[key]) and math.isfinite(better[key])):
                continue
            if better[key] >= 0:
                assert worse[key] <= better[key] + 1e-9
            else:  # benefits are losses: a larger cost brings the ratio nearer 0, not above it
                assert worse[key] < 0


# ---------------------------------------------------------------------------------
# Settings


def test_defaults_when_the_table_is_absent() -> None:
    assert CLAIM.appraisal == Appraisal()
    a = Appraisal()
    assert (a.discount_rate, a.health_discount_rate, a.evidence_grade) == (0.035, 0.015, 6)
    lo, mid, hi = a.wellby_prices
    ratio = deflators()["2023/24"] / deflators()["2019/20"]
    assert (lo, mid, hi) == pytest.approx((10000 * ratio, 13000 * ratio, 16000 * ratio))
    assert a.optimism_bias == max(g.percent for g in GRADES.values())


def test_appraisal_table_is_read() -> None:
    data = BASE | {
        "appraisal": {
            "discount_rate": 0.03,
            "evidence_grade": 2,
            "wellby_value": 12000,
            "wellby_range": [11000, 15000],
            "wellbeing_scale": 8,
            "price_base": "2023/24",
            "optimism_on": "costs",
        }
    }
    a = cl.parse(data, "t.toml").appraisal
    assert (a.discount_rate, a.evidence_grade, a.wellby_value) == (0.03, 2, 12000.0)
    assert a.wellby_range == (11000.0, 15000.0)
    assert (a.on_costs, a.on_benefits) == (GRADES[2].percent, 0.0)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"discount_rate": -0.01}, "appraisal.discount_rate"),
        ({"discount_rate": "3.5%"}, "appraisal.discount_rate"),
        ({"health_discount_rate": 0.5}, "appraisal.health_discount_rate"),
        ({"evidence_grade": 7}, "appraisal.evidence_grade"),
        ({"evidence_grade": True}, "appraisal.evidence_grade"),
        ({"optimism_on": "neither"}, "appraisal.optimism_on"),
        ({"wellby_value": 0}, "appraisal.wellby_value"),
        ({"wellby_value": 20000}, "appraisal.wellby_value"),
        ({"wellby_range": [16000, 10000]}, "appraisal.wellby_range"),
        ({"wellby_range": [10000]}, "appraisal.wellby_range"),
        ({"wellby_range": [1000, 2000]}, "appraisal.wellby_range"),
        ({"wellby_price_year": "1900/01"}, "appraisal.wellby_price_year"),
        ({"wellbeing_scale": 0}, "appraisal.wellbeing_scale"),
        ({"wellbeing_scale": float("nan")}, "appraisal.wellbeing_scale"),
        ({"price_base": "2019/20"}, "appraisal.price_base"),
        ({"discount": 0.035}, "appraisal.discount"),
    ],
)
def test_bad_appraisal_values_name_the_key(table: dict, key: str) -> None:
    with pytest.raises(cl.ClaimError) as e:
        cl.parse(BASE | {"appraisal": table}, "claim.toml")
    msg = str(e.value)
    assert msg.startswith(f"claim.toml: {key}: ") and "\n" not in msg


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.one_of(st.integers(-5, 20000), st.floats(), st.text(max_size=3)), max_size=3),
    st.sampled_from(["2019/20", "2023/24", "both", "costs"]),
)
keys = st.sampled_from([*Appraisal.__dataclass_fields__, "rate", ""])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, max_size=4))
def test_any_appraisal_table_is_read_or_refused_in_one_line(table: dict) -> None:
    try:
        a = parse_appraisal("c.toml", table)
    except cl.ClaimError as e:
        msg = str(e)
        assert msg.startswith("c.toml: appraisal.") and "\n" not in msg
        assert msg.split(": ")[1].removeprefix("appraisal.") in table
    else:
        assert 0 < a.wellby_range[0] <= a.wellby_value <= a.wellby_range[1]
        assert a.evidence_grade in GRADES and math.isfinite(a.discount_rate)


def test_appraisal_must_be_a_table() -> None:
    with pytest.raises(cl.ClaimError, match=r"^c\.toml: appraisal: expected a table"):
        parse_appraisal("c.toml", 0.035)


# ---------------------------------------------------------------------------------
# The series the model gives


def _person_snapshots(model, metric, snap):
    """Run ``model`` to the end with per-person snapshots, as the cohort path takes them."""
    from carecomplex.claims import pairs

    s = pairs._new_snapshots(model, metric, snap)
    while model.week < 0:
        model.step()
    i = 0
    while True:
        while i < len(snap) and snap[i] == model.week:
            pairs._take(model, metric, s, i)
            i += 1
        if model.week >= model.n_weeks:
            return s
        model.step()
        pairs._accumulate(model, s)


def test_cohort_series_hold_every_person_s_cost_and_the_exact_programme() -> None:
    from carecomplex.claims.pairs import _cohort_series, _group_series
    from carecomplex.claims.spec import METRICS
    from carecomplex.costs import Item
    from carecomplex.model import CareModel

    _, alt = cl.arms(CLAIM)
    model = CareModel(alt, rng=3)
    snap = cl.snapshot_weeks(CLAIM)
    metric = METRICS["crises"]
    s = _person_snapshots(model, metric, snap)
    everyone = np.ones(len(model.state.person.pid), dtype=bool)
    cohort = _cohort_series(model, metric, s, everyone)
    group = _group_series(model, metric, (0, 1), snap)
    programme = model.ledger[:, Item.PROGRAMME].sum() / 100
    assert programme > 0
    assert cohort.programme[-1] == pytest.approx(programme, abs=1e-9)
    assert group.programme[-1] == pytest.approx(programme, abs=1e-9)
    idle = model.ledger[:, Item.IDLE_STAFF].sum() / 100  # on no person's account
    assert cohort.spend[-1] == pytest.approx(group.spend[-1] - idle, abs=1e-6)
    per = model.state.person
    assert (s["programme"][-1] <= per.cost[:, 0]).all()
    # With the cost_total metric, the claim's own series and the appraisal's agree.
    total = METRICS["cost_total"]
    g = _group_series(model, total, (0, 1), snap)
    assert np.allclose(g.value, g.spend) and np.allclose(g.cashable, g.spend_cashable)
    c = _cohort_series(
        model, total, _person_snapshots(CareModel(alt, rng=3), total, snap), everyone
    )
    assert np.allclose(c.value, c.spend) and np.allclose(c.cashable, c.spend_cashable)
    assert np.array_equal(c.programme, cohort.programme)
    # Wellbeing: end-of-week sums per person against the support step's group means.
    assert cohort.wellbeing[-1] == pytest.approx(group.wellbeing[-1], rel=0.02)
    assert (np.diff(cohort.wellbeing) >= 0).all()


def test_claims_report_shows_the_appraisal(tmp_path: Path) -> None:
    claim = tmp_path / "nat.toml"
    claim.write_text(
        """
[claim]
id = "nat"
statement = "A national saving."
metric = "cost_total"
population = "complex"
baseline = "siloed"
intervention = "alliance"
window = [52, 104]
effect = "national"
value = 1e9
[run]
persons = 400
years = 2
seeds = 2
[national]
count = 10000
definition = "ten thousand people"
claimed_total = 1e9
[appraisal]
evidence_grade = 5
""",
        encoding="utf-8",
    )
    out = tmp_path / "rep"
    args = ["claims", str(claim), "--out", str(out), "--no-screen", "--workers", "1", "--quiet"]
    assert main(args) == 0
    md = (out / "report.md").read_text()
    assert "figures/appraisal.png" in md and (out / "figures" / "appraisal.png").exists()
    for label in ("Appraisal conventions", "Benefit-cost ratio, fiscal", "Appraisal, national"):
        assert f"**{label}:**" in md
    assert "Economic value:** not modelled" in md
    assert "optimism bias grade 5" in md
    html = (out / "report.html").read_text()
    assert "<h2>Appraisal (Green Book)</h2>" in html and "<dt>Appraisal, national</dt>" in html
    import pandas as pd

    row = pd.read_parquet(out / "claims.parquet").iloc[0]
    assert row["appraisal_evidence_grade"] == 5
    assert row["appraisal_economic"] == "not modelled"
    parts = row["appraisal_fiscal_net_cashable"] + row["appraisal_fiscal_net_non_cashable"]
    assert parts == pytest.approx(row["appraisal_fiscal_net"])
    national = (
        row["appraisal_national_fiscal_net_cashable"]
        + row["appraisal_national_fiscal_net_non_cashable"]
    )
    assert national == pytest.approx(row["appraisal_national_fiscal_net"])
    assert row["appraisal_national_fiscal_net"] == pytest.approx(
        10000 * row["appraisal_fiscal_net"]
    )
    assert row["appraisal_programme"] > 0
