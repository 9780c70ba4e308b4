"""Support, step 4 (docs/ODD.md §7.10-7.13): contacts, trust, closure.

One kernel, :func:`support`: each chunk of persons is supported episode by episode,
then its wellbeing is summed (:mod:`carecomplex.processes.observation`) while its needs
are in cache. After support only the housing step (4b) changes needs (housing need on
entering or losing a tenancy), and nothing changes life or group, so the sums are those
of the end of the week but for those moves, which show in next week's sums.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from carecomplex.processes.common import (
    EV_CLOSED,
    EV_DROP,
    EV_HANDOFF,
    EV_SUPP,
    REREFERRAL,
    S_CONT,
    S_DIS,
    S_GAMING,
    SS_EPISODES,
    SS_MATCH,
    SS_REDUCED,
    SS_TRUST,
    block_chunks,
    chunk_bounds,
    clip01,
)
from carecomplex.processes.observation import wellbeing_range
from carecomplex.rng import draw_at, entity_key, stream_key
from carecomplex.state import N_BLOCKS, N_DOMAINS, SLOTS


@nb.njit(cache=True, parallel=True)
def support(key, t, kp, per, wk, sv, info, books):
    """Step 4: support contacts reduce needs; trust moves; episodes close (in place).

    Then the week's wellbeing sums, into ``books.wellbeing_sums``: each chunk is
    supported, then summed, with the chunks and the order within them of
    :func:`~carecomplex.processes.observation.wellbeing_sums`, so the sums are
    bit-identical to taking them at the end of the step.

    Args:
        key: hashed root seed, uint64.
        t: step index.
        kp: the week's KP.
        per: the ``PersonTable`` (in place).
        wk: the ``WorkerTable`` (read: ``skill``, ``burnout``).
        sv: the ``ServiceTable`` (read: ``knowledge``, ``gaming`` and the Kim qualities
            ``thinking``, ``actions``, ``results``).
        info: information reaching each service this week, (2, S) float64: row 0 for
            the system, row 1 for an enrolled cohort (``per.programme``).
        books: the week's ``Books`` (ledger, event and service partials added to in the
            persons' chunks; ``wellbeing_sums`` written).

    An enrolled person's whole-person share, information, discharge threshold
    (eligibility), episode clock and continuity are the cohort's (``kp.cohort_*``);
    the worker, the service and its Kim qualities are the system's.
    """
    n = per.alive.shape[0]
    sk = (
        stream_key(key, S_GAMING),
        stream_key(key, S_CONT),
        stream_key(key, S_DIS),
    )
    for b in nb.prange(N_BLOCKS):
        _support_chunks(b, n, sk, t, kp, per, wk, sv, info, books)


@nb.njit(cache=True)
def _support_chunks(b, n, sk, t, kp, per, wk, sv, info, books):
    """Support for the chunks of block ``b`` (``block_chunks``), partials into each chunk.

    Each chunk's wellbeing sums follow its support (``observation.wellbeing_range``).
    """
    pid, complex_, alive, need, setpoint = (
        per.pid,
        per.complex,
        per.alive,
        per.need,
        per.setpoint,
    )
    slot_service, slot_worker, slot_weeks = per.slot_service, per.slot_worker, per.slot_weeks
    slot_trust, slot_remit, assessed = per.slot_trust, per.slot_remit, per.assessed
    prison_weeks = per.prison_weeks
    in_reach = per.in_reach
    sys_trust, handoffs = per.sys_trust, per.handoffs
    slot_stable, cooldown = per.slot_stable, per.cooldown
    s_thinking, s_actions, s_results = sv.thinking, sv.actions, sv.results
    w_skill, w_burnout, s_knowledge, s_gaming = wk.skill, wk.burnout, sv.knowledge, sv.gaming
    events, sums = books.events, books.service_sums
    programme = per.programme
    # Floors of the linear ramps floor + (1 - floor) * x: knowledge -> skill applied,
    # match -> effect, match -> trust building.
    kf, rkf = kp.knowledge_floor, 1.0 - kp.knowledge_floor
    mf, rmf = kp.match_floor, 1.0 - kp.match_floor
    tf, rtf = kp.build_match_floor, 1.0 - kp.build_match_floor
    sk_gaming, sk_cont, sk_dis = sk
    known = np.empty(N_DOMAINS)
    base = np.empty(N_DOMAINS)
    alloc = np.empty(N_DOMAINS)
    c0, c1 = block_chunks(b)
    for c in range(c0, c1):
        lo, hi = chunk_bounds(c, n)
        for i in range(lo, hi):
            if alive[i] == 0:
                for k in range(SLOTS):
                    slot_service[i, k] = -1
                continue
            g = complex_[i]
            me = pid[i]
            held = False
            for k in range(SLOTS):
                held |= slot_service[i, k] >= 0
            if not held:  # nothing below runs; the branch also keeps the hashes in it
                continue
            ek_gaming = entity_key(sk_gaming, me, t)
            ek_cont = entity_key(sk_cont, me, t)
            supported = False
            # The levers for this person: an enrolled cohort's, else the system's.
            prog = programme[i]
            if prog:
                wp, elig, cap, cont = (
                    kp.cohort_whole_person,
                    kp.cohort_eligibility,
                    kp.cohort_episode_cap,
                    kp.cohort_continuity,
                )
            else:
                wp, elig, cap, cont = kp.whole_person, kp.eligibility, kp.episode_cap, kp.continuity
            # In prison an episode closes, unless this spell has in-reach: then it goes on
            # at a share of the contact (``reach`` scales the effect and the hours).
            reach = 1.0
            if prison_weeks[i] > 0:
                reach = kp.in_reach_contact
            for k in range(SLOTS):
                s = slot_service[i, k]
                if s < 0:
                    continue
                if prison_weeks[i] > 0 and in_reach[i] == 0:
                    slot_service[i, k] = -1
                    events[c, EV_CLOSED, g] += 1
                    continue
                supported = True
                w = slot_worker[i, k]
                skill = (
                    w_skill[w]
                    * (1.0 - kp.burnout_skill_loss * w_burnout[w])
                    * (kf + rkf * s_knowledge[s])
                )
                tau = slot_trust[i, k]
                engage = kp.engage_floor + (1.0 - kp.engage_floor) * tau
                # What the worker knows outside the remit: the service's thinking (shared
                # understanding) in place of the raw information, by thinking_match.
                inf = info[prog, s] + kp.thinking_match * (s_thinking[s] - info[prog, s])
                remit = slot_remit[i, k]
                sb, sn, nmax, rmax, ntot = 0.0, 0.0, 0.0, 0.0, 0.0
                for d in range(N_DOMAINS):
                    nd = need[i, d]
                    ntot += nd
                    inr = (remit >> d) & 1
                    base[d] = nd if inr else 0.0
                    known[d] = nd if inr else nd * (inf + (1.0 - inf) * kp.disclosure * tau)
                    sb += base[d]
                    sn += known[d]
                    nmax = max(nmax, nd)
                    if inr:
                        rmax = max(rmax, nd)
                # Match: overlap of the effort's spread with the spread of actual need.
                match = 0.0
                for d in range(N_DOMAINS):
                    a = 0.0
                    if sb > 0.0:
                        a += (1.0 - wp) * base[d] / sb
                    if sn > 0.0:
                        a += wp * known[d] / sn
                    alloc[d] = a
                    if ntot > 0.0:
                        match += min(a, need[i, d] / ntot)
                # Need reduced = dose x skill x engagement x match, spread by the effort;
                # lasting change (the set point) needs a trusted relationship.
                # Actions: the service's capacity to act on what it understands.
                act = 1.0 - kp.action_dose * (1.0 - s_actions[s])
                effect = (
                    kp.dose
                    * skill
                    * engage
                    * (mf + rmf * match)
                    * act
                    * (kp.contact_hours / kp.dose_hours)
                )
                effect *= reach
                reduced = 0.0
                for d in range(N_DOMAINS):
                    a = alloc[d]
                    nd = need[i, d]
                    red = effect * a * nd
                    need[i, d] = clip01(nd - red)
                    setpoint[i, d] = clip01(setpoint[i, d] - kp.recovery_gain * red)
                    reduced += red
                # Staff are the fixed cost of posts, charged in step 6 (workforce.charge_posts).
                build = kp.trust_build * (1.0 + kp.results_trust * s_results[s])  # visible results
                tau = clip01(tau + build * (1.0 - tau) * (tf + rtf * match))
                slot_trust[i, k] = tau
                sys_trust[i] += kp.system_rate * kp.trust_build * (tau - sys_trust[i])
                slot_weeks[i, k] += 1
                sums[c, s, SS_EPISODES] += 1.0
                sums[c, s, SS_TRUST] += tau
                sums[c, s, SS_MATCH] += match
                sums[c, s, SS_REDUCED] += reduced
                # Close: need below threshold (for long enough: a whole-person episode steps
                # down after stable weeks), on the clock, gamed, or dropped out.
                focus = (1.0 - wp) * rmax + wp * nmax
                thr = (1.0 - wp) * (elig - kp.discharge_margin) + wp * kp.stable_need
                if focus < thr:
                    slot_stable[i, k] += 1
                else:
                    slot_stable[i, k] = 0
                stable = slot_stable[i, k] >= kp.stable_weeks
                capped = cap > 0 and slot_weeks[i, k] >= cap
                gamed = draw_at(ek_gaming, 1 + k) < kp.gaming_closure * s_gaming[s]
                # Without continuity the relationship does not last: the case is closed
                # back to duty (a hand-off) and must be re-referred (no consistent worker).
                if draw_at(ek_cont, 1 + k) < (1.0 - cont) * kp.reallocation:
                    slot_service[i, k] = -1
                    handoffs[i] += 1
                    events[c, EV_HANDOFF, g] += 1
                    sys_trust[i] *= 1.0 - kp.reallocation_loss * kp.trust_erode
                    if focus >= thr:
                        assessed[i] |= REREFERRAL
                        cooldown[i] = max(cooldown[i], kp.rereferral_wait)
                elif stable or capped or gamed:
                    slot_service[i, k] = -1
                    events[c, EV_CLOSED, g] += 1
                    if focus >= thr:  # closed with need left: re-referred, after a wait
                        assessed[i] |= REREFERRAL
                        cooldown[i] = max(cooldown[i], kp.rereferral_wait)
                elif draw_at(entity_key(sk_dis, me, t), k) < kp.disengage * (1.0 - tau):
                    slot_service[i, k] = -1
                    events[c, EV_DROP, g] += 1
                    sys_trust[i] *= 1.0 - kp.trust_erode
            if supported:
                events[c, EV_SUPP, g] += 1
        wellbeing_range(lo, hi, c, alive, complex_, need, books.wellbeing_sums)
