"""Life and families, steps 1-2 (docs/ODD.md §7.2-7.6): needs, shocks, crises, deaths.

Kernels:

* :func:`life_families`: the model's kernel when families tile the persons (they do for
  every population :mod:`carecomplex.population` builds): each chunk of whole families
  updates their support, then its members live their week.
* :func:`families` then :func:`life_crisis`: the same two steps as separate passes. This
  is the readable form of the fused kernel (tests hold the two bit-identical), and the
  model's path for a state whose families do not tile the persons.

``ablate`` (an :class:`Ablate` flag, 0 in the model) switches parts of the person loop
off for ``benchmarks/anatomy.py``, which times the kernel without each part.
"""

from __future__ import annotations

from enum import IntFlag

import numba as nb
import numpy as np

from carecomplex.processes.common import (
    CR_ADM,
    CR_AE,
    CR_CUST,
    CR_MH,
    D_CONNECTION,
    D_HOUSE,
    D_PHYS,
    D_SUBST,
    DAYS_PER_WEEK,
    EV_ALIVE,
    EV_CDEATH,
    EV_CRISIS0,
    EV_DEATH,
    EV_EA,
    EV_PRISON,
    EV_SHOCK,
    I_ADM,
    I_AE,
    I_AMB,
    I_CUST,
    I_EA,
    I_MH,
    I_PRISON,
    K_DEATH,
    K_NOISE,
    K_SHOCK_CRISIS,
    K_SHOCK_D,
    READMIT_DAYS,
    S_AMB,
    S_DEATH,
    S_KIND,
    S_LIFE,
    S_PRISON,
    T_NONE,
    TR_DONE,
    TR_IN,
    block_chunks,
    charge,
    chunk_bounds,
    clip01,
)
from carecomplex.processes.spells import admit, custody, discharged, release
from carecomplex.rng import LIFE_NOISE_PAIRS, draw, draw_at, draw_pair, entity_key, stream_key
from carecomplex.state import N_BLOCKS, N_CHUNKS, N_DOMAINS, SLOTS

assert N_DOMAINS == 8, "the life step accumulates the coupling pull in eight registers"

EXP_BINS = 64  # bins of the weighted need in the crisis-hazard bound table
SQRT3 = 1.7320508075688772  # scales uniform noise on [-1, 1) to unit variance
# Benchmarks only (Ablate.ALL_DRAWS): fixed stand-ins for the shock, crisis and death
# draws, made person-dependent by STAND_IN_STEP per person id; NOISE_DRAWS: 1/8 per domain.
STAND_IN = (0.5, 0.3, 0.9)
STAND_IN_STEP = 1e-9
STAND_IN_NOISE = 0.125


class Ablate(IntFlag):
    """Parts of the life step a benchmark may switch off (never in the model)."""

    NONE = 0
    NOISE_DRAWS = 1  # need noise from fixed values, not from 8 draws per person
    ALL_DRAWS = 2  # no draw at all in the person loop (fixed, person-dependent values)
    COUPLING = 4  # no pull between domains
    FAMILIES = 8  # no family pass (life_families only)
    CRISIS = 16  # no prison, emergency accommodation, crisis hazard or crisis
    DEATH = 32  # no death check


_A_NOISE, _A_DRAWS = int(Ablate.NOISE_DRAWS), int(Ablate.ALL_DRAWS)
_A_COUPLING, _A_FAMILIES = int(Ablate.COUPLING), int(Ablate.FAMILIES)
_A_CRISIS, _A_DEATH = int(Ablate.CRISIS), int(Ablate.DEATH)


@nb.njit(cache=True, parallel=True)
def life_families(key, t, kp, per, fam, books, structure, ablate=0):
    """Steps 1-2 in one pass over the persons: :func:`families` then :func:`life_crisis`.

    Chunks are runs of whole families: each family's support is updated from its
    members' needs, then its members live their week. A person reads only its own
    family's support, so the result equals the two kernels in sequence, except that
    the integer partials of ``books.ledger`` and ``books.events`` fall in other chunks
    (their totals are the same). Needs families that tile the persons in order
    (:func:`families_tile`).

    Args:
        key: hashed root seed (``rng.seed_key``), uint64.
        t: step index (burn-in included).
        kp: the week's :class:`~carecomplex.processes.common.KP`.
        per: the ``PersonTable`` (in place).
        fam: the ``FamilyTable`` (``support`` in place).
        books: the week's ``Books`` (ledger and event partials added to).
        structure: the ``Structure`` constants.
        ablate: :class:`Ablate` flags (benchmarks only; 0 in the model).
    """
    start, size = fam.start, fam.size
    nf = start.shape[0]
    bounds = np.zeros((N_CHUNKS, 4), dtype=np.int64)  # persons lo, hi; families flo, fhi
    for c in range(N_CHUNKS):
        flo, fhi = chunk_bounds(c, nf)
        if flo < fhi:
            bounds[c, 0], bounds[c, 1] = start[flo], start[fhi - 1] + size[fhi - 1]
            bounds[c, 2], bounds[c, 3] = flo, fhi
    week, sk = _life_week(key, t, kp), life_keys(key)
    for b in nb.prange(N_BLOCKS):
        _life_chunks(b, bounds, week, sk, kp, per, fam, books, structure, ablate)


@nb.njit(cache=True, parallel=True)
def families(kp, fam, per) -> None:
    """Step 1b: family support is depleted by members' excess need and recovers.

    Args:
        kp: the week's KP.
        fam: the ``FamilyTable`` (``support`` in place).
        per: the ``PersonTable`` (read: ``alive``, ``need``).
    """
    start, size, support = fam.start, fam.size, fam.support
    alive, need = per.alive, per.need
    for f in nb.prange(start.shape[0]):
        _family(f, kp, start, size, support, alive, need)


@nb.njit(cache=True, parallel=True)
def life_crisis(key, t, kp, per, fam, books, structure):
    """Steps 1-2: life dynamics, crises, homelessness, prison and deaths (in place).

    Bit-identical to the NumPy twins of the draws (``rng.draws``, ``rng.draws2``); for speed,
    the parts of the hash that do not change in the loop are computed once, the coupling
    pull is summed column by column (each row's terms still added in the same order),
    and the exponentials of the crisis and death probabilities are evaluated only when
    the draw is below a safe upper bound of the probability (1 - exp(-h) <= h).
    Arguments as :func:`life_families`.
    """
    n = per.pid.shape[0]
    bounds = np.zeros((N_CHUNKS, 4), dtype=np.int64)  # persons lo, hi; no families
    for c in range(N_CHUNKS):
        bounds[c, 0], bounds[c, 1] = chunk_bounds(c, n)
    week, sk = _life_week(key, t, kp), life_keys(key)
    for b in nb.prange(N_BLOCKS):
        _life_chunks(b, bounds, week, sk, kp, per, fam, books, structure, 0)


def families_tile(fam, per) -> bool:
    """Whether families tile the persons in order (the condition of :func:`life_families`).

    ``family[i]`` must be the family whose member range holds ``i``, the ranges
    contiguous, non-empty and in order.
    """
    start, size, family = fam.start, fam.size, per.family
    n = family.shape[0]
    if start.shape[0] == 0:
        return n == 0
    ends = np.asarray(start, dtype=np.int64) + size
    return bool(
        start[0] == 0
        and np.all(size > 0)
        and np.array_equal(ends[:-1], start[1:])
        and ends[-1] == n
        and np.array_equal(family, np.repeat(np.arange(start.shape[0]), size))
    )


@nb.njit(cache=True)
def _family(f, kp, start, size, support, alive, need) -> None:
    """Family ``f``'s support after a week of its members' needs (ODD §7.2)."""
    excess = 0.0
    for i in range(start[f], start[f] + size[f]):
        if alive[i] == 1:
            m = 0.0
            for d in range(N_DOMAINS):
                m += need[i, d]
            excess += max(0.0, m / N_DOMAINS - kp.family_excess_need)
    s = support[f]
    s += kp.family_recovery * (1.0 - s) - kp.family_strain * excess * s
    if size[f] == 1:  # living alone: only social connection supports
        s = min(s, kp.alone_support + kp.alone_connection * (1.0 - need[start[f], D_CONNECTION]))
    support[f] = clip01(s)


@nb.njit(cache=True, inline="always")
def life_keys(key):
    """Stream key of the life/crisis draws (hoisted out of the person loop).

    Returns:
        The ``LIFE`` stream key, uint64: one entity key per person-week serves the
        need noise, shock, shock domain, crisis and death (``rng.LifeDraw``).
    """
    return stream_key(key, S_LIFE)


@nb.njit(cache=True)
def _life_week(key, t, kp):
    """What the person loop needs that is fixed for the week: key, t and hazard bounds."""
    hd_max, ebound = _life_bounds(kp)
    return key, t, hd_max, ebound


@nb.njit(cache=True)
def _life_bounds(kp):
    """Safe upper bounds that let the person loop skip exponentials it does not need.

    ``hd_max`` bounds the death hazard (the mean of two needs is in [0, 1]).
    ``ebound[m, b]`` bounds ``exp(need_slope * x + complexity_slope * m)`` for a weighted
    need ``x`` in bin ``b`` (``[b, b + 1) / EXP_BINS``), with a relative margin far above
    rounding error, so a draw at or above the bounded hazard is no crisis whatever the
    exact hazard: the exponential is then never evaluated, and the decision is the same.
    """
    hd_max = kp.base_mortality * np.exp(max(0.0, kp.mortality_slope)) * (1.0 + 1e-9) + 1e-12
    ebound = np.empty((N_DOMAINS, EXP_BINS))
    for m in range(N_DOMAINS):
        for b in range(EXP_BINS):
            x = (b + 1) / EXP_BINS if kp.need_slope >= 0.0 else b / EXP_BINS
            ebound[m, b] = np.exp(kp.need_slope * x + kp.complexity_slope * m) * (1.0 + 1e-6)
    return hd_max, ebound


@nb.njit(cache=True)
def _life_chunks(b, bounds, week, sk, kp, per, fam, books, structure, ablate):
    """Life dynamics and crisis for the chunks of block ``b``, partials into each chunk.

    ``bounds[c]``: chunk ``c``'s persons ``lo..hi-1`` and, before them, the families
    ``flo..fhi-1`` whose support it updates first (:func:`life_families`; an empty
    range in :func:`life_crisis`).

    The draws are pure functions of (seed, stream, person, week), so all of a person's
    are computed up front (independent hash chains overlap in the CPU); the coupling
    pull is accumulated in eight registers, column by column, each row still summing
    j = 0..7 in order. Both leave every result bit-identical.
    """
    key, t, hd_max, ebound = week
    sk_life = sk
    pid, family, complex_, alive, died_week = (
        per.pid,
        per.family,
        per.complex,
        per.alive,
        per.died_week,
    )
    need, setpoint, resilience = per.need, per.setpoint, per.resilience
    slot_service, slot_trust, unmet = per.slot_service, per.slot_trust, per.unmet
    prison_weeks, shocks, cost, weeks_alive = (
        per.prison_weeks,
        per.shocks,
        per.cost,
        per.weeks_alive,
    )
    hospital_weeks, discharge_day = per.hospital_weeks, per.discharge_day
    tenancy, treatment, baseline = per.tenancy, per.treatment, per.baseline
    fam_support = fam.support
    coupling, crisis_w = structure.domain_coupling, structure.crisis_weights
    pence, holder, ledger, events = books.pence, books.holder, books.ledger, books.events
    no_noise = (ablate & (_A_NOISE | _A_DRAWS)) != 0
    no_draws = (ablate & _A_DRAWS) != 0
    no_coupling = (ablate & _A_COUPLING) != 0
    no_crisis = (ablate & _A_CRISIS) != 0
    no_death = (ablate & _A_DEATH) != 0
    new = np.empty(N_DOMAINS)
    pull = np.empty(N_DOMAINS)
    u_noise = np.empty(N_DOMAINS)
    c0, c1 = block_chunks(b)
    for c in range(c0, c1):
        lo, hi = bounds[c, 0], bounds[c, 1]
        if not ablate & _A_FAMILIES:
            for f in range(bounds[c, 2], bounds[c, 3]):
                _family(f, kp, fam.start, fam.size, fam_support, alive, need)
        for i in range(lo, hi):
            if alive[i] == 0:
                continue
            g = complex_[i]
            me = pid[i]
            events[c, EV_ALIVE, g] += 1
            weeks_alive[i] += 1
            fs = fam_support[family[i]]
            if no_draws:
                ek = np.uint64(me)
                u_shock = STAND_IN[0] + STAND_IN_STEP * me
                u_crisis = STAND_IN[1] + STAND_IN_STEP * me
                u_death = STAND_IN[2] + STAND_IN_STEP * me
            else:
                ek = entity_key(sk_life, me, t)
                u_shock, u_crisis = draw_pair(ek, K_SHOCK_CRISIS)
                u_death = 1.0 if no_death else draw_at(ek, K_DEATH)
            # 1. Needs drift toward set points pulled up by coupled domains, plus noise.
            p0 = p1 = p2 = p3 = p4 = p5 = p6 = p7 = 0.0
            if not no_coupling:
                for j in range(N_DOMAINS):
                    x = np.float64(need[i, j])
                    p0 += coupling[0, j] * x
                    p1 += coupling[1, j] * x
                    p2 += coupling[2, j] * x
                    p3 += coupling[3, j] * x
                    p4 += coupling[4, j] * x
                    p5 += coupling[5, j] * x
                    p6 += coupling[6, j] * x
                    p7 += coupling[7, j] * x
            pull[0], pull[1], pull[2], pull[3] = p0, p1, p2, p3
            pull[4], pull[5], pull[6], pull[7] = p4, p5, p6, p7
            if no_noise:
                for d in range(N_DOMAINS):
                    u_noise[d] = STAND_IN_NOISE * d
            else:
                for j in range(LIFE_NOISE_PAIRS):
                    u_noise[2 * j], u_noise[2 * j + 1] = draw_pair(ek, K_NOISE + j)
            # A tenancy or treatment lowers the target while it holds (processes/housing.py);
            # set points relax toward the baseline, so scars and gains fade.
            relief_h = kp.housing_relief if tenancy[i] != T_NONE else 0.0
            tr = treatment[i]
            relief_s = kp.treatment_relief if tr == TR_IN else 0.0
            relief_s += kp.treatment_recovery_relief if tr == TR_DONE else 0.0
            for d in range(N_DOMAINS):
                nd = np.float64(need[i, d])
                sp = np.float64(setpoint[i, d])
                sp += kp.setpoint_reversion * (np.float64(baseline[i, d]) - sp)
                setpoint[i, d] = sp
                target = sp + kp.coupling * pull[d]
                target -= relief_h if d == D_HOUSE else (relief_s if d == D_SUBST else 0.0)
                u = u_noise[d]
                new[d] = nd + kp.reversion * (target - nd) + kp.noise * (2.0 * u - 1.0) * SQRT3
            if u_shock < kp.shock_rate:
                k = int(draw_at(ek, K_SHOCK_D) * N_DOMAINS)
                rb = kp.resilience_buffer
                new[k] += kp.shock_size * (1.0 - kp.family_buffer * fs) * (1.0 - rb * resilience[i])
                shocks[i] += 1
                events[c, EV_SHOCK, g] += 1
            for d in range(N_DOMAINS):
                need[i, d] = clip01(new[d])
            # 2. Crisis: prison and homelessness first (weekly states), then the hazard.
            if no_crisis:
                pass
            elif prison_weeks[i] > 0:
                prison_weeks[i] -= 1
                charge(i, I_PRISON, 1.0, g, c, cost, ledger, pence, holder)
                events[c, EV_PRISON, g] += 1
                if prison_weeks[i] == 0:
                    release(i, me, g, c, key, t, kp, per, books)
            else:
                if need[i, D_HOUSE] > kp.homeless_threshold:
                    charge(i, I_EA, 1.0, g, c, cost, ledger, pence, holder)
                    events[c, EV_EA, g] += 1
                    per.ea_weeks[i] += 1
                # In hospital (an admission spell): no new crisis; discharged when it ends.
                in_hospital = hospital_weeks[i] > 0
                if in_hospital:
                    hospital_weeks[i] -= 1
                    if hospital_weeks[i] == 0:
                        discharged(g, c, kp, per.discharge_day[i], events)
                x = 0.0
                m = 0
                for d in range(N_DOMAINS):
                    x += crisis_w[d] * need[i, d]
                    if need[i, d] > kp.high_need:
                        m += 1
                tmax = 0.0
                for k in range(SLOTS):
                    if slot_service[i, k] >= 0 and slot_trust[i, k] > tmax:
                        tmax = slot_trust[i, k]
                mc = max(m - 1, 0)
                f12 = (1.0 - kp.trust_protection * tmax) * (1.0 - kp.family_protection * fs)
                since = t * DAYS_PER_WEEK - discharge_day[i]  # days since the last discharge
                recent = 1.0 if discharge_day[i] >= 0 and 0 <= since < READMIT_DAYS else 0.0
                f3 = 1.0 + kp.unmet_multiplier * unmet[i] + kp.discharge_risk * recent
                u = u_crisis
                maybe = not in_hospital
                if maybe and x >= 0.0 and x < 1.0:  # bounded hazard (see _life_bounds)
                    bound = abs(kp.base_rate) * ebound[mc, int(x * EXP_BINS)] * abs(f12) * abs(f3)
                    maybe = u < bound * (1.0 + 1e-6) + 2e-12
                if maybe:
                    h = kp.base_rate * np.exp(kp.need_slope * x + kp.complexity_slope * mc)
                    h *= f12
                    h *= f3
                    if u < h + 1e-12 and u < 1.0 - np.exp(-h):
                        _crisis(i, me, g, c, key, t, kp, per, books, structure)
            if alive[i] == 1 and not no_death:
                u = u_death
                if u < hd_max:
                    wph = kp.mortality_physical_weight
                    xm = wph * need[i, D_PHYS] + (1.0 - wph) * need[i, D_SUBST]
                    hd = kp.base_mortality * np.exp(kp.mortality_slope * xm)
                    if u < 1.0 - np.exp(-hd):
                        alive[i] = 0
                        died_week[i] = t
                        events[c, EV_DEATH, g] += 1


@nb.njit(cache=True, inline="always")
def _crisis(i, me, g, c, key, t, kp, per, books, structure):
    """One crisis presentation of person ``i``: its kind, cost, harm and possible death."""
    need, setpoint, cost, crises = per.need, per.setpoint, per.cost, per.crises
    alive, died_week = per.alive, per.died_week
    kind_w, kind_domain = structure.crisis_kind, structure.crisis_domain
    pence, holder, ledger, events = books.pence, books.holder, books.ledger, books.events
    nk = kind_w.shape[0]
    total = 0.0
    for k in range(nk):
        for d in range(N_DOMAINS):
            total += kind_w[k, d] * need[i, d]
    pick = draw(key, S_KIND, me, t, 0) * total
    kind = nk - 1
    acc = 0.0
    for k in range(nk):
        for d in range(N_DOMAINS):
            acc += kind_w[k, d] * need[i, d]
        if pick < acc:
            kind = k
            break
    crises[i] += 1
    per.crisis_kinds[i, kind] += 1
    events[c, EV_CRISIS0 + kind, g] += 1
    if kind in (CR_AE, CR_ADM):
        charge(i, I_AE, 1.0, g, c, cost, ledger, pence, holder)
        if kind == CR_ADM or draw(key, S_AMB, me, t, 0) < kp.ambulance_share:
            charge(i, I_AMB, 1.0, g, c, cost, ledger, pence, holder)
    if kind == CR_ADM:
        days = admit(i, me, g, c, key, t, kp, per, events)
        charge(i, I_ADM, days, g, c, cost, ledger, pence, holder)
    elif kind == CR_CUST:
        charge(i, I_CUST, 1.0, g, c, cost, ledger, pence, holder)
        custody(i, me, g, c, key, t, kp, per, events, draw(key, S_PRISON, me, t, 0))
    elif kind == CR_MH:
        charge(i, I_MH, 1.0, g, c, cost, ledger, pence, holder)
    d = kind_domain[kind]
    need[i, d] = clip01(need[i, d] + kp.crisis_harm)
    setpoint[i, d] = clip01(setpoint[i, d] + kp.scar)
    if draw(key, S_DEATH, me, t, 1) < kp.crisis_death:
        alive[i] = 0
        died_week[i] = t
        events[c, EV_DEATH, g] += 1
        events[c, EV_CDEATH, g] += 1
