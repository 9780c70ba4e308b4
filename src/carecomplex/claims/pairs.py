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

from carecomplex.claims.spec import GROUP_POPULATIONS, METRICS, Claim, Metric
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


def _person_snapshots(model: Any, metric: Metric, snap: np.ndarray) -> dict[str, np.ndarray]:
    """Run the model to the end, keeping per-person cumulative counts at ``snap``."""
    per = model.state.person
    n = len(per.pid)
    k = len(snap)
    out = {
        "value": np.zeros((k, n, max(1, len(metric.holders))), dtype=np.int64),
        "weeks": np.zeros((k, n), dtype=np.int32),
        "alive": np.zeros((k, n), dtype=bool),
        "all": np.zeros((k, n, per.cost.shape[1]), dtype=np.int64),
        "programme": np.zeros((k, n), dtype=np.int64),
        "wellbeing": np.zeros((k, n)),
    }
    while model.week < 0:
        model.step()
    i = 0
    prog, wb = np.zeros(n, dtype=np.int64), np.zeros(n)
    while True:
        while i < k and snap[i] == model.week:
            if metric.is_cost:
                out["value"][i] = per.cost[:, list(metric.holders)]
            elif metric.name == "deaths":
                out["value"][i, :, 0] = ~per.alive.astype(bool) & (per.died_week >= 0)
            else:
                out["value"][i, :, 0] = per.crises
            out["weeks"][i] = per.weeks_alive
            out["alive"][i] = per.alive.astype(bool)
            out["all"][i], out["programme"][i], out["wellbeing"][i] = per.cost, prog, wb
            i += 1
        if model.week >= model.n_weeks:
            break
        model.step()
        alive = per.alive == 1
        wb += np.where(alive, 1.0 - per.need.mean(axis=1, dtype=np.float64), 0.0)
        prog += _programme_shares(int(model.ledger[model.week - 1, Item.PROGRAMME].sum()), per)
    return out


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
    every = s["all"][:, mask, :].sum(axis=1) / 100.0  # (k, holders) pounds
    every_cash = every @ _holder_cashable_share(model, tuple(range(every.shape[1])))
    programme = s["programme"][:, mask].sum(axis=1) / 100.0
    wellbeing = s["wellbeing"][:, mask].sum(axis=1)
    alive = s["alive"][:, mask].sum(axis=1).astype(float)
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


def _measure_cohort(claim: Claim, models: list, snap: np.ndarray) -> tuple[list, int]:
    """Series of a cohort (top cost, persona) from per-person snapshots."""
    metric = METRICS[claim.metric]
    snaps = [_person_snapshots(m, metric, snap) for m in models]
    per = models[0].state.person
    if claim.population == "persona":
        mask = per.persona == Persona[claim.persona.upper()]
    else:
        mask = _top_cost(claim, snap, snaps[0], per.complex)
    series = [_cohort_series(m, metric, s, mask) for m, s in zip(models, snaps, strict=True)]
    return series, int(mask.sum())


def measure(task: PairTask) -> PairResult:
    """Run both arms of one seed and return the population's cumulative series."""
    from carecomplex.model import CareModel

    t0 = time.perf_counter()
    claim = task.claim
    snap = snapshot_weeks(claim)
    models = [CareModel(task.baseline, rng=task.seed), CareModel(task.intervention, rng=task.seed)]
    how = _measure_groups if claim.population in GROUP_POPULATIONS else _measure_cohort
    series, cohort = how(claim, models, snap)
    return PairResult(
        claim.id,
        task.seed,
        task.point,
        snap,
        (series[0], series[1]),
        cohort,
        time.perf_counter() - t0,
    )


def _top_cost(claim: Claim, snap: np.ndarray, s: dict, complex_: np.ndarray) -> np.ndarray:
    """The top ``fraction`` by cost over the look-back, alive at the selection week."""
    i1 = int(np.searchsorted(snap, claim.select_week))
    i0 = int(np.searchsorted(snap, claim.select_week - claim.lookback))
    cost = (s["value"][i1] - s["value"][i0]).sum(axis=1)
    eligible = s["alive"][i1] & np.isin(complex_, GROUP_POPULATIONS[claim.among])
    idx = np.flatnonzero(eligible)
    k = max(1, round(claim.fraction * len(idx)))
    # Highest cost first; ties broken by index so the choice is deterministic.
    order = idx[np.lexsort((idx, -cost[idx]))]
    mask = np.zeros(len(cost), dtype=bool)
    mask[order[:k]] = True
    return mask
