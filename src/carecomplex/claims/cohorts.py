"""Who a claim follows: households, families and cohorts chosen by a rule at a week.

A claim about a cohort names the rule that chose its people (``claim.rule``): the
highest-cost fraction, tenants at risk of eviction, untreated mental illness, or the
people referred to a service. Each rule is a small pure function of the claim and
:class:`Moment` (the baseline arm's state at ``claim.select_week``, with the cost and
referrals over the look-back) that returns a bool mask over the persons; thresholds a
claim leaves out come from the model's own parameters, so a rule means what the model
means by the same words. :func:`select` combines the rules (``combine = "all"`` or
``"any"``) among the living persons of the ``among`` group; :func:`household` and
:func:`family` choose the Think Family populations.

The claim is chosen in the baseline arm and followed in both arms (see
:mod:`carecomplex.claims.pairs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex.params import Params
from carecomplex.state import Domain, Group, Tenancy

if TYPE_CHECKING:  # spec imports this module: no import of spec at run time
    from carecomplex.claims.spec import Claim

SELECTED = ("top_cost", "cohort", "household", "family")
"""Populations chosen at ``select_week`` from the baseline arm's state."""

LOOKBACK_RULES = ("top_cost", "referral")
"""Rules that read the look-back (cost or referrals over ``lookback`` weeks)."""

THRESHOLDS = {
    "eviction_need": ("eviction_risk", "housing.exit_need_ref"),
    "housing_need": ("eviction_risk", "capacity.seek_threshold"),
    "mental_need": ("untreated_mental_illness", "capacity.seek_threshold"),
}
"""Claim keys of the rules' thresholds: key -> (rule, the parameter giving its default)."""


@dataclass(frozen=True)
class Moment:
    """The baseline arm at the selection week: what a rule may read.

    ``person`` is the person table, ``params`` the arm's parameters, ``cost`` each
    person's public cost (pence) over the look-back and ``referred`` whether a service
    took them on or queued them in some week of the look-back.
    """

    person: Any
    params: Params
    cost: np.ndarray
    referred: np.ndarray

    @property
    def alive(self) -> np.ndarray:
        """The persons alive at the selection week."""
        return self.person.alive.astype(bool)


def threshold(claim: Claim, key: str, params: Params) -> float:
    """The claim's threshold ``key``, or the parameter that gives its default."""
    value = getattr(claim, key)
    if value is not None:
        return float(value)
    group, name = THRESHOLDS[key][1].split(".")
    return float(getattr(getattr(params, group), name))


def top_cost(claim: Claim, at: Moment, eligible: np.ndarray) -> np.ndarray:
    """The top ``claim.fraction`` of the ``eligible`` persons by cost over the look-back.

    At least one person is chosen when anyone is eligible; ties are broken by index so
    the choice is deterministic. (The claim's "people referred because they cost most".)
    """
    idx = np.flatnonzero(eligible)
    k = max(1, round(claim.fraction * len(idx)))
    order = idx[np.lexsort((idx, -at.cost[idx]))]  # highest cost first
    mask = np.zeros(len(eligible), dtype=bool)
    mask[order[:k]] = True
    return mask


def eviction_risk(claim: Claim, at: Moment) -> np.ndarray:
    """Housed but at risk of losing it (eviction or abandonment).

    Alive, not in emergency accommodation (housing need at or below
    ``crisis.homeless_threshold``) nor in prison, and either holding a tenancy with mean
    substance and mental-health need at or above ``eviction_need`` (default
    ``housing.exit_need_ref``: the need at which the model's tenancy-loss hazard reaches
    its reference rate, rising beyond), or with housing need at or above
    ``housing_need`` (default ``capacity.seek_threshold``: need a person would seek
    housing help for).
    """
    from carecomplex.processes.housing import PAIR_MEAN  # numba: imported when used

    per, p = at.person, at.params
    need = per.need.astype(np.float64)
    housing = need[:, Domain.HOUSING]
    housed = (housing <= p.crisis.homeless_threshold) & (per.prison_weeks == 0)
    pair = PAIR_MEAN * (need[:, Domain.SUBSTANCE] + need[:, Domain.MENTAL])
    tenant = (per.tenancy != Tenancy.NONE) & (pair >= threshold(claim, "eviction_need", p))
    pressed = housing >= threshold(claim, "housing_need", p)
    return at.alive & housed & (tenant | pressed)


def untreated_mental_illness(claim: Claim, at: Moment) -> np.ndarray:
    """Mental-health need at or above ``mental_need`` with no open episode covering it.

    ``mental_need`` defaults to ``capacity.seek_threshold`` (need above which the model's
    persons seek help); an episode covers mental health when its worker's remit holds
    that domain (a mental-health service, or a whole-person worker).
    """
    per = at.person
    need = per.need[:, Domain.MENTAL].astype(np.float64)
    bit = np.uint8(1 << int(Domain.MENTAL))
    covered = ((per.slot_service >= 0) & ((per.slot_remit & bit) != 0)).any(axis=1)
    return at.alive & (need >= threshold(claim, "mental_need", at.params)) & ~covered


def referral(claim: Claim, at: Moment) -> np.ndarray:
    """Referred to a service in the look-back.

    In some week of the look-back a service opened an episode for the person (accepted
    after referral and assessment) or put them on its waiting list. Referrals turned
    away are not recorded per person, so they do not count.
    """
    return at.alive & at.referred


def referred_now(per: Any) -> np.ndarray:
    """Persons a service took on (an episode in its first week) or queued this week."""
    opened = ((per.slot_service >= 0) & (per.slot_weeks == 1)).any(axis=1)
    return opened | (per.wait_service >= 0)


RULES: dict[str, Callable[[Claim, Moment], np.ndarray]] = {
    "top_cost": lambda claim, at: top_cost(claim, at, at.alive),  # see select()
    "eviction_risk": eviction_risk,
    "untreated_mental_illness": untreated_mental_illness,
    "referral": referral,
}
"""The cohort rules by name (``claim.rule``)."""


def select(claim: Claim, at: Moment, groups: tuple[int, ...]) -> np.ndarray:
    """The cohort: living persons of the ``among`` groups chosen by the claim's rules.

    With ``combine = "all"`` the other rules filter first and ``top_cost`` then takes its
    fraction of those who remain (the costliest of the tenants at risk, say); with
    ``"any"`` a person meeting any rule is chosen, ``top_cost`` taking its fraction of
    the whole ``among`` group.
    """
    eligible = at.alive & np.isin(at.person.complex, groups)
    others = [RULES[r](claim, at) for r in claim.rules if r != "top_cost"]
    if claim.combine == "all":
        for m in others:
            eligible = eligible & m
        return top_cost(claim, at, eligible) if "top_cost" in claim.rules else eligible
    if "top_cost" in claim.rules:
        others.append(top_cost(claim, at, eligible))
    return eligible & np.logical_or.reduce(others)


def household(per: Any) -> np.ndarray:
    """Living members of households with a living complex-needs member (Think Family)."""
    alive = per.alive.astype(bool)
    n_families = int(per.family.max(initial=-1)) + 1
    hit = np.bincount(
        per.family[alive & (per.complex == Group.COMPLEX)], minlength=n_families
    ).astype(bool)
    return alive & hit[per.family]


def family(per: Any) -> np.ndarray:
    """The family around the person: household members who are not complex-needs."""
    return household(per) & (per.complex != Group.COMPLEX)


def describe(claim: Claim) -> str:
    """The population in words, for reports (e.g. ``top 10% of complex by cost ...``)."""
    window = f"weeks {claim.select_week - claim.lookback}-{claim.select_week}"
    chosen = f"at week {claim.select_week} (chosen in the baseline arm, followed in both)"
    if claim.population == "household":
        return f"households with a complex-needs member, every member, {chosen}"
    if claim.population == "family":
        return f"the non-complex members of households with a complex-needs member, {chosen}"
    if claim.population not in ("top_cost", "cohort"):
        return claim.population
    words = []
    for r in claim.rules:
        if r == "top_cost":
            words.append(f"top {claim.fraction:.0%} by cost over {window}")
        elif r == "referral":
            words.append(f"referred to a service over {window}")
        else:
            words.append(r.replace("_", " "))
    joined = (" and " if claim.combine == "all" else " or ").join(words)
    return f"{joined}, among {claim.among}, {chosen}"
