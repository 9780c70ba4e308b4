"""Outcomes of a run: the summary table, tidy weekly series and the DataCollector."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from carecomplex.costs import ITEMS, Holder, Item, item_holders
from carecomplex.state import SERVICE_FIELDS, Domain, Event, Group, ServiceField

if TYPE_CHECKING:
    import pandas as pd

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
        _justice(out, name, ev[:, g].sum(axis=1), py)
        # New services or workers met: episodes accepted + cases passed to a new post
        # holder (a reallocated case is counted when it is accepted again).
        out[f"new_workers:{name}"] = _ratio(
            ev[Event.ACCEPTED, g].sum() + ev[Event.WORKER_CHANGE, g].sum(), py
        )
        out[f"supported_share:{name}"] = _ratio(
            ev[Event.SUPPORTED, g].sum(), ev[Event.ALIVE, g].sum()
        )
        # Housing as a state: time stably housed (alive, not in prison, not in emergency
        # accommodation) and tenancies started and lost.
        free = ev[Event.ALIVE, g].sum() - ev[Event.PRISON_WEEK, g].sum()
        out[f"housed_share:{name}"] = 1.0 - _ratio(ev[Event.EA_WEEK, g].sum(), free)
        out[f"tenancy_starts:{name}"] = _ratio(ev[Event.TENANCY_START, g].sum(), py)
        out[f"tenancy_ends:{name}"] = _ratio(ev[Event.TENANCY_END, g].sum(), py)
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
    # The flexible-budget pot: what it bought, per complex-needs person-year.
    bought = led[[Item.TENANCY, Item.TREATMENT_START]].sum()
    out["budget_spent"] = _ratio(bought, ev[Event.ALIVE, Group.COMPLEX].sum() / 52.0)
    out["worker_leavers_per_year"] = float(
        model.services[:, :, ServiceField.LEAVERS].sum() * 52 / max(1, len(model.services))
    )
    out.update(_cost_summary(model))
    return out


# --------------------------------------------------------------------------------------
# Model 2 (costs): staff, idle capacity, programme, cost by year, present values.
# --------------------------------------------------------------------------------------


def yearly_cost(model: CareModel) -> dict[str, dict[str, np.ndarray]]:
    """Cost by year of the run, from the weekly ledger, for each group of ``GROUPS``.

    Year ``y`` is measured weeks ``52 y`` to ``52 y + 51`` (the last year may be short).

    Returns:
        ``{group: {"total": pounds per year, "person_years": person-years alive,
        "per_person_year": pounds per person-year}}``, each of shape (years,).
    """
    n = model.n_weeks
    years = -(-n // 52)
    year_of = np.arange(n) // 52
    pounds = model.ledger.sum(axis=1).astype(np.float64) / 100.0  # (week, group)
    alive = model.events[:, Event.ALIVE].astype(np.float64) / 52.0  # person-years
    out = {}
    for name, gs in GROUPS.items():
        g = list(gs)
        total = np.bincount(year_of, weights=pounds[:, g].sum(axis=1), minlength=years)
        py = np.bincount(year_of, weights=alive[:, g].sum(axis=1), minlength=years)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_py = np.where(py > 0, total / py, np.nan)
        out[name] = {"total": total, "person_years": py, "per_person_year": per_py}
    return out


def _cost_summary(model: CareModel) -> dict[str, float]:
    """The cost statistics of model 2, keyed as in :func:`summary`.

    ``cost_staff`` and ``cost_programme`` per person-year; ``cost_year1`` and
    ``cost_years3_5`` (mean of the years' costs per person-year; NaN when the run is
    shorter); ``cost_per_person`` (undiscounted) and ``cost_pv`` (present value at the
    Green Book 3.5 %) of the run's total cost per person of the group alive at week 0;
    ``cost_idle_staff`` (pounds a year, service-wide) and ``idle_staff_share`` (share
    of the posts' cost that bought no one's support).
    """
    from carecomplex.stats import present_value

    out: dict[str, float] = {}
    ev = model.events.sum(axis=0).astype(np.float64)
    led = model.ledger.sum(axis=0).astype(np.float64) / 100.0
    years = yearly_cost(model)
    for name, gs in GROUPS.items():
        g = list(gs)
        py = ev[Event.ALIVE, g].sum() / 52.0
        out[f"cost_staff:{name}"] = _ratio(led[[Item.STAFF, Item.IDLE_STAFF]][:, g].sum(), py)
        out[f"cost_programme:{name}"] = _ratio(led[Item.PROGRAMME, g].sum(), py)
        y = years[name]["per_person_year"]
        out[f"cost_year1:{name}"] = float(y[0]) if len(y) else float("nan")
        out[f"cost_years3_5:{name}"] = float(np.mean(y[2:5])) if len(y) >= 5 else float("nan")
        cohort = float(model.events[0, Event.ALIVE, g].sum()) if model.n_weeks else 0.0
        total = years[name]["total"]
        out[f"cost_per_person:{name}"] = _ratio(total.sum(), cohort)
        out[f"cost_pv:{name}"] = _ratio(present_value(total), cohort)
    idle = led[Item.IDLE_STAFF].sum()
    out["cost_idle_staff"] = float(idle * 52 / max(1, model.n_weeks))
    out["idle_staff_share"] = _ratio(idle, led[[Item.STAFF, Item.IDLE_STAFF]].sum())
    return out


KIM = ("relationships", "thinking", "actions", "results")
# Hospital and prison statistics as published (see _justice).
JUSTICE = (
    "readmission_30d",
    "readmission_180d",
    "proven_reoffending_12m",
    "proven_reoffending_12m_long",
    "discharges",
    "releases",
    "release_homeless_share",
)
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
    *JUSTICE,
    "supported_share",
    "wellbeing",
    "cost_p50",
    "cost_p90",
    "cost_p99",
    "cost_max",
    # Model 2 (costs).
    "cost_staff",
    "cost_programme",
    "cost_year1",
    "cost_years3_5",
    "cost_per_person",
    "cost_pv",
    "housed_share",
    "tenancy_starts",
    "tenancy_ends",
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
    "cost_idle_staff",  # model 2 (costs)
    "idle_staff_share",
    "budget_spent",
)


def summary_names() -> list[str]:
    """Every key :func:`summary` may return (``cost_p*`` need persons alive 26 weeks)."""
    return [f"{m}:{g}" for g in GROUPS for m in PER_GROUP] + list(SERVICE_WIDE)


def weekly(model: CareModel) -> pd.DataFrame:
    """Tidy weekly series: one row per (week, group), events and costs (pounds) as columns."""
    import pandas as pd  # here, not at the top: the model imports this module

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
    import pandas as pd

    w, s, f = model.services.shape
    idx = pd.MultiIndex.from_product(
        [range(w), [d.name.lower() for d in Domain]], names=["week", "service"]
    )
    return pd.DataFrame(
        model.services.reshape(w * s, f), index=idx, columns=list(SERVICE_FIELDS)
    ).reset_index()


def _current(model: CareModel, event: Event) -> float:
    w = max(0, min(model.week, model.n_weeks) - 1)
    totals = getattr(model, "week_totals", None)  # this week's, kept by CareModel._record
    if totals is not None and totals[0] == w:
        return float(totals[1][event])
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
    totals = getattr(model, "week_totals", None)
    if totals is not None and totals[0] == w:
        return totals[2] / 100.0
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


def _justice(out: dict[str, float], name: str, ev: np.ndarray, py: float) -> None:
    """Hospital and prison statistics of group ``name`` as the NHS and the MoJ publish them.

    Readmission: readmitted discharges / discharges, over the discharges whose 30-day
    (180-day) window ends inside the run. Proven reoffending (MoJ): releases from short
    (long) sentences with a proven offence within 52 weeks / releases with the 52 weeks
    of follow-up inside the run. Discharges and releases per person-year; the share of
    releases to no settled accommodation.

    Args:
        out: the summary, added to.
        name: the group's name.
        ev: the group's event totals (by :class:`Event`).
        py: the group's person-years.
    """
    releases = ev[Event.RELEASE_SHORT] + ev[Event.RELEASE_LONG]
    out[f"readmission_30d:{name}"] = _ratio(ev[Event.READMISSION_30D], ev[Event.DISCHARGE_30D])
    out[f"readmission_180d:{name}"] = _ratio(ev[Event.READMISSION_180D], ev[Event.DISCHARGE_180D])
    out[f"proven_reoffending_12m:{name}"] = _ratio(
        ev[Event.REOFFENCE_SHORT], ev[Event.COHORT_SHORT]
    )
    out[f"proven_reoffending_12m_long:{name}"] = _ratio(
        ev[Event.REOFFENCE_LONG], ev[Event.COHORT_LONG]
    )
    out[f"discharges:{name}"] = _ratio(ev[Event.DISCHARGE], py)
    out[f"releases:{name}"] = _ratio(releases, py)
    out[f"release_homeless_share:{name}"] = _ratio(ev[Event.RELEASE_HOMELESS], releases)
