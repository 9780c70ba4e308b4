"""Model 2 costs: staff as posts, idle capacity, programme costs, one price base year,
present values, and the shared siloed history every arm runs its burn-in under."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from carecomplex.costs import (
    ITEMS,
    PRICE_BASE,
    UNIT_COSTS,
    Item,
    deflate,
    deflators,
    item_pence,
)
from carecomplex.metrics import summary, yearly_cost
from carecomplex.model import CareModel
from carecomplex.params import SILOED_HISTORY, Params
from carecomplex.regimes import change_left, levers_at
from carecomplex.scenarios import load
from carecomplex.state import Event
from carecomplex.stats import GREEN_BOOK_RATE, present_value


def _small(scenario: str, **over) -> Params:
    return load(scenario).params.replace(
        population={"persons": 400}, run={"years": 1.0, "burn_in": 10, "seed": 5}, **over
    )


def test_history_default_is_the_siloed_scenario() -> None:
    assert load("siloed").params.regime == SILOED_HISTORY == Params().history
    assert load("alliance").params.history == SILOED_HISTORY
    p = Params().replace(history={"continuity": 0.5})
    assert p.history.continuity == 0.5
    assert p.history.target_pressure == SILOED_HISTORY.target_pressure, "partial stays siloed"


def test_levers_at_history_in_burn_in_then_regime_along_the_learning_curve() -> None:
    p = load("alliance").params.replace(transition={"learning_weeks": 10})
    for week in (-26, -1):
        assert levers_at(p, week) == p.history
    assert levers_at(p, 0) == p.history, "week 0: the change starts, nothing done yet"
    mid = levers_at(p, 10)
    share = 1 - math.exp(-1)
    want = p.history.continuity + (p.regime.continuity - p.history.continuity) * share
    assert mid.continuity == pytest.approx(want)
    late = levers_at(p, 400)
    for f in dataclasses.fields(p.regime):
        assert getattr(late, f.name) == pytest.approx(getattr(p.regime, f.name), abs=1e-9)
    assert change_left(p, 0) == (1.0, True)
    assert change_left(p, -1) == (0.0, False)
    assert change_left(p, 10)[0] == pytest.approx(math.exp(-1))


def test_siloed_and_transition_keep_their_meaning() -> None:
    s = load("siloed").params
    for week in (-5, 0, 50, 500):
        assert levers_at(s, week) is s.regime, "siloed: no change, the same object"
        assert change_left(s, week) == (0.0, False)
    t = load("transition").params
    for week in (-5, 0, 103):
        assert levers_at(t, week) == s.regime
    assert change_left(t, 104) == (1.0, True)
    lw = t.transition.learning_weeks
    assert levers_at(t, 104 + round(lw)).continuity == pytest.approx(
        s.regime.continuity + (t.after.continuity - s.regime.continuity) * (1 - math.exp(-1))
    )


def test_arms_share_their_history_and_diverge_after_week_0() -> None:
    a, b = CareModel(_small("siloed")), CareModel(_small("alliance"))
    while a.week < 0:
        a.step()
        b.step()
    for entity in ("person", "family", "worker", "service"):
        ta, tb = getattr(a.state, entity), getattr(b.state, entity)
        for name in ta.names():
            assert np.array_equal(getattr(ta, name), getattr(tb, name)), f"{entity}.{name}"
    for _ in range(20):
        a.step()
        b.step()
    assert not np.array_equal(a.state.person.need, b.state.person.need), "arms must diverge"


def _run(p: Params) -> CareModel:
    return CareModel(p).run()


def test_staff_cost_is_the_posts_cost_whatever_the_caseload() -> None:
    m = _run(_small("siloed"))
    post = int(item_pence()[Item.STAFF])
    posts = len(m.state.worker.uid)
    staff = int(m.ledger[:, [Item.STAFF, Item.IDLE_STAFF]].sum())
    assert staff == posts * post * m.n_weeks
    # Fewer persons: the same staff cost, more of it idle or per person.
    few = _run(_small("siloed").replace(capacity={"seek_threshold": 0.95}))
    held = (m.events[:, Event.SUPPORTED].sum(), few.events[:, Event.SUPPORTED].sum())
    assert held[1] < held[0], "fewer seek help: the posts hold fewer persons"
    assert int(few.ledger[:, [Item.STAFF, Item.IDLE_STAFF]].sum()) == staff
    # Persons' accounts carry everything but the idle line.
    assert int(m.state.person.cost.sum()) == int(m.ledger.sum()) - int(
        m.ledger[:, Item.IDLE_STAFF].sum()
    )


def test_programme_costs_only_where_levers_change() -> None:
    s, a = _run(_small("siloed")), _run(_small("alliance"))
    siloed_prog = s.ledger[:, Item.PROGRAMME].sum()
    alliance_prog = a.ledger[:, Item.PROGRAMME].sum()
    assert alliance_prog > 10 * siloed_prog > 0  # siloed pays a little overhead only
    # Recommissioning is charged once, in week 0: the first week is the dearest.
    weekly = a.ledger[:, Item.PROGRAMME].sum(axis=1)
    assert weekly[0] == weekly.max()
    none = _run(
        _small("alliance").replace(
            programme={
                "training_per_post": 0,
                "recommissioning": 0,
                "double_running": 0,
                "alliance_overhead": 0,
            }
        )
    )
    assert none.ledger[:, Item.PROGRAMME].sum() == 0
    summ = summary(a)
    assert summ["cost_programme:complex"] > 0 and math.isfinite(summ["cost_pv:complex"])


def test_deflation_of_a_known_row_matches_the_index_ratio() -> None:
    table = deflators()
    assert table[PRICE_BASE] == 100.0
    row = UNIT_COSTS["ae_attendance"]
    assert row.price_year == "2020/21"
    want = row.value * table["2023/24"] / table["2020/21"]
    assert row.value_2324 == pytest.approx(want)
    assert item_pence()[Item.AE] == round(100 * want)
    assert deflate(10.0, "-") == 10.0
    # Every row's price year is covered (rows appended later too).
    for name, uc in UNIT_COSTS.items():
        assert uc.price_year == "-" or uc.price_year in table, name
    pence = item_pence()
    assert all(pence[item] >= 0 for item in ITEMS)


def test_present_value_of_a_constant_stream_is_the_annuity_due() -> None:
    a, n, r = 1000.0, 7, GREEN_BOOK_RATE
    assert present_value(np.full(n, a)) == pytest.approx(a * (1 - (1 + r) ** -n) / r * (1 + r))
    assert present_value([5.0]) == 5.0
    assert present_value([0.0, 1.035], rate=0.035) == pytest.approx(1.0)


def test_yearly_cost_adds_up_to_the_ledger() -> None:
    p = _small("alliance").replace(run={"years": 2.5})
    m = _run(p)
    y = yearly_cost(m)
    assert len(y["all"]["total"]) == 3
    assert y["all"]["total"].sum() == pytest.approx(m.ledger.sum() / 100.0)
    assert y["complex"]["total"][0] == pytest.approx(m.ledger[:52, :, 1].sum() / 100.0)
    s = summary(m)
    assert s["cost_year1:complex"] == pytest.approx(y["complex"]["per_person_year"][0])
    assert math.isnan(s["cost_years3_5:complex"]), "a 2.5-year run has no years 3-5"
