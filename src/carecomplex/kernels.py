"""Numba kernels of the weekly step: pure functions of arrays, outputs passed in.

Each kernel has a slow, readable NumPy twin in :mod:`carecomplex.reference`; tests
check them against each other on random states. Parallel kernels loop over a fixed
number of chunks (``N_CHUNKS``), never over threads, and draw only from counter-based
streams, so results are identical for any thread count. Costs and counts go into
per-chunk integer partials (exact, order-free); per-service float sums go into
per-chunk partials combined in chunk order.

``kp`` is a :class:`KP` (kernel parameters for one week, flattened from
:class:`carecomplex.params.Params` and the week's regime levers).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from carecomplex.costs import Item
from carecomplex.rng import Stream, draw, draw_at, entity_key, stream_key
from carecomplex.state import N_CHUNKS, N_DOMAINS, SLOTS, Crisis, Domain, Event

assert N_DOMAINS == 8, "life_crisis accumulates the coupling pull in eight registers"

# Integer constants as plain ints so numba treats them as compile-time literals.
_AE, _ADM, _CUST, _MH = (
    int(Crisis.AE),
    int(Crisis.ADMISSION),
    int(Crisis.CUSTODY),
    int(Crisis.MH_ADMISSION),
)
_PHYS, _SUBST, _HOUSE = int(Domain.PHYSICAL), int(Domain.SUBSTANCE), int(Domain.HOUSING)
I_ASSESS, I_REASSESS, I_REFER, I_SUPPORT = (
    int(Item.ASSESSMENT),
    int(Item.REASSESSMENT),
    int(Item.REFERRAL),
    int(Item.SUPPORT),
)
I_AE, I_AMB, I_ADM, I_MH = (
    int(Item.AE),
    int(Item.AMBULANCE),
    int(Item.ADMISSION),
    int(Item.MH_ADMISSION),
)
I_CUST, I_PRISON, I_EA, I_TEN, I_TREAT = (
    int(Item.CUSTODY),
    int(Item.PRISON_WEEK),
    int(Item.EMERGENCY_ACCOMMODATION),
    int(Item.TENANCY),
    int(Item.TREATMENT),
)
S_NOISE, S_SHOCK, S_SHOCK_D = int(Stream.NEED_NOISE), int(Stream.SHOCK), int(Stream.SHOCK_DOMAIN)
S_CRISIS, S_KIND, S_DEATH, S_PRISON = (
    int(Stream.CRISIS),
    int(Stream.CRISIS_KIND),
    int(Stream.DEATH),
    int(Stream.PRISON),
)
S_AMB, S_PRIORITY, S_ASSESS, S_GAMING = (
    int(Stream.AMBULANCE),
    int(Stream.PRIORITY),
    int(Stream.ASSESS),
    int(Stream.GAMING),
)
S_CONT, S_DIS, S_TURN, S_BUDGET = (
    int(Stream.CONTINUITY),
    int(Stream.DISENGAGE),
    int(Stream.TURNOVER),
    int(Stream.BUDGET),
)
E = {e.name: int(e) for e in Event}
EV_CRISIS0, EV_DEATH, EV_CDEATH, EV_READMIT = (
    E["CRISIS_AE"],
    E["DEATH"],
    E["CRISIS_DEATH"],
    E["READMISSION_30D"],
)
EV_REOFF, EV_PRISON, EV_EA, EV_APPLY = (
    E["REOFFENCE_1Y"],
    E["PRISON_WEEK"],
    E["EA_WEEK"],
    E["APPLICATION"],
)
EV_ASSESS, EV_REASSESS, EV_REJECT, EV_ACCEPT = (
    E["ASSESSMENT"],
    E["REASSESSMENT"],
    E["REJECTION"],
    E["ACCEPTED"],
)
EV_QUEUE, EV_HANDOFF, EV_CLOSED, EV_DROP = E["QUEUED"], E["HANDOFF"], E["CLOSED"], E["DROPOUT"]
EV_TEN, EV_TREAT, EV_SHOCK, EV_ALIVE, EV_SUPP = (
    E["TENANCY"],
    E["TREATMENT_WEEK"],
    E["SHOCK"],
    E["ALIVE"],
    E["SUPPORTED"],
)
REJECT_COOLDOWN = 8  # weeks before a rejected person seeks help again
SKIM = 0.25  # rejection probability of a 4-domain case at full gaming (cream-skimming)
REALLOCATION = 0.15  # weekly chance a relationship ends when there is no continuity
DISCLOSURE = 0.2  # share of an unshared need a trusting person discloses to a worker
REREFERRAL = np.uint8(2)  # bit of `assessed`: closed with need left, to be re-referred
TENANCY_DROP = 0.25  # housing need and set point removed by a funded tenancy
TREATMENT_WEEKS = 26  # length of a funded treatment course
TREATMENT_EFFECT = 0.006  # substance set point removed per treatment week
SVC_STATS = 4  # per-service partial sums: episodes, trust, match, need reduced


class KP(NamedTuple):
    """Kernel parameters for one week (all floats or ints)."""

    reversion: float
    noise: float
    coupling: float
    shock_rate: float
    shock_size: float
    family_buffer: float
    family_strain: float
    family_recovery: float
    recovery_gain: float
    scar: float
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
    caseload: int
    contact_hours: float
    dose: float
    seek_threshold: float
    stable_need: float
    discharge_margin: float
    target_stretch: float
    target_pressure: float
    episode_cap: int
    eligibility: float
    information_sharing: float
    continuity: float
    whole_person: float
    flexible_budget: float
    trust_build: float
    trust_erode: float
    disengage: float
    burnout_rate: float
    burnout_recovery: float
    target_strain: float
    turnover: float
    burnout_turnover: float
    novice_skill: float
    skill_growth: float
    friction_load: float


@nb.njit(cache=True, inline="always")
def _chunk(c: int, n: int) -> tuple[int, int]:
    return c * n // N_CHUNKS, (c + 1) * n // N_CHUNKS


@nb.njit(cache=True, inline="always")
def _charge(i, item, qty, g, c, cost, ledger, pence, holder):
    amount = np.int64(round(pence[item] * qty))
    cost[i, holder[item]] += amount
    ledger[c, item, g] += amount


@nb.njit(cache=True, inline="always")
def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


@nb.njit(cache=True, parallel=True)
def life_crisis(
    seed,
    t,
    kp,
    pid,
    family,
    complex_,
    alive,
    died_week,
    need,
    setpoint,
    resilience,
    slot_service,
    slot_trust,
    unmet,
    prison_weeks,
    last_admission,
    last_custody,
    crises,
    shocks,
    cost,
    weeks_alive,
    fam_support,
    coupling,
    crisis_w,
    kind_w,
    kind_domain,
    pence,
    holder,
    ledger,
    events,
):
    """Steps 1-2: life dynamics, crises, homelessness, prison and deaths (in place).

    Bit-identical to drawing every number with :func:`draw`; for speed, the parts of the
    hash that do not change in the loop are computed once, the coupling pull is summed
    column by column (each row's terms still added in the same order), and the exponentials of
    the crisis and death probabilities are evaluated only when the draw is below a safe
    upper bound of the probability (1 - exp(-h) <= h).
    """
    n = pid.shape[0]
    sk = _life_keys(seed)
    hd_max, ebound = _life_bounds(kp)
    for c in nb.prange(N_CHUNKS):
        lo, hi = _chunk(c, n)
        _life_range(
            lo,
            hi,
            c,
            seed,
            t,
            kp,
            sk,
            hd_max,
            ebound,
            pid,
            family,
            complex_,
            alive,
            died_week,
            need,
            setpoint,
            resilience,
            slot_service,
            slot_trust,
            unmet,
            prison_weeks,
            last_admission,
            last_custody,
            crises,
            shocks,
            cost,
            weeks_alive,
            fam_support,
            coupling,
            crisis_w,
            kind_w,
            kind_domain,
            pence,
            holder,
            ledger,
            events,
        )


EXP_BINS = 64  # bins of the weighted need in the crisis-hazard bound table


@nb.njit(cache=True, inline="always")
def _life_keys(seed):
    """Stream keys of the life/crisis draws (hoisted out of the person loop)."""
    return (
        stream_key(seed, S_NOISE),
        stream_key(seed, S_SHOCK),
        stream_key(seed, S_SHOCK_D),
        stream_key(seed, S_CRISIS),
        stream_key(seed, S_DEATH),
    )


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
def _life_range(
    lo,
    hi,
    c,
    seed,
    t,
    kp,
    sk,
    hd_max,
    ebound,
    pid,
    family,
    complex_,
    alive,
    died_week,
    need,
    setpoint,
    resilience,
    slot_service,
    slot_trust,
    unmet,
    prison_weeks,
    last_admission,
    last_custody,
    crises,
    shocks,
    cost,
    weeks_alive,
    fam_support,
    coupling,
    crisis_w,
    kind_w,
    kind_domain,
    pence,
    holder,
    ledger,
    events,
):
    """Life dynamics and crisis for persons ``lo..hi-1``, partials into chunk ``c``.

    The draws are pure functions of (seed, stream, person, week), so all of a person's
    are computed up front (independent hash chains overlap in the CPU); the coupling
    pull is accumulated in eight registers, column by column, each row still summing
    j = 0..7 in order. Both leave every result bit-identical.
    """
    sk_noise, sk_shock, sk_shock_d, sk_crisis, sk_death = sk
    new = np.empty(N_DOMAINS)
    pull = np.empty(N_DOMAINS)
    for i in range(lo, hi):
        if alive[i] == 0:
            continue
        g = complex_[i]
        me = pid[i]
        events[c, EV_ALIVE, g] += 1
        weeks_alive[i] += 1
        fs = fam_support[family[i]]
        ek = entity_key(sk_noise, me, t)
        u_shock = draw_at(entity_key(sk_shock, me, t), 0)
        u_crisis = draw_at(entity_key(sk_crisis, me, t), 0)
        u_death = draw_at(entity_key(sk_death, me, t), 0)
        # 1. Needs drift toward set points pulled up by coupled domains, plus noise.
        p0 = p1 = p2 = p3 = p4 = p5 = p6 = p7 = 0.0
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
        for d in range(N_DOMAINS):
            nd = np.float64(need[i, d])
            target = setpoint[i, d] + kp.coupling * pull[d]
            new[d] = (
                nd
                + kp.reversion * (target - nd)
                + kp.noise * (2.0 * draw_at(ek, d) - 1.0) * 1.7320508075688772
            )
        if u_shock < kp.shock_rate:
            k = int(draw_at(entity_key(sk_shock_d, me, t), 0) * N_DOMAINS)
            new[k] += kp.shock_size * (1.0 - kp.family_buffer * fs) * (1.0 - 0.5 * resilience[i])
            shocks[i] += 1
            events[c, EV_SHOCK, g] += 1
        for d in range(N_DOMAINS):
            need[i, d] = _clip01(new[d])
        # 2. Crisis: prison and homelessness first (weekly states), then the hazard.
        if prison_weeks[i] > 0:
            prison_weeks[i] -= 1
            _charge(i, I_PRISON, 1.0, g, c, cost, ledger, pence, holder)
            events[c, EV_PRISON, g] += 1
        else:
            if need[i, _HOUSE] > kp.homeless_threshold:
                _charge(i, I_EA, 1.0, g, c, cost, ledger, pence, holder)
                events[c, EV_EA, g] += 1
            x = 0.0
            m = 0
            for d in range(N_DOMAINS):
                x += crisis_w[d] * need[i, d]
                if need[i, d] > 0.5:
                    m += 1
            tmax = 0.0
            for k in range(SLOTS):
                if slot_service[i, k] >= 0 and slot_trust[i, k] > tmax:
                    tmax = slot_trust[i, k]
            mc = max(m - 1, 0)
            f12 = (1.0 - kp.trust_protection * tmax) * (1.0 - kp.family_protection * fs)
            f3 = 1.0 + kp.unmet_multiplier * unmet[i]
            u = u_crisis
            maybe = True
            if x >= 0.0 and x < 1.0:  # bounded hazard (see _life_bounds)
                bound = abs(kp.base_rate) * ebound[mc, int(x * EXP_BINS)] * abs(f12) * abs(f3)
                maybe = u < bound * (1.0 + 1e-6) + 2e-12
            if maybe:
                h = kp.base_rate * np.exp(kp.need_slope * x + kp.complexity_slope * mc)
                h *= f12
                h *= f3
                if u < h + 1e-12 and u < 1.0 - np.exp(-h):
                    _crisis(
                        i,
                        me,
                        t,
                        g,
                        c,
                        seed,
                        kp,
                        need,
                        setpoint,
                        prison_weeks,
                        last_admission,
                        last_custody,
                        crises,
                        kind_w,
                        kind_domain,
                        cost,
                        ledger,
                        events,
                        pence,
                        holder,
                        alive,
                        died_week,
                    )
        if alive[i] == 1:
            u = u_death
            if u < hd_max:
                xm = 0.5 * need[i, _PHYS] + 0.5 * need[i, _SUBST]
                hd = kp.base_mortality * np.exp(kp.mortality_slope * xm)
                if u < 1.0 - np.exp(-hd):
                    alive[i] = 0
                    died_week[i] = t
                    events[c, EV_DEATH, g] += 1


@nb.njit(cache=True, inline="always")
def _crisis(
    i,
    me,
    t,
    g,
    c,
    seed,
    kp,
    need,
    setpoint,
    prison_weeks,
    last_admission,
    last_custody,
    crises,
    kind_w,
    kind_domain,
    cost,
    ledger,
    events,
    pence,
    holder,
    alive,
    died_week,
):
    """One crisis presentation: its kind, cost, harm and possible death."""
    nk = kind_w.shape[0]
    total = 0.0
    for k in range(nk):
        for d in range(N_DOMAINS):
            total += kind_w[k, d] * need[i, d]
    pick = draw(seed, S_KIND, me, t, 0) * total
    kind = nk - 1
    acc = 0.0
    for k in range(nk):
        for d in range(N_DOMAINS):
            acc += kind_w[k, d] * need[i, d]
        if pick < acc:
            kind = k
            break
    crises[i] += 1
    events[c, EV_CRISIS0 + kind, g] += 1
    if kind in (_AE, _ADM):
        _charge(i, I_AE, 1.0, g, c, cost, ledger, pence, holder)
        if kind == _ADM or draw(seed, S_AMB, me, t, 0) < 0.5:
            _charge(i, I_AMB, 1.0, g, c, cost, ledger, pence, holder)
    if kind == _ADM:
        _charge(i, I_ADM, 1.0, g, c, cost, ledger, pence, holder)
        if t - last_admission[i] <= 4:
            events[c, EV_READMIT, g] += 1
        last_admission[i] = t
    elif kind == _CUST:
        _charge(i, I_CUST, 1.0, g, c, cost, ledger, pence, holder)
        if t - last_custody[i] <= 52:
            events[c, EV_REOFF, g] += 1
        last_custody[i] = t
        if draw(seed, S_PRISON, me, t, 0) < kp.custody_prison:
            u = draw(seed, S_PRISON, me, t, 1)
            prison_weeks[i] = 1 + int(-np.log1p(-u) * (kp.prison_weeks - 1.0))
    elif kind == _MH:
        _charge(i, I_MH, 1.0, g, c, cost, ledger, pence, holder)
    d = kind_domain[kind]
    need[i, d] = _clip01(need[i, d] + kp.crisis_harm)
    setpoint[i, d] = _clip01(setpoint[i, d] + kp.scar)
    if draw(seed, S_DEATH, me, t, 1) < kp.crisis_death:
        alive[i] = 0
        died_week[i] = t
        events[c, EV_DEATH, g] += 1
        events[c, EV_CDEATH, g] += 1


@nb.njit(cache=True)
def _seek_domain(i, kp, need, slot_service, slot_remit) -> int:
    """Highest uncovered need above the seeking threshold (-1 if none)."""
    covered = 0
    for k in range(SLOTS):
        if slot_service[i, k] >= 0:
            covered |= slot_remit[i, k]
    best, best_need = -1, kp.seek_threshold
    for d in range(N_DOMAINS):
        if (covered >> d) & 1 == 0 and need[i, d] > best_need:
            best, best_need = d, need[i, d]
    return best


@nb.njit(cache=True, inline="always")
def _threshold(kp, load: int, capacity: int) -> float:
    """Eligibility rations capacity: a service with room accepts below its threshold.

    The threshold in force rises from the seeking threshold (idle service) to the
    stated eligibility as the service fills up (85 % utilisation and above).
    """
    lo = min(kp.seek_threshold, kp.eligibility)
    fill = min(1.0, load / (0.85 * max(1, capacity)))
    return lo + (kp.eligibility - lo) * fill


@nb.njit(cache=True)
def access(
    seed,
    t,
    kp,
    pid,
    complex_,
    alive,
    need,
    slot_service,
    slot_worker,
    slot_weeks,
    slot_trust,
    slot_remit,
    assessed,
    wait_service,
    wait_weeks,
    unmet,
    cooldown,
    prison_weeks,
    sys_trust,
    handoffs,
    cost,
    w_service,
    w_caseload,
    s_capacity,
    s_load,
    s_queue,
    s_gaming,
    s_info,
    pence,
    holder,
    ledger,
    events,
):
    """Step 3: help-seeking, assessment, eligibility, gaming, capacity and queues.

    :func:`access_into` with freshly allocated scratch (see there).
    """
    scratch = access_scratch(pid.shape[0])
    access_into(
        seed,
        t,
        kp,
        pid,
        complex_,
        alive,
        need,
        slot_service,
        slot_worker,
        slot_weeks,
        slot_trust,
        slot_remit,
        assessed,
        wait_service,
        wait_weeks,
        unmet,
        cooldown,
        prison_weeks,
        sys_trust,
        handoffs,
        cost,
        w_service,
        w_caseload,
        s_capacity,
        s_load,
        s_queue,
        s_gaming,
        s_info,
        pence,
        holder,
        ledger,
        events,
        scratch,
    )


@nb.njit(cache=True)
def access_scratch(n):
    """Scratch arrays of :func:`access_into` for ``n`` persons (reusable across weeks)."""
    return (
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.uint8),
        np.empty(n, dtype=np.uint8),
        np.empty(n, dtype=np.int64),
    )


@nb.njit(cache=True)
def access_into(
    seed,
    t,
    kp,
    pid,
    complex_,
    alive,
    need,
    slot_service,
    slot_worker,
    slot_weeks,
    slot_trust,
    slot_remit,
    assessed,
    wait_service,
    wait_weeks,
    unmet,
    cooldown,
    prison_weeks,
    sys_trust,
    handoffs,
    cost,
    w_service,
    w_caseload,
    s_capacity,
    s_load,
    s_queue,
    s_gaming,
    s_info,
    pence,
    holder,
    ledger,
    events,
    scratch,
):
    """Step 3: help-seeking, assessment, eligibility, gaming, capacity and queues.

    Applicants are served in a deterministic order: longest waiting first, then by a
    counter-based priority draw, lowered for complex cases by a service's gaming.

    The result equals serving every applicant one by one in that order (the twin), but
    the work is split so that it runs in parallel with results independent of the
    thread count:

    A. per person (parallel chunks): who applies, to which service, with what priority;
       a new application's assessment (its cost, and trust lost by telling the story
       again) and the order-free parts of the decision (re-referral, cream-skimming);
    B. per service (parallel over services): applicants only interact through their
       service's load (the eligibility threshold in force, the capacity limit) and its
       posts' caseloads, so each service serves its own applicants in priority order,
       picking the least-loaded post from a heap (first post on ties);
    C. per applicant (parallel chunks): the decision's effects on the person.

    Counts and pence are integers, summed into chunk 0 of ``ledger`` and ``events``.
    """
    n = pid.shape[0]
    # Scratch (each entry written before it is read): candidate person, wanted service,
    # priority key, flags (1 new application, 2 re-referral, 4 skimmed), outcome
    # (0 queued, 1 accepted, 2 rejected) and chosen post, of up to n applicants.
    cand, want, key, flags, outcome, chosen = scratch
    count = np.zeros(N_CHUNKS, dtype=np.int64)
    led = np.zeros((N_CHUNKS, ledger.shape[1], ledger.shape[2]), dtype=np.int64)
    ev = np.zeros((N_CHUNKS, events.shape[1], events.shape[2]), dtype=np.int64)
    for sv in range(s_queue.shape[0]):
        s_queue[sv] = 0
    _seekers(
        seed,
        t,
        kp,
        pid,
        complex_,
        alive,
        need,
        slot_service,
        slot_remit,
        assessed,
        wait_service,
        wait_weeks,
        unmet,
        cooldown,
        prison_weeks,
        sys_trust,
        handoffs,
        cost,
        s_gaming,
        s_info,
        pence,
        holder,
        cand,
        want,
        key,
        flags,
        count,
        led,
        ev,
    )
    # Compact the candidates (person order) and bucket them by service (stable).
    m = 0
    for cc in range(N_CHUNKS):
        first = _chunk(cc, n)[0]
        for j in range(first, first + count[cc]):
            cand[m] = cand[j]
            want[m] = want[j]
            key[m] = key[j]
            flags[m] = flags[j]
            m += 1
    n_svc = s_load.shape[0]
    start = np.zeros(n_svc + 1, dtype=np.int64)
    for j in range(m):
        start[want[j] + 1] += 1
    for sv in range(n_svc):
        start[sv + 1] += start[sv]
    bucket = np.empty(m, dtype=np.int64)
    fill = start[:n_svc].copy()
    for j in range(m):
        bucket[fill[want[j]]] = j
        fill[want[j]] += 1
    # B. Per service: serve its applicants in priority order.
    _serve_all(
        kp,
        bucket,
        start,
        key,
        flags,
        need,
        cand,
        outcome,
        chosen,
        w_service,
        w_caseload,
        s_capacity,
        s_load,
        s_queue,
    )
    # C. Per applicant: the decision's effects on the person.
    _effects(
        kp,
        m,
        cand,
        want,
        outcome,
        chosen,
        complex_,
        slot_service,
        slot_worker,
        slot_weeks,
        slot_trust,
        slot_remit,
        wait_service,
        wait_weeks,
        unmet,
        cooldown,
        sys_trust,
        cost,
        pence,
        holder,
        led,
        ev,
    )
    for cc in range(N_CHUNKS):  # integer partials: exact in any order
        for x in range(ledger.shape[1]):
            for y in range(ledger.shape[2]):
                ledger[0, x, y] += led[cc, x, y]
        for x in range(events.shape[1]):
            for y in range(events.shape[2]):
                events[0, x, y] += ev[cc, x, y]


@nb.njit(cache=True, parallel=True)
def _seekers(
    seed,
    t,
    kp,
    pid,
    complex_,
    alive,
    need,
    slot_service,
    slot_remit,
    assessed,
    wait_service,
    wait_weeks,
    unmet,
    cooldown,
    prison_weeks,
    sys_trust,
    handoffs,
    cost,
    s_gaming,
    s_info,
    pence,
    holder,
    cand,
    want,
    key,
    flags,
    count,
    led,
    ev,
):
    """Access phase A (per person, parallel chunks): see :func:`access`."""
    n = pid.shape[0]
    sk_cont = stream_key(seed, S_CONT)
    sk_prio = stream_key(seed, S_PRIORITY)
    sk_assess = stream_key(seed, S_ASSESS)
    sk_gaming = stream_key(seed, S_GAMING)
    # A. Per person: apply or not; assess new applications.
    for c in nb.prange(N_CHUNKS):
        lo, hi = _chunk(c, n)
        top = lo
        for i in range(lo, hi):
            unmet[i] = 0
            if alive[i] == 0 or prison_weeks[i] > 0:
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            if cooldown[i] > 0:
                cooldown[i] -= 1
                unmet[i] = 1 if _seek_domain(i, kp, need, slot_service, slot_remit) >= 0 else 0
                continue
            d = _seek_domain(i, kp, need, slot_service, slot_remit)
            if d < 0:
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            held = -1
            free_slot = -1
            for k in range(SLOTS):
                if slot_service[i, k] >= 0:
                    if held < 0:
                        held = k
                elif free_slot < 0:
                    free_slot = k
            me = pid[i]
            if held >= 0 and draw_at(entity_key(sk_cont, me, t), 0) < kp.continuity:
                slot_remit[i, held] |= np.uint8(1 << d)  # the known worker takes the need on
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            if free_slot < 0:
                continue
            nhigh = 0
            for dd in range(N_DOMAINS):
                if need[i, dd] > 0.5:
                    nhigh += 1
            cand[top] = i
            want[top] = d
            u = draw_at(entity_key(sk_prio, me, t), 0)
            key[top] = wait_weeks[i] + u - s_gaming[d] * nhigh / 4.0
            f = np.uint8(0)
            if wait_service[i] != d:  # a new application: assessed now, decided in B
                g = complex_[i]
                f = np.uint8(1)
                ev[c, EV_APPLY, g] += 1
                if held >= 0:
                    handoffs[i] += 1
                    ev[c, EV_HANDOFF, g] += 1
                    _charge(i, I_REFER, 1.0, g, c, cost, led, pence, holder)
                if (assessed[i] & REREFERRAL) != 0:
                    f |= np.uint8(2)
                assessed[i] &= ~REREFERRAL
                if assessed[i] == 1 and draw_at(entity_key(sk_assess, me, t), 0) < s_info[d]:
                    pass  # the shared record stands in for a new assessment
                elif assessed[i] == 1:
                    _charge(i, I_REASSESS, 1.0, g, c, cost, led, pence, holder)
                    ev[c, EV_REASSESS, g] += 1
                    sys_trust[i] *= 1.0 - kp.trust_erode / 3.0  # telling the story again
                else:
                    _charge(i, I_ASSESS, 1.0, g, c, cost, led, pence, holder)
                    ev[c, EV_ASSESS, g] += 1
                    assessed[i] = 1
                if draw_at(entity_key(sk_gaming, me, t), 0) < SKIM * s_gaming[d] * nhigh / 4.0:
                    f |= np.uint8(4)
            flags[top] = f
            top += 1
        count[c] = top - lo


@nb.njit(cache=True, parallel=True)
def _serve_all(
    kp,
    bucket,
    start,
    key,
    flags,
    need,
    cand,
    outcome,
    chosen,
    w_service,
    w_caseload,
    s_capacity,
    s_load,
    s_queue,
):
    """Access phase B (per service, parallel): see :func:`access`."""
    n_svc = s_load.shape[0]
    for s in nb.prange(n_svc):
        _serve(
            kp,
            s,
            bucket[start[s] : start[s + 1]],
            key,
            flags,
            need,
            cand,
            outcome,
            chosen,
            w_service,
            w_caseload,
            s_capacity,
            s_load,
            s_queue,
        )


@nb.njit(cache=True, parallel=True)
def _effects(
    kp,
    m,
    cand,
    want,
    outcome,
    chosen,
    complex_,
    slot_service,
    slot_worker,
    slot_weeks,
    slot_trust,
    slot_remit,
    wait_service,
    wait_weeks,
    unmet,
    cooldown,
    sys_trust,
    cost,
    pence,
    holder,
    led,
    ev,
):
    """Access phase C (per applicant, parallel chunks): see :func:`access`."""
    for c in nb.prange(N_CHUNKS):
        lo, hi = _chunk(c, m)
        for j in range(lo, hi):
            i = cand[j]
            s = want[j]
            g = complex_[i]
            if outcome[j] == 2:
                ev[c, EV_REJECT, g] += 1
                _charge(i, I_REFER, 1.0, g, c, cost, led, pence, holder)
                sys_trust[i] *= 1.0 - kp.trust_erode
                unmet[i] = 1
                cooldown[i] = REJECT_COOLDOWN
                wait_service[i] = -1
                wait_weeks[i] = 0
            elif outcome[j] == 1:
                k = 0
                while slot_service[i, k] >= 0:
                    k += 1
                slot_service[i, k] = s
                slot_worker[i, k] = chosen[j]
                slot_weeks[i, k] = 0
                slot_trust[i, k] = sys_trust[i]
                slot_remit[i, k] = np.uint8(1 << s)
                ev[c, EV_ACCEPT, g] += 1
                wait_service[i] = -1
                wait_weeks[i] = 0
            else:
                if wait_service[i] != s:
                    ev[c, EV_QUEUE, g] += 1
                wait_service[i] = s
                wait_weeks[i] += 1
                unmet[i] = 1


@nb.njit(cache=True)
def _before(a, b, load) -> bool:
    """Heap order of posts: fewer persons held first, then the lower post index."""
    return load[a] < load[b] or (load[a] == load[b] and a < b)


@nb.njit(cache=True)
def _sift_down(heap, size, j, load) -> None:
    while True:
        left = 2 * j + 1
        if left >= size:
            return
        best = left
        if left + 1 < size and _before(heap[left + 1], heap[left], load):
            best = left + 1
        if not _before(heap[best], heap[j], load):
            return
        heap[j], heap[best] = heap[best], heap[j]
        j = best


@nb.njit(cache=True)
def _serve(
    kp,
    s,
    mine,
    key,
    flags,
    need,
    cand,
    outcome,
    chosen,
    w_service,
    w_caseload,
    s_capacity,
    s_load,
    s_queue,
) -> None:
    """Decide one service's applicants (``mine``, candidate positions) in priority order."""
    n_posts = 0
    for w in range(w_service.shape[0]):
        if w_service[w] == s:
            n_posts += 1
    heap = np.empty(n_posts, dtype=np.int64)
    h = 0
    for w in range(w_service.shape[0]):
        if w_service[w] == s:
            heap[h] = w
            h += 1
    for j in range(n_posts // 2 - 1, -1, -1):
        _sift_down(heap, n_posts, j, w_caseload)
    # Applicants in priority order (highest key first, then person order) from a heap:
    # only the prefix served before the service fills up needs ordering, because once
    # it is full its load, and so every later decision, no longer changes.
    na = mine.shape[0]
    kk = np.empty(na, dtype=np.float64)
    for r in range(na):
        kk[r] = key[mine[r]]
    order = np.arange(na)
    for r in range(na // 2 - 1, -1, -1):
        _sift_key(order, na, r, kk)
    limit = int(s_capacity[s] * (1.0 + kp.target_stretch * kp.target_pressure))
    left = na
    while left > 0:
        full = s_load[s] >= limit
        if full:  # the rest in any order: the outcome no longer depends on it
            left -= 1
            r = order[left]
        else:
            r = order[0]
            left -= 1
            order[0] = order[left]
            _sift_key(order, left, 0, kk)
        j = mine[r]
        f = flags[j]
        if f & 1:  # a new application: eligibility at the load in force now
            rereferral = (f & 2) != 0
            eligible = rereferral or need[cand[j], s] >= _threshold(kp, s_load[s], s_capacity[s])
            if not eligible or ((f & 4) != 0 and not rereferral):
                outcome[j] = 2
                continue
        if not full:
            best = heap[0] if n_posts > 0 else -1
            w_caseload[best] += 1
            if n_posts > 0:
                _sift_down(heap, n_posts, 0, w_caseload)
            chosen[j] = best
            s_load[s] += 1
            outcome[j] = 1
        else:
            s_queue[s] += 1
            outcome[j] = 0


@nb.njit(cache=True)
def _sift_key(heap, size, j, kk) -> None:
    """Max-heap on ``kk`` with ties to the lower position (the serving order)."""
    while True:
        left = 2 * j + 1
        if left >= size:
            return
        best = left
        a, b = heap[left + 1] if left + 1 < size else -1, heap[left]
        if a >= 0 and (kk[a] > kk[b] or (kk[a] == kk[b] and a < b)):
            best = left + 1
        x, y = heap[best], heap[j]
        if not (kk[x] > kk[y] or (kk[x] == kk[y] and x < y)):
            return
        heap[j], heap[best] = heap[best], heap[j]
        j = best


@nb.njit(cache=True, parallel=True)
def support(
    seed,
    t,
    kp,
    pid,
    complex_,
    alive,
    need,
    setpoint,
    slot_service,
    slot_worker,
    slot_weeks,
    slot_trust,
    slot_remit,
    assessed,
    prison_weeks,
    treatment_weeks,
    sys_trust,
    handoffs,
    cost,
    w_skill,
    w_burnout,
    s_knowledge,
    s_info,
    s_gaming,
    pence,
    holder,
    ledger,
    events,
    svc,
):
    """Step 4: support contacts reduce needs; trust moves; episodes close (in place)."""
    n = pid.shape[0]
    sk = _support_keys(seed)
    for c in nb.prange(N_CHUNKS):
        lo, hi = _chunk(c, n)
        _support_range(
            lo,
            hi,
            c,
            seed,
            t,
            kp,
            sk,
            pid,
            complex_,
            alive,
            need,
            setpoint,
            slot_service,
            slot_worker,
            slot_weeks,
            slot_trust,
            slot_remit,
            assessed,
            prison_weeks,
            treatment_weeks,
            sys_trust,
            handoffs,
            cost,
            w_skill,
            w_burnout,
            s_knowledge,
            s_info,
            s_gaming,
            pence,
            holder,
            ledger,
            events,
            svc,
        )


@nb.njit(cache=True, parallel=True)
def support_wellbeing(
    seed,
    t,
    kp,
    pid,
    complex_,
    alive,
    need,
    setpoint,
    slot_service,
    slot_worker,
    slot_weeks,
    slot_trust,
    slot_remit,
    assessed,
    prison_weeks,
    treatment_weeks,
    sys_trust,
    handoffs,
    cost,
    w_skill,
    w_burnout,
    s_knowledge,
    s_info,
    s_gaming,
    pence,
    holder,
    ledger,
    events,
    svc,
    wb,
):
    """:func:`support` then :func:`wellbeing_sums` (into ``wb``) in one parallel region.

    Each chunk is supported, then its wellbeing summed while its needs are in cache.
    Nothing after support in the step changes needs, life or group, and the chunks and
    the order within them are those of :func:`wellbeing_sums`, so ``wb`` is
    bit-identical to calling it at the end of the step.
    """
    n = pid.shape[0]
    sk = _support_keys(seed)
    for c in nb.prange(N_CHUNKS):
        lo, hi = _chunk(c, n)
        _support_range(
            lo,
            hi,
            c,
            seed,
            t,
            kp,
            sk,
            pid,
            complex_,
            alive,
            need,
            setpoint,
            slot_service,
            slot_worker,
            slot_weeks,
            slot_trust,
            slot_remit,
            assessed,
            prison_weeks,
            treatment_weeks,
            sys_trust,
            handoffs,
            cost,
            w_skill,
            w_burnout,
            s_knowledge,
            s_info,
            s_gaming,
            pence,
            holder,
            ledger,
            events,
            svc,
        )
        _wellbeing_range(lo, hi, c, alive, complex_, need, wb)


@nb.njit(cache=True, inline="always")
def _support_keys(seed):
    return (
        stream_key(seed, S_GAMING),
        stream_key(seed, S_CONT),
        stream_key(seed, S_DIS),
        stream_key(seed, S_BUDGET),
    )


@nb.njit(cache=True)
def _support_range(
    lo,
    hi,
    c,
    seed,
    t,
    kp,
    sk,
    pid,
    complex_,
    alive,
    need,
    setpoint,
    slot_service,
    slot_worker,
    slot_weeks,
    slot_trust,
    slot_remit,
    assessed,
    prison_weeks,
    treatment_weeks,
    sys_trust,
    handoffs,
    cost,
    w_skill,
    w_burnout,
    s_knowledge,
    s_info,
    s_gaming,
    pence,
    holder,
    ledger,
    events,
    svc,
):
    """Support for persons ``lo..hi-1``, partials into chunk ``c``."""
    wp = kp.whole_person
    sk_gaming, sk_cont, sk_dis, sk_budget = sk
    known = np.empty(N_DOMAINS)
    base = np.empty(N_DOMAINS)
    alloc = np.empty(N_DOMAINS)
    for i in range(lo, hi):
        if alive[i] == 0:
            for k in range(SLOTS):
                slot_service[i, k] = -1
            continue
        g = complex_[i]
        me = pid[i]
        if treatment_weeks[i] > 0:
            treatment_weeks[i] -= 1
            _charge(i, I_TREAT, 1.0, g, c, cost, ledger, pence, holder)
            events[c, EV_TREAT, g] += 1
            setpoint[i, _SUBST] = _clip01(setpoint[i, _SUBST] - TREATMENT_EFFECT)
        held = False
        for k in range(SLOTS):
            held |= slot_service[i, k] >= 0
        if not held:  # nothing below runs; the branch also keeps the hashes in it
            continue
        ek_gaming = entity_key(sk_gaming, me, t)
        ek_cont = entity_key(sk_cont, me, t)
        ek_budget = entity_key(sk_budget, me, t)
        supported = False
        for k in range(SLOTS):
            s = slot_service[i, k]
            if s < 0:
                continue
            if prison_weeks[i] > 0:
                slot_service[i, k] = -1
                events[c, EV_CLOSED, g] += 1
                continue
            supported = True
            w = slot_worker[i, k]
            skill = w_skill[w] * (1.0 - 0.5 * w_burnout[w]) * (0.5 + 0.5 * s_knowledge[s])
            tau = slot_trust[i, k]
            engage = 0.2 + 0.8 * tau
            info = s_info[s]
            remit = slot_remit[i, k]
            sb, sk, nmax, rmax, ntot = 0.0, 0.0, 0.0, 0.0, 0.0
            for d in range(N_DOMAINS):
                nd = need[i, d]
                ntot += nd
                inr = (remit >> d) & 1
                base[d] = nd if inr else 0.0
                known[d] = nd if inr else nd * (info + (1.0 - info) * DISCLOSURE * tau)
                sb += base[d]
                sk += known[d]
                nmax = max(nmax, nd)
                if inr:
                    rmax = max(rmax, nd)
            # Match: overlap of the effort's spread with the spread of actual need.
            match = 0.0
            for d in range(N_DOMAINS):
                a = 0.0
                if sb > 0.0:
                    a += (1.0 - wp) * base[d] / sb
                if sk > 0.0:
                    a += wp * known[d] / sk
                alloc[d] = a
                if ntot > 0.0:
                    match += min(a, need[i, d] / ntot)
            # Need reduced = dose x skill x engagement x match, spread by the effort;
            # lasting change (the set point) needs a trusted relationship.
            effect = kp.dose * skill * engage * (0.5 + 0.5 * match) * (kp.contact_hours / 2.0)
            reduced = 0.0
            for d in range(N_DOMAINS):
                a = alloc[d]
                nd = need[i, d]
                red = effect * a * nd
                need[i, d] = _clip01(nd - red)
                setpoint[i, d] = _clip01(setpoint[i, d] - kp.recovery_gain * red)
                reduced += red
            _charge(i, I_SUPPORT, kp.contact_hours, g, c, cost, ledger, pence, holder)
            _budget(
                i,
                k,
                g,
                c,
                ek_budget,
                kp,
                need,
                setpoint,
                treatment_weeks,
                cost,
                ledger,
                events,
                pence,
                holder,
            )
            tau += kp.trust_build * (1.0 - tau) * (0.5 + 0.5 * match)
            slot_trust[i, k] = tau
            sys_trust[i] += 0.1 * kp.trust_build * (tau - sys_trust[i])
            slot_weeks[i, k] += 1
            svc[c, s, 0] += 1.0
            svc[c, s, 1] += tau
            svc[c, s, 2] += match
            svc[c, s, 3] += reduced
            # Close: need below threshold, on the clock, gamed, or dropped out.
            focus = (1.0 - wp) * rmax + wp * nmax
            thr = (1.0 - wp) * (kp.eligibility - kp.discharge_margin) + wp * kp.stable_need
            capped = kp.episode_cap > 0 and slot_weeks[i, k] >= kp.episode_cap
            gamed = draw_at(ek_gaming, 1 + k) < 0.05 * s_gaming[s]
            # Without continuity the relationship does not last: the case is closed
            # back to duty (a hand-off) and must be re-referred (no consistent worker).
            if draw_at(ek_cont, 1 + k) < (1.0 - kp.continuity) * REALLOCATION:
                slot_service[i, k] = -1
                handoffs[i] += 1
                events[c, EV_HANDOFF, g] += 1
                sys_trust[i] *= 1.0 - 0.5 * kp.trust_erode
                if focus >= thr:
                    assessed[i] |= REREFERRAL
            elif focus < thr or capped or gamed:
                slot_service[i, k] = -1
                events[c, EV_CLOSED, g] += 1
                if focus >= thr:  # closed with need left: stepped down, re-referred
                    assessed[i] |= REREFERRAL
            elif draw_at(entity_key(sk_dis, me, t), k) < kp.disengage * (1.0 - tau):
                slot_service[i, k] = -1
                events[c, EV_DROP, g] += 1
                sys_trust[i] *= 1.0 - kp.trust_erode
        if supported:
            events[c, EV_SUPP, g] += 1


@nb.njit(cache=True, inline="always")
def _budget(
    i,
    k,
    g,
    c,
    ek_budget,
    kp,
    need,
    setpoint,
    treatment_weeks,
    cost,
    ledger,
    events,
    pence,
    holder,
):
    """Flexible budget: buy met need (a tenancy, a treatment course): a J-curve channel."""
    if kp.flexible_budget <= 0.0:
        return
    if (
        need[i, _HOUSE] > kp.homeless_threshold
        and draw_at(ek_budget, 2 * k) < 0.1 * kp.flexible_budget
    ):
        need[i, _HOUSE] = _clip01(need[i, _HOUSE] - TENANCY_DROP)
        setpoint[i, _HOUSE] = _clip01(setpoint[i, _HOUSE] - TENANCY_DROP)
        _charge(i, I_TEN, 1.0, g, c, cost, ledger, pence, holder)
        events[c, EV_TEN, g] += 1
    if (
        treatment_weeks[i] == 0
        and need[i, _SUBST] > 0.5
        and draw_at(ek_budget, 2 * k + 1) < 0.1 * kp.flexible_budget
    ):
        treatment_weeks[i] = TREATMENT_WEEKS


WF_BLOCKS = 8  # person blocks of the parallel passes in workforce (integer counts only)


@nb.njit(cache=True, parallel=True)
def workforce(
    seed,
    t,
    kp,
    n_posts_start,
    slot_service,
    slot_worker,
    slot_trust,
    alive,
    handoffs,
    complex_,
    w_service,
    w_uid,
    w_caseload,
    w_skill,
    w_burnout,
    w_tenure,
    w_tolerance,
    s_capacity,
    s_load,
    s_knowledge,
    events,
) -> int:
    """Step 6: caseloads, burnout, turnover; a leaver's cases pass to the new post holder.

    The passes over persons run in parallel blocks; they only count (integers, exact in
    any order) or update each person's own episodes, so results do not depend on the
    thread count. Returns the next free worker uid (``n_posts_start`` on the first call).
    """
    n, n_workers = slot_service.shape[0], w_service.shape[0]
    # Caseloads: integer counts per block of persons (exact in any order), then summed.
    part = np.zeros((WF_BLOCKS, n_workers), dtype=np.int32)
    for b in nb.prange(WF_BLOCKS):
        lo, hi = b * n // WF_BLOCKS, (b + 1) * n // WF_BLOCKS
        for i in range(lo, hi):
            for k in range(SLOTS):
                if slot_service[i, k] >= 0:
                    part[b, slot_worker[i, k]] += 1
    for w in range(n_workers):
        total = 0
        for b in range(WF_BLOCKS):
            total += part[b, w]
        w_caseload[w] = total
    s_load[:] = 0
    left = np.zeros(n_workers, dtype=np.uint8)
    next_uid = n_posts_start
    for w in range(n_workers):
        s = w_service[w]
        s_load[s] += w_caseload[w]
        over = max(0.0, w_caseload[w] / kp.caseload - 1.0)
        b = w_burnout[w]
        b += kp.burnout_rate * over + kp.target_strain * kp.target_pressure
        b += kp.friction_load * (1.0 - w_tolerance[w]) - kp.burnout_recovery * b
        w_burnout[w] = _clip01(b)
        p = kp.turnover * (1.0 + kp.burnout_turnover * w_burnout[w])
        if draw(seed, S_TURN, w_uid[w], t, 0) < p:
            left[w] = 1
            w_uid[w] = next_uid
            next_uid += 1
            w_skill[w] = kp.novice_skill
            w_burnout[w] = 0.0
            w_tenure[w] = 0
        else:
            w_tenure[w] += 1
            w_skill[w] += kp.skill_growth * (1.0 - w_skill[w]) * (0.5 + 0.5 * s_knowledge[s])
    # A known colleague (continuity) softens the loss of trust when a worker leaves.
    loss = kp.trust_erode * (1.0 - 0.7 * kp.continuity)
    n_groups = events.shape[2]
    lost = np.zeros((WF_BLOCKS, n_groups), dtype=np.int64)
    for b in nb.prange(WF_BLOCKS):
        lo, hi = b * n // WF_BLOCKS, (b + 1) * n // WF_BLOCKS
        for i in range(lo, hi):
            for k in range(SLOTS):
                if slot_service[i, k] >= 0 and left[slot_worker[i, k]] == 1 and alive[i] == 1:
                    slot_trust[i, k] *= 1.0 - loss
                    handoffs[i] += 1
                    lost[b, complex_[i]] += 1
    for b in range(WF_BLOCKS):
        for g in range(n_groups):
            events[0, EV_HANDOFF, g] += lost[b, g]
    return next_uid


@nb.njit(cache=True, parallel=True)
def families(kp, start, size, support, alive, need, connection: int) -> None:
    """Step 1b: family support is depleted by members' excess need and recovers."""
    nf = start.shape[0]
    for f in nb.prange(nf):
        _family(f, kp, start, size, support, alive, need, connection)


@nb.njit(cache=True)
def _family(f, kp, start, size, support, alive, need, connection) -> None:
    excess = 0.0
    for i in range(start[f], start[f] + size[f]):
        if alive[i] == 1:
            m = 0.0
            for d in range(N_DOMAINS):
                m += need[i, d]
            excess += max(0.0, m / N_DOMAINS - 0.35)
    s = support[f]
    s += kp.family_recovery * (1.0 - s) - kp.family_strain * excess * s
    if size[f] == 1:  # living alone: only social connection supports
        s = min(s, 0.3 + 0.4 * (1.0 - need[start[f], connection]))
    support[f] = _clip01(s)


@nb.njit(cache=True, parallel=True)
def life_families(
    seed,
    t,
    kp,
    start,
    size,
    connection,
    pid,
    family,
    complex_,
    alive,
    died_week,
    need,
    setpoint,
    resilience,
    slot_service,
    slot_trust,
    unmet,
    prison_weeks,
    last_admission,
    last_custody,
    crises,
    shocks,
    cost,
    weeks_alive,
    fam_support,
    coupling,
    crisis_w,
    kind_w,
    kind_domain,
    pence,
    holder,
    ledger,
    events,
):
    """:func:`families` then :func:`life_crisis` in one pass over the persons.

    Chunks are runs of whole families: each family's support is updated from its
    members' needs, then its members live their week. A person reads only its own
    family's support, so the result equals the two kernels in sequence, except that
    the integer partials of ``ledger`` and ``events`` fall in other chunks (their
    totals are the same). Needs families that tile the persons in order
    (``family[i]`` is the family whose member range holds ``i``).
    """
    nf = start.shape[0]
    sk = _life_keys(seed)
    hd_max, ebound = _life_bounds(kp)
    for c in nb.prange(N_CHUNKS):
        flo, fhi = _chunk(c, nf)
        if flo >= fhi:
            continue
        for f in range(flo, fhi):
            _family(f, kp, start, size, fam_support, alive, need, connection)
        _life_range(
            start[flo],
            start[fhi - 1] + size[fhi - 1],
            c,
            seed,
            t,
            kp,
            sk,
            hd_max,
            ebound,
            pid,
            family,
            complex_,
            alive,
            died_week,
            need,
            setpoint,
            resilience,
            slot_service,
            slot_trust,
            unmet,
            prison_weeks,
            last_admission,
            last_custody,
            crises,
            shocks,
            cost,
            weeks_alive,
            fam_support,
            coupling,
            crisis_w,
            kind_w,
            kind_domain,
            pence,
            holder,
            ledger,
            events,
        )


def families_tile(start, size, family) -> bool:
    """Whether families tile the persons in order (the condition of :func:`life_families`)."""
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


@nb.njit(cache=True, parallel=True)
def wellbeing_sums(alive, complex_, need, out) -> None:
    """Per-chunk sums for the weekly wellbeing output, aggregated online (in place).

    ``out[c, g]`` = (sum of wellbeing, persons alive) over chunk ``c``'s living persons
    of group ``g``, where wellbeing is 1 minus the mean need. Combine in chunk order.
    """
    n = alive.shape[0]
    for c in nb.prange(N_CHUNKS):
        lo, hi = _chunk(c, n)
        _wellbeing_range(lo, hi, c, alive, complex_, need, out)


@nb.njit(cache=True)
def _wellbeing_range(lo, hi, c, alive, complex_, need, out) -> None:
    s0, s1, n0, n1 = 0.0, 0.0, 0.0, 0.0
    for i in range(lo, hi):
        if alive[i] == 0:
            continue
        x = 0.0
        for d in range(N_DOMAINS):
            x += need[i, d]
        wb = 1.0 - x / N_DOMAINS
        if complex_[i] == 0:
            s0 += wb
            n0 += 1.0
        else:
            s1 += wb
            n1 += 1.0
    out[c, 0, 0] = s0
    out[c, 0, 1] = n0
    out[c, 1, 0] = s1
    out[c, 1, 1] = n1


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
