"""Twin of :mod:`carecomplex.processes.access`: applicants served one by one, in order."""

from __future__ import annotations

import numpy as np

from carecomplex.costs import Item
from carecomplex.processes.common import KP, REREFERRAL
from carecomplex.reference.cohort import lever
from carecomplex.reference.common import F64, bits, charge, count, draw1, flat, n_high
from carecomplex.rng import Stream
from carecomplex.state import N_DOMAINS, SLOTS, Event


def access(key, t, kp: KP, per, wk, sv, info, books, scratch=None) -> None:
    """Twin of :func:`carecomplex.processes.access.access` (in place; serial).

    First everyone decides whether to seek help, and from which service (the one for
    their highest uncovered need). Then applicants are served one by one, longest
    waiting first (blended with weighted need by ``need_priority``), ties broken by a
    priority draw lowered for complex cases by the service's gaming. All counts and pence
    go into chunk 0. ``scratch`` is not needed. An enrolled person's continuity, need
    priority, information and eligibility are the cohort's (``reference.cohort``).
    """
    a = flat(key=key, t=t, kp=kp, per=per, wk=wk, sv=sv, info=info, books=books)
    sv.queue[:] = 0
    per.unmet[:] = 0
    applicants = [app for i in range(len(per.pid)) if (app := _seeks_help(a, i)) is not None]
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
            covered |= bits(r)
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
    if a.cooldown[i] > 0:  # not asking again yet (rejected, or re-referral): need unmet
        a.cooldown[i] -= 1
        a.unmet[i] = d >= 0
        _leave_queue(a, i)
        return None
    if d < 0:
        _leave_queue(a, i)
        return None
    ws = int(a.wait_service[i])  # stay in the queue while that need is still wanted
    if ws >= 0 and ws != d and float(a.need[i, ws]) > kp.seek_threshold:
        covered = any(
            a.slot_service[i, k] >= 0 and bits(a.slot_remit[i, k])[ws] for k in range(SLOTS)
        )
        if not covered:
            d = ws
    held = np.flatnonzero(a.slot_service[i] >= 0)
    mine = a.programme[i] == 1
    continuity = lever(kp, mine, "continuity")
    if len(held) and draw1(a.key, Stream.CONTINUITY, a.pid[i], a.t) < continuity:
        a.slot_remit[i, held[0]] |= 1 << d  # the known worker takes the need on
        _leave_queue(a, i)
        return None
    if len(held) == SLOTS:
        return None  # no room for another episode
    u = draw1(a.key, Stream.PRIORITY, a.pid[i], a.t)
    x = a.need[i].astype(F64)
    high = n_high(x, kp.gaming_high_need)
    gaming = float(a.s_gaming[d]) * high / kp.full_complexity
    # Weighted need: summed over domains, raised by complexity (need and crisis risk).
    total = 0.0
    for v in x:  # in domain order, as the kernel adds
        total += float(v)
    urgency = total * (1.0 + kp.complexity_weight * high / kp.full_complexity)
    need_priority = lever(kp, mine, "need_priority")
    waited = (1.0 - need_priority) * int(a.wait_weeks[i])
    served_by_need = need_priority * kp.priority_scale * urgency
    return waited + served_by_need + u - gaming, i, d


def threshold_in_force(kp: KP, eligibility: float, load: int, capacity: int) -> float:
    """Eligibility threshold in force at a service with ``load`` of ``capacity`` held.

    Eligibility rations capacity: the threshold rises linearly from the seeking
    threshold (an idle service) to the stated ``eligibility`` (the applicant's) at
    ``ration_fill`` utilisation.
    """
    lo = min(kp.seek_threshold, eligibility)
    fill = min(1.0, load / (kp.ration_fill * max(1, capacity)))
    return lo + (eligibility - lo) * fill


def _apply(a, i: int, s: int) -> None:
    """One applicant: assess a new application, then accept within capacity or queue."""
    kp, g = a.kp, int(a.complex[i])
    if a.wait_service[i] != s and not _assess(a, i, s, g):
        return
    limit = int(a.s_capacity[s] * (1.0 + kp.target_stretch * kp.target_pressure))
    if a.s_load[s] < limit:
        _accept(a, i, s, g)
        return
    if a.wait_service[i] != s:
        count(a, 0, Event.QUEUED, g)
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
    mine = a.programme[i] == 1
    count(a, 0, Event.APPLICATION, g)
    if (a.slot_service[i] >= 0).any():  # held by another service: a hand-off
        a.handoffs[i] += 1
        count(a, 0, Event.HANDOFF, g)
        charge(a, i, Item.REFERRAL, 1.0, g, 0)
    rereferral = bool(a.assessed[i] & REREFERRAL)
    a.assessed[i] &= ~REREFERRAL
    if a.assessed[i] == 1:
        shared = draw1(a.key, Stream.ASSESS, me, a.t) < a.info[int(mine), s]  # record travels
        if not shared:
            charge(a, i, Item.REASSESSMENT, 1.0, g, 0)
            count(a, 0, Event.REASSESSMENT, g)
            a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.trust_erode / kp.retell_divisor)
    else:
        charge(a, i, Item.ASSESSMENT, 1.0, g, 0)
        count(a, 0, Event.ASSESSMENT, g)
        a.assessed[i] = 1
    x = a.need[i].astype(F64)
    skim = kp.skim * float(a.s_gaming[s]) * n_high(x, kp.gaming_high_need) / kp.full_complexity
    skimmed = draw1(a.key, Stream.GAMING, me, a.t, 0) < skim
    elig = lever(kp, mine, "eligibility")
    threshold = threshold_in_force(kp, elig, int(a.s_load[s]), int(a.s_capacity[s]))
    eligible = rereferral or x[s] >= threshold
    if eligible and (rereferral or not skimmed):
        return True
    count(a, 0, Event.REJECTION, g)
    charge(a, i, Item.REFERRAL, 1.0, g, 0)
    a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.trust_erode)
    a.unmet[i] = 1
    a.cooldown[i] = kp.reject_cooldown
    _leave_queue(a, i)
    return False


def _accept(a, i: int, s: int, g: int) -> None:
    """Open an episode with the service's least-loaded post (first on ties)."""
    kp = a.kp
    posts = np.flatnonzero(a.w_service == s)
    best = int(posts[np.argmin(a.w_caseload[posts])]) if len(posts) else -1
    k = int(np.flatnonzero(a.slot_service[i] < 0)[0])
    a.slot_service[i, k] = s
    a.slot_worker[i, k] = best
    a.slot_weeks[i, k] = 0
    a.slot_stable[i, k] = 0
    sys = float(a.sys_trust[i])  # moved toward the service's reputation
    a.slot_trust[i, k] = sys + kp.reputation * (float(a.s_relationships[s]) - sys)
    a.slot_remit[i, k] = 1 << s
    a.w_caseload[best] += 1
    a.s_load[s] += 1
    count(a, 0, Event.ACCEPTED, g)
    _leave_queue(a, i)
