"""Twin of :mod:`carecomplex.processes.support`: person by person, episode by episode."""

from __future__ import annotations

import numpy as np

from carecomplex.processes.common import KP, REREFERRAL
from carecomplex.reference.cohort import lever
from carecomplex.reference.common import F64, bits, chunk_index, clip, count, draw1, flat
from carecomplex.reference.observation import wellbeing_sums
from carecomplex.rng import Stream
from carecomplex.state import N_DOMAINS, SLOTS, Event, ServiceSum


def support(key, t, kp: KP, per, wk, sv, info, books) -> None:
    """Twin of :func:`carecomplex.processes.support.support` (same arguments, in place).

    Person by person, episode by episode (slot order): a contact reduces need, trust
    moves, and the episode may close. Counts, pence
    and per-service sums go into the person's chunk. Then the week's wellbeing sums.
    An enrolled person's whole-person share, information, eligibility, episode clock
    and continuity are the cohort's (``reference.cohort``).
    """
    a = flat(key=key, t=t, kp=kp, per=per, wk=wk, sv=sv, info=info, books=books)
    chunk = chunk_index(len(per.pid))
    for i in range(len(per.pid)):
        if per.alive[i] == 0:
            per.slot_service[i] = -1  # the dead hold no episodes
            continue
        g, c = int(per.complex[i]), int(chunk[i])
        episodes = [k for k in range(SLOTS) if per.slot_service[i, k] >= 0]
        if per.prison_weeks[i] > 0 and per.in_reach[i] == 0:  # prison ends every episode
            for k in episodes:
                per.slot_service[i, k] = -1
                count(a, c, Event.CLOSED, g)
            continue
        for k in episodes:
            _episode(a, i, k, g, c)
        if episodes:
            count(a, c, Event.SUPPORTED, g)
    wellbeing_sums(per, books)


def _episode(a, i: int, k: int, g: int, c: int) -> None:
    """One week of episode ``k`` of person ``i``."""
    kp, s = a.kp, int(a.slot_service[i, k])
    x = a.need[i].astype(F64)  # need before this contact
    tau = float(a.slot_trust[i, k])
    match, reduced = _contact(a, i, k, s, x, tau)
    # Staff are the fixed cost of posts, charged in step 6 (workforce.charge_posts).
    floor = kp.build_match_floor  # trust builds slowly, faster when support matches
    build = kp.trust_build * (1.0 + kp.results_trust * float(a.s_results[s]))  # and helps
    tau = float(clip(tau + build * (1.0 - tau) * (floor + (1.0 - floor) * match)))
    a.slot_trust[i, k] = tau
    sys = float(a.sys_trust[i])  # trust in services follows trust in the worker, slower
    a.sys_trust[i] = sys + kp.system_rate * kp.trust_build * (tau - sys)
    a.slot_weeks[i, k] += 1
    sums = a.service_sums[c, s]
    sums[ServiceSum.EPISODES] += 1.0
    sums[ServiceSum.TRUST] += tau
    sums[ServiceSum.MATCH] += match
    sums[ServiceSum.NEED_REDUCED] += reduced
    _close(a, i, k, s, g, c, x, tau)


def _contact(a, i: int, k: int, s: int, x: np.ndarray, tau: float) -> tuple[float, float]:
    """The contact: reduce need where effort goes; returns (match, total need reduced).

    Effort is spread over the service's remit (share ``1 - whole_person``) and over what
    the worker knows of all the person's needs (share ``whole_person``); outside the
    remit a worker knows what is shared between services or disclosed to them in trust.
    Match is the overlap of the effort's spread with the spread of actual need.
    """
    mine = a.programme[i] == 1
    kp, wp, w = a.kp, lever(a.kp, mine, "whole_person"), int(a.slot_worker[i, k])
    skill = float(a.w_skill[w]) * (1.0 - kp.burnout_skill_loss * float(a.w_burnout[w]))
    skill *= kp.knowledge_floor + (1.0 - kp.knowledge_floor) * float(a.s_knowledge[s])
    info = float(a.info[int(mine), s])
    info += kp.thinking_match * (float(a.s_thinking[s]) - info)  # shared understanding
    in_remit = bits(a.slot_remit[i, k])
    base = np.where(in_remit, x, 0.0)
    known = np.where(in_remit, x, x * (info + (1.0 - info) * kp.disclosure * tau))
    alloc = np.zeros(N_DOMAINS)
    if base.sum() > 0.0:
        alloc += (1.0 - wp) * base / base.sum()
    if known.sum() > 0.0:
        alloc += wp * known / known.sum()
    match = float(np.minimum(alloc, x / x.sum()).sum()) if x.sum() > 0.0 else 0.0
    engage = kp.engage_floor + (1.0 - kp.engage_floor) * tau
    matched = kp.match_floor + (1.0 - kp.match_floor) * match
    act = 1.0 - kp.action_dose * (1.0 - float(a.s_actions[s]))  # capacity to act
    effect = kp.dose * skill * engage * matched * act * (kp.contact_hours / kp.dose_hours)
    effect *= _reach(a, i)  # in prison with in-reach: a share of the contact
    red = effect * alloc * x
    a.need[i] = clip(x - red)
    # Lasting change (the set point) follows a share of the need reduced.
    a.setpoint[i] = clip(a.setpoint[i].astype(F64) - kp.recovery_gain * red)
    return match, float(red.sum())


def _close(a, i: int, k: int, s: int, g: int, c: int, x: np.ndarray, tau: float) -> None:
    """Close the episode: reallocation (no continuity), discharge or drop-out.

    Discharge when the need in focus (remit and whole person, weighted) is below the
    threshold, on the clock (episode cap) or by gaming; closing with need left marks
    the person for re-referral.
    """
    mine = a.programme[i] == 1
    kp, wp, me, t = a.kp, lever(a.kp, mine, "whole_person"), a.pid[i], a.t
    in_remit = bits(a.slot_remit[i, k])
    focus = (1.0 - wp) * float(np.max(x, where=in_remit, initial=0.0)) + wp * float(x.max())
    thr = (1.0 - wp) * (lever(kp, mine, "eligibility") - kp.discharge_margin) + wp * kp.stable_need
    need_left = focus >= thr
    # Step-down: stable (below the threshold) for capacity.stable_weeks
    # consecutive weeks.
    a.slot_stable[i, k] = 0 if need_left else a.slot_stable[i, k] + 1
    stable = a.slot_stable[i, k] >= kp.stable_weeks
    cap = lever(kp, mine, "episode_cap")
    capped = cap > 0 and a.slot_weeks[i, k] >= cap
    gamed = draw1(a.key, Stream.GAMING, me, t, 1 + k) < kp.gaming_closure * float(a.s_gaming[s])
    continuity = lever(kp, mine, "continuity")
    if draw1(a.key, Stream.CONTINUITY, me, t, 1 + k) < (1.0 - continuity) * kp.reallocation:
        a.slot_service[i, k] = -1  # back to duty: a hand-off, to be re-referred
        a.handoffs[i] += 1
        count(a, c, Event.HANDOFF, g)
        a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.reallocation_loss * kp.trust_erode)
        if need_left:
            a.assessed[i] |= REREFERRAL
            a.cooldown[i] = max(int(a.cooldown[i]), kp.rereferral_wait)  # seen again later
    elif stable or capped or gamed:
        a.slot_service[i, k] = -1
        count(a, c, Event.CLOSED, g)
        if need_left:
            a.assessed[i] |= REREFERRAL
            a.cooldown[i] = max(int(a.cooldown[i]), kp.rereferral_wait)
    elif draw1(a.key, Stream.DISENGAGE, me, t, k) < kp.disengage * (1.0 - tau):
        a.slot_service[i, k] = -1
        count(a, c, Event.DROPOUT, g)
        a.sys_trust[i] = float(a.sys_trust[i]) * (1.0 - kp.trust_erode)


def _reach(a, i: int) -> float:
    """Share of the contact an episode gets: in prison (with in-reach) ``in_reach_contact``."""
    return a.kp.in_reach_contact if a.prison_weeks[i] > 0 else 1.0
