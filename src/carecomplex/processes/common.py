"""What the process kernels share: kernel parameters, chunks, charging, integer constants.

``KP`` is the kernels' view of the parameters for one week, filled by name from the
parameter groups and the week's levers (``KP_SOURCES``, used by
:func:`carecomplex.regimes.kernel_params`), with the levers of an enrolled cohort
(``cohort_*``; :meth:`carecomplex.model.CareModel.enrol`) beside the system's.
Parallel kernels loop over ``N_CHUNKS`` fixed chunks of persons (:func:`chunk_bounds`),
never over threads, so every result is the same for any thread count.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numba as nb
import numpy as np

from carecomplex.costs import Item
from carecomplex.rng import LifeDraw, Stream
from carecomplex.state import (
    N_BLOCKS,
    N_CHUNKS,
    Crisis,
    Domain,
    Event,
    Group,
    ServiceSum,
    Tenancy,
    TreatmentState,
    WellbeingSum,
)

# KP has more fields than numba's default limit (100) for a tuple passed into a parallel
# region; numba re-reads its environment before each compilation, so raising the limit
# here works whenever this module is imported before the kernels compile.
KP_TUPLE_LIMIT = 256
if int(os.environ.get("NUMBA_PARFOR_MAX_TUPLE_SIZE", "100")) < KP_TUPLE_LIMIT:
    os.environ["NUMBA_PARFOR_MAX_TUPLE_SIZE"] = str(KP_TUPLE_LIMIT)


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
    discharge_risk: float
    crisis_harm: float
    base_mortality: float
    mortality_slope: float
    crisis_death: float
    custody_prison: float
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
    treatment_purchase_rate: float
    treatment_need_threshold: float
    treatment_weeks: int
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
    # Hospital and prison spells, release, and the run's measured window (justice).
    admission_days: float
    short_sentence_share: float
    short_served_weeks: float
    long_served_weeks: float
    release_unhoused: float
    release_housing_need: float
    release_planning: float
    proven_share: float
    in_reach_contact: float
    in_reach: float
    measure_start: int  # first measured step (the burn-in)
    run_end: int  # first step after the run
    # Housing and treatment as states (processes/housing.py); set points relax to baseline.
    setpoint_reversion: float
    housing_placement_rate: float
    housing_relief: float
    housing_lasting: float
    housing_exit_hf: float
    housing_exit_ordinary: float
    housing_exit_need_slope: float
    housing_exit_need_ref: float
    housing_exit_trust: float
    housing_exit_need: float
    housing_prison_hold_weeks: int
    housing_hf_support_hours: float
    housing_budget_per_person: float
    housing_carry_weeks: float
    treatment_referral_rate: float
    treatment_start_rate: float
    treatment_relief: float
    treatment_recovery_relief: float
    treatment_dropout: float
    treatment_dropout_trust: float
    treatment_relapse: float
    treatment_lasting: float
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
    # The levers of an enrolled cohort (CareModel.enrol): read instead of the system's
    # for a person with ``programme == 1``. Without a cohort they equal the system's.
    cohort_episode_cap: int
    cohort_eligibility: float
    cohort_continuity: float
    cohort_whole_person: float
    cohort_flexible_budget: float
    cohort_in_reach: float
    cohort_need_priority: float


def _same(group: str, names: str) -> dict[str, tuple[str, str]]:
    return {name: (group, name) for name in names.split()}


COHORT_LEVERS = (
    "episode_cap",
    "eligibility",
    "continuity",
    "whole_person",
    "flexible_budget",
    "in_reach",
    "need_priority",
)
"""The levers read person by person, so an enrolled cohort can have its own (``cohort_*``)."""

# Where each KP field comes from: (group, attribute). Groups are the parameter groups of
# carecomplex.params.Params, "levers" (the week's RegimeLevers), "cohort" (the enrolled
# cohort's RegimeLevers this week; the system's when there is no cohort) and "week"
# (computed each week by the model).
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
        "unmet_multiplier discharge_risk crisis_harm base_mortality mortality_slope crisis_death "
        "custody_prison homeless_threshold high_need ambulance_share "
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
    "treatment_purchase_rate": ("treatment", "purchase_rate"),
    "treatment_need_threshold": ("treatment", "need_threshold"),
    "treatment_weeks": ("treatment", "weeks"),
    **_same(
        "workforce",
        "burnout_rate burnout_recovery target_strain turnover burnout_turnover "
        "novice_skill skill_growth burnout_skill_loss growth_knowledge_floor",
    ),
    "friction_load": ("week", "friction_load"),
    **_same(
        "crisis",
        "admission_days short_sentence_share short_served_weeks long_served_weeks "
        "release_unhoused release_housing_need release_planning proven_share",
    ),
    "in_reach_contact": ("capacity", "in_reach_contact"),
    "in_reach": ("levers", "in_reach"),
    "measure_start": ("run", "measure_start"),
    "run_end": ("run", "run_end"),
    "setpoint_reversion": ("life", "setpoint_reversion"),
    **{
        f"housing_{a}": ("housing", a)
        for a in [
            "placement_rate",
            "relief",
            "lasting",
            "exit_hf",
            "exit_ordinary",
            "exit_need_slope",
            "exit_need_ref",
            "exit_trust",
            "exit_need",
            "prison_hold_weeks",
            "hf_support_hours",
            "budget_per_person",
            "carry_weeks",
        ]
    },
    **{
        f"treatment_{a}": ("treatment", a)
        for a in [
            "referral_rate",
            "start_rate",
            "relief",
            "recovery_relief",
            "dropout",
            "dropout_trust",
            "relapse",
            "lasting",
        ]
    },
    # Model 2 (loop).
    **_same("levers", "caseload_factor need_priority"),
    **_same("capacity", "stable_weeks priority_scale rereferral_wait"),
    "reputation": ("trust", "reputation"),
    **_same("support", "thinking_match action_dose"),
    "results_trust": ("trust", "results_trust"),
    "complexity_weight": ("workforce", "complexity_weight"),
    # An enrolled cohort's levers (group "cohort": the cohort's RegimeLevers this week).
    **{f"cohort_{a}": ("cohort", a) for a in COHORT_LEVERS},
}

# Integer constants as plain ints so numba treats them as compile-time literals.
CR_AE, CR_ADM, CR_CUST, CR_MH = (int(k) for k in Crisis)
D_PHYS, D_SUBST, D_HOUSE = int(Domain.PHYSICAL), int(Domain.SUBSTANCE), int(Domain.HOUSING)
D_CONNECTION = int(Domain.CONNECTION)
I_ASSESS, I_REASSESS, I_REFER = int(Item.ASSESSMENT), int(Item.REASSESSMENT), int(Item.REFERRAL)
I_STAFF, I_AE, I_AMB = int(Item.STAFF), int(Item.AE), int(Item.AMBULANCE)
I_ADM, I_MH, I_CUST = int(Item.ADMISSION), int(Item.MH_ADMISSION), int(Item.CUSTODY)
I_PRISON, I_EA = int(Item.PRISON_WEEK), int(Item.EMERGENCY_ACCOMMODATION)
I_TEN, I_TREAT = int(Item.TENANCY), int(Item.TREATMENT)
# NEED_NOISE, SHOCK, SHOCK_DOMAIN and CRISIS are retired: the life step draws from LIFE.
S_KIND, S_DEATH = int(Stream.CRISIS_KIND), int(Stream.DEATH)
S_PRISON, S_AMB, S_PRIORITY = int(Stream.PRISON), int(Stream.AMBULANCE), int(Stream.PRIORITY)
S_ASSESS, S_GAMING, S_CONT = int(Stream.ASSESS), int(Stream.GAMING), int(Stream.CONTINUITY)
S_DIS, S_TURN, S_BUDGET = int(Stream.DISENGAGE), int(Stream.TURNOVER), int(Stream.BUDGET)
S_ADMIT, S_SENTENCE, S_IN_REACH = int(Stream.ADMISSION), int(Stream.SENTENCE), int(Stream.IN_REACH)
S_RELEASE, S_PROVEN = int(Stream.RELEASE), int(Stream.PROVEN)
EV_CRISIS0, EV_DEATH, EV_CDEATH = int(Event.CRISIS_AE), int(Event.DEATH), int(Event.CRISIS_DEATH)
EV_READMIT, EV_READMIT_180 = int(Event.READMISSION_30D), int(Event.READMISSION_180D)
EV_DISCH, EV_DISCH_30, EV_DISCH_180 = (
    int(Event.DISCHARGE),
    int(Event.DISCHARGE_30D),
    int(Event.DISCHARGE_180D),
)
EV_REL_SHORT, EV_REL_LONG = int(Event.RELEASE_SHORT), int(Event.RELEASE_LONG)
EV_COH_SHORT, EV_COH_LONG = int(Event.COHORT_SHORT), int(Event.COHORT_LONG)
EV_REOFF_SHORT, EV_REOFF_LONG = int(Event.REOFFENCE_SHORT), int(Event.REOFFENCE_LONG)
EV_REL_HOMELESS = int(Event.RELEASE_HOMELESS)
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
# Housing and treatment (processes/housing.py).
D_MENTAL = int(Domain.MENTAL)
I_RENT, I_HF = int(Item.TENANCY_RENT), int(Item.HOUSING_FIRST_SUPPORT)
I_TSTART = int(Item.TREATMENT_START)
S_TENANCY, S_TREATMENT = int(Stream.TENANCY), int(Stream.TREATMENT)
EV_TSTART, EV_TEND = int(Event.TENANCY_START), int(Event.TENANCY_END)
EV_HOUSED = int(Event.HOUSED_WEEK)
T_NONE, T_ORD, T_HF = (int(k) for k in Tenancy)
TR_NONE, TR_WAIT, TR_IN, TR_DONE = (int(k) for k in TreatmentState)

I_IDLE, I_PROG = int(Item.IDLE_STAFF), int(Item.PROGRAMME)  # model 2 (costs)
COMPLEX = int(Group.COMPLEX)  # the programme's cohort (model 2, costs)

REREFERRAL = np.uint8(2)  # bit of `assessed`: closed with need left, to be re-referred

# Windows of the counted statistics as published (their definitions, not behaviour):
# NHS emergency readmission within 30 days of discharge (Event.READMISSION_30D), the
# Camden trial's 180 days (Finkelstein et al. 2020, Event.READMISSION_180D), MoJ proven
# reoffending within 12 months of release (Event.REOFFENCE_SHORT / _LONG). Days are
# counted from the start of the run: day = 7 * step + day of the week.
DAYS_PER_WEEK = 7
READMIT_DAYS = 30
READMIT_DAYS_LONG = 180
REOFFEND_WEEKS = 52
SHORT, LONG = 1, 2  # sentence classes (PersonTable.sentence)


@nb.njit(cache=True, inline="always")
def chunk_bounds(c: int, n: int) -> tuple[int, int]:
    """Persons ``lo..hi-1`` of chunk ``c`` of ``n`` (chunk ``c`` is ``c*n//N_CHUNKS`` on)."""
    return c * n // N_CHUNKS, (c + 1) * n // N_CHUNKS


@nb.njit(cache=True, inline="always")
def block_chunks(b: int) -> tuple[int, int]:
    """Chunks ``c0..c1-1`` of block ``b`` (of ``N_BLOCKS``): what one parallel task runs.

    A parallel kernel hands threads blocks of whole chunks; each block's function takes
    its arrays out of the tables once and then runs its chunks one after the other, each
    exactly as alone. A call that takes the arrays out of the tables costs about 2-3 us
    (reference counts of some forty arrays), which at 64 calls per kernel was most of a
    small model's step.
    """
    return b * N_CHUNKS // N_BLOCKS, (b + 1) * N_CHUNKS // N_BLOCKS


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


# --- Random streams, model 2 (rng): the life step's one stream and its hashes k ---
S_LIFE = int(Stream.LIFE)
K_NOISE, K_SHOCK_CRISIS = int(LifeDraw.NOISE), int(LifeDraw.SHOCK_CRISIS)
K_DEATH, K_SHOCK_D = int(LifeDraw.DEATH), int(LifeDraw.SHOCK_DOMAIN)
