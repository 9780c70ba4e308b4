"""Populations and cohorts of the claims checker: groups, Think Family, rules, crisis kinds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecomplex import claims as cl
from carecomplex.claims import cohorts, pairs
from carecomplex.claims.spec import CRISIS_KIND_METRICS, GROUP_POPULATIONS
from carecomplex.model import CareModel
from carecomplex.scenarios import load
from carecomplex.state import Crisis, Domain, Event, Group, Persona, Tenancy

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"population": {"persons": 400}, "run": {"years": 1.0, "burn_in": 26}}

BASE = {
    "claim": {
        "id": "t",
        "statement": "s",
        "metric": "crises",
        "population": "cohort",
        "rule": "eviction_risk",
        "baseline": "siloed",
        "intervention": "alliance",
        "window": [26, 52],
        "effect": "ratio",
        "value": 0.5,
    },
    "run": {"persons": 400, "years": 1.0, "seeds": 2},
}


def _with(**changes: object) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    for path, value in changes.items():
        table, key = path.split("__")
        if value is None:
            data[table].pop(key, None)
        else:
            data[table][key] = value
    return data


def _model(seed: int = 1, scenario: str = "siloed", **over: Any) -> CareModel:
    size = {k: dict(v) for k, v in SMALL.items()} | over
    return CareModel(load(scenario).params.replace(**size), rng=seed)


def _stepped(weeks: int, seed: int = 1) -> tuple[CareModel, np.ndarray]:
    """A model stepped to measured week ``weeks``, and who a service took on or queued."""
    m = _model(seed)
    while m.week < 0:
        m.step()
    referred = np.zeros(len(m.state.person.pid), dtype=bool)
    while m.week < weeks:
        m.step()
        referred |= cohorts.referred_now(m.state.person)
    return m, referred


# --------------------------------------------------------------------------------------
# Each rule's mask is what its definition says (checked person by person on the state).
# --------------------------------------------------------------------------------------


def _claim(**keys: Any) -> cl.Claim:
    return cl.parse(_with(**{f"claim__{k}": v for k, v in keys.items()}), "t.toml")


def test_rules_select_what_their_definitions_say() -> None:
    m, referred = _stepped(20)
    per, p = m.state.person, m.params
    rng = np.random.default_rng(0)
    cost = rng.integers(0, 10**6, len(per.pid))
    at = cohorts.Moment(per, p, cost, referred)
    n = len(per.pid)
    seek, homeless = p.capacity.seek_threshold, p.crisis.homeless_threshold
    eviction = cohorts.eviction_risk(_claim(rule="eviction_risk"), at)
    untreated = cohorts.untreated_mental_illness(_claim(rule="untreated_mental_illness"), at)
    for i in range(n):
        need = per.need[i].astype(float)
        alive = bool(per.alive[i])
        housed = need[Domain.HOUSING] <= homeless and per.prison_weeks[i] == 0
        pair = (need[Domain.SUBSTANCE] + need[Domain.MENTAL]) / 2
        tenant = per.tenancy[i] != Tenancy.NONE and pair >= p.housing.exit_need_ref
        want = alive and housed and (tenant or need[Domain.HOUSING] >= seek)
        assert eviction[i] == want, i
        covered = any(
            per.slot_service[i, k] >= 0 and per.slot_remit[i, k] & (1 << Domain.MENTAL)
            for k in range(per.slot_service.shape[1])
        )
        assert untreated[i] == (alive and need[Domain.MENTAL] >= seek and not covered), i
    assert eviction.any() and untreated.any(), "the small run must exercise both rules"
    assert cohorts.referral(_claim(rule="referral", select_week=20, lookback=13), at).any()
    # A threshold given in the claim replaces the parameter's default.
    high = cohorts.untreated_mental_illness(
        _claim(rule="untreated_mental_illness", mental_need=0.9), at
    )
    assert not (high & (per.need[:, Domain.MENTAL] < 0.9)).any() and high.sum() <= untreated.sum()
    # top_cost: the costliest fraction of the living, no one left out costs more.
    c = _claim(rule="top_cost", fraction=0.1, select_week=20, lookback=13)
    top = cohorts.select(c, at, GROUP_POPULATIONS["everyone"])
    alive = per.alive.astype(bool)
    assert top.sum() == max(1, round(0.1 * alive.sum()))
    assert cost[top].min() >= cost[alive & ~top].max()
    # Combined rules: "all" is the intersection, "any" the union (among the living).
    both = _claim(rule=["eviction_risk", "untreated_mental_illness"], combine="all")
    either = replace(both, combine="any")
    everyone = GROUP_POPULATIONS["everyone"]
    assert np.array_equal(cohorts.select(both, at, everyone), eviction & untreated)
    assert np.array_equal(cohorts.select(either, at, everyone), eviction | untreated)
    # top_cost with "all" takes its fraction of those the other rules chose.
    costly = _claim(rule=["untreated_mental_illness", "top_cost"], fraction=0.5, lookback=13)
    chosen = cohorts.select(costly, at, everyone)
    assert chosen.sum() == max(1, round(0.5 * untreated.sum())) and not (chosen & ~untreated).any()
    among = replace(either, among="complex")
    assert not (cohorts.select(among, at, GROUP_POPULATIONS["complex"]) & (per.complex == 0)).any()


def test_referral_counts_the_episodes_a_service_opened() -> None:
    """An episode in its first week at the end of a step is one the step accepted."""
    m = _model(2)
    while m.week < 0:
        m.step()
    for _ in range(10):
        m.step()
        per = m.state.person
        opened = int(((per.slot_service >= 0) & (per.slot_weeks == 1)).sum())
        accepted = int(m.events[m.week - 1, Event.ACCEPTED].sum())
        assert opened <= accepted and opened >= 0.9 * accepted, (opened, accepted)


def _households_by_rows(m: CareModel) -> tuple[np.ndarray, np.ndarray]:
    """Household and family masks from the family rows (start, size), not ``per.family``."""
    per, fam = m.state.person, m.state.family
    house = np.zeros(len(per.pid), dtype=bool)
    for start, size in zip(fam.start, fam.size, strict=True):
        members = np.arange(start, start + size)
        live = members[per.alive[members] == 1]
        if (per.complex[live] == Group.COMPLEX).any():
            house[live] = True
    return house, house & (per.complex == 0)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32))
def test_groups_partition_and_family_is_inside_household(seed: int) -> None:
    m = _model(seed, population={"persons": 300})
    for _ in range(30):
        m.step()
    per = m.state.person
    complex_ = np.isin(per.complex, GROUP_POPULATIONS["complex"])
    general = np.isin(per.complex, GROUP_POPULATIONS["general"])
    assert not (complex_ & general).any()
    assert np.array_equal(complex_ | general, np.isin(per.complex, GROUP_POPULATIONS["everyone"]))
    house, fam = cohorts.household(per), cohorts.family(per)
    assert not (fam & ~house).any(), "household contains family"
    assert not (fam & (per.complex == Group.COMPLEX)).any(), "family has no complex person"
    alive_complex = (per.alive == 1) & (per.complex == Group.COMPLEX)
    assert np.array_equal(house & (per.complex == Group.COMPLEX), alive_complex)
    want_house, want_family = _households_by_rows(m)
    assert np.array_equal(house, want_house) and np.array_equal(fam, want_family)


# --------------------------------------------------------------------------------------
# Crisis kinds and emergency-accommodation weeks per person.
# --------------------------------------------------------------------------------------


def test_crisis_kinds_sum_to_crises_and_to_the_event_totals() -> None:
    m = _model(3).run()
    _check_kinds(m)
    per = m.state.person
    assert per.crisis_kinds.sum() > 0 and per.ea_weeks.sum() > 0, "the run must have both"


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), scenario=st.sampled_from(["siloed", "alliance"]))
def test_crisis_kinds_add_up_in_any_seed(seed: int, scenario: str) -> None:
    _check_kinds(_model(seed, scenario, population={"persons": 300}).run())


def _check_kinds(m: CareModel) -> None:
    """Per person, kinds sum to crises; per group, each kind and EA weeks to the events."""
    per = m.state.person
    kinds = per.crisis_kinds.astype(np.int64)
    assert np.array_equal(kinds.sum(axis=1), per.crises)
    event = {
        Crisis.AE: Event.CRISIS_AE,
        Crisis.ADMISSION: Event.CRISIS_ADMISSION,
        Crisis.CUSTODY: Event.CRISIS_CUSTODY,
        Crisis.MH_ADMISSION: Event.CRISIS_MH,
    }
    for g in Group:
        who = per.complex == g
        for kind, ev in event.items():
            assert kinds[who, kind].sum() == m.events[:, ev, g].sum(), (g, kind)
        assert per.ea_weeks[who].sum() == m.events[:, Event.EA_WEEK, g].sum(), g


@pytest.mark.parametrize("metric", [*CRISIS_KIND_METRICS, "ea_weeks", "crises"])
def test_person_level_counts_equal_the_group_tables(metric: str, monkeypatch) -> None:
    """A cohort that is the complex group counts what the group tables count."""
    c = cl.parse(_with(claim__metric=metric, claim__population="complex", claim__rule=None), "t")
    base, alt = cl.arms(c)
    group = cl.measure(cl.PairTask(c, 1, "default", base, alt))
    monkeypatch.setattr(pairs, "_select", lambda claim, model, *a: model.state.person.complex == 1)
    cohort = replace(c, population="household")  # any person-level population
    person = cl.measure(cl.PairTask(cohort, 1, "default", base, alt))
    i = np.searchsorted(person.snap, group.snap)
    for a, b in zip(group.arms, person.arms, strict=True):
        np.testing.assert_array_equal(a.value, b.value[i])
        np.testing.assert_array_equal(a.weeks, b.weeks[i])


# --------------------------------------------------------------------------------------
# Bad keys: one line, naming the key.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"claim__rule": "bad_luck"}, "claim.rule"),
        ({"claim__rule": ["referral", "nonsense"]}, "claim.rule"),
        ({"claim__rule": []}, "claim.rule"),
        ({"claim__rule": ["referral", "referral"]}, "claim.rule"),
        ({"claim__rule": None}, "claim.rule"),
        ({"claim__population": "complex"}, "claim.rule"),
        ({"claim__population": "top_cost"}, "claim.rule"),
        ({"claim__combine": "all"}, "claim.combine"),
        ({"claim__rule": ["referral", "top_cost"], "claim__combine": "some"}, "claim.combine"),
        ({"claim__rule": "top_cost", "claim__fraction": 0.0}, "claim.fraction"),
        ({"claim__rule": "top_cost", "claim__fraction": 1.5}, "claim.fraction"),
        ({"claim__among": "martians"}, "claim.among"),
        ({"claim__apply_to": "the_world"}, "claim.apply_to"),
        (
            {"claim__population": "general", "claim__rule": None, "claim__apply_to": "cohort"},
            "claim.apply_to",
        ),
        ({"claim__mental_need": 0.5}, "claim.mental_need"),
        ({"claim__eviction_need": 1.5}, "claim.eviction_need"),
        ({"claim__rule": "referral", "claim__lookback": 40}, "claim.select_week"),
        (
            {"claim__population": "household", "claim__rule": None, "claim__select_week": 99},
            "claim.select_week",
        ),
        (
            {"claim__population": "family", "claim__rule": None, "claim__metric": "cost_ae"},
            "claim.metric",
        ),
    ],
)
def test_bad_population_keys_name_the_key(changes: dict, key: str) -> None:
    with pytest.raises(cl.ClaimError) as err:
        cl.parse(_with(**changes), "f.toml")
    msg = str(err.value)
    assert msg.startswith(f"f.toml: {key}: "), msg
    assert "\n" not in msg


def test_apply_to_cohort_waits_for_the_enrolment_api() -> None:
    data = _with(claim__apply_to="cohort")
    if hasattr(CareModel, "enrol"):
        assert cl.parse(data, "f.toml").apply_to == "cohort"
    else:
        with pytest.raises(cl.ClaimError, match=r"^f.toml: claim.apply_to: .*enrolment API"):
            cl.parse(data, "f.toml")


def test_good_population_keys_parse() -> None:
    rules = ["eviction_risk", "top_cost"]
    c = cl.parse(_with(claim__rule=rules, claim__combine="any", claim__lookback=13), "f")
    assert c.rules == ("eviction_risk", "top_cost") and c.combine == "any"
    assert c.select_week == 26 and c.apply_to == "everyone"
    top = cl.parse(_with(claim__population="top_cost", claim__rule=None, claim__lookback=13), "f")
    assert top.rules == ("top_cost",)
    for population in ("general", "household", "family"):
        c = cl.parse(_with(claim__population=population, claim__rule=None), "f")
        assert c.rules == () and population in cl.POPULATIONS
    c = cl.parse(_with(claim__metric="ea_weeks", claim__population="family", claim__rule=None), "f")
    assert c.metric == "ea_weeks"
    assert cl.load(ROOT / "experiments/claims/think_family.toml").population == "household"


# --------------------------------------------------------------------------------------
# Measuring: the same people in both arms; the shipped top-cost claims as on main.
# --------------------------------------------------------------------------------------


def _main_measure(task: cl.PairTask) -> tuple[list, int]:
    """The cohort path of the main branch before this change (run, then pick post hoc)."""
    claim, snap = task.claim, cl.snapshot_weeks(task.claim)
    metric = cl.METRICS[claim.metric]
    models = [CareModel(task.baseline, rng=task.seed), CareModel(task.intervention, rng=task.seed)]
    snaps = []
    for model in models:
        per, k = model.state.person, len(snap)
        out = {
            "value": np.zeros((k, len(per.pid), max(1, len(metric.holders))), dtype=np.int64),
            "weeks": np.zeros((k, len(per.pid)), dtype=np.int32),
            "alive": np.zeros((k, len(per.pid)), dtype=bool),
        }
        while model.week < 0:
            model.step()
        i = 0
        while True:
            while i < k and snap[i] == model.week:
                out["value"][i] = per.cost[:, list(metric.holders)]
                out["weeks"][i] = per.weeks_alive
                out["alive"][i] = per.alive.astype(bool)
                i += 1
            if model.week >= model.n_weeks:
                break
            model.step()
        snaps.append(out)
    s = snaps[0]
    i1 = int(np.searchsorted(snap, claim.select_week))
    i0 = int(np.searchsorted(snap, claim.select_week - claim.lookback))
    cost = (s["value"][i1] - s["value"][i0]).sum(axis=1)
    complex_ = models[0].state.person.complex
    eligible = s["alive"][i1] & np.isin(complex_, GROUP_POPULATIONS[claim.among])
    idx = np.flatnonzero(eligible)
    k = max(1, round(claim.fraction * len(idx)))
    order = idx[np.lexsort((idx, -cost[idx]))]
    mask = np.zeros(len(cost), dtype=bool)
    mask[order[:k]] = True
    series = [pairs._cohort_series(m, metric, x, mask) for m, x in zip(models, snaps, strict=True)]
    return series, int(mask.sum())


@pytest.mark.parametrize(
    ("name", "intervention"),
    [("thurrock", None), ("thurrock", "alliance"), ("regression_to_the_mean", None)],
)
def test_shipped_top_cost_claims_measure_as_on_main(name: str, intervention: str | None) -> None:
    """The same numbers as main's path; with alliance the arms differ before the selection."""
    c = cl.load(ROOT / f"experiments/claims/{name}.toml")
    c = replace(c, persons=500, seeds=(1, 2), intervention=intervention or c.intervention)
    if name == "thurrock":  # as shipped before it became a cohort-only programme
        c = replace(c, years=2.5, window=(78, 130), before=(26, 78), select_week=78)
        c = replace(c, population="top_cost", rules=("top_cost",), fraction=0.1, lookback=52)
        c = replace(c, apply_to="everyone", encodings=())
    base, alt = cl.arms(c)
    for seed in c.seeds:
        task = cl.PairTask(c, seed, "default", base, alt)
        now = cl.measure(task)
        series, cohort = _main_measure(task)
        assert now.cohort == cohort
        for a, b in zip(now.arms, series, strict=True):
            np.testing.assert_array_equal(a.value, b.value)
            np.testing.assert_array_equal(a.cashable, b.cashable)
            np.testing.assert_array_equal(a.weeks, b.weeks)


@pytest.mark.parametrize(
    "keys",
    [
        {"population": "household", "rule": None, "metric": "custody"},
        {"population": "family", "rule": None, "metric": "ae"},
        {"rule": ["eviction_risk", "untreated_mental_illness"], "combine": "any"},
        {"rule": ["referral", "top_cost"], "lookback": 13, "metric": "cost_total"},
    ],
)
def test_cohorts_are_the_same_people_in_both_arms(keys: dict) -> None:
    c = cl.parse(_with(**{f"claim__{k}": v for k, v in keys.items()}), "t")
    base, alt = cl.arms(c)
    same = cl.measure(cl.PairTask(c, 1, "default", base, base))
    a, b = same.arms
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.weeks, b.weeks)
    assert 1 <= same.cohort < c.persons
    diff = cl.measure(cl.PairTask(c, 1, "default", base, alt))
    assert diff.cohort == same.cohort  # chosen in the baseline arm, whatever the other does
    i = int(np.searchsorted(diff.snap, 0))
    assert diff.arms[0].weeks[i] == diff.arms[1].weeks[i] == 0


def test_persona_cohort_unchanged() -> None:
    c = cl.parse(_with(claim__population="persona", claim__persona="brian", claim__rule=None), "t")
    base, _ = cl.arms(c)
    r = cl.measure(cl.PairTask(c, 1, "default", base, base))
    assert r.cohort == 1
    m = CareModel(base, rng=1).run()
    brian = m.state.person.persona == Persona.BRIAN
    assert r.arms[0].value[-1] == m.state.person.crises[brian].sum()


def test_apply_to_cohort_enrols_the_cohort_at_the_selection_week(monkeypatch) -> None:
    """With the model's enrolment API, the intervention arm runs the baseline scenario and
    enrols the cohort, chosen in the baseline arm, at the selection week."""
    calls = []

    def enrol(self: CareModel, mask: np.ndarray, params: Any) -> None:
        calls.append((self.week, mask.copy(), params, self.params))

    monkeypatch.setattr(CareModel, "enrol", enrol, raising=False)
    c = cl.parse(_with(claim__apply_to="cohort", claim__select_week=13), "t")
    base, alt = cl.arms(c)
    r = cl.measure(cl.PairTask(c, 1, "default", base, alt))
    ((week, mask, params, own),) = calls
    assert week == 13 and mask.sum() == r.cohort and params is alt and own is base
    # The stand-in enrols no one for real: both arms run the baseline, so they agree.
    np.testing.assert_array_equal(r.arms[0].value, r.arms[1].value)


def test_populations_are_described_in_words() -> None:
    c = cl.parse(
        _with(
            claim__rule=["eviction_risk", "top_cost"],
            claim__combine="any",
            claim__lookback=13,
            claim__among="complex",
        ),
        "t",
    )
    text = cohorts.describe(c)
    assert "eviction risk or top 10% by cost over weeks 13-26" in text
    assert "among complex" in text and "at week 26" in text
    house = cl.parse(_with(claim__population="household", claim__rule=None), "t")
    assert cohorts.describe(house).startswith("households with a complex-needs member")
    assert cohorts.describe(replace(house, population="general")) == "general"


def test_top_cost_population_is_the_cohort_with_rule_top_cost() -> None:
    keys = {"lookback": 13, "fraction": 0.2, "metric": "cost_total"}
    rule = cl.parse(
        _with(claim__rule="top_cost", **{f"claim__{k}": v for k, v in keys.items()}), "t"
    )
    top = replace(rule, population="top_cost")
    base, alt = cl.arms(rule)
    a = cl.measure(cl.PairTask(rule, 2, "default", base, alt))
    b = cl.measure(cl.PairTask(top, 2, "default", base, alt))
    assert a.cohort == b.cohort
    np.testing.assert_array_equal(a.snap, b.snap)
    for x, y in zip(a.arms, b.arms, strict=True):
        np.testing.assert_array_equal(x.value, y.value)
        np.testing.assert_array_equal(x.weeks, y.weeks)
