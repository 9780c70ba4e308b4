"""The numbers behind the UI's views, from one arm's model (no Solara, no drawing).

Every function reads an :class:`~carecomplex.ui.session.Arm` (or a
:class:`~carecomplex.ui.session.Session`) and returns plain numbers or NumPy arrays of
the measured weeks run so far. Views draw them; tests (and the guided experiments'
lesson checks) read the same numbers, so what the tests check is what students see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from carecomplex.costs import Holder, item_holders
from carecomplex.metrics import FAILURE  # ledger items tagged failure demand
from carecomplex.state import SERVICE_FIELDS, Domain, Event, Group, ServiceField

if TYPE_CHECKING:
    from carecomplex.ui.session import Arm, Session

HOLDER = item_holders()
HOLDER_LABELS = [h.name.replace("_", " ").lower().replace("nhs", "NHS") for h in Holder]
CRISES = (Event.CRISIS_AE, Event.CRISIS_ADMISSION, Event.CRISIS_CUSTODY, Event.CRISIS_MH)
KIM = ("relationships", "thinking", "actions", "results")
SERVICES = [d.name.replace("_", " ").lower() for d in Domain]
"""Service names as shown (one service per need domain)."""


def weeks_run(arm: Arm) -> int:
    """Measured weeks the arm has run (0 before the first step)."""
    m = arm.model
    return max(0, min(m.week, m.n_weeks))


def _rate(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def headline(arm: Arm) -> dict[str, float]:
    """Outcomes so far (measured weeks run), per person-year."""
    m = arm.model
    w = weeks_run(arm)
    ev = m.events[:w].sum(axis=0).astype(np.float64)
    led = m.ledger[:w].sum(axis=0).astype(np.float64) / 100.0  # pounds (item, group)
    cx, al = [Group.COMPLEX], [Group.OTHER, Group.COMPLEX]
    py_cx = ev[Event.ALIVE, cx].sum() / 52.0
    py_all = ev[Event.ALIVE, al].sum() / 52.0
    out = {"Cost per person-year, complex needs (£)": _rate(led[:, cx].sum(), py_cx)}
    for h, label in zip(Holder, HOLDER_LABELS, strict=True):
        out[f"  {label} (£)"] = _rate(led[h == HOLDER][:, cx].sum(), py_cx)
    out["  of which failure demand (£)"] = _rate(led[FAILURE][:, cx].sum(), py_cx)
    out["Cost per person-year, everyone (£)"] = _rate(led.sum(), py_all)
    wb = m.wellbeing[:w, Group.COMPLEX]
    alive = m.events[:w, Event.ALIVE, Group.COMPLEX].astype(np.float64)
    out["Wellbeing, complex needs (0-1)"] = _rate(np.nansum(wb * alive), alive.sum())
    out["Crises per person-year, complex"] = _rate(ev[list(CRISES)][:, cx].sum(), py_cx)
    out["Deaths per 100 person-years, complex"] = 100 * _rate(ev[Event.DEATH, cx].sum(), py_cx)
    out["Deaths so far, everyone"] = float(ev[Event.DEATH, al].sum())
    out["Hand-offs per person-year, everyone"] = _rate(ev[Event.HANDOFF, al].sum(), py_all)
    out["Rejections per person-year, everyone"] = _rate(ev[Event.REJECTION, al].sum(), py_all)
    out["Repeat assessments per person-year, everyone"] = _rate(
        ev[Event.REASSESSMENT, al].sum(), py_all
    )
    out["Persons waiting, mean over weeks"] = (
        float(m.services[:w, :, ServiceField.QUEUE].sum(axis=1).mean()) if w else float("nan")
    )
    return out


def compare_rows(s: Session) -> list[dict[str, object]]:
    """One row per outcome: A, B and B - A."""
    a, b = (headline(arm) for arm in s.arms)
    return [{"outcome": k, "A": a[k], "B": b[k], "B - A": b[k] - a[k]} for k in a]


def weekly(arm: Arm) -> dict[str, np.ndarray]:
    """Week-by-week series of the measured weeks run (each of length ``weeks_run``).

    Costs are £ per complex-needs person-year at that week's rate (the week's spend
    times 52 over the persons alive), so a J-curve after a switch shows week by week.
    """
    m = arm.model
    w = weeks_run(arm)
    alive_cx = m.events[:w, Event.ALIVE, Group.COMPLEX].astype(np.float64)
    alive_all = m.events[:w, Event.ALIVE].sum(axis=1).astype(np.float64)
    per_py = 52.0 / np.maximum(alive_cx, 1.0)
    led = m.ledger[:w, :, Group.COMPLEX].astype(np.float64) / 100.0  # (week, item) £
    cost = led.sum(axis=1)
    failure = led[:, FAILURE].sum(axis=1)
    py = np.maximum(np.cumsum(alive_cx) / 52.0, 1e-9)
    sv = m.services[:w]
    return {
        "cost": cost * per_py,
        "failure": failure * per_py,
        "value": (cost - failure) * per_py,
        "cost_so_far": np.cumsum(cost) / py,
        "wellbeing": m.wellbeing[:w, Group.COMPLEX],
        "crises": m.events[:w][:, list(CRISES), Group.COMPLEX].sum(axis=1).astype(np.float64),
        "deaths": np.cumsum(m.events[:w, Event.DEATH].sum(axis=1)).astype(np.float64),
        "handoffs": m.events[:w, Event.HANDOFF].sum(axis=1).astype(np.float64),
        "reassessments": m.events[:w, Event.REASSESSMENT].sum(axis=1).astype(np.float64),
        "assessments": m.events[:w, Event.ASSESSMENT].sum(axis=1).astype(np.float64),
        "rejections": m.events[:w, Event.REJECTION].sum(axis=1).astype(np.float64),
        "alive": alive_all,
        "queue": sv[:, :, ServiceField.QUEUE],  # (week, service) persons waiting
        "load": sv[:, :, ServiceField.LOAD],  # (week, service) persons held
        "capacity": sv[:, :, ServiceField.CAPACITY],
        **{k: sv[:, :, SERVICE_FIELDS.index(k)].mean(axis=1) for k in KIM},
    }


def kim_values(arm: Arm) -> dict[str, float]:
    """Current Kim-loop qualities, mean over services, and partner trust."""
    svc = arm.model.state.service
    out = {k: float(np.mean(getattr(svc, k))) for k in KIM}
    pt = svc.partner_trust
    n = pt.shape[0]
    out["partner trust"] = float((pt.sum() - np.trace(pt)) / (n * (n - 1)))
    return out


SPC_SERIES: dict[str, tuple[str, int, str]] = {
    "A&E attendances (crisis)": ("event", Event.CRISIS_AE, "attendances per week"),
    "Emergency admissions (crisis)": ("event", Event.CRISIS_ADMISSION, "admissions per week"),
    "Police custody (crisis)": ("event", Event.CRISIS_CUSTODY, "custody episodes per week"),
    "Acute mental-health admissions (crisis)": ("event", Event.CRISIS_MH, "admissions per week"),
    "Repeat assessments, all services": ("event", Event.REASSESSMENT, "assessments per week"),
    "Persons waiting, all services": ("queue", -1, "persons waiting"),
    **{
        f"{name.capitalize()} service: persons waiting": ("queue", int(d), "persons waiting")
        for d, name in zip(Domain, SERVICES, strict=True)
    },
}
"""Weekly series offered in the SPC view: (kind, which, unit)."""


def spc_values(arm: Arm, series: str) -> np.ndarray:
    """Weekly values of one SPC series in an arm (measured weeks run)."""
    m = arm.model
    w = weeks_run(arm)
    kind, which, _ = SPC_SERIES[series]
    if kind == "event":
        return m.events[:w, which].sum(axis=1).astype(np.float64)
    q = m.services[:w, :, ServiceField.QUEUE]
    return q.sum(axis=1) if which < 0 else q[:, which].astype(np.float64)
