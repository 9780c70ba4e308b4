"""Outcomes of a run: the summary table, tidy weekly series and the DataCollector."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from carecomplex.costs import ITEMS, Holder, Item, item_holders
from carecomplex.state import SERVICE_FIELDS, Domain, Event, Group, ServiceField

if TYPE_CHECKING:
    from carecomplex.model import CareModel

GROUPS = {"all": (0, 1), "complex": (1,), "other": (0,)}
FAILURE = np.array([ITEMS[i].failure_demand for i in Item])
CASHABLE = np.array([ITEMS[i].cashable for i in Item])
HOLDER = item_holders()
CRISES = [Event.CRISIS_AE, Event.CRISIS_ADMISSION, Event.CRISIS_CUSTODY, Event.CRISIS_MH]


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def summary(model: CareModel) -> dict[str, float]:
    """Headline outcomes of a finished run, keyed ``metric`` or ``metric:group``.

    Costs are public cost per person-year in pounds, by budget holder and in total,
    split into failure and value demand and cashable or not; rates are per
    person-year unless named otherwise.
    """
    out: dict[str, float] = {}
    ev = model.events.sum(axis=0).astype(np.float64)  # (event, group)
    led = model.ledger.sum(axis=0).astype(np.float64) / 100.0  # pounds (item, group)
    per = model.state.person
    for name, gs in GROUPS.items():
        g = list(gs)
        py = ev[Event.ALIVE, g].sum() / 52.0
        cost = led[:, g].sum(axis=1)
        out[f"cost_total:{name}"] = _ratio(cost.sum(), py)
        for h in Holder:
            out[f"cost_{h.name.lower()}:{name}"] = _ratio(cost[h == HOLDER].sum(), py)
        out[f"cost_failure_demand:{name}"] = _ratio(cost[FAILURE].sum(), py)
        out[f"cost_cashable:{name}"] = _ratio(cost[CASHABLE].sum(), py)
        out[f"crises:{name}"] = _ratio(ev[CRISES][:, g].sum(), py)
        out[f"deaths_per_100:{name}"] = 100 * _ratio(ev[Event.DEATH, g].sum(), py)
        out[f"avoidable_deaths_per_100:{name}"] = 100 * _ratio(ev[Event.CRISIS_DEATH, g].sum(), py)
        out[f"ea_weeks:{name}"] = _ratio(ev[Event.EA_WEEK, g].sum(), py)
        out[f"handoffs:{name}"] = _ratio(ev[Event.HANDOFF, g].sum(), py)
        out[f"rejections:{name}"] = _ratio(ev[Event.REJECTION, g].sum(), py)
        out[f"reassessments:{name}"] = _ratio(ev[Event.REASSESSMENT, g].sum(), py)
        # New services or workers met: episodes accepted + cases passed to a new post
        # holder (a reallocated case is counted when it is accepted again).
        out[f"new_workers:{name}"] = _ratio(
            ev[Event.ACCEPTED, g].sum() + ev[Event.WORKER_CHANGE, g].sum(), py
        )
        out[f"readmission_30d:{name}"] = _ratio(
            ev[Event.READMISSION_30D, g].sum(), ev[Event.CRISIS_ADMISSION, g].sum()
        )
        out[f"reoffending_1y:{name}"] = _ratio(
            ev[Event.REOFFENCE_1Y, g].sum(), ev[Event.CRISIS_CUSTODY, g].sum()
        )
        out[f"supported_share:{name}"] = _ratio(
            ev[Event.SUPPORTED, g].sum(), ev[Event.ALIVE, g].sum()
        )
        w = model.wellbeing[:, g]
        alive_w = model.events[:, Event.ALIVE, g].astype(np.float64)
        out[f"wellbeing:{name}"] = _ratio(np.nansum(w * alive_w), alive_w.sum())
        mask = np.isin(per.complex, g) & (per.weeks_alive >= 26)
        annual = per.cost[mask].sum(axis=1) / 100.0 / (per.weeks_alive[mask] / 52.0)
        if annual.size:
            for q in (50, 90, 99):
                out[f"cost_p{q}:{name}"] = float(np.percentile(annual, q))
            out[f"cost_max:{name}"] = float(annual.max())
    last = model.services[-min(52, len(model.services)) :]
    for field in (
        "relationships",
        "thinking",
        "actions",
        "results",
        "partner_trust",
        "burnout",
        "knowledge",
        "gaming",
    ):
        out[f"kim_{field}" if field in KIM else field] = float(
            last[:, :, SERVICE_FIELDS.index(field)].mean()
        )
    out["utilisation"] = _ratio(
        last[:, :, ServiceField.LOAD].sum(), last[:, :, ServiceField.CAPACITY].sum()
    )
    out["queue_share"] = _ratio(
        last[:, :, ServiceField.QUEUE].sum(), last[:, :, ServiceField.CAPACITY].sum()
    )
    out["worker_leavers_per_year"] = float(
        model.services[:, :, ServiceField.LEAVERS].sum() * 52 / max(1, len(model.services))
    )
    return out


KIM = ("relationships", "thinking", "actions", "results")
PER_GROUP = (
    "cost_total",
    *(f"cost_{h.name.lower()}" for h in Holder),
    "cost_failure_demand",
    "cost_cashable",
    "crises",
    "deaths_per_100",
    "avoidable_deaths_per_100",
    "ea_weeks",
    "handoffs",
    "rejections",
    "reassessments",
    "readmission_30d",
    "reoffending_1y",
    "supported_share",
    "wellbeing",
    "cost_p50",
    "cost_p90",
    "cost_p99",
    "cost_max",
    "new_workers",
)
SERVICE_WIDE = (
    *(f"kim_{k}" for k in KIM),
    "partner_trust",
    "burnout",
    "knowledge",
    "gaming",
    "utilisation",
    "queue_share",
    "worker_leavers_per_year",
)


def summary_names() -> list[str]:
    """Every key :func:`summary` may return (``cost_p*`` need persons alive 26 weeks)."""
    return [f"{m}:{g}" for g in GROUPS for m in PER_GROUP] + list(SERVICE_WIDE)


def weekly(model: CareModel) -> pd.DataFrame:
    """Tidy weekly series: one row per (week, group), events and costs (pounds) as columns."""
    frames = []
    for g in Group:
        d = {"week": np.arange(model.n_weeks), "group": g.name.lower()}
        for e in Event:
            d[e.name.lower()] = model.events[:, e, g]
        for i in Item:
            d[f"cost_{i.name.lower()}"] = model.ledger[:, i, g] / 100.0
        d["wellbeing"] = model.wellbeing[:, g]
        frames.append(pd.DataFrame(d))
    return pd.concat(frames, ignore_index=True)


def services(model: CareModel) -> pd.DataFrame:
    """Tidy weekly per-service series (load, queue, Kim-loop qualities, burnout)."""
    w, s, f = model.services.shape
    idx = pd.MultiIndex.from_product(
        [range(w), [d.name.lower() for d in Domain]], names=["week", "service"]
    )
    return pd.DataFrame(
        model.services.reshape(w * s, f), index=idx, columns=list(SERVICE_FIELDS)
    ).reset_index()


def _current(model: CareModel, event: Event) -> float:
    w = max(0, min(model.week, model.n_weeks) - 1)
    return float(model.events[w, event].sum())


def report_week(model: CareModel) -> int:
    """Current measured week."""
    return model.week


def report_alive(model: CareModel) -> float:
    """Persons alive."""
    return _current(model, Event.ALIVE)


def report_crises(model: CareModel) -> float:
    """Crises this week."""
    return sum(_current(model, e) for e in CRISES)


def report_cost(model: CareModel) -> float:
    """Public cost this week (pounds)."""
    w = max(0, min(model.week, model.n_weeks) - 1)
    return float(model.ledger[w].sum()) / 100.0


def report_wellbeing(model: CareModel) -> float:
    """Mean wellbeing of the living (aggregated online by the model each week)."""
    return float(model.wellbeing_now)


def datacollector() -> mesa.DataCollector:
    """Model-level weekly reporters (named functions, so the model stays picklable)."""
    return mesa.DataCollector(
        model_reporters={
            "week": report_week,
            "alive": report_alive,
            "crises": report_crises,
            "cost": report_cost,
            "wellbeing": report_wellbeing,
        }
    )
