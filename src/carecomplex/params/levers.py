"""The policy *levers*: the regime in force and a transition between two regimes.

``siloed`` and ``alliance`` are two corners of :class:`RegimeLevers`; a transition moves
``regime`` to ``after`` along a learning curve (:class:`TransitionParams`).
"""

from __future__ import annotations

from dataclasses import dataclass

from carecomplex.params.fields import param


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
    in_reach: float = param(
        0.0,
        0.0,
        1.0,
        "probability",
        "Probability per custody spell that open episodes and their workers continue "
        "through prison (in-reach at reduced contact) and release is planned with them.",
    )
    # Model 2 (loop): caseloads and queue priority.
    caseload_factor: float = param(
        1.0,
        0.1,
        3.0,
        "multiplier",
        "Persons a post carries relative to capacity.caseload, the sustainable caseload (sets "
        "capacity; above 1 workers are overloaded and burn out). Intensive case management "
        "and Housing First teams carry smaller caseloads (Pathways Housing First fidelity: "
        "about 10 per worker, against 15-30 in standard case management); alliance 0.7 is a "
        "model assumption.",
    )
    need_priority: float = param(
        0.0,
        0.0,
        1.0,
        "fraction",
        "Weight of need and risk, against weeks waited, in the order a service serves its "
        "queue (0 = first come, first served).",
    )


@dataclass(frozen=True)
class TransitionParams:
    """A switch of regime at a chosen week, with a learning curve."""

    week: int = param(-1, -1, 5200, "week", "Week of the switch (-1 = no transition).")
    learning_weeks: float = param(
        104.0, 0.0, 520.0, "weeks", "Time constant of the learning curve toward the new levers."
    )
    cap_switch: float = param(
        0.5,
        0.0,
        1.0,
        "fraction",
        "Share of the learning curve done at which the episode clock switches to the new "
        "regime's (0 means no clock, so it switches rather than blends).",
    )
