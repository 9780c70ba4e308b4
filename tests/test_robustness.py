"""Numerical robustness: long runs and the corners of the parameter ranges.

* Each built-in scenario runs 50 years (2600 measured weeks) at a small population; the
  invariants of ``test_invariants.Tracker`` (state in its domain, no NaN or infinity,
  persons conserved, caseloads within capacity, costs exact non-negative integer pence
  that add up to the ledger) are checked every 26 weeks and in the last week, together
  with the checks of :func:`check_stocks` (no negative stock or counter, week counters no
  larger than the weeks run, integer dtypes wide enough for the longest allowed run).
* Every parameter with a declared range is set alone to its low and to its high end
  (the others at their defaults) for a short small run, and all of them together to
  their low and to their high ends; random mixtures of low, high and default ends run
  under ``-m slow``. The same invariants are checked after every step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _strategies import group_classes, is_int_field
from carecomplex.costs import UNIT_COSTS
from carecomplex.metrics import summary
from carecomplex.model import CareModel
from carecomplex.params import CrisisParams, Params, RunParams, from_dict, to_dict
from carecomplex.processes.spells import geometric
from carecomplex.scenarios import load
from carecomplex.state import SCHEMAS, Event
from test_invariants import Tracker

# The longest run the parameters allow: 100 years plus the longest burn-in.
MAX_STEPS = round(RunParams.__dataclass_fields__["years"].metadata["hi"] * 52) + int(
    RunParams.__dataclass_fields__["burn_in"].metadata["hi"]
)

# Integer state that can never be negative (stocks, counters, week clocks).
NON_NEGATIVE = {
    "person": (
        "pid",
        "family",
        "slot_weeks",
        "wait_weeks",
        "cooldown",
        "prison_weeks",
        "treatment_weeks",
        "hospital_weeks",
        "tenancy_weeks",
        "crises",
        "handoffs",
        "shocks",
        "cost",
        "weeks_alive",
    ),
    "family": ("start", "size"),
    "worker": ("service", "uid", "caseload", "tenure"),
    "service": ("capacity", "load", "queue", "budget_pot"),
}
# Week counters that grow by at most one per step: bounded by the steps taken.
WEEK_CLOCKS = {
    "person": ("slot_weeks", "wait_weeks", "weeks_alive"),
    "worker": ("tenure",),  # posts start with some tenure: bounded by it plus the steps
}
# Indices whose "none" value is -1.
MINUS_ONE = {
    "person": (
        "died_week",
        "slot_service",
        "slot_worker",
        "wait_service",
        "discharge_day",
        "release_week",
    )
}


def test_week_counters_are_wide_enough_for_the_longest_run() -> None:
    for entity, names in WEEK_CLOCKS.items():
        for name in names:
            dtype = SCHEMAS[entity][name].dtype
            assert np.iinfo(dtype).max >= MAX_STEPS, (
                f"{entity}.{name} ({np.dtype(dtype).name}) cannot count {MAX_STEPS} weeks"
            )


def test_longest_prison_stay_fits_its_counter() -> None:
    # processes.spells.geometric(u, mean): u < 1 on a 2**-53 grid, the longest mean allowed.
    u = 1.0 - 2.0**-53
    for name in ("short_served_weeks", "long_served_weeks"):
        hi = CrisisParams.__dataclass_fields__[name].metadata["hi"]
        assert geometric(u, hi) < np.iinfo(SCHEMAS["person"]["prison_weeks"].dtype).max


def test_longest_hospital_stay_fits_its_counters() -> None:
    # processes.spells.admit: a stay of geometric(u, admission_days) days from the last day
    # of the longest run; the discharge day and the weeks left fit their columns.
    hi = CrisisParams.__dataclass_fields__["admission_days"].metadata["hi"]
    days = geometric(1.0 - 2.0**-53, hi)
    assert days // 7 + 1 < np.iinfo(SCHEMAS["person"]["hospital_weeks"].dtype).max
    assert 7 * MAX_STEPS + days < np.iinfo(SCHEMAS["person"]["discharge_day"].dtype).max


def test_worker_ids_cannot_overflow() -> None:
    # Every post holder may leave every week: the ids issued stay below the dtype's max.
    from carecomplex.population import n_worker_posts

    widest = Params().replace(population={"persons": 5_000_000}, capacity={"workers_per_1000": 100})
    posts = n_worker_posts(widest)
    assert posts >= 500_000
    top = np.iinfo(SCHEMAS["worker"]["uid"].dtype).max
    assert posts * (MAX_STEPS + 1) < top, f"{posts} posts x {MAX_STEPS} weeks of turnover"


def check_stocks(model: CareModel, start: dict[str, int], ctx: str = "") -> None:
    """No negative stocks or counters, week clocks within the steps run, no overflow."""
    s = model.state
    for entity, names in NON_NEGATIVE.items():
        for name in names:
            a = getattr(getattr(s, entity), name)
            assert a.size == 0 or int(a.min()) >= 0, (
                f"{entity}.{name} must be non-negative; min {int(a.min())} {ctx}"
            )
    for entity, names in MINUS_ONE.items():
        for name in names:
            a = getattr(getattr(s, entity), name)
            assert a.size == 0 or int(a.min()) >= -1, f"{entity}.{name} below -1 {ctx}"
    for entity, names in WEEK_CLOCKS.items():
        for name in names:
            a = getattr(getattr(s, entity), name)
            most = start.get(name, 0) + model.t
            assert a.size == 0 or int(a.max()) <= most, (
                f"{entity}.{name} max {int(a.max())} exceeds {most} (its start plus the "
                f"{model.t} steps run) {ctx}"
            )
    # Signed integer state well inside its dtype (a wrapped counter shows up as a huge
    # value); the unsigned arrays are flags and domain bit sets.
    for entity in ("person", "family", "worker", "service"):
        arrays = getattr(s, entity)
        for name in arrays.names():
            a = getattr(arrays, name)
            if np.issubdtype(a.dtype, np.signedinteger) and a.size and name != "pid":
                top = np.iinfo(a.dtype).max
                assert int(np.abs(a.astype(np.int64)).max()) < top // 2, (
                    f"{entity}.{name} ({a.dtype}) near overflow: {int(a.max())} {ctx}"
                )
    total = int(model.ledger.sum())
    assert 0 <= total < 2**62, f"ledger total {total} pence near int64 overflow {ctx}"
    assert (s.service.queue <= len(s.person.pid)).all(), f"queue longer than persons {ctx}"


def check_outputs(model: CareModel) -> None:
    """Outputs of a finished run: wellbeing in [0, 1] (NaN only for a group with nobody
    alive),
    summary metrics finite or NaN (never infinite), cost total equal to the ledger."""
    # Wellbeing is measured on those still alive after the week's deaths.
    n_alive = model.events[:, Event.ALIVE, :] - model.events[:, Event.DEATH, :]
    w = model.wellbeing
    ok = np.where(n_alive > 0, (w >= 0.0) & (w <= 1.0), np.isnan(w))
    bad = np.argwhere(~ok)[:3].tolist()
    assert ok.all(), f"wellbeing must be in [0, 1] if anyone is alive, else NaN: {bad}"
    out = summary(model)
    inf = [k for k, v in out.items() if np.isinf(v)]
    assert not inf, f"summary metrics must not be infinite: {inf}"
    py = model.events[:, Event.ALIVE, :].sum() / 52.0
    if py > 0:
        total = out["cost_total:all"] * py
        want = int(model.ledger.sum()) / 100.0
        assert total == pytest.approx(want, rel=1e-12, abs=1e-6), (
            f"summary cost total {total} != ledger total {want}"
        )


def run_checked(params: Params, every: int = 1) -> CareModel:
    """Run ``params``, checking the invariants after every ``every``-th step and the last."""
    model = CareModel(params)
    tracker = Tracker(model)
    tenure = model.state.worker.tenure
    start = {"tenure": int(tenure.max()) if tenure.size else 0}
    while model.week < model.n_weeks:
        sample = model.t % every == 0 or model.week == model.n_weeks - 1
        if sample:
            tracker.before_step()
        model.step()
        if sample:
            tracker.after_step()
            check_stocks(model, start, f"(after step t={model.t - 1})")
    assert model.week == model.n_weeks
    check_outputs(model)
    return model


# --- 50-year runs ---------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["siloed", "alliance", "transition"])
def test_fifty_year_run_stays_sound(scenario: str) -> None:
    p = load(scenario).params.replace(population={"persons": 300}, run={"years": 50, "seed": 7})
    assert p.weeks == 2600
    model = run_checked(p, every=26)
    assert model.t == 2600 + p.run.burn_in


# --- Parameter corners ----------------------------------------------------------------

# Corners are short and small. Run size is not a corner here: persons is capped (its
# high end is 5 million) and the 50-year runs above stand for long runs.
BASE_RUN = {"population": {"persons": 200}, "run": {"years": 1.0, "burn_in": 4}}
CAPPED = {("population", "persons"): 200, ("run", "years"): 1.0}


def _fields() -> list[tuple[str, dataclasses.Field]]:
    return [(g, f) for g, cls in group_classes().items() for f in dataclasses.fields(cls)]


def _end(group: str, f: dataclasses.Field, which: str) -> Any:
    value = f.metadata[which]
    if which == "hi" and (group, f.name) in CAPPED:
        value = CAPPED[(group, f.name)]
    return int(value) if is_int_field(f) else float(value)


def _corner_params(values: dict[tuple[str, str], Any]) -> Params:
    data = to_dict(Params())
    for g, over in BASE_RUN.items():
        data[g].update(over)
    if any(g == "after" for g, _ in values):
        data["transition"]["week"] = 4  # the "after" levers matter only after a switch
    for (g, name), v in values.items():
        data[g][name] = v
    return from_dict(data)


ONE_AT_A_TIME = [
    pytest.param((g, f.name, which), id=f"{g}.{f.name}={which}")
    for g, f in _fields()
    for which in ("lo", "hi")
    if not (g == "run" and f.name == "years" and which == "hi")
]


@pytest.mark.parametrize("corner", ONE_AT_A_TIME)
def test_one_parameter_at_an_end(corner: tuple[str, str, str]) -> None:
    g, name, which = corner
    f = {x.name: x for x in dataclasses.fields(group_classes()[g])}[name]
    run_checked(_corner_params({(g, name): _end(g, f, which)}))


@pytest.mark.parametrize("which", ["lo", "hi"])
def test_all_parameters_at_one_end(which: str) -> None:
    values = {(g, f.name): _end(g, f, which) for g, f in _fields() if g != "run"}
    values[("transition", "week")] = 4 if which == "lo" else 20  # a switch inside the run
    p = _corner_params(values)
    if which == "hi":  # and every unit cost at the top of its allowed range
        p = p.replace(costs={k: 10 * u.high for k, u in UNIT_COSTS.items()})
    run_checked(p)


@st.composite
def corner_mixtures(draw: st.DrawFn) -> Params:
    values = {}
    for g, f in _fields():
        if g == "run":
            continue
        which = draw(st.sampled_from(["lo", "hi", "default"]))
        if which != "default":
            values[(g, f.name)] = _end(g, f, which)
    if ("transition", "week") in values:
        values[("transition", "week")] = draw(st.sampled_from([-1, 0, 20]))
    return _corner_params(values)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corner_mixtures())
def test_mixed_corners(params: Params) -> None:
    run_checked(params)
