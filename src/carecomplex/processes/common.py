"""What the process kernels share: kernel parameters, chunks, charging, integer constants.

``KP`` is the kernels' view of the parameters for one week, filled by name from the
parameter groups and the week's levers (``KP_SOURCES``, used by
:func:`carecomplex.regimes.kernel_params`). Parallel kernels loop over ``N_CHUNKS``
fixed chunks of persons (:func:`chunk_bounds`), never over threads, so every result is
the same for any thread count.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from carecomplex.costs import Item
from carecomplex.rng import Stream
from carecomplex.state import N_CHUNKS, Crisis, Domain, Event, ServiceSum, WellbeingSum


class KP(NamedTuple):
    """Kernel parameters for one week (all floats or ints); sources in ``KP_SOURCES``."""

    reversion: float
    noise: float
    coupling: float  # strength of the pull between domains (scales DOMAIN_COUPLING)
    shock_rate: float
    shock_size: float
    family_buffer: float
    family_strain: float
    family_recovery: float
    recovery_gain: float
    scar: float
    resilience_buffer: float
    family_excess_need: float
    alone_support: float
    alone_connection: float
    base_rate: float
    need_slope: float
    complexity_slope: float
    trust_protection: float
    family_protection: float
    unmet_multiplier: float
    crisis_harm: float
    base_mortality: float
    mortality_slope: float
    crisis_death: float
    custody_prison: float
    prison_weeks: float
    homeless_threshold: float
    high_need: float
    ambulance_share: float
    mortality_physical_weight: float
    caseload: int
    contact_hours: float
    dose: float
    seek_threshold: float
    stable_need: float
    discharge_margin: float
    target_stretch: float
    dose_hours: float
    ration_fill: float
    reject_cooldown: int
    target_pressure: float
    episode_cap: int
    eligibility: float
    information_sharing: float
    continuity: float
    whole_person: float
    flexible_budget: float
    knowledge_floor: float
    engage_floor: float
    match_floor: float
    disclosure: float
    reallocation: float
    trust_build: float
    trust_erode: float
    disengage: float
    build_match_floor: float
    system_rate: float
    retell_divisor: float
    reallocation_loss: float
    colleague_cover: float
    skim: float
    gaming_closure: float
    gaming_high_need: float
    full_complexity: float
    housing_purchase_rate: float
    housing_need_drop: float
    housing_setpoint_drop: float
    treatment_purchase_rate: float
    treatment_need_threshold: float
    treatment_weeks: int
    treatment_effect: float
    burnout_rate: float
    burnout_recovery: float
    target_strain: float
    turnover: float
    burnout_turnover: float
    novice_skill: float
    skill_growth: float
    burnout_skill_loss: float
    growth_knowledge_floor: float
    friction_load: float
    # Model 2 (loop): Kim's loop closed, workload, queue priority, step-down.
    caseload_factor: float
    need_priority: float
    stable_weeks: int
    priority_scale: float
    rereferral_wait: int
    reputation: float
    thinking_match: float
    action_dose: float
    results_trust: float
    complexity_weight: float


def _same(group: str, names: str) -> dict[str, tuple[str, str]]:
    return {name: (group, name) for name in names.split()}


# Where each KP field comes from: (group, attribute). Groups are the parameter groups of
# carecomplex.params.Params, "levers" (the week's RegimeLevers) and "week" (computed
# each week by the model).
KP_SOURCES: dict[str, tuple[str, str]] = {
    **_same(
        "life",
        "reversion noise coupling shock_rate shock_size family_buffer family_strain "
        "family_recovery recovery_gain scar resilience_buffer family_excess_need "
        "alone_support alone_connection",
    ),
    **_same(
        "crisis",
        "base_rate need_slope complexity_slope trust_protection family_protection "
        "unmet_multiplier crisis_harm base_mortality mortality_slope crisis_death "
        "custody_prison prison_weeks homeless_threshold high_need ambulance_share "
        "mortality_physical_weight",
    ),
    **_same(
        "capacity",
        "caseload contact_hours dose seek_threshold stable_need discharge_margin "
        "target_stretch dose_hours ration_fill reject_cooldown",
    ),
    **_same(
        "levers",
        "target_pressure episode_cap eligibility information_sharing continuity "
        "whole_person flexible_budget",
    ),
    **_same("support", "knowledge_floor engage_floor match_floor disclosure reallocation"),
    "trust_build": ("trust", "build"),
    "trust_erode": ("trust", "erode"),
    **_same(
        "trust",
        "disengage build_match_floor system_rate retell_divisor reallocation_loss colleague_cover",
    ),
    "skim": ("gaming", "skim"),
    "gaming_closure": ("gaming", "closure"),
    "gaming_high_need": ("gaming", "high_need"),
    "full_complexity": ("gaming", "full_complexity"),
    "housing_purchase_rate": ("housing", "purchase_rate"),
    "housing_need_drop": ("housing", "need_drop"),
    "housing_setpoint_drop": ("housing", "setpoint_drop"),
    "treatment_purchase_rate": ("treatment", "purchase_rate"),
    "treatment_need_threshold": ("treatment", "need_threshold"),
    "treatment_weeks": ("treatment", "weeks"),
    "treatment_effect": ("treatment", "effect"),
    **_same(
        "workforce",
        "burnout_rate burnout_recovery target_strain turnover burnout_turnover "
        "novice_skill skill_growth burnout_skill_loss growth_knowledge_floor",
    ),
    "friction_load": ("week", "friction_load"),
    # Model 2 (loop).
    **_same("levers", "caseload_factor need_priority"),
    **_same("capacity", "stable_weeks priority_scale rereferral_wait"),
    "reputation": ("trust", "reputation"),
    **_same("support", "thinking_match action_dose"),
    "results_trust": ("trust", "results_trust"),
    "complexity_weight": ("workforce", "complexity_weight"),
}

# Integer constants as plain ints so numba treats them as compile-time literals.
CR_AE, CR_ADM, CR_CUST, CR_MH = (int(k) for k in Crisis)
D_PHYS, D_SUBST, D_HOUSE = int(Domain.PHYSICAL), int(Domain.SUBSTANCE), int(Domain.HOUSING)
D_CONNECTION = int(Domain.CONNECTION)
I_ASSESS, I_REASSESS, I_REFER = int(Item.ASSESSMENT), int(Item.REASSESSMENT), int(Item.REFERRAL)
I_SUPPORT, I_AE, I_AMB = int(Item.SUPPORT), int(Item.AE), int(Item.AMBULANCE)
I_ADM, I_MH, I_CUST = int(Item.ADMISSION), int(Item.MH_ADMISSION), int(Item.CUSTODY)
I_PRISON, I_EA = int(Item.PRISON_WEEK), int(Item.EMERGENCY_ACCOMMODATION)
I_TEN, I_TREAT = int(Item.TENANCY), int(Item.TREATMENT)
S_NOISE, S_SHOCK, S_SHOCK_D = int(Stream.NEED_NOISE), int(Stream.SHOCK), int(Stream.SHOCK_DOMAIN)
S_CRISIS, S_KIND, S_DEATH = int(Stream.CRISIS), int(Stream.CRISIS_KIND), int(Stream.DEATH)
S_PRISON, S_AMB, S_PRIORITY = int(Stream.PRISON), int(Stream.AMBULANCE), int(Stream.PRIORITY)
S_ASSESS, S_GAMING, S_CONT = int(Stream.ASSESS), int(Stream.GAMING), int(Stream.CONTINUITY)
S_DIS, S_TURN, S_BUDGET = int(Stream.DISENGAGE), int(Stream.TURNOVER), int(Stream.BUDGET)
EV_CRISIS0, EV_DEATH, EV_CDEATH = int(Event.CRISIS_AE), int(Event.DEATH), int(Event.CRISIS_DEATH)
EV_READMIT, EV_REOFF = int(Event.READMISSION_30D), int(Event.REOFFENCE_1Y)
EV_PRISON, EV_EA, EV_APPLY = int(Event.PRISON_WEEK), int(Event.EA_WEEK), int(Event.APPLICATION)
EV_ASSESS, EV_REASSESS = int(Event.ASSESSMENT), int(Event.REASSESSMENT)
EV_REJECT, EV_ACCEPT, EV_QUEUE = int(Event.REJECTION), int(Event.ACCEPTED), int(Event.QUEUED)
EV_HANDOFF, EV_CLOSED, EV_DROP = int(Event.HANDOFF), int(Event.CLOSED), int(Event.DROPOUT)
EV_TEN, EV_TREAT, EV_SHOCK = int(Event.TENANCY), int(Event.TREATMENT_WEEK), int(Event.SHOCK)
EV_ALIVE, EV_SUPP = int(Event.ALIVE), int(Event.SUPPORTED)
SS_EPISODES, SS_TRUST = int(ServiceSum.EPISODES), int(ServiceSum.TRUST)
SS_MATCH, SS_REDUCED = int(ServiceSum.MATCH), int(ServiceSum.NEED_REDUCED)
EV_WORKER = int(Event.WORKER_CHANGE)
WB_SUM, WB_ALIVE = int(WellbeingSum.SUM), int(WellbeingSum.ALIVE)

REREFERRAL = np.uint8(2)  # bit of `assessed`: closed with need left, to be re-referred

# Windows of two counted statistics (their definitions, not behaviour): an admission
# within 4 weeks of the last (Event.READMISSION_30D), a custody within 52 weeks of the
# last (Event.REOFFENCE_1Y).
READMIT_WEEKS = 4
REOFFEND_WEEKS = 52


@nb.njit(cache=True, inline="always")
def chunk_bounds(c: int, n: int) -> tuple[int, int]:
    """Persons ``lo..hi-1`` of chunk ``c`` of ``n`` (chunk ``c`` is ``c*n//N_CHUNKS`` on)."""
    return c * n // N_CHUNKS, (c + 1) * n // N_CHUNKS


@nb.njit(cache=True, inline="always")
def charge(i, item, qty, g, c, cost, ledger, pence, holder):
    """Charge ``qty`` units of ``item`` to person ``i`` of group ``g``, in chunk ``c``.

    The amount is rounded to whole pence once, then added to the person's account at
    the item's budget holder (``cost[i, holder[item]]``) and to ``ledger[c, item, g]``.
    """
    amount = np.int64(round(pence[item] * qty))
    cost[i, holder[item]] += amount
    ledger[c, item, g] += amount


@nb.njit(cache=True, inline="always")
def clip01(x: float) -> float:
    """``x`` clipped to [0, 1]."""
    return min(1.0, max(0.0, x))


@nb.njit(cache=True)
def chunk_sum(partials):
    """Per-chunk float partials (chunk first) summed in chunk order.

    The same sums for any thread count; a Python loop over the 64 chunks cost about
    80 us per call, a tenth of the step's fixed cost at 1,000 persons.
    """
    out = np.zeros(partials.shape[1:])
    for c in range(partials.shape[0]):
        out += partials[c]
    return out
