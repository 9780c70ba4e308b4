"""Slow, readable NumPy twins of the numba kernels: the executable specification.

Each function here has the name, argument list and in-place semantics of its kernel in
:mod:`carecomplex.kernels`, so a test can run both on copies of one state and compare
every array. The twins are written to be read: vectorised NumPy where every entity
follows the same rule (need dynamics, families, the workforce), plain Python loops
where decisions are sequential (access in priority order, one episode after another).

Random numbers come from :func:`carecomplex.rng.draws`, the NumPy twin of the
counter-based ``draw``, with exactly the kernels' keys ``(stream, entity, week, k)``;
so twin and kernel make the same decisions, draw for draw.

Arithmetic is done in float64 (state arrays of float32 are widened before use and
rounded only when stored), as in the kernels; NumPy would otherwise compute
``float32 * python float`` in float32. Counts and pence go into the same partials as
the kernels': per-chunk rows (chunk ``c`` holds persons ``c*n//N_CHUNKS`` to
``(c+1)*n//N_CHUNKS``) for the parallel kernels, chunk 0 for the serial ones.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from carecomplex.costs import Item
from carecomplex.kernels import (
    DISCLOSURE,
    KP,
    REALLOCATION,
    REJECT_COOLDOWN,
    REREFERRAL,
    SKIM,
    TENANCY_DROP,
    TREATMENT_EFFECT,
    TREATMENT_WEEKS,
)
from carecomplex.rng import Stream, draws
from carecomplex.state import N_CHUNKS, N_DOMAINS, SLOTS, Crisis, Domain, Event

F64 = np.float64
DOMAINS = np.arange(N_DOMAINS)
SQRT3 = math.sqrt(3.0)  # scales uniform noise on [-1, 1) to unit variance


def chunk_index(n: int) -> np.ndarray:
    """Chunk of each of ``n`` persons: chunk ``c`` is ``c*n//N_CHUNKS .. (c+1)*n//N_CHUNKS``.

    Returns:
        int64 array of shape (n,).
    """
    out = np.empty(n, dtype=np.int64)
    for c in range(N_CHUNKS):
        out[c * n // N_CHUNKS : (c + 1) * n // N_CHUNKS] = c
    return out


def _u(seed, stream: Stream, entity, week: int, k: int = 0) -> float:
    """One uniform draw as a Python float."""
    return float(draws(seed, int(stream), int(entity), int(week), int(k)))


def _clip(x):
    return np.clip(x, 0.0, 1.0)


def _bits(remit) -> np.ndarray:
    """Domains (bool per domain) of a remit bit mask."""
    return ((int(remit) >> DOMAINS) & 1).astype(bool)


def _n_high(x: np.ndarray) -> int:
    """Number of domains with need above one half."""
    return int((x > 0.5).sum())


def _charge(a, who, item: Item, qty: float, g, c) -> None:
    """Charge ``qty`` units of ``item`` for persons ``who`` (scalars or arrays).

    The amount is rounded to whole pence (half to even) once per charge, then added to
    the person's account at the item's budget holder and to the ledger partial.
    """
    amount = round(float(a.pence[item]) * qty)
    np.add.at(a.cost, (who, a.holder[item]), amount)
    np.add.at(a.ledger, (c, int(item), g), amount)


def _count(a, c, event: Event, g) -> None:
    np.add.at(a.events, (c, int(event), g), 1)


# --------------------------------------------------------------------------------------
# Step 1b: families.
# --------------------------------------------------------------------------------------


def families(kp: KP, start, size, support, alive, need, connection: int) -> None:
    """Twin of :func:`carecomplex.kernels.families` (same arguments, in place).

    A family's support is depleted in proportion to its living members' excess need
    (mean need above 0.35) and recovers toward full; a person living alone has only
    their social connection to draw on.
    """
    nf = len(start)
    member = np.concatenate(
        [np.arange(s, s + z, dtype=np.int64) for s, z in zip(start, size, strict=True)]
        + [np.empty(0, dtype=np.int64)]
    )
    fam = np.repeat(np.arange(nf), size)
    excess = np.maximum(0.0, need[member].astype(F64).sum(axis=1) / N_DOMAINS - 0.35)
    excess = np.where(alive[member] == 1, excess, 0.0)
    total = np.bincount(fam, weights=excess, minlength=nf)
    s = support.astype(F64)
    s = s + (kp.family_recovery * (1.0 - s) - kp.family_strain * total * s)
    alone = np.flatnonzero(size == 1)
    connected = 0.3 + 0.4 * (1.0 - need[start[alone], connection].astype(F64))
    s[alone] = np.minimum(s[alone], connected)
    support[:] = _clip(s)


# --------------------------------------------------------------------------------------
# Steps 1-2: life dynamics, crises, prison, deaths.
# --------------------------------------------------------------------------------------

CRISIS_EVENT = {
    Crisis.AE: Event.CRISIS_AE,
    Crisis.ADMISSION: Event.CRISIS_ADMISSION,
    Crisis.CUSTODY: Event.CRISIS_CUSTODY,
    Crisis.MH_ADMISSION: Event.CRISIS_MH,
}


def life_crisis(
    seed,
    t,
    kp: KP,
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
) -> None:
    """Twin of :func:`carecomplex.kernels.life_crisis` (same arguments, in place).

    Every living person, independently of the others: needs drift and may take a
    shock; a prisoner serves a week; anyone else may be in emergency accommodation and
    may have a crisis; then the person may die of physical and substance need.
    """
    a = SimpleNamespace(**locals())
    live = np.flatnonzero(alive != 0)
    g = complex_[live].astype(np.int64)
    c = chunk_index(len(pid))[live]
    _count(a, c, Event.ALIVE, g)
    weeks_alive[live] += 1
    fs = fam_support[family[live]].astype(F64)
    _needs(a, live, fs, g, c)
    jailed = prison_weeks[live] > 0
    inside = live[jailed]
    prison_weeks[inside] -= 1
    _charge(a, inside, Item.PRISON_WEEK, 1.0, g[jailed], c[jailed])
    _count(a, c[jailed], Event.PRISON_WEEK, g[jailed])
    out = ~jailed
    _crises(a, live[out], fs[out], g[out], c[out])
    _deaths(a, live, g, c)


def _needs(a, live, fs, g, c) -> None:
    """Needs drift toward set points, pulled up by coupled domains, plus noise and shocks."""
    kp, ids = a.kp, a.pid[live]
    x = a.need[live].astype(F64)
    pull = np.zeros_like(x)
    for j in range(N_DOMAINS):  # pull[:, d] = sum over j of coupling[d, j] * need[:, j]
        pull += a.coupling[:, j] * x[:, j, None]
    target = a.setpoint[live].astype(F64) + kp.coupling * pull
    u = draws(a.seed, Stream.NEED_NOISE, ids[:, None], a.t, DOMAINS[None, :])
    new = x + kp.reversion * (target - x) + kp.noise * (2.0 * u - 1.0) * SQRT3
    # A life shock hits one random domain, buffered by family and resilience.
    hit = draws(a.seed, Stream.SHOCK, ids, a.t, 0) < kp.shock_rate
    dom = (draws(a.seed, Stream.SHOCK_DOMAIN, ids, a.t, 0) * N_DOMAINS).astype(np.int64)
    res = a.resilience[live].astype(F64)
    size = kp.shock_size * (1.0 - kp.family_buffer * fs) * (1.0 - 0.5 * res)
    new[hit, dom[hit]] += size[hit]
    a.shocks[live[hit]] += 1
    _count(a, c[hit], Event.SHOCK, g[hit])
    a.need[live] = _clip(new)


def _crises(a, free, fs, g, c) -> None:
    """Emergency accommodation and the crisis hazard, for the living not in prison."""
    kp = a.kp
    x = a.need[free].astype(F64)
    homeless = x[:, Domain.HOUSING] > kp.homeless_threshold
    _charge(a, free[homeless], Item.EMERGENCY_ACCOMMODATION, 1.0, g[homeless], c[homeless])
    _count(a, c[homeless], Event.EA_WEEK, g[homeless])
    # Hazard: rises with weighted need and with each high-need domain beyond the first;
    # lowered by the most trusted worker and by family; raised by unmet need.
    held = a.slot_service[free] >= 0
    best_trust = np.where(held, a.slot_trust[free].astype(F64), 0.0).max(axis=1, initial=0.0)
    extra = np.maximum((x > 0.5).sum(axis=1) - 1, 0)
    h = kp.base_rate * np.exp(kp.need_slope * (x @ a.crisis_w) + kp.complexity_slope * extra)
    h *= (1.0 - kp.trust_protection * best_trust) * (1.0 - kp.family_protection * fs)
    h *= 1.0 + kp.unmet_multiplier * a.unmet[free].astype(F64)
    struck = draws(a.seed, Stream.CRISIS, a.pid[free], a.t, 0) < 1.0 - np.exp(-h)
    for i, gi, ci in zip(free[struck], g[struck], c[struck], strict=True):
        _crisis(a, int(i), int(gi), int(ci))


def _crisis(a, i: int, g: int, c: int) -> None:
    """One crisis presentation: its kind (odds by need), cost, harm and possible death."""
    kp, me, t = a.kp, a.pid[i], int(a.t)
    odds = np.cumsum(a.kind_w @ a.need[i].astype(F64))  # cumulative odds over kinds
    pick = _u(a.seed, Stream.CRISIS_KIND, me, t) * odds[-1]
    kind = Crisis(min(int(np.searchsorted(odds, pick, side="right")), len(odds) - 1))
    a.crises[i] += 1
    _count(a, c, CRISIS_EVENT[kind], g)
    if kind in (Crisis.AE, Crisis.ADMISSION):
        _charge(a, i, Item.AE, 1.0, g, c)
        if kind == Crisis.ADMISSION or _u(a.seed, Stream.AMBULANCE, me, t) < 0.5:
            _charge(a, i, Item.AMBULANCE, 1.0, g, c)
    if kind == Crisis.ADMISSION:
        _charge(a, i, Item.ADMISSION, 1.0, g, c)
        if t - int(a.last_admission[i]) <= 4:
            _count(a, c, Event.READMISSION_30D, g)
        a.last_admission[i] = t
    elif kind == Crisis.CUSTODY:
        _charge(a, i, Item.CUSTODY, 1.0, g, c)
        if t - int(a.last_custody[i]) <= 52:
            _count(a, c, Event.REOFFENCE_1Y, g)
        a.last_custody[i] = t
        if _u(a.seed, Stream.PRISON, me, t, 0) < kp.custody_prison:
            # Stay: one week plus an exponential with mean prison_weeks - 1, truncated.
            u = _u(a.seed, Stream.PRISON, me, t, 1)
            a.prison_weeks[i] = 1 + math.floor(-math.log1p(-u) * (kp.prison_weeks - 1.0))
    elif kind == Crisis.MH_ADMISSION:
        _charge(a, i, Item.MH_ADMISSION, 1.0, g, c)
    d = a.kind_domain[kind]
    a.need[i, d] = _clip(float(a.need[i, d]) + kp.crisis_harm)
    a.setpoint[i, d] = _clip(float(a.setpoint[i, d]) + kp.scar)  # scarring
    if _u(a.seed, Stream.DEATH, me, t, 1) < kp.crisis_death:
        a.alive[i] = 0
        a.died_week[i] = t
        _count(a, c, Event.DEATH, g)
        _count(a, c, Event.CRISIS_DEATH, g)


def _deaths(a, live, g, c) -> None:
    """Death from physical and substance need, for those alive after their crisis."""
    spared = a.alive[live] == 1
    who = live[spared]
    x = a.need[who].astype(F64)
    xm = 0.5 * x[:, Domain.PHYSICAL] + 0.5 * x[:, Domain.SUBSTANCE]
    hd = a.kp.base_mortality * np.exp(a.kp.mortality_slope * xm)
    dies = draws(a.seed, Stream.DEATH, a.pid[who], a.t, 0) < 1.0 - np.exp(-hd)
    a.alive[who[dies]] = 0
    a.died_week[who[dies]] = a.t
    _count(a, c[spared][dies], Event.DEATH, g[spared][dies])


# --------------------------------------------------------------------------------------
# Step 3: access and referral.
# --------------------------------------------------------------------------------------


def access(
    seed,
    t,
    kp: KP,
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
) -> None:
    """Twin of :func:`carecomplex.kernels.access` (same arguments, in place; serial).

    First everyone decides whether to seek help, and from which service (the one for
    their highest uncovered need). Then applicants are served one by one, longest
    waiting first, ties broken by a priority draw lowered for complex cases by the
    service's gaming. All counts and pence go into chunk 0.
    """
    a = SimpleNamespace(**locals())
    s_queue[:] = 0
    unmet[:] = 0
    applicants = [app for i in range(len(pid)) if (app := _seeks_help(a, i)) is not None]
    applicants.sort(key=lambda app: -app[0])  # stable: equal priorities keep person order
    for _, i, s in applicants:
        _apply(a, i, s)


def uncovered_need(kp: KP, need_i, services_i, remits_i) -> int:
    """Domain of a person's highest need above the seeking threshold not yet covered.

    Args:
        kp: kernel parameters (``seek_threshold``).
        need_i: the person's needs, shape (D,).
        services_i: the person's slot services, shape (K,), -1 for an empty slot.
        remits_i: the person's slot remits (domain bit masks), shape (K,).

    Returns:
        The domain (first on ties), or -1 when every such need is covered.
    """
    covered = np.zeros(N_DOMAINS, dtype=bool)
    for s, r in zip(services_i, remits_i, strict=True):
        if s >= 0:
            covered |= _bits(r)
    x = need_i.astype(F64)
    seeking = ~covered & (x > kp.seek_threshold)
    if not seeking.any():
        return -1
    return int(np.argmax(np.where(seeking, x, -1.0)))


def _leave_queue(a, i: int) -> None:
    a.wait_service[i] = -1
    a.wait_weeks[i] = 0


def _seeks_help(a, i: int) -> tuple[float, int, int] | None:
    """Whether person ``i`` applies this week: (priority, person, service) or None."""
    kp = a.kp
    if a.alive[i] == 0 or a.prison_weeks[i] > 0:
        _leave_queue(a, i)
        return None
    d = uncovered_need(kp, a.need[i], a.slot_service[i], a.slot_remit[i])
    if a.cooldown[i] > 0:  # rejected recently: not asking again yet, need still unmet
        a.cooldown[i] -= 1
        a.unmet[i] = d >= 0
        return None
    if d < 0:
        _leave_queue(a, i)
        return None
    held = np.flatnonzero(a.slot_service[i] >= 0)
    if len(held) and _u(a.seed, Stream.CONTINUITY, a.pid[i], a.t) < kp.continuity:
        a.slot_remit[i, held[0]] |= 1 << d  # the known worker takes the need on
        _leave_queue(a, i)
        return None
    if len(held) == SLOTS:
        return None  # no room for another episode
    u = _u(a.seed, Stream.PRIORITY, a.pid[i], a.t)
    gaming = float(a.s_gaming[d]) * _n_high(a.need[i].astype(F64)) / 4.0
    return int(a.wait_weeks[i]) + u - gaming, i, d


def threshold_in_force(kp: KP, load: int, capacity: int) -> float:
    """Eligibility threshold in force at a service with ``load`` of ``capacity`` held.

    Eligibility rations capacity: the threshold rises linearly from the seeking
    threshold (an idle service) to the stated eligibility at 85 % utilisation.
    """
    lo = min(kp.seek_threshold, kp.eligibility)
    fill = min(1.0, load / (0.85 * max(1, capacity)))
    return lo + (kp.eligibility - lo) * fill


def _apply(a, i: int, s: int) -> None:
    """One applicant: assess a new application, then accept within capacity or queue."""
    kp, g = a.kp, int(a.complex_[i])
    if a.wait_service[i] != s and not _assess(a, i, s, g):
        return
    limit = int(a.s_capacity[s] * (1.0 + kp.target_stretch * kp.target_pressure))
    if a.s_load[s] < limit:
        _accept(a, i, s, g)
        return
    if a.wait_service[i] != s:
        _count(a, 0, Event.QUEUED, g)
    a.wait_service[i] = s
    a.wait_weeks[i] += 1
    a.s_queue[s] += 1
    a.unmet[i] = 1


def _assess(a, i: int, s: int, g: int) -> bool:
    """A new application to service ``s``: hand-off, (re)assessment, eligibility, gaming.

    Returns:
        True if the application goes on to the capacity check, False if rejected.
    """
    kp, me = a.kp, a.pid[i]
    _count(a, 0, Event.APPLICATION, g)
    if (a.slot_service[i] >= 0).any():  # held by another service: a hand-off
        a.handoffs[i] += 1
        _count(a, 0, Event.HANDOFF, g)
        _charge(a, i, Item.REFERRAL, 1.0, g, 0)
    rereferral = bool(a.assessed[i] & REREFERRAL)
    a.assessed[i] &= ~REREFERRAL
    if a.assessed[i] == 1:
        shared = _u(a.seed, Stream.ASSESS, me, a.t) < a.s_info[s]  # the record travels
        if not shared:
            _charge(a, i, Item.REASSESSMENT, 1.0, g, 0)
            _count(a, 0, Event.REASSESSMENT, g)
            a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.trust_erode / 3.0)
    else:
        _charge(a, i, Item.ASSESSMENT, 1.0, g, 0)
        _count(a, 0, Event.ASSESSMENT, g)
        a.assessed[i] = 1
    x = a.need[i].astype(F64)
    skim = SKIM * float(a.s_gaming[s]) * _n_high(x) / 4.0
    skimmed = _u(a.seed, Stream.GAMING, me, a.t, 0) < skim
    threshold = threshold_in_force(kp, int(a.s_load[s]), int(a.s_capacity[s]))
    eligible = rereferral or x[s] >= threshold
    if eligible and (rereferral or not skimmed):
        return True
    _count(a, 0, Event.REJECTION, g)
    _charge(a, i, Item.REFERRAL, 1.0, g, 0)
    a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.trust_erode)
    a.unmet[i] = 1
    a.cooldown[i] = REJECT_COOLDOWN
    _leave_queue(a, i)
    return False


def _accept(a, i: int, s: int, g: int) -> None:
    """Open an episode with the service's least-loaded post (first on ties)."""
    posts = np.flatnonzero(a.w_service == s)
    best = int(posts[np.argmin(a.w_caseload[posts])]) if len(posts) else -1
    k = int(np.flatnonzero(a.slot_service[i] < 0)[0])
    a.slot_service[i, k] = s
    a.slot_worker[i, k] = best
    a.slot_weeks[i, k] = 0
    a.slot_trust[i, k] = a.sys_trust[i]
    a.slot_remit[i, k] = 1 << s
    a.w_caseload[best] += 1
    a.s_load[s] += 1
    _count(a, 0, Event.ACCEPTED, g)
    _leave_queue(a, i)


# --------------------------------------------------------------------------------------
# Step 4: support.
# --------------------------------------------------------------------------------------


def support(
    seed,
    t,
    kp: KP,
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
) -> None:
    """Twin of :func:`carecomplex.kernels.support` (same arguments, in place).

    Person by person, episode by episode (slot order): a contact reduces need, trust
    moves, a flexible budget may buy met need, and the episode may close. Counts, pence
    and per-service sums go into the person's chunk.
    """
    a = SimpleNamespace(**locals())
    chunk = chunk_index(len(pid))
    for i in range(len(pid)):
        if alive[i] == 0:
            slot_service[i] = -1  # the dead hold no episodes
            continue
        g, c = int(complex_[i]), int(chunk[i])
        if treatment_weeks[i] > 0:  # a funded treatment course lowers the set point
            treatment_weeks[i] -= 1
            _charge(a, i, Item.TREATMENT, 1.0, g, c)
            _count(a, c, Event.TREATMENT_WEEK, g)
            sub = Domain.SUBSTANCE
            setpoint[i, sub] = _clip(float(setpoint[i, sub]) - TREATMENT_EFFECT)
        episodes = [k for k in range(SLOTS) if slot_service[i, k] >= 0]
        if prison_weeks[i] > 0:  # prison ends every episode
            for k in episodes:
                slot_service[i, k] = -1
                _count(a, c, Event.CLOSED, g)
            continue
        for k in episodes:
            _episode(a, i, k, g, c)
        if episodes:
            _count(a, c, Event.SUPPORTED, g)


def _episode(a, i: int, k: int, g: int, c: int) -> None:
    """One week of episode ``k`` of person ``i``."""
    kp, s = a.kp, int(a.slot_service[i, k])
    x = a.need[i].astype(F64)  # need before this contact
    tau = float(a.slot_trust[i, k])
    match, reduced = _contact(a, i, k, s, x, tau)
    _charge(a, i, Item.SUPPORT, kp.contact_hours, g, c)
    _budget(a, i, k, g, c)
    tau += kp.trust_build * (1.0 - tau) * (0.5 + 0.5 * match)  # trust builds slowly
    a.slot_trust[i, k] = tau
    a.sys_trust[i] = float(a.sys_trust[i]) + 0.1 * kp.trust_build * (tau - float(a.sys_trust[i]))
    a.slot_weeks[i, k] += 1
    a.svc[c, s] += (1.0, tau, match, reduced)  # episodes, trust, match, need reduced
    _close(a, i, k, s, g, c, x, tau)


def _contact(a, i: int, k: int, s: int, x: np.ndarray, tau: float) -> tuple[float, float]:
    """The contact: reduce need where effort goes; returns (match, total need reduced).

    Effort is spread over the service's remit (share ``1 - whole_person``) and over what
    the worker knows of all the person's needs (share ``whole_person``); outside the
    remit a worker knows what is shared between services or disclosed to them in trust.
    Match is the overlap of the effort's spread with the spread of actual need.
    """
    kp, wp, w = a.kp, a.kp.whole_person, int(a.slot_worker[i, k])
    skill = float(a.w_skill[w]) * (1.0 - 0.5 * float(a.w_burnout[w]))
    skill *= 0.5 + 0.5 * float(a.s_knowledge[s])
    info = float(a.s_info[s])
    in_remit = _bits(a.slot_remit[i, k])
    base = np.where(in_remit, x, 0.0)
    known = np.where(in_remit, x, x * (info + (1.0 - info) * DISCLOSURE * tau))
    alloc = np.zeros(N_DOMAINS)
    if base.sum() > 0.0:
        alloc += (1.0 - wp) * base / base.sum()
    if known.sum() > 0.0:
        alloc += wp * known / known.sum()
    match = float(np.minimum(alloc, x / x.sum()).sum()) if x.sum() > 0.0 else 0.0
    engage = 0.2 + 0.8 * tau
    effect = kp.dose * skill * engage * (0.5 + 0.5 * match) * (kp.contact_hours / 2.0)
    red = effect * alloc * x
    a.need[i] = _clip(x - red)
    # Lasting change (the set point) follows a share of the need reduced.
    a.setpoint[i] = _clip(a.setpoint[i].astype(F64) - kp.recovery_gain * red)
    return match, float(red.sum())


def _budget(a, i: int, k: int, g: int, c: int) -> None:
    """Flexible budget: may buy a tenancy (housing) or a treatment course (substance)."""
    kp, me, t, h, sub = a.kp, a.pid[i], a.t, Domain.HOUSING, Domain.SUBSTANCE
    if kp.flexible_budget <= 0.0:
        return
    chance = 0.1 * kp.flexible_budget
    if (
        float(a.need[i, h]) > kp.homeless_threshold
        and _u(a.seed, Stream.BUDGET, me, t, 2 * k) < chance
    ):
        a.need[i, h] = _clip(float(a.need[i, h]) - TENANCY_DROP)
        a.setpoint[i, h] = _clip(float(a.setpoint[i, h]) - TENANCY_DROP)
        _charge(a, i, Item.TENANCY, 1.0, g, c)
        _count(a, c, Event.TENANCY, g)
    if (
        a.treatment_weeks[i] == 0
        and float(a.need[i, sub]) > 0.5
        and _u(a.seed, Stream.BUDGET, me, t, 2 * k + 1) < chance
    ):
        a.treatment_weeks[i] = TREATMENT_WEEKS


def _close(a, i: int, k: int, s: int, g: int, c: int, x: np.ndarray, tau: float) -> None:
    """Close the episode: reallocation (no continuity), discharge or drop-out.

    Discharge when the need in focus (remit and whole person, weighted) is below the
    threshold, on the clock (episode cap) or by gaming; closing with need left marks
    the person for re-referral.
    """
    kp, wp, me, t = a.kp, a.kp.whole_person, a.pid[i], a.t
    in_remit = _bits(a.slot_remit[i, k])
    focus = (1.0 - wp) * float(np.max(x, where=in_remit, initial=0.0)) + wp * float(x.max())
    thr = (1.0 - wp) * (kp.eligibility - kp.discharge_margin) + wp * kp.stable_need
    need_left = focus >= thr
    capped = kp.episode_cap > 0 and a.slot_weeks[i, k] >= kp.episode_cap
    gamed = _u(a.seed, Stream.GAMING, me, t, 1 + k) < 0.05 * float(a.s_gaming[s])
    if _u(a.seed, Stream.CONTINUITY, me, t, 1 + k) < (1.0 - kp.continuity) * REALLOCATION:
        a.slot_service[i, k] = -1  # back to duty: a hand-off, to be re-referred
        a.handoffs[i] += 1
        _count(a, c, Event.HANDOFF, g)
        a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - 0.5 * kp.trust_erode)
        if need_left:
            a.assessed[i] |= REREFERRAL
    elif not need_left or capped or gamed:
        a.slot_service[i, k] = -1
        _count(a, c, Event.CLOSED, g)
        if need_left:
            a.assessed[i] |= REREFERRAL
    elif _u(a.seed, Stream.DISENGAGE, me, t, k) < kp.disengage * (1.0 - tau):
        a.slot_service[i, k] = -1
        _count(a, c, Event.DROPOUT, g)
        a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.trust_erode)


# --------------------------------------------------------------------------------------
# Step 6: workforce.
# --------------------------------------------------------------------------------------


def workforce(
    seed,
    t,
    kp: KP,
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
    """Twin of :func:`carecomplex.kernels.workforce` (same arguments, in place).

    Caseloads are recounted; burnout grows with overload, targets and the friction of
    change, and recovers; a post holder may leave (more likely when burnt out) and is
    replaced by a novice with a new uid, whose inherited cases lose some trust.

    Returns:
        The next free worker uid.
    """
    held = slot_service >= 0
    w_caseload[:] = np.bincount(slot_worker[held], minlength=len(w_service))
    s_load[:] = np.bincount(w_service, weights=w_caseload, minlength=len(s_load))
    over = np.maximum(0.0, w_caseload / kp.caseload - 1.0)
    b = w_burnout.astype(F64)
    b = b + (kp.burnout_rate * over + kp.target_strain * kp.target_pressure)
    b = b + (kp.friction_load * (1.0 - w_tolerance.astype(F64)) - kp.burnout_recovery * b)
    w_burnout[:] = _clip(b)
    p_leave = kp.turnover * (1.0 + kp.burnout_turnover * w_burnout.astype(F64))
    left = draws(seed, Stream.TURNOVER, w_uid, t, 0) < p_leave
    stay = ~left
    skill = w_skill.astype(F64)
    grown = skill + kp.skill_growth * (1.0 - skill) * (0.5 + 0.5 * s_knowledge[w_service])
    w_skill[stay] = grown[stay]
    w_tenure[stay] += 1
    w_uid[left] = n_posts_start + np.arange(left.sum())
    w_skill[left] = kp.novice_skill
    w_burnout[left] = 0.0
    w_tenure[left] = 0
    # A known colleague (continuity) softens the loss of trust when a worker leaves.
    loss = kp.trust_erode * (1.0 - 0.7 * kp.continuity)
    hit = held & left[np.where(held, slot_worker, 0)] & (alive[:, None] == 1)
    slot_trust[hit] = slot_trust[hit].astype(F64) * (1.0 - loss)
    lost = hit.sum(axis=1)
    handoffs += lost
    by_group = np.bincount(complex_, weights=lost, minlength=events.shape[2])
    events[0, Event.HANDOFF] += by_group.astype(np.int64)
    return int(n_posts_start + left.sum())


# --------------------------------------------------------------------------------------
# Weekly output: wellbeing sums, aggregated online.
# --------------------------------------------------------------------------------------


def wellbeing_sums(alive, complex_, need, out) -> None:
    """Twin of :func:`carecomplex.kernels.wellbeing_sums` (same arguments, in place).

    ``out[c, g]`` = (sum of wellbeing, persons alive) over the living persons of group
    ``g`` in chunk ``c``, wellbeing being 1 minus the mean need. Sums are taken person
    by person in index order within a chunk, as the kernel does (float64).
    """
    n = len(alive)
    chunk = chunk_index(n)
    wb = 1.0 - need.astype(F64).sum(axis=1) / N_DOMAINS
    out[:] = 0.0
    for c in range(N_CHUNKS):
        for g in range(out.shape[1]):
            mine = np.flatnonzero((chunk == c) & (alive == 1) & (complex_ == g))
            total = 0.0
            for i in mine:  # sequential, like the kernel, so the float sums agree
                total += float(wb[i])
            out[c, g, 0] = total
            out[c, g, 1] = float(len(mine))


def chunk_sum(partials: np.ndarray) -> np.ndarray:
    """Twin of :func:`carecomplex.kernels.chunk_sum`: add the chunks one by one, in order."""
    out = np.zeros(partials.shape[1:])
    for chunk in partials:
        out += chunk
    return out
