"""Parameters of the world: the *uncertainties* a sweep varies, group by group.

Each group is a frozen dataclass whose fields are declared with
:func:`carecomplex.params.fields.param` (unit, allowed range, meaning, source). The
policy levers are in :mod:`carecomplex.params.levers`.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecomplex.params.fields import EVID, MODEL, param


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
    scar: float = param(0.00608, 0.0, 0.5, "need", "Set-point rise after a crisis (scarring).")
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
    setpoint_reversion: float = param(
        1 / 104,
        0.0,
        1.0,
        "1/week",
        "Weekly share of the gap between a set point and the person's baseline (initial "
        "set point) closed: crisis scars and recovery gains fade over about two years, so "
        "the population is stationary.",
    )


@dataclass(frozen=True)
class CrisisParams:
    """Crisis presentations, deaths and their drivers."""

    base_rate: float = param(0.00638, 0.0, 0.2, "1/week", "Crisis hazard of a person with no need.")
    need_slope: float = param(
        4.94,
        0.0,
        15.0,
        "log-hazard per need",
        "Log-hazard increase per unit of weighted need (complexity raises crises).",
    )
    complexity_slope: float = param(
        0.075,
        0.0,
        5.0,
        "log-hazard",
        "Extra log-hazard per high-need domain (need above high_need), beyond the first.",
    )
    trust_protection: float = param(
        0.205,
        0.0,
        0.9,
        "fraction",
        "Crisis hazard reduction at full trust in a worker; Sandvik et al. 2022 long-continuity "
        "OR 0.72 is the upper plausible effect; 0.2 sits below it (calibrated, model 2).",
        EVID + " §6",
    )
    family_protection: float = param(
        0.2, 0.0, 0.9, "fraction", "Crisis hazard reduction at full family support."
    )
    discharge_risk: float = param(
        6.74,
        0.0,
        10.0,
        "fraction",
        "Crisis hazard increase in the 30 days after a discharge from an emergency admission "
        "(the 'post-hospital syndrome': readmission risk is highest in the first weeks, "
        "Krumholz 2013 NEJM; size a model assumption, set so that siloed 30-day readmission "
        "lands in the published 15-30 % for this group).",
    )
    unmet_multiplier: float = param(
        0.6,
        0.0,
        3.0,
        "fraction",
        "Hazard increase while waiting in a queue or rejected (failure demand).",
    )
    crisis_harm: float = param(
        0.04, 0.0, 0.5, "need", "Need added to the crisis domain by a crisis."
    )
    base_mortality: float = param(
        2.29e-05, 0.0, 0.01, "1/week", "Weekly death hazard of a person with no need."
    )
    mortality_slope: float = param(
        4.0,
        0.0,
        10.0,
        "log-hazard per need",
        "Log-hazard increase of death per unit of physical-health and substance need.",
    )
    crisis_death: float = param(
        0.00108, 0.0, 0.1, "probability", "Probability that a crisis ends in death (avoidable)."
    )
    custody_prison: float = param(
        0.3, 0.0, 1.0, "probability", "Probability that a police custody leads to a prison stay."
    )
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
    # Hospital and prison spells, release and the statistics as published (justice).
    admission_days: float = param(
        7.0,
        1.0,
        30.0,
        "days",
        "Mean length of stay of an emergency admission (geometric in days, at least one). "
        "NHS Hospital Episode Statistics: the national non-elective mean is about 5-6 days; "
        "homeless patients stay longer (Hwang et al. 2011, Medical Care 49:350); 7 for this "
        "group is a model assumption.",
    )
    short_sentence_share: float = param(
        0.75,
        0.0,
        1.0,
        "probability",
        "Share of prison sentences shorter than 12 months. MoJ Criminal Justice Statistics: "
        "about half of immediate custodial sentences are under 12 months, more for repeat "
        "acquisitive offending; 0.75 for this group is a model assumption.",
    )
    short_served_weeks: float = param(
        8.0,
        1.0,
        26.0,
        "weeks",
        "Mean weeks served on a short sentence (geometric). MoJ Offender Management "
        "Statistics: average short sentence about 4 months, half served in custody.",
    )
    long_served_weeks: float = param(
        40.0,
        13.0,
        260.0,
        "weeks",
        "Mean weeks served on a sentence of 12 months or more (geometric); model assumption "
        "(half of a sentence of about 18 months).",
    )
    release_unhoused: float = param(
        0.4,
        0.0,
        1.0,
        "probability",
        "Probability that a release without planning is to no settled accommodation. MoJ "
        "SPCR survey (Williams, Poyser & Hopkins 2012): 37 % of prisoners had nowhere to "
        "live on release; MoJ written answer 5 Dec 2017: 46 % of releases not known to be "
        "to settled accommodation; MoJ 2023/24: 13 % released homeless or rough sleeping.",
    )
    release_housing_need: float = param(
        0.7,
        0.0,
        1.0,
        "need",
        "Housing need at least reached on release without settled accommodation (above the "
        "homeless threshold: emergency accommodation or rough sleeping); model assumption.",
    )
    release_planning: float = param(
        0.6,
        0.0,
        1.0,
        "probability",
        "Probability that a release with an open in-reach episode is planned so that the "
        "person leaves to settled accommodation; model assumption (Centre for Homelessness "
        "Impact 2023: Critical Time Intervention and re-entry programmes improve housing "
        "outcomes; Duty to Refer shows mixed results).",
    )
    proven_share: float = param(
        0.584,
        0.0,
        1.0,
        "probability",
        "Probability that a custody (arrest) is a proven offence (caution or conviction) for "
        "the MoJ proven reoffending measure; model assumption.",
    )


@dataclass(frozen=True)
class CapacityParams:
    """Planned-service capacity and workforce size."""

    workers_per_1000: float = param(
        9.0, 0.5, 100.0, "workers per 1000 persons", "Frontline workers per 1000 persons."
    )
    caseload: int = param(
        15,
        1,
        100,
        "persons",
        "Caseload a worker can carry sustainably (workload 1); posts carry caseload x "
        "caseload_factor (the capacity).",
    )
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
        0.45,
        0.0,
        1.0,
        "need",
        "Highest need at which a whole-person episode counts as stable and steps down (after "
        "stable_weeks). 0.45 (was 0.3; model assumption) puts the whole-person closing "
        "threshold at the seeking threshold: stable means no need a person would seek help "
        "for; at 0.3 whole-person caseloads silted up (episodes of 2-3 years, queues of 2.7x "
        "capacity).",
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
    in_reach_contact: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Share of the weekly contact an in-reach episode keeps while the person is in "
        "prison (visits, calls); model assumption.",
    )
    # Model 2 (loop): step-down and queue priority.
    stable_weeks: int = param(
        4,
        1,
        52,
        "weeks",
        "Consecutive stable weeks (need in focus below the closing threshold) after which an "
        "episode steps down, in any regime (a dip below the threshold for a week or two does "
        "not end the relationship).",
    )
    priority_scale: float = param(
        4.0,
        0.0,
        52.0,
        "weeks per unit of need",
        "Weeks of waiting one unit of weighted need counts for in the queue order at full "
        "need_priority (weighted need = need summed over domains x (1 + complexity_weight x "
        "high-need domains / full_complexity)).",
    )
    rereferral_wait: int = param(
        26,
        0,
        52,
        "weeks",
        "Weeks before a person whose episode ended with need left (discharged on the clock, "
        "by gaming, or reallocated back to duty) is seen again: the new referral goes round "
        "primary care or duty (model assumption).",
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
        EVID + " §6",
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
    # Model 2 (loop): relationships -> trust at the door; results -> trust.
    reputation: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "How far a new episode's starting trust moves from the person's trust in services "
        "toward the service's relationships (its reputation among the people it serves; "
        "0 = no link).",
    )
    results_trust: float = param(
        0.5,
        0.0,
        5.0,
        "multiplier",
        "Extra trust building with the service's results (build x (1 + results_trust x "
        "results)): people trust services that visibly help (0 = no link).",
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
    # Model 2 (loop): relationships -> thinking; results -> learning.
    thinking_relationships: float = param(
        0.3,
        0.0,
        1.0,
        "weight",
        "Weight of relationships (what people tell workers they trust) in a service's "
        "thinking; information and own knowledge share the rest (0 = no link).",
    )
    results_learning: float = param(
        1.0,
        0.0,
        10.0,
        "multiplier",
        "Faster local learning with visible results (rate x (1 + results_learning x "
        "results); 0 = no link).",
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
        0.00571,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a relationship ends and the case goes back to duty, at no "
        "continuity (scaled by 1 - continuity). 0.03 (was 0.15) is a model assumption set so "
        "that new services or workers met per person-year stay within 1-3 (the seed persona "
        "Brian met 14 services in 10 years).",
    )
    # Model 2 (loop): thinking -> match, actions -> dose.
    thinking_match: float = param(
        1.0,
        0.0,
        1.0,
        "weight",
        "Share of the known-need term of support taken from the service's thinking (shared "
        "understanding) rather than the raw information reaching it (0 = no link: today's "
        "information only).",
    )
    action_dose: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Share of a contact's effect that depends on the service's actions (its capacity to "
        "act on what it understands: effect x (1 - action_dose x (1 - actions)); 0 = no "
        "link).",
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
        0.01,
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
    """Tenancies as a state: entry, rent and support, sustainment, loss; the budget pot."""

    purchase_rate: float = param(
        0.5,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a person in emergency accommodation holding an open episode "
        "is offered a Housing First tenancy paid from the budget pot, at a full flexible "
        "budget (scaled by flexible_budget; bought only while the pot covers the set-up).",
    )
    placement_rate: float = param(
        0.01,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a person in emergency accommodation holding an open episode "
        "at the housing service gets an ordinary tenancy (social-housing allocation or "
        "private rented access), in any regime.",
    )
    relief: float = param(
        0.362,
        0.0,
        1.0,
        "need",
        "While housed, housing need drifts toward the set point minus this (a state, not a "
        "permanent change of the set point).",
    )
    lasting: float = param(
        0.0,
        0.0,
        0.05,
        "need/week",
        "Housing set point lowered per housed week (a lasting effect; 0 by default: no "
        "evidence separates it from the relief of being housed, and set points relax back "
        "toward the baseline anyway).",
    )
    exit_hf: float = param(
        0.0011,
        0.0,
        0.1,
        "1/week",
        "Weekly hazard of losing a Housing First tenancy at the reference need with no "
        "trusted worker: 0.9989^156 = 0.84 still housed at 3 years (MHCLG Housing First "
        "pilots evaluation 2024: 84 % in tenancy at 3 years; Tinland et al. 2020: 85-86 % "
        "at 2 years).",
        "MHCLG Housing First pilots evaluation 2024; Tinland et al. 2020",
    )
    exit_ordinary: float = param(
        0.00429,
        0.0,
        0.1,
        "1/week",
        "Weekly hazard of losing an ordinary tenancy (no intensive support) at the "
        "reference need with no trusted worker (about 81 % housed at 1 year, 54 % at 3).",
    )
    exit_need_slope: float = param(
        2.0,
        0.0,
        10.0,
        "log-hazard per need",
        "Rise of the log tenancy-loss hazard per unit of mean substance and mental-health "
        "need above exit_need_ref.",
    )
    exit_need_ref: float = param(
        0.6,
        0.0,
        1.0,
        "need",
        "Mean substance and mental-health need at which the exit hazards hold (typical of "
        "the complex-needs group).",
    )
    exit_trust: float = param(
        0.3,
        0.0,
        0.9,
        "fraction",
        "Reduction of the tenancy-loss hazard at full trust in a worker.",
    )
    exit_need: float = param(
        0.6,
        0.0,
        1.0,
        "need",
        "Housing need at least reached when a tenancy ends (eviction or abandonment): back "
        "above the homeless threshold, in emergency accommodation.",
    )
    prison_hold_weeks: int = param(
        13,
        0,
        104,
        "weeks",
        "A tenancy is lost when its holder is in prison with more weeks left than this "
        "(housing benefit covers up to 13 weeks' absence of a sentenced prisoner).",
        "Housing Benefit Regulations 2006 reg. 7(13): temporary absence up to 13 weeks",
    )
    hf_support_hours: float = param(
        6.0,
        0.0,
        20.0,
        "hours/week",
        "Support hours a week a Housing First tenant receives (costed as key-worker hours): "
        "a worker holds 5-7 people (Homeless Link, Housing First in England: the principles, "
        "caseloads of 5-7; unverified).",
        "Homeless Link 2017, Housing First in England: the principles (unverified)",
    )
    budget_per_person: float = param(
        3000.0,
        0.0,
        20_000.0,
        "£ per complex-needs person-year",
        "Money accruing to the flexible-budget pot per complex-needs person alive, at a full "
        "flexible budget (scaled by flexible_budget).",
    )
    carry_weeks: float = param(
        52.0,
        1.0,
        520.0,
        "weeks",
        "Unspent money carries over: the pot holds at most this many weeks of accrual.",
    )


@dataclass(frozen=True)
class TreatmentParams:
    """Drug and alcohol treatment as a commissioned service: waiting, treatment, recovery."""

    need_threshold: float = param(
        0.45, 0.0, 1.0, "need", "Substance need above which a worker refers to treatment."
    )
    referral_rate: float = param(
        0.59,
        0.0,
        1.0,
        "1/week",
        "Weekly probability of a referral to treatment of a person above the threshold "
        "holding an open episode whose remit covers the substance domain.",
    )
    start_rate: float = param(
        0.6,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a waiting person starts treatment (0.4^3: 94 % start "
        "within 3 weeks; NDTMS national statistics: most start within 3 weeks; unverified).",
        "NDTMS adult substance misuse treatment statistics (unverified)",
    )
    purchase_rate: float = param(
        0.5,
        0.0,
        1.0,
        "1/week",
        "Weekly probability that a full flexible budget buys a waiting person an immediate "
        "start (scaled by flexible_budget; bought only while the pot covers it).",
    )
    weeks: int = param(
        52,
        1,
        156,
        "weeks",
        "Length of a completed treatment episode (community treatment often lasts a year "
        "or more; NDTMS; unverified).",
    )
    relief: float = param(
        0.2,
        0.0,
        1.0,
        "need",
        "In treatment, substance need drifts toward the set point minus this.",
    )
    recovery_relief: float = param(
        0.1,
        0.0,
        1.0,
        "need",
        "After completion (recovered), substance need drifts toward the set point minus this, "
        "until relapse.",
    )
    dropout: float = param(
        0.012,
        0.0,
        1.0,
        "1/week",
        "Weekly drop-out hazard in treatment with no trusted worker (0.985^52: about half "
        "complete; NDTMS: about half of exits are successful completions; unverified).",
        "NDTMS adult substance misuse treatment statistics (unverified)",
    )
    dropout_trust: float = param(
        0.3, 0.0, 0.9, "fraction", "Reduction of the drop-out hazard at full trust in a worker."
    )
    relapse: float = param(
        0.03,
        0.0,
        1.0,
        "1/week",
        "Weekly relapse hazard after completion (about 41 % within a year): back to no treatment.",
    )
    lasting: float = param(
        0.0,
        0.0,
        0.05,
        "need/week",
        "Substance set point lowered per week in treatment (a lasting effect; 0 by default, "
        "and set points relax back toward the baseline anyway).",
    )


@dataclass(frozen=True)
class WorkforceParams:
    """Burnout, turnover and the friction of transition."""

    burnout_rate: float = param(
        0.03, 0.0, 1.0, "1/week", "Weekly burnout gain per unit of workload over 1."
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
    # Model 2 (loop): workload weighted by complexity.
    complexity_weight: float = param(
        0.25,
        0.0,
        2.0,
        "cases per high-need domain",
        "Extra workload of a held case per high-need domain (need above gaming.high_need): "
        "workload = sum of (1 + complexity_weight x high-need domains) / capacity.caseload (the "
        "sustainable caseload); burnout grows with workload above 1.",
    )


_MEAM = (
    "model assumption; direction from the MEAM pilots economic evaluation (FTI Consulting "
    "for MEAM, 2014): total public cost rose in year 1 in 2 of the 3 pilot areas"
)


@dataclass(frozen=True)
class ProgrammeParams:
    """What changing the system costs (model 2), charged as the ledger item PROGRAMME.

    Spread each week over the complex-needs persons alive (the programme's cohort). A
    change is a move of the levers in force (``regimes.levers_at``): from the shared
    ``history`` to ``regime`` from week 0, and from there to ``after`` at
    ``transition.week``.
    """

    training_per_post: float = param(
        1500.0,
        0.0,
        2000.0,
        "£ per post per unit of lever change",
        "Training and supervision of every post, charged in the weeks the levers change, in "
        "proportion to the summed change of the 0-1 levers (siloed to alliance is about 4.4 "
        "units: about £1,700 per post, some 6 to 8 training days with backfill).",
        _MEAM,
    )
    recommissioning: float = param(
        20000.0,
        0.0,
        200000.0,
        "£ per 1,000 persons",
        "One-off cost of recommissioning (procurement, contracts, governance) in the first "
        "week of a change, per 1,000 persons of the population.",
        _MEAM,
    )
    double_running: float = param(
        0.5,
        0.0,
        1.0,
        "share of staff cost",
        "Share of the weekly staff cost paid twice while the learning curve is under way, "
        "times the share of the change not yet done (old and new services run side by side).",
        _MEAM,
    )
    alliance_overhead: float = param(
        2000.0,
        0.0,
        3000.0,
        "£ per complex-needs person-year",
        "Ongoing cost of coordination and shared learning (alliance manager, learning "
        "sessions, shared records) at full relational levers; times the mean of "
        "information_sharing, continuity, whole_person and shared_learning in force.",
        _MEAM,
    )
