"""Measuring one paired run of a claim: both arms, one seed, the claim's population.

A :class:`PairTask` is small and picklable; :func:`measure` runs its two models with
the same seed (common random numbers) and returns cumulative counts of the claim's
metric for its population at snapshot weeks (:class:`PairResult`, a few hundred
numbers), from which every rate and effect is computed afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from carecomplex.claims import cohorts
from carecomplex.claims.spec import CRISIS_EVENTS, GROUP_POPULATIONS, METRICS, Claim, Metric
from carecomplex.costs import ITEMS, Item
from carecomplex.params import Params
from carecomplex.state import Event, Persona

CASHABLE = np.array([ITEMS[i].cashable for i in Item])
ITEM_HOLDER = np.array([ITEMS[i].holder for i in Item])


@dataclass(frozen=True)
class PairTask:
    """One seed of one claim at one parameter point: both arms, same seed."""

    claim: Claim
    seed: int
    point: str  # "default" or "<param>@<multiple>"
    baseline: Params
    intervention: Params


@dataclass
class ArmSeries:
    """Cumulative counts of one arm for the claim's population at the snapshot weeks.

    ``value`` is the metric (pounds or events), ``cashable`` its cashable part (costs),
    ``weeks`` the person-weeks alive; all cumulative from measured week 0. For the
    appraisal (:mod:`~carecomplex.claims.appraisal`), whatever the metric: ``spend`` and
    ``spend_cashable`` the pounds of every ledger item, ``programme`` the pounds of item
    PROGRAMME, ``wellbeing`` the wellbeing person-weeks (sum of 1 - mean need of the living).
    ``alive`` is not cumulative: the number of the population alive at each snapshot week.
    """

    value: np.ndarray
    cashable: np.ndarray
    weeks: np.ndarray
    spend: np.ndarray | None = None
    spend_cashable: np.ndarray | None = None
    programme: np.ndarray | None = None
    wellbeing: np.ndarray | None = None
    alive: np.ndarray | None = None


@dataclass
class PairResult:
    """What one paired run returns (small: a few hundred numbers)."""

    claim_id: str
    seed: int
    point: str
    snap: np.ndarray
    arms: tuple[ArmSeries, ArmSeries]
    cohort: int
    seconds: float


def snapshot_weeks(claim: Claim, every: int = 13) -> np.ndarray:
    """Weeks at which cumulative counts are taken: a quarterly grid plus every boundary."""
    marks = {0, claim.weeks, *claim.window, *claim.before}
    if claim.population == "top_cost":
        marks |= {claim.select_week, claim.select_week - claim.lookback}
    return np.array(sorted(set(range(0, claim.weeks + 1, every)) | marks), dtype=np.int64)


def _group_series(model: Any, metric: Metric, groups: tuple[int, ...], snap: np.ndarray):
    g = list(groups)
    if metric.is_cost:
        led = model.ledger[:, list(metric.items)][:, :, g].sum(axis=2)  # (W, items) pence
        weekly = led.sum(axis=1) / 100.0
        cash = led[:, CASHABLE[list(metric.items)]].sum(axis=1) / 100.0
    else:
        weekly = model.events[:, list(metric.events)][:, :, g].sum(axis=(1, 2)).astype(float)
        cash = np.zeros_like(weekly)
    alive_g = model.events[:, Event.ALIVE][:, g].astype(float)
    alive = alive_g.sum(axis=1)
    every = model.ledger[:, :, g].sum(axis=2) / 100.0  # (W, items) pounds
    # Mean wellbeing of the living (taken in the support step) x persons alive that week.
    wb = (np.nan_to_num(model.wellbeing[:, g]) * alive_g).sum(axis=1)

    def cum(x: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(x)])[snap]

    spend, spend_cash = every.sum(axis=1), every[:, CASHABLE].sum(axis=1)
    # Alive at a snapshot week: those alive in the week before it (in week 0 at the start).
    now = alive[np.clip(snap - 1, 0, len(alive) - 1)]
    return ArmSeries(
        cum(weekly),
        cum(cash),
        cum(alive),
        cum(spend),
        cum(spend_cash),
        cum(every[:, Item.PROGRAMME]),
        cum(wb),
        alive=now,
    )


def _person_value(per: Any, metric: Metric) -> np.ndarray:
    """Each person's cumulative count of ``metric`` now: (persons, holders or 1)."""
    if metric.is_cost:
        return per.cost[:, list(metric.holders)]
    if metric.name == "deaths":
        return (~per.alive.astype(bool) & (per.died_week >= 0))[:, None]
    if metric.name == "crises":
        return per.crises[:, None]
    if metric.events == (int(Event.EA_WEEK),):
        return per.ea_weeks[:, None]
    if all(e in CRISIS_EVENTS for e in metric.events):
        kinds = [int(e) - int(Event.CRISIS_AE) for e in metric.events]
        return per.crisis_kinds[:, kinds].sum(axis=1, dtype=np.int64)[:, None]
    raise ValueError(f"{metric.name} is not counted per person")  # pragma: no cover


def _new_snapshots(model: Any, metric: Metric, snap: np.ndarray) -> dict[str, np.ndarray]:
    """Empty per-person cumulative counts at ``snap`` (filled by :func:`_take`)."""
    per = model.state.person
    n, k = len(per.pid), len(snap)
    return {
        "value": np.zeros((k, n, max(1, len(metric.holders))), dtype=np.int64),
        "weeks": np.zeros((k, n), dtype=np.int32),
        "alive": np.zeros((k, n), dtype=bool),
        # For the appraisal: every holder's cost, the programme's pence and wellbeing
        # person-weeks at each snapshot, and their running sums (see _accumulate).
        "all": np.zeros((k, *per.cost.shape), dtype=np.int64),
        "programme": np.zeros((k, n), dtype=np.int64),
        "wellbeing": np.zeros((k, n)),
        "programme_now": np.zeros(n, dtype=np.int64),
        "wellbeing_now": np.zeros(n),
    }


def _take(model: Any, metric: Metric, s: dict, i: int) -> None:
    """Snapshot ``i``: each person's count, weeks alive and whether alive, now."""
    per = model.state.person
    s["value"][i] = _person_value(per, metric)
    s["weeks"][i] = per.weeks_alive
    s["alive"][i] = per.alive.astype(bool)
    s["all"][i] = per.cost
    s["programme"][i] = s["programme_now"]
    s["wellbeing"][i] = s["wellbeing_now"]


def _accumulate(model: Any, s: dict) -> None:
    """After a measured week: each person's programme share and wellbeing, summed."""
    per = model.state.person
    alive = per.alive == 1
    s["wellbeing_now"] += np.where(alive, 1.0 - per.need.mean(axis=1, dtype=np.float64), 0.0)
    pence = int(model.ledger[model.week - 1, Item.PROGRAMME].sum())
    s["programme_now"] += _programme_shares(pence, per)


def _select(claim: Claim, model: Any, cost: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """The population, chosen from the baseline arm ``model`` at the selection week.

    ``cost`` is each person's total public cost (pence) over the look-back and
    ``referred`` whether a service took them on or queued them in it.
    """
    per = model.state.person
    if claim.population == "persona":
        return per.persona == Persona[claim.persona.upper()]
    if claim.population == "household":
        return cohorts.household(per)
    if claim.population == "family":
        return cohorts.family(per)
    at = cohorts.Moment(per, model.params, cost, referred)
    return cohorts.select(claim, at, GROUP_POPULATIONS[claim.among])


def enrol(model: Any, mask: np.ndarray, params: Params) -> None:
    """Give the persons in ``mask`` the intervention's parameters from this week on.

    THE ONE PLACE for ``apply_to = "cohort"``: the intervention arm runs the baseline
    scenario for everyone, and the intervention's parameters for the enrolled cohort
    from the selection week. Needs the model's enrolment API (``CareModel.enrol``);
    :func:`carecomplex.claims.spec.parse` refuses such claims until it exists.
    """
    model.enrol(mask, params)


def _measure_cohort(
    claim: Claim, models: list, snap: np.ndarray, intervention: Params
) -> tuple[list, int]:
    """Series of a cohort (persona, top cost, a rule's cohort, household, family).

    Both arms step together, with per-person snapshots at ``snap``; at the selection
    week the population is chosen from the baseline arm's state (and, for ``apply_to =
    "cohort"``, enrolled in the intervention arm with ``intervention``'s parameters),
    then followed in both arms. Cost for
    ``top_cost`` is the total public cost over the look-back, whatever the metric.
    """
    metric = METRICS[claim.metric]
    snaps = [_new_snapshots(m, metric, snap) for m in models]
    for m in models:
        while m.week < 0:
            m.step()
    base = models[0].state.person
    n = len(base.pid)
    select_week = _select_week(claim)
    look_from = select_week - claim.lookback
    watch = "referral" in claim.rules
    referred = np.zeros(n, dtype=bool)
    cost_then = np.zeros(n, dtype=np.int64)
    mask = None
    i, k = 0, len(snap)
    while True:
        week = models[0].week
        while i < k and snap[i] == week:
            for m, s in zip(models, snaps, strict=True):
                _take(m, metric, s, i)
            i += 1
        if week == look_from:
            cost_then = base.cost.sum(axis=1)
        if mask is None and week == select_week:
            mask = _select(claim, models[0], base.cost.sum(axis=1) - cost_then, referred)
            if claim.apply_to == "cohort":
                enrol(models[1], mask, intervention)
        if week >= models[0].n_weeks:
            break
        for m, s in zip(models, snaps, strict=True):
            m.step()
            _accumulate(m, s)
        if watch and look_from < models[0].week <= select_week:
            referred |= cohorts.referred_now(base)
    assert mask is not None, "the selection week is validated to lie in the run"
    series = [_cohort_series(m, metric, s, mask) for m, s in zip(models, snaps, strict=True)]
    return series, int(mask.sum())


def _select_week(claim: Claim) -> int:
    """The week the population is chosen (personas: fixed people, chosen at week 0)."""
    if claim.population == "persona" and claim.apply_to != "cohort":
        return 0
    return claim.select_week


def _programme_shares(pence: int, per: Any) -> np.ndarray:
    """Each person's share of a week's programme pence, as ``workforce.charge_posts`` gave it.

    Equal shares among the complex-needs persons alive (everyone alive if none), the
    remainder one penny each to the first of them in person order: exact, since nobody
    dies between the charge and the end of the week.
    """
    out = np.zeros(len(per.pid), dtype=np.int64)
    alive = per.alive == 1
    who = np.flatnonzero(alive & (per.complex == 1))
    if not len(who):
        who = np.flatnonzero(alive)
    if pence > 0 and len(who):
        out[who] = pence // len(who)
        out[who[: pence % len(who)]] += 1
    return out


def _holder_cashable_share(model: Any, holders: tuple[int, ...]) -> np.ndarray:
    """Cashable share of each holder's spending in this run (for cohort estimates)."""
    led = model.ledger.sum(axis=(0, 2)).astype(float)  # by item
    share = np.zeros(len(holders))
    for j, h in enumerate(holders):
        m = h == ITEM_HOLDER
        total = led[m].sum()
        share[j] = led[m & CASHABLE].sum() / total if total else 0.0
    return share


def _cohort_series(model: Any, metric: Metric, s: dict, mask: np.ndarray) -> ArmSeries:
    """One arm's cumulative series summed over the persons in ``mask``."""
    value = s["value"][:, mask, :]  # (k, cohort, holders)
    if metric.is_cost:
        pounds = value.sum(axis=1) / 100.0  # (k, holders)
        share = _holder_cashable_share(model, metric.holders)
        total, cash = pounds.sum(axis=1), (pounds * share).sum(axis=1)
    else:
        total = value.sum(axis=(1, 2)).astype(float)
        cash = np.zeros_like(total)
    weeks = s["weeks"][:, mask].sum(axis=1).astype(float)
    alive = s["alive"][:, mask].sum(axis=1).astype(float)
    if "all" not in s:  # snapshots without the appraisal's series
        return ArmSeries(total, cash, weeks, alive=alive)
    every = s["all"][:, mask, :].sum(axis=1) / 100.0  # (k, holders) pounds
    every_cash = every @ _holder_cashable_share(model, tuple(range(every.shape[1])))
    programme = s["programme"][:, mask].sum(axis=1) / 100.0
    wellbeing = s["wellbeing"][:, mask].sum(axis=1)
    return ArmSeries(
        total, cash, weeks, every.sum(axis=1), every_cash, programme, wellbeing, alive=alive
    )


def _measure_groups(claim: Claim, models: list, snap: np.ndarray) -> tuple[list, int]:
    """Series of a group population (everyone, complex) from the weekly tables."""
    metric = METRICS[claim.metric]
    groups = GROUP_POPULATIONS[claim.population]
    series = []
    for m in models:
        m.run()
        series.append(_group_series(m, metric, groups, snap))
    return series, int(np.isin(models[0].state.person.complex, groups).sum())


def measure(task: PairTask) -> PairResult:
    """Run both arms of one seed and return the population's cumulative series."""
    from carecomplex.model import CareModel

    t0 = time.perf_counter()
    claim = task.claim
    snap = snapshot_weeks(claim)
    # apply_to = "cohort": the intervention arm runs the baseline scenario, and the
    # intervention's parameters only for the cohort once enrolled (see enrol()).
    second = task.baseline if claim.apply_to == "cohort" else task.intervention
    with CareModel(task.baseline, rng=task.seed) as m0, CareModel(second, rng=task.seed) as m1:
        if claim.population in GROUP_POPULATIONS:
            series, cohort = _measure_groups(claim, [m0, m1], snap)
        else:
            series, cohort = _measure_cohort(claim, [m0, m1], snap, task.intervention)
    return PairResult(
        claim.id,
        task.seed,
        task.point,
        snap,
        (series[0], series[1]),
        cohort,
        time.perf_counter() - t0,
    )
