"""Twins of :mod:`carecomplex.processes.life`: families, life dynamics, crises, deaths."""

from __future__ import annotations

import math

import numpy as np

from carecomplex.costs import Item
from carecomplex.processes.common import DAYS_PER_WEEK, KP, READMIT_DAYS
from carecomplex.reference.common import (
    DOMAINS,
    F64,
    charge,
    chunk_index,
    clip,
    count,
    draw1,
    flat,
)
from carecomplex.reference.spells import admit, custody, discharged, release
from carecomplex.rng import LifeDraw, Stream, draws, draws2, draws32
from carecomplex.state import N_DOMAINS, Crisis, Domain, Event, Tenancy, TreatmentState

SQRT3 = math.sqrt(3.0)  # scales uniform noise on [-1, 1) to unit variance
CRISIS_EVENT = {
    Crisis.AE: Event.CRISIS_AE,
    Crisis.ADMISSION: Event.CRISIS_ADMISSION,
    Crisis.CUSTODY: Event.CRISIS_CUSTODY,
    Crisis.MH_ADMISSION: Event.CRISIS_MH,
}


def families(kp: KP, fam, per) -> None:
    """Twin of :func:`carecomplex.processes.life.families` (same arguments, in place).

    A family's support is depleted in proportion to its living members' excess need
    (mean need above ``family_excess_need``) and recovers toward full; a person living
    alone has only their social connection to draw on.
    """
    start, size, support = fam.start, fam.size, fam.support
    nf = len(start)
    member = np.concatenate(
        [np.arange(s, s + z, dtype=np.int64) for s, z in zip(start, size, strict=True)]
        + [np.empty(0, dtype=np.int64)]
    )
    which = np.repeat(np.arange(nf), size)
    mean_need = per.need[member].astype(F64).sum(axis=1) / N_DOMAINS
    excess = np.maximum(0.0, mean_need - kp.family_excess_need)
    excess = np.where(per.alive[member] == 1, excess, 0.0)
    total = np.bincount(which, weights=excess, minlength=nf)
    s = support.astype(F64)
    s = s + (kp.family_recovery * (1.0 - s) - kp.family_strain * total * s)
    alone = np.flatnonzero(size == 1)
    connection = 1.0 - per.need[start[alone], Domain.CONNECTION].astype(F64)
    connected = kp.alone_support + kp.alone_connection * connection
    s[alone] = np.minimum(s[alone], connected)
    support[:] = clip(s)


def life_crisis(key, t, kp: KP, per, fam, books, structure) -> None:
    """Twin of :func:`carecomplex.processes.life.life_crisis` (same arguments, in place).

    Every living person, independently of the others: needs drift and may take a
    shock; a prisoner serves a week; anyone else may be in emergency accommodation and
    may have a crisis; then the person may die of physical and substance need.
    """
    a = flat(key=key, t=t, kp=kp, per=per, fam=fam, books=books, structure=structure)
    live = np.flatnonzero(per.alive != 0)
    g = per.complex[live].astype(np.int64)
    c = chunk_index(len(per.pid))[live]
    count(a, c, Event.ALIVE, g)
    per.weeks_alive[live] += 1
    fs = fam.support[per.family[live]].astype(F64)
    _needs(a, live, fs, g, c)
    jailed = per.prison_weeks[live] > 0
    inside = live[jailed]
    per.prison_weeks[inside] -= 1
    charge(a, inside, Item.PRISON_WEEK, 1.0, g[jailed], c[jailed])
    count(a, c[jailed], Event.PRISON_WEEK, g[jailed])
    for i, gi, ci in zip(inside, g[jailed], c[jailed], strict=True):
        if per.prison_weeks[i] == 0:  # the last week served: released
            release(a, int(i), int(gi), int(ci))
    out = ~jailed
    _crises(a, live[out], fs[out], g[out], c[out])
    _deaths(a, live, g, c)


def _needs(a, live, fs, g, c) -> None:
    """Needs drift toward set points, pulled up by coupled domains, plus noise and shocks."""
    kp, ids = a.kp, a.pid[live]
    x = a.need[live].astype(F64)
    pull = np.zeros_like(x)
    for j in range(N_DOMAINS):  # pull[:, d] = sum over j of coupling[d, j] * need[:, j]
        pull += a.domain_coupling[:, j] * x[:, j, None]
    # Set points relax toward the baseline; a tenancy or treatment lowers the target.
    sp = a.setpoint[live].astype(F64)
    sp = sp + kp.setpoint_reversion * (a.baseline[live].astype(F64) - sp)
    a.setpoint[live] = sp
    target = sp + kp.coupling * pull
    target[:, Domain.HOUSING] -= np.where(a.tenancy[live] != Tenancy.NONE, kp.housing_relief, 0.0)
    tr = a.treatment[live]
    target[:, Domain.SUBSTANCE] -= np.where(
        tr == TreatmentState.IN_TREATMENT, kp.treatment_relief, 0.0
    ) + np.where(tr == TreatmentState.RECOVERED, kp.treatment_recovery_relief, 0.0)
    u = draws32(a.key, Stream.LIFE, ids[:, None], a.t, 2 * LifeDraw.NOISE + DOMAINS[None, :])
    new = x + kp.reversion * (target - x) + kp.noise * (2.0 * u - 1.0) * SQRT3
    # A life shock hits one random domain, buffered by family and resilience.
    hit = draws2(a.key, Stream.LIFE, ids, a.t, LifeDraw.SHOCK_CRISIS)[0] < kp.shock_rate
    dom = (draws(a.key, Stream.LIFE, ids, a.t, LifeDraw.SHOCK_DOMAIN) * N_DOMAINS).astype(np.int64)
    res = a.resilience[live].astype(F64)
    size = kp.shock_size * (1.0 - kp.family_buffer * fs) * (1.0 - kp.resilience_buffer * res)
    new[hit, dom[hit]] += size[hit]
    a.shocks[live[hit]] += 1
    count(a, c[hit], Event.SHOCK, g[hit])
    a.need[live] = clip(new)


def _crises(a, free, fs, g, c) -> None:
    """Emergency accommodation and the crisis hazard, for the living not in prison."""
    kp = a.kp
    x = a.need[free].astype(F64)
    homeless = x[:, Domain.HOUSING] > kp.homeless_threshold
    charge(a, free[homeless], Item.EMERGENCY_ACCOMMODATION, 1.0, g[homeless], c[homeless])
    count(a, c[homeless], Event.EA_WEEK, g[homeless])
    a.ea_weeks[free[homeless]] += 1
    # In hospital: a week of the stay, discharged in its last week; no new crisis.
    ward = a.hospital_weeks[free] > 0
    a.hospital_weeks[free[ward]] -= 1
    for i, gi, ci in zip(free[ward], g[ward], c[ward], strict=True):
        if a.hospital_weeks[i] == 0:
            discharged(a, int(a.discharge_day[i]), int(gi), int(ci))
    # Hazard: rises with weighted need and with each high-need domain beyond the first;
    # lowered by the most trusted worker and by family; raised by unmet need.
    held = a.slot_service[free] >= 0
    best_trust = np.where(held, a.slot_trust[free].astype(F64), 0.0).max(axis=1, initial=0.0)
    extra = np.maximum((x > kp.high_need).sum(axis=1) - 1, 0)
    h = kp.base_rate * np.exp(kp.need_slope * (x @ a.crisis_weights) + kp.complexity_slope * extra)
    h *= (1.0 - kp.trust_protection * best_trust) * (1.0 - kp.family_protection * fs)
    since = a.t * DAYS_PER_WEEK - a.discharge_day[free].astype(np.int64)
    recent = (a.discharge_day[free] >= 0) & (since >= 0) & (since < READMIT_DAYS)
    h *= 1.0 + kp.unmet_multiplier * a.unmet[free].astype(F64) + kp.discharge_risk * recent
    u = draws2(a.key, Stream.LIFE, a.pid[free], a.t, LifeDraw.SHOCK_CRISIS)[1]
    struck = u < 1.0 - np.exp(-h)
    struck &= ~ward
    for i, gi, ci in zip(free[struck], g[struck], c[struck], strict=True):
        _crisis(a, int(i), int(gi), int(ci))


def _crisis(a, i: int, g: int, c: int) -> None:
    """One crisis presentation: its kind (odds by need), cost, harm and possible death."""
    kp, me, t = a.kp, a.pid[i], int(a.t)
    odds = np.cumsum(a.crisis_kind @ a.need[i].astype(F64))  # cumulative odds over kinds
    pick = draw1(a.key, Stream.CRISIS_KIND, me, t) * odds[-1]
    kind = Crisis(min(int(np.searchsorted(odds, pick, side="right")), len(odds) - 1))
    a.crises[i] += 1
    a.crisis_kinds[i, int(kind)] += 1
    count(a, c, CRISIS_EVENT[kind], g)
    if kind in (Crisis.AE, Crisis.ADMISSION):
        charge(a, i, Item.AE, 1.0, g, c)
        if kind == Crisis.ADMISSION or draw1(a.key, Stream.AMBULANCE, me, t) < kp.ambulance_share:
            charge(a, i, Item.AMBULANCE, 1.0, g, c)
    if kind == Crisis.ADMISSION:
        days = admit(a, i, g, c)  # a spell: readmission, length of stay, discharge
        charge(a, i, Item.ADMISSION, float(days), g, c)
    elif kind == Crisis.CUSTODY:
        charge(a, i, Item.CUSTODY, 1.0, g, c)
        custody(a, i, g, c, draw1(a.key, Stream.PRISON, me, t, 0))  # sentence, reoffence
    elif kind == Crisis.MH_ADMISSION:
        charge(a, i, Item.MH_ADMISSION, 1.0, g, c)
    d = a.crisis_domain[kind]
    a.need[i, d] = clip(float(a.need[i, d]) + kp.crisis_harm)
    a.setpoint[i, d] = clip(float(a.setpoint[i, d]) + kp.scar)  # scarring
    if draw1(a.key, Stream.DEATH, me, t, 1) < kp.crisis_death:
        a.alive[i] = 0
        a.died_week[i] = t
        count(a, c, Event.DEATH, g)
        count(a, c, Event.CRISIS_DEATH, g)


def _deaths(a, live, g, c) -> None:
    """Death from physical and substance need, for those alive after their crisis."""
    spared = a.alive[live] == 1
    who = live[spared]
    x = a.need[who].astype(F64)
    w = a.kp.mortality_physical_weight  # physical need's weight; substance has the rest
    xm = w * x[:, Domain.PHYSICAL] + (1.0 - w) * x[:, Domain.SUBSTANCE]
    hd = a.kp.base_mortality * np.exp(a.kp.mortality_slope * xm)
    dies = draws(a.key, Stream.LIFE, a.pid[who], a.t, LifeDraw.DEATH) < 1.0 - np.exp(-hd)
    a.alive[who[dies]] = 0
    a.died_week[who[dies]] = a.t
    count(a, c[spared][dies], Event.DEATH, g[spared][dies])
