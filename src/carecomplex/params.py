"""Typed, frozen, validated model parameters.

Every parameter is a field of a frozen dataclass declared with :func:`param`, which
records its unit, allowed range, source and meaning. The groups split the world
(*uncertainties*: ``population``, ``life``, ``crisis``, ``capacity``, ``support``,
``trust``, ``learning``, ``gaming``, ``housing``, ``treatment``, ``workforce``) from the
policy choices (*levers*: ``regime``), so sweeps can vary either without touching the
other. Every behavioural constant of the process kernels is one of these parameters
(``tests/test_structure.py`` holds the kernels to a short allow-list of literals).

:func:`from_dict` builds a :class:`Params` from nested mappings (a parsed scenario
file) and raises :class:`ParamError` naming the key and the allowed range for unknown
keys, wrong types and out-of-range values. ``docs/parameters.md`` is generated from
these definitions (``carecomplex params > docs/parameters.md``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from carecomplex.costs import validate_cost_overrides
from carecomplex.errors import ParamError, shown

MODEL = "model assumption (see docs/ODD.md)"
EVID = "shared/research/evidence.md"


def param(
    default: float | int | bool, lo: float, hi: float, unit: str, doc: str, source: str = MODEL
) -> Any:
    """Declare a parameter field with its range, unit, meaning and source."""
    return field(
        default=default, metadata={"lo": lo, "hi": hi, "unit": unit, "doc": doc, "source": source}
    )


@dataclass(frozen=True)
class PopulationParams:
    """The synthetic population: size, families and the complex-needs subgroup."""

    persons: int = param(10_000, 1, 5_000_000, "persons", "Number of persons simulated.")
    complex_share: float = param(
        0.2,
        0.0,
        1.0,
        "fraction",
        "Share of households whose head has multiple disadvantage (high set-point needs in "
        "several core domains); about 10 % of persons at the defaults, as most live alone.",
    )
    mean_family_size: float = param(
        2.2,
        1.0,
        6.0,
        "persons",
        "Mean household size of the general population (complex-needs persons mostly live alone).",
    )
    complex_single_share: float = param(
        0.7, 0.0, 1.0, "fraction", "Share of complex-needs persons living alone."
    )
    complex_need: float = param(
        0.62,
        0.0,
        1.0,
        "need (0-1)",
        "Mean set-point need in the core domains (housing, mental health, substance, justice) "
        "of the complex-needs group.",
    )
    general_need: float = param(
        0.15, 0.0, 1.0, "need (0-1)", "Mean set-point need per domain in the general population."
    )
    need_spread: float = param(
        0.12, 0.0, 0.5, "need (0-1)", "Spread (s.d.) of set-point needs between persons."
    )


@dataclass(frozen=True)
class LifeParams:
    """Weekly life dynamics: drift toward set points, coupling between domains, shocks."""

    reversion: float = param(
        0.08,
        0.0,
        1.0,
        "1/week",
        "Weekly pull of each need toward the person's set point (regression to the mean).",
    )
    noise: float = param(0.03, 0.0, 0.5, "need/week", "Weekly random variation of each need.")
    coupling: float = param(
        0.06,
        0.0,
        0.5,
        "need/week",
        "Strength of spill-over between domains (e.g. losing housing raises mental-health and "
        "substance need).",
    )
    shock_rate: float = param(
        0.015, 0.0, 0.5, "1/week", "Weekly probability of a life shock (eviction, loss, illness)."
    )
    shock_size: float = param(0.3, 0.0, 1.0, "need", "Need added by a life shock.")
    family_buffer: float = param(
        0.5, 0.0, 1.0, "fraction", "Share of a shock absorbed by full family support."
    )
    family_strain: float = param(
        0.04, 0.0, 1.0, "1/week", "Depletion of family support per unit of members' excess need."
    )
    family_recovery: float = param(
        0.03, 0.0, 1.0, "1/week", "Weekly recovery of family support toward full."
    )
    recovery_gain: float = param(
        0.1,
        0.0,
        1.0,
        "fraction",
        "Share of need reduced by support that lowers the set point (durable recovery).",
    )
    scar: float = param(0.01, 0.0, 0.5, "need", "Set-point rise after a crisis (scarring).")
    resilience_buffer: float = param(
        0.5, 0.0, 1.0, "fraction", "Share of a life shock absorbed at full personal resilience."
    )
    family_excess_need: float = param(
        0.35,
        0.0,
        1.0,
        "need",
        "Mean need of a household member above which the member depletes family support.",
    )
    alone_support: float = param(
        0.3,
        0.0,
        1.0,
        "support",
        "Ceiling of family support of a person living alone with the highest social-connection "
        "need (the ceiling rises with connection, see alone_connection).",
    )
    alone_connection: float = param(
        0.4,
        0.0,
        1.0,
        "support",
        "Rise of that ceiling from the highest to no social-connection need: a person living "
        "alone has support up to alone_support + alone_connection x (1 - connection need).",
    )


@dataclass(frozen=True)
class CrisisParams:
    """Crisis presentations, deaths and their drivers."""

    base_rate: float = param(0.0007, 0.0, 0.2, "1/week", "Crisis hazard of a person with no need.")
    need_slope: float = param(
        5.0,
        0.0,
        15.0,
        "log-hazard per need",
        "Log-hazard increase per unit of weighted need (complexity raises crises).",
    )
    complexity_slope: float = param(
        0.8,
        0.0,
        5.0,
        "log-hazard",
        "Extra log-hazard per high-need domain (need above high_need), beyond the first.",
    )
    trust_protection: float = param(
        0.28,
        0.0,
        0.9,
        "fraction",
        "Crisis hazard reduction at full trust in a worker; Sandvik et al. 2022 long-continuity "
        "OR 0.72 taken as the upper plausible effect.",
        EVID + " §2.4",
    )
    family_protection: float = param(
        0.2, 0.0, 0.9, "fraction", "Crisis hazard reduction at full family support."
    )
    unmet_multiplier: float = param(
        0.6,
        0.0,
        3.0,
        "fraction",
        "Hazard increase while waiting in a queue or rejected (failure demand).",
    )
    crisis_harm: float = param(
        0.06, 0.0, 0.5, "need", "Need added to the crisis domain by a crisis."
    )
    base_mortality: float = param(
        0.000012, 0.0, 0.01, "1/week", "Weekly death hazard of a person with no need."
    )
    mortality_slope: float = param(
        4.0,
        0.0,
        10.0,
        "log-hazard per need",
        "Log-hazard increase of death per unit of physical-health and substance need.",
    )
    crisis_death: float = param(
        0.0012, 0.0, 0.1, "probability", "Probability that a crisis ends in death (avoidable)."
    )
    custody_prison: float = param(
        0.3, 0.0, 1.0, "probability", "Probability that a police custody leads to a prison stay."
    )
    prison_weeks: float = param(14.0, 1.0, 104.0, "weeks", "Mean length of a short prison stay.")
    homeless_threshold: float = param(
        0.5,
        0.0,
        1.0,
        "need",
        "Housing need above which a person is in emergency/temporary accommodation.",
    )
    high_need: float = param(
        0.5,
        0.0,
        1.0,
        "need",
        "Need above which a domain counts as high for complexity in the crisis hazard.",
    )
    ambulance_share: float = param(
        0.5,
        0.0,
        1.0,
        "probability",
        "Probability that an A&E crisis comes by ambulance (admissions always do).",
    )
    mortality_physical_weight: float = param(
        0.5,
        0.0,
        1.0,
        "weight",
        "Weight of physical-health need in the need that drives the death hazard; substance "
        "need has the rest (1 - weight).",
    )


@dataclass(frozen=True)
class CapacityParams:
    """Planned-service capacity and workforce size."""

    workers_per_1000: float = param(
        9.0, 0.5, 100.0, "workers per 1000 persons", "Frontline workers per 1000 persons."
    )
    caseload: int = param(15, 1, 100, "persons", "Caseload a worker can carry.")
    contact_hours: float = param(
        2.0, 0.25, 20.0, "hours/week", "Support contact per person per week in an episode."
    )
    dose: float = param(
        0.06,
        0.0,
        1.0,
        "fraction/week",
        "Fraction of targeted need a fully engaged, fully skilled contact removes per week.",
    )
    seek_threshold: float = param(
        0.42, 0.0, 1.0, "need", "Need above which a person seeks help from a planned service."
    )
    stable_need: float = param(
        0.3,
        0.0,
        1.0,
        "need",
        "Highest need at which a whole-person episode counts as stable and closes.",
    )
    discharge_margin: float = param(
        0.15,
        0.0,
        0.5,
        "need",
        "A service discharges when need in its remit falls this far below its eligibility.",
    )
    target_stretch: float = param(
        0.5,
        0.0,
        2.0,
        "fraction",
        "Extra caseload services take on at full target pressure (targets speed access).",
    )
    dose_hours: float = param(
        2.0,
        0.25,
        20.0,
        "hours/week",
        "Contact hours a week at which dose is the effect; the effect scales with "
        "contact_hours / dose_hours.",
    )
    ration_fill: float = param(
        0.85,
        0.1,
        1.0,
        "utilisation",
        "Utilisation from which a service applies its full stated eligibility; below it the "
        "threshold in force falls linearly toward the seeking threshold (an idle service).",
    )
    reject_cooldown: int = param(
        8, 0, 52, "weeks", "Weeks a rejected person waits before seeking help again."
    )


@dataclass(frozen=True)
class RegimeLevers:
    """Policy levers: how services are organised. Siloed and alliance are two corners."""

    target_pressure: float = param(
        0.0,
        0.0,
        1.0,
        "index",
        "Pressure of externally set targets: faster access and caseload stretch, but gaming "
        "(cream-skimming complex cases, closing episodes on the clock) and burnout.",
    )
    episode_cap: int = param(
        0, 0, 520, "weeks", "Episodes close after this many weeks (0 = no clock)."
    )
    eligibility: float = param(
        0.3,
        0.0,
        1.0,
        "need",
        "Need in the service's own domain required for acceptance (and below which its "
        "episodes close).",
    )
    information_sharing: float = param(
        0.0,
        0.0,
        1.0,
        "fraction",
        "Share of what is known about a person that reaches the next service or worker "
        "(no repeated assessment, better match).",
    )
    continuity: float = param(
        0.0,
        0.0,
        1.0,
        "probability",
        "Probability that a new need is taken up by the person's current worker rather than "
        "handed off to another service, and that a worker's cases stay with a known colleague.",
    )
    whole_person: float = param(
        0.0,
        0.0,
        1.0,
        "fraction",
        "Share of support effort shaped by the person's whole set of needs rather than the "
        "service's own domain.",
    )
    flexible_budget: float = param(
        0.0,
        0.0,
        1.0,
        "fraction",
        "Access to a flexible personal budget that buys met need (tenancy, treatment entry): "
        "costly now, durable later.",
    )
    shared_learning: float = param(
        0.0,
        0.0,
        1.0,
        "fraction",
        "How far practice knowledge diffuses between services in proportion to their trust.",
    )


@dataclass(frozen=True)
class TrustParams:
    """Trust on relationships: builds slowly, erodes fast."""

    build: float = param(
        0.06, 0.0, 1.0, "1/week", "Weekly trust gain toward 1 with consistent, helpful contact."
    )
    erode: float = param(
        0.18,
        0.0,
        1.0,
        "fraction",
        "Trust lost on a hand-off, rejection or turnover; about 3x building (Pant & Yu 2025 "
        "prior).",
        EVID + " §2.4",
    )
    initial: float = param(0.35, 0.0, 1.0, "trust", "Initial trust of a person in services.")
    disengage: float = param(
        0.02, 0.0, 1.0, "1/week", "Weekly drop-out hazard from an episode at zero trust."
    )
    build_match_floor: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Trust building of a contact that matches none of the person's needs, relative to a "
        "full match (build x (floor + (1 - floor) x match)).",
    )
    system_rate: float = param(
        0.1,
        0.0,
        1.0,
        "fraction",
        "Speed at which trust in services in general follows trust in the worker, as a share "
        "of build.",
    )
    retell_divisor: float = param(
        3.0,
        1.0,
        100.0,
        "divisor",
        "Trust lost by telling the story again at a repeat assessment is erode divided by this.",
    )
    reallocation_loss: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Share of erode lost from trust in services when a relationship is reallocated "
        "(no continuity).",
    )
    colleague_cover: float = param(
        0.7,
        0.0,
        1.0,
        "fraction",
        "Share of the trust lost when a worker leaves that a known colleague saves at full "
        "continuity.",
    )


@dataclass(frozen=True)
class LearningParams:
    """The Kim loop: relationships -> thinking -> actions -> results -> relationships."""

    rate: float = param(0.02, 0.0, 1.0, "1/week", "Weekly rate of local practice learning.")
    gaming_rate: float = param(
        0.01,
        0.0,
        1.0,
        "1/week",
        "Weekly drift of gaming toward the target pressure (single-loop learning on the target).",
    )
    partner_trust_build: float = param(
        0.02, 0.0, 1.0, "1/week", "Weekly growth of inter-service trust with shared results."
    )
    overload_retreat: float = param(
        0.05,
        0.0,
        1.0,
        "1/week",
        "Weekly loss of inter-service trust per unit of overload (partners retreat into silos).",
    )
    info_weight: float = param(
        0.5,
        0.0,
        1.0,
        "weight",
        "Weight of information received from partners in a service's thinking; its own "
        "knowledge has the rest.",
    )
    plateau: float = param(
        0.5,
        0.0,
        1.0,
        "knowledge",
        "Knowledge ceiling of local (single-loop) learning; shared learning x thinking raises "
        "the ceiling toward 1 (double loop).",
    )
    diffusion: float = param(
        4.0,
        0.0,
        20.0,
        "multiplier",
        "Speed of practice diffusing along partner trust under shared learning, relative to rate.",
    )
    reference_need: float = param(
        0.5,
        0.0,
        1.0,
        "need",
        "Need whose reduction by a fully effective contact counts as full results "
        "(dose_ref = dose x contact_hours / dose_hours x reference_need).",
    )


@dataclass(frozen=True)
class SupportParams:
    """Support contacts: skill, engagement, match, disclosure and reallocation."""

    knowledge_floor: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Skill a worker applies at a service with no practice knowledge, relative to full "
        "knowledge (floor + (1 - floor) x knowledge).",
    )
    engage_floor: float = param(
        0.2,
        0.0,
        1.0,
        "fraction",
        "Engagement of a person with no trust in the worker (floor + (1 - floor) x trust).",
    )
    match_floor: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Effect of a contact whose effort matches none of the person's needs, relative to a "
        "full match (floor + (1 - floor) x match).",
    )
    disclosure: float = param(
        0.2,
        0.0,
        1.0,
        "fraction",
        "Share of a need outside the remit, and not shared between services, that a person "
        "at full trust discloses to the worker.",
    )
    reallocation: float = param(
        0.15,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a relationship ends and the case goes back to duty, at no "
        "continuity (scaled by 1 - continuity).",
    )


@dataclass(frozen=True)
class GamingParams:
    """Gaming of targets: what a gaming service does to complex cases and episodes."""

    skim: float = param(
        0.25,
        0.0,
        1.0,
        "probability",
        "Probability that a fully gaming service rejects a fully complex case (cream-skimming).",
    )
    closure: float = param(
        0.05,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a fully gaming service closes an open episode early.",
    )
    high_need: float = param(
        0.5,
        0.0,
        1.0,
        "need",
        "Need above which a domain counts toward a case's complexity as a service sees it.",
    )
    full_complexity: float = param(
        4.0,
        1.0,
        8.0,
        "domains",
        "High-need domains of a fully complex case: skimming and the demotion in the queue "
        "(in weeks of waiting) scale with gaming x high-need domains / full_complexity.",
    )


@dataclass(frozen=True)
class HousingParams:
    """Tenancies the flexible budget buys (a one-off purchase with a lasting effect)."""

    purchase_rate: float = param(
        0.1,
        0.0,
        1.0,
        "1/week",
        "Weekly probability, per open episode of a person in emergency accommodation, that a "
        "full flexible budget funds a tenancy (scaled by flexible_budget).",
    )
    need_drop: float = param(0.25, 0.0, 1.0, "need", "Housing need removed by a funded tenancy.")
    setpoint_drop: float = param(
        0.25,
        0.0,
        1.0,
        "need",
        "Housing set point removed by a funded tenancy (for ever: no rent, no failure).",
    )


@dataclass(frozen=True)
class TreatmentParams:
    """Substance-use treatment courses the flexible budget buys."""

    purchase_rate: float = param(
        0.1,
        0.0,
        1.0,
        "1/week",
        "Weekly probability, per open episode of a person with high substance need, that a "
        "full flexible budget funds a treatment course (scaled by flexible_budget).",
    )
    need_threshold: float = param(
        0.5, 0.0, 1.0, "need", "Substance need above which the budget may fund treatment."
    )
    weeks: int = param(26, 0, 104, "weeks", "Length of a funded treatment course.")
    effect: float = param(
        0.006,
        0.0,
        0.1,
        "need/week",
        "Substance set point removed per week of treatment (for ever: no drop-out, no relapse).",
    )


@dataclass(frozen=True)
class WorkforceParams:
    """Burnout, turnover and the friction of transition."""

    burnout_rate: float = param(
        0.03, 0.0, 1.0, "1/week", "Weekly burnout gain per unit of caseload over capacity."
    )
    burnout_recovery: float = param(0.02, 0.0, 1.0, "1/week", "Weekly recovery from burnout.")
    target_strain: float = param(
        0.01, 0.0, 1.0, "1/week", "Weekly burnout gain per unit of target pressure."
    )
    turnover: float = param(
        0.004, 0.0, 0.1, "1/week", "Baseline weekly leaving hazard (about 19 % a year).", MODEL
    )
    burnout_turnover: float = param(
        3.0, 0.0, 20.0, "multiplier", "Leaving hazard multiplier per unit of burnout."
    )
    novice_skill: float = param(0.5, 0.0, 1.0, "skill", "Skill of a new starter.")
    skill_growth: float = param(0.01, 0.0, 1.0, "1/week", "Weekly skill growth with experience.")
    friction: float = param(
        0.05,
        0.0,
        1.0,
        "burnout",
        "Burnout added per unit of regime change to workers with low tolerance of ambiguity.",
    )
    burnout_skill_loss: float = param(
        0.5, 0.0, 1.0, "fraction", "Share of a worker's skill lost in contacts at full burnout."
    )
    growth_knowledge_floor: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Skill growth at a service with no practice knowledge, relative to full knowledge.",
    )


@dataclass(frozen=True)
class TransitionParams:
    """A switch of regime at a chosen week, with a learning curve."""

    week: int = param(-1, -1, 5200, "week", "Week of the switch (-1 = no transition).")
    learning_weeks: float = param(
        52.0, 0.0, 520.0, "weeks", "Time constant of the learning curve toward the new levers."
    )
    cap_switch: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Share of the learning curve done at which the episode clock switches to the new "
        "regime's (0 means no clock, so it switches rather than blends).",
    )


@dataclass(frozen=True)
class RunParams:
    """Run length and seed."""

    years: float = param(10.0, 0.02, 100.0, "years", "Simulated (measured) time.")
    burn_in: int = param(
        26, 0, 520, "weeks", "Weeks simulated before measurement starts (not reported)."
    )
    seed: int = param(1, 0, 2**63 - 1, "integer", "Root seed of all random streams.")


@dataclass(frozen=True)
class Params:
    """All parameters of one run. ``regime`` holds levers; ``after`` the transition target."""

    population: PopulationParams = field(default_factory=PopulationParams)
    life: LifeParams = field(default_factory=LifeParams)
    crisis: CrisisParams = field(default_factory=CrisisParams)
    capacity: CapacityParams = field(default_factory=CapacityParams)
    regime: RegimeLevers = field(default_factory=RegimeLevers)
    support: SupportParams = field(default_factory=SupportParams)
    trust: TrustParams = field(default_factory=TrustParams)
    learning: LearningParams = field(default_factory=LearningParams)
    gaming: GamingParams = field(default_factory=GamingParams)
    housing: HousingParams = field(default_factory=HousingParams)
    treatment: TreatmentParams = field(default_factory=TreatmentParams)
    workforce: WorkforceParams = field(default_factory=WorkforceParams)
    transition: TransitionParams = field(default_factory=TransitionParams)
    after: RegimeLevers = field(default_factory=RegimeLevers)
    run: RunParams = field(default_factory=RunParams)
    costs: Mapping[str, float] = field(default_factory=dict)

    @property
    def weeks(self) -> int:
        """Number of weekly steps in the run."""
        return max(1, round(self.run.years * 52))

    def replace(self, **groups: Mapping[str, Any]) -> Params:
        """Return a copy with some fields of some groups changed (validated)."""
        return from_dict(merge(to_dict(self), groups))


_GROUP_TYPES = {
    "population": PopulationParams,
    "life": LifeParams,
    "crisis": CrisisParams,
    "capacity": CapacityParams,
    "regime": RegimeLevers,
    "support": SupportParams,
    "trust": TrustParams,
    "learning": LearningParams,
    "gaming": GamingParams,
    "housing": HousingParams,
    "treatment": TreatmentParams,
    "workforce": WorkforceParams,
    "transition": TransitionParams,
    "after": RegimeLevers,
    "run": RunParams,
}


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on top, table by table (nested mappings merge)."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping):
            below = out.get(k)
            v = merge(below if isinstance(below, Mapping) else {}, v)
        out[k] = v
    return out


def coerce(key: str, value: Any, f: dataclasses.Field) -> float | int | bool:
    """``value`` checked against the parameter field ``f`` (type and range) and converted.

    Raises :class:`ParamError` naming ``key`` and the allowed range.
    """
    lo, hi, unit = f.metadata["lo"], f.metadata["hi"], f.metadata["unit"]
    allowed = f"allowed {lo:g} to {hi:g} {unit}"
    want_int = f.type in ("int", int)
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "an integer" if want_int else "a number"
        raise ParamError(key, f"expected {kind}, got {type(value).__name__} {value!r} ({allowed})")
    if want_int and isinstance(value, float) and not value.is_integer():
        raise ParamError(key, f"expected an integer, got {value!r} ({allowed})")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(key, f"value {value!r} is not finite ({allowed})")
    if not lo <= value <= hi:  # exact for integers of any size (no float conversion)
        raise ParamError(key, f"value {shown(value)} is out of range ({allowed})")
    return int(value) if want_int else float(value)


def _group_from(name: str, cls: type, values: Any) -> Any:
    if not isinstance(values, Mapping):
        raise ParamError(name, f"expected a table of parameters, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        path = f"{name}.{key}"
        if key not in fields:
            raise ParamError(path, f"unknown parameter (known: {', '.join(sorted(fields))})")
        kwargs[key] = coerce(path, value, fields[key])
    return cls(**kwargs)


def from_dict(data: Mapping[str, Any]) -> Params:
    """Build validated :class:`Params` from nested mappings; unknown keys are errors."""
    groups: dict[str, Any] = {}
    for name, values in data.items():
        if name == "costs":
            groups["costs"] = validate_cost_overrides(values)
        elif name in _GROUP_TYPES:
            groups[name] = _group_from(name, _GROUP_TYPES[name], values)
        else:
            known = ", ".join(sorted([*_GROUP_TYPES, "costs"]))
            raise ParamError(name, f"unknown section (known: {known})")
    return Params(**groups)


def to_dict(params: Params) -> dict[str, Any]:
    """Nested plain-dict form of ``params`` (round-trips through :func:`from_dict`)."""
    out: dict[str, Any] = {}
    for name in _GROUP_TYPES:
        out[name] = dataclasses.asdict(getattr(params, name))
    out["costs"] = dict(params.costs)
    return out


def describe() -> list[dict[str, Any]]:
    """One row per parameter: group, name, default, range, unit, meaning, source."""
    rows = []
    for name, cls in _GROUP_TYPES.items():
        if name == "after":
            continue
        for f in dataclasses.fields(cls):
            rows.append({"group": name, "name": f.name, "default": f.default, **f.metadata})
    return rows
