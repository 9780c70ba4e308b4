"""Twin of :mod:`carecomplex.processes.housing`: person by person, then the pot in order."""

from __future__ import annotations

import math

import numpy as np

from carecomplex.costs import Item
from carecomplex.processes.common import KP
from carecomplex.reference.cohort import lever
from carecomplex.reference.common import charge, chunk_index, clip, count, draw1, flat
from carecomplex.rng import Stream
from carecomplex.state import Domain, Event, Tenancy, TreatmentState

WEEKS_PER_YEAR = 52  # the pot's accrual is set per person-year (unit conversion)
PENCE = 100  # pounds to pence
PAIR_MEAN = 0.5  # the mean of two needs (substance and mental health) in the exit hazard


def housing(key, t, kp: KP, per, sv, books) -> None:
    """Twin of :func:`carecomplex.processes.housing.housing` (same arguments, in place).

    Each living person: a prisoner's tenancy holds for a short stay or is lost; anyone
    else's tenancy may be lost, else costs rent (and support, for Housing First); a
    person in emergency accommodation may be placed by the housing service or flagged
    for a Housing First tenancy; treatment moves between its states. Then the pot
    accrues and buys the flagged purchases in person order while it covers the price.
    An enrolled person's flexible budget is the cohort's, in the purchase draws and in
    the pot's accrual for them.
    """
    a = flat(key=key, t=t, kp=kp, per=per, sv=sv, books=books)
    chunk = chunk_index(len(per.pid))
    wants: list[tuple[int, bool, bool]] = []
    members = [0, 0]  # complex-needs persons alive: not enrolled, enrolled
    for i in range(len(per.pid)):
        if per.alive[i] == 0:
            continue
        g, c = int(per.complex[i]), int(chunk[i])
        members[int(per.programme[i])] += g
        held = per.slot_service[i] >= 0
        tmax = float(per.slot_trust[i][held].astype(np.float64).max(initial=0.0))
        at_house = bool((per.slot_service[i][held] == Domain.HOUSING).any())
        remit_subst = bool(any((int(r) >> Domain.SUBSTANCE) & 1 for r in per.slot_remit[i][held]))
        if per.prison_weeks[i] > 0:  # inside: treatment waits, a tenancy may be lost
            _inside(a, i, g, c)
            continue
        hf = _tenancy(a, i, g, c, tmax, at_house, bool(held.any()))
        start = _treatment(a, i, g, c, tmax, remit_subst)
        if hf or start:
            wants.append((i, hf, start))
    _buy(a, wants, members, chunk)


def _inside(a, i: int, g: int, c: int) -> None:
    """A prisoner: the tenancy is lost beyond ``prison_hold_weeks``, else rent is paid."""
    if a.tenancy[i] == Tenancy.NONE:
        return
    if a.prison_weeks[i] > a.kp.housing_prison_hold_weeks:
        _end(a, i, g, c)
        return
    charge(a, i, Item.TENANCY_RENT, 1.0, g, c)
    count(a, c, Event.HOUSED_WEEK, g)
    a.tenancy_weeks[i] += 1


def _tenancy(a, i: int, g: int, c: int, tmax: float, at_house: bool, held: bool) -> bool:
    """A week of a tenancy, or of looking for one; returns whether a HF tenancy is wanted."""
    kp, me, t = a.kp, a.pid[i], a.t
    kind = int(a.tenancy[i])
    if kind != Tenancy.NONE:
        # Loss hazard: by kind, raised by substance and mental-health need, lowered by trust.
        x = PAIR_MEAN * (float(a.need[i, Domain.SUBSTANCE]) + float(a.need[i, Domain.MENTAL]))
        base = kp.housing_exit_hf if kind == Tenancy.HOUSING_FIRST else kp.housing_exit_ordinary
        h = base * math.exp(kp.housing_exit_need_slope * (x - kp.housing_exit_need_ref))
        h *= 1.0 - kp.housing_exit_trust * tmax
        if draw1(a.key, Stream.TENANCY, me, t, 1) < h:
            _end(a, i, g, c)
            return False
        charge(a, i, Item.TENANCY_RENT, 1.0, g, c)
        if kind == Tenancy.HOUSING_FIRST:
            charge(a, i, Item.HOUSING_FIRST_SUPPORT, kp.housing_hf_support_hours, g, c)
        count(a, c, Event.HOUSED_WEEK, g)
        a.tenancy_weeks[i] += 1
        h_ = Domain.HOUSING
        a.setpoint[i, h_] = clip(float(a.setpoint[i, h_]) - kp.housing_lasting)
        return False
    if float(a.need[i, Domain.HOUSING]) <= kp.homeless_threshold:
        return False
    if at_house and draw1(a.key, Stream.TENANCY, me, t, 0) < kp.housing_placement_rate:
        _start(a, i, g, c, Tenancy.ORDINARY)
        return False
    budget = lever(kp, a.programme[i] == 1, "flexible_budget")
    return (
        held
        and budget > 0.0
        and draw1(a.key, Stream.BUDGET, me, t, 0) < kp.housing_purchase_rate * budget
    )


def _start(a, i: int, g: int, c: int, kind: Tenancy) -> None:
    """A tenancy starts: emergency accommodation ends (housing need at most the threshold)."""
    a.tenancy[i] = kind
    a.tenancy_weeks[i] = 0
    a.need[i, Domain.HOUSING] = min(float(a.need[i, Domain.HOUSING]), a.kp.homeless_threshold)
    count(a, c, Event.TENANCY_START, g)


def _end(a, i: int, g: int, c: int) -> None:
    """A tenancy ends: housing need at least ``exit_need`` (emergency accommodation)."""
    a.tenancy[i] = Tenancy.NONE
    a.tenancy_weeks[i] = 0
    a.need[i, Domain.HOUSING] = max(float(a.need[i, Domain.HOUSING]), a.kp.housing_exit_need)
    count(a, c, Event.TENANCY_END, g)


def _treatment(a, i: int, g: int, c: int, tmax: float, remit_subst: bool) -> bool:
    """A week of the treatment states; returns whether the pot is asked for a start."""
    kp, me, t, s = a.kp, a.pid[i], a.t, int(a.treatment[i])

    def u(k: int) -> float:
        return draw1(a.key, Stream.TREATMENT, me, t, k)

    if s == TreatmentState.NONE:
        referable = remit_subst and float(a.need[i, Domain.SUBSTANCE]) > kp.treatment_need_threshold
        if referable and u(0) < kp.treatment_referral_rate:
            a.treatment[i], a.treatment_weeks[i] = TreatmentState.WAITING, 0
    elif s == TreatmentState.WAITING:
        a.treatment_weeks[i] += 1
        if u(1) < kp.treatment_start_rate:
            a.treatment[i], a.treatment_weeks[i] = TreatmentState.IN_TREATMENT, 0
        else:
            budget = lever(kp, a.programme[i] == 1, "flexible_budget")
            return (
                budget > 0.0
                and draw1(a.key, Stream.BUDGET, me, t, 1) < kp.treatment_purchase_rate * budget
            )
    elif s == TreatmentState.IN_TREATMENT:
        charge(a, i, Item.TREATMENT, 1.0, g, c)
        count(a, c, Event.TREATMENT_WEEK, g)
        a.treatment_weeks[i] += 1
        sub = Domain.SUBSTANCE
        a.setpoint[i, sub] = clip(float(a.setpoint[i, sub]) - kp.treatment_lasting)
        if u(2) < kp.treatment_dropout * (1.0 - kp.treatment_dropout_trust * tmax):
            a.treatment[i], a.treatment_weeks[i] = TreatmentState.NONE, 0
        elif a.treatment_weeks[i] >= kp.treatment_weeks:
            a.treatment[i], a.treatment_weeks[i] = TreatmentState.RECOVERED, 0
    elif s == TreatmentState.RECOVERED:
        a.treatment_weeks[i] += 1
        if u(3) < kp.treatment_relapse:
            a.treatment[i], a.treatment_weeks[i] = TreatmentState.NONE, 0
    return False


def _buy(a, wants: list[tuple[int, bool, bool]], members: list[int], chunk: np.ndarray) -> None:
    """The pot accrues (capped at ``carry_weeks`` of accrual), then buys in person order.

    It accrues per complex-needs person alive at the flexible budget of that person's
    levers: ``members`` counts them, not enrolled and enrolled.
    """
    kp = a.kp
    pence = 0.0
    for m, budget in zip(members, (kp.flexible_budget, kp.cohort_flexible_budget), strict=True):
        if m:
            pence += PENCE * (kp.housing_budget_per_person / WEEKS_PER_YEAR * budget) * m
    accrual = round(pence)
    cap = round(accrual * kp.housing_carry_weeks)
    a.s_budget_pot[0] = min(int(a.s_budget_pot[0]) + accrual, cap)
    for i, hf, start in wants:
        g, c = int(a.complex[i]), int(chunk[i])
        price = int(a.pence[Item.TENANCY])
        if hf and a.s_budget_pot[0] >= price:
            a.s_budget_pot[0] -= price
            charge(a, i, Item.TENANCY, 1.0, g, c)
            count(a, c, Event.TENANCY, g)
            _start(a, i, g, c, Tenancy.HOUSING_FIRST)
        price = int(a.pence[Item.TREATMENT_START])
        if start and a.s_budget_pot[0] >= price:
            a.s_budget_pot[0] -= price
            charge(a, i, Item.TREATMENT_START, 1.0, g, c)
            a.treatment[i], a.treatment_weeks[i] = TreatmentState.IN_TREATMENT, 0
