"""Access and referral, step 3 (docs/ODD.md §7.7-7.9): seeking help, assessment, queues.

One kernel, :func:`access`. Applicants are served in a deterministic order: longest
waiting first (or, with ``need_priority``, by a blend of weeks waited and weighted need),
then by a counter-based priority draw, lowered for complex cases by a service's gaming.
The result equals serving every applicant one by one in that order (the twin,
:mod:`carecomplex.reference.access`), but the work is split so that it runs in parallel
with results independent of the thread count:

A. per person (parallel blocks of chunks, :func:`_seek_chunks`): who applies, to which service,
   with what priority; a new application's assessment (its cost, and trust lost by
   telling the story again) and the order-free parts of the decision (re-referral,
   cream-skimming);
B. per service (parallel over services, :func:`_serve`): applicants only interact
   through their service's load (the eligibility threshold in force, the capacity
   limit) and its posts' caseloads, so each service serves its own applicants in
   priority order, picking the least-loaded post from a heap (first post on ties);
C. per applicant (parallel blocks of chunks, :func:`_effects_chunks`): the decision's effects on
   the person.

Counts and pence are integers, summed into chunk 0 of ``books.ledger`` and
``books.events``.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from carecomplex.processes.common import (
    EV_ACCEPT,
    EV_APPLY,
    EV_ASSESS,
    EV_HANDOFF,
    EV_QUEUE,
    EV_REASSESS,
    EV_REJECT,
    I_ASSESS,
    I_REASSESS,
    I_REFER,
    REREFERRAL,
    S_ASSESS,
    S_CONT,
    S_GAMING,
    S_PRIORITY,
    block_chunks,
    charge,
    chunk_bounds,
)
from carecomplex.rng import draw_at, entity_key, stream_key
from carecomplex.state import N_BLOCKS, N_CHUNKS, N_DOMAINS, SLOTS

# Flags of an applicant (AccessScratch.flags) and outcomes (AccessScratch.outcome).
NEW_APPLICATION, REREFERRED, SKIMMED = 1, 2, 4
QUEUED, ACCEPTED, REJECTED = 0, 1, 2


class AccessScratch(NamedTuple):
    """Scratch of :func:`access` for up to ``n`` applicants, reused from week to week.

    Each entry is written before it is read, so stale contents do not matter.
    """

    cand: np.ndarray  # (n,) int64: the applicant's person index
    want: np.ndarray  # (n,) int64: the service applied to
    priority: np.ndarray  # (n,) float64: serving order, highest first
    flags: np.ndarray  # (n,) uint8: NEW_APPLICATION | REREFERRED | SKIMMED
    outcome: np.ndarray  # (n,) uint8: QUEUED, ACCEPTED or REJECTED
    chosen: np.ndarray  # (n,) int64: the post of an accepted applicant


def access_scratch(n: int) -> AccessScratch:
    """Scratch arrays of :func:`access` for ``n`` persons."""
    return AccessScratch(
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.uint8),
        np.empty(n, dtype=np.uint8),
        np.empty(n, dtype=np.int64),
    )


@nb.njit(cache=True)
def access(key, t, kp, per, wk, sv, info, books, scratch):
    """Step 3: help-seeking, assessment, eligibility, gaming, capacity and queues.

    Args:
        key: hashed root seed, uint64.
        t: step index.
        kp: the week's KP.
        per: the ``PersonTable`` (in place).
        wk: the ``WorkerTable`` (``caseload`` in place).
        sv: the ``ServiceTable`` (``load`` and ``queue`` in place).
        info: information reaching each service this week, (2, S) float64: row 0 for
            the system, row 1 for an enrolled cohort (``per.programme``).
        books: the week's ``Books`` (ledger and event partials added to, in chunk 0).
        scratch: an :class:`AccessScratch` for at least the persons of ``per``.

    An enrolled person's continuity, queue priority (``need_priority``), shared record
    (``info``) and eligibility are the cohort's (``kp.cohort_*``); the capacity limit
    (stretched by target pressure) is the service's, the system's.
    """
    n = per.pid.shape[0]
    ledger, events, s_queue, s_load = books.ledger, books.events, sv.queue, sv.load
    cand, want, prio, flags = scratch.cand, scratch.want, scratch.priority, scratch.flags
    count = np.zeros(N_CHUNKS, dtype=np.int64)
    led = np.zeros((N_CHUNKS, ledger.shape[1], ledger.shape[2]), dtype=np.int64)
    ev = np.zeros((N_CHUNKS, events.shape[1], events.shape[2]), dtype=np.int64)
    for s in range(s_queue.shape[0]):
        s_queue[s] = 0
    # A. Per person: apply or not; assess new applications.
    _seekers(key, t, kp, per, sv, info, books, scratch, count, led, ev)
    # Compact the candidates (person order) and bucket them by service (stable).
    m = 0
    for cc in range(N_CHUNKS):
        first = chunk_bounds(cc, n)[0]
        for j in range(first, first + count[cc]):
            cand[m] = cand[j]
            want[m] = want[j]
            prio[m] = prio[j]
            flags[m] = flags[j]
            m += 1
    n_svc = s_load.shape[0]
    start = np.zeros(n_svc + 1, dtype=np.int64)
    for j in range(m):
        start[want[j] + 1] += 1
    for s in range(n_svc):
        start[s + 1] += start[s]
    bucket = np.empty(m, dtype=np.int64)
    fill = start[:n_svc].copy()
    for j in range(m):
        bucket[fill[want[j]]] = j
        fill[want[j]] += 1
    # B. Per service: serve its applicants in priority order.
    _serve_all(kp, bucket, start, scratch, per.need, per.programme, wk, sv)
    # C. Per applicant: the decision's effects on the person.
    _effects(kp, m, scratch, per, sv, books, led, ev)
    for cc in range(N_CHUNKS):  # integer partials: exact in any order
        for x in range(ledger.shape[1]):
            for y in range(ledger.shape[2]):
                ledger[0, x, y] += led[cc, x, y]
        for x in range(events.shape[1]):
            for y in range(events.shape[2]):
                events[0, x, y] += ev[cc, x, y]


@nb.njit(cache=True)
def seek_domain(i, kp, need, slot_service, slot_remit) -> int:
    """Person ``i``'s highest uncovered need above the seeking threshold (-1 if none)."""
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
def urgency(i, kp, need, nhigh) -> float:
    """Person ``i``'s weighted need: need summed over domains, raised by complexity.

    ``sum(need) x (1 + complexity_weight x nhigh / full_complexity)``: the need and
    crisis risk a queue served by need puts first.
    """
    tot = 0.0
    for d in range(N_DOMAINS):
        tot += need[i, d]
    return tot * (1.0 + kp.complexity_weight * nhigh / kp.full_complexity)


@nb.njit(cache=True, inline="always")
def threshold(kp, eligibility: float, load: int, capacity: int) -> float:
    """Eligibility rations capacity: a service with room accepts below its threshold.

    The threshold in force rises from the seeking threshold (idle service) to the
    stated ``eligibility`` (the applicant's: the system's, or an enrolled cohort's) as
    the service fills up (``capacity.ration_fill`` and above).
    """
    lo = min(kp.seek_threshold, eligibility)
    fill = min(1.0, load / (kp.ration_fill * max(1, capacity)))
    return lo + (eligibility - lo) * fill


@nb.njit(cache=True, parallel=True)
def _seekers(key, t, kp, per, sv, info, books, scratch, count, led, ev):
    """Access phase A (per person, parallel chunks); ``count[c]``: chunk ``c``'s applicants."""
    sk = (
        stream_key(key, S_CONT),
        stream_key(key, S_PRIORITY),
        stream_key(key, S_ASSESS),
        stream_key(key, S_GAMING),
    )
    s_gaming = sv.gaming
    for b in nb.prange(N_BLOCKS):
        _seek_chunks(b, count, sk, t, kp, per, s_gaming, info, books, scratch, led, ev)


@nb.njit(cache=True)
def _seek_chunks(b, count, sk, t, kp, per, s_gaming, info, books, scratch, led, ev):
    """Access phase A for the chunks of block ``b`` (``block_chunks``), chunk by chunk.

    Chunk ``c``'s applicants go from its first person's position on; their number into
    ``count[c]``.
    """
    sk_cont, sk_prio, sk_assess, sk_gaming = sk
    pid, complex_, alive, need = per.pid, per.complex, per.alive, per.need
    slot_service, slot_remit, assessed = per.slot_service, per.slot_remit, per.assessed
    wait_service, wait_weeks, unmet = per.wait_service, per.wait_weeks, per.unmet
    cooldown, prison_weeks, sys_trust = per.cooldown, per.prison_weeks, per.sys_trust
    handoffs, cost, pence, holder = per.handoffs, per.cost, books.pence, books.holder
    cand, want, prio, flags = scratch.cand, scratch.want, scratch.priority, scratch.flags
    programme = per.programme
    c0, c1 = block_chunks(b)
    for c in range(c0, c1):
        lo, hi = chunk_bounds(c, pid.shape[0])
        top = lo
        for i in range(lo, hi):
            unmet[i] = 0
            if alive[i] == 0 or prison_weeks[i] > 0:
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            if cooldown[i] > 0:  # not seeking help yet: no queue place either
                cooldown[i] -= 1
                unmet[i] = 1 if seek_domain(i, kp, need, slot_service, slot_remit) >= 0 else 0
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            d = seek_domain(i, kp, need, slot_service, slot_remit)
            if d < 0:
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            # A person in a queue stays in it while that need is still wanted, rather than
            # applying afresh (a new assessment) wherever this week's highest need points.
            ws = wait_service[i]
            if ws >= 0 and ws != d and need[i, ws] > kp.seek_threshold:
                covered = False
                for k in range(SLOTS):
                    if slot_service[i, k] >= 0 and (slot_remit[i, k] >> ws) & 1:
                        covered = True
                if not covered:
                    d = ws
            held = -1
            free_slot = -1
            for k in range(SLOTS):
                if slot_service[i, k] >= 0:
                    if held < 0:
                        held = k
                elif free_slot < 0:
                    free_slot = k
            me = pid[i]
            prog = programme[i]  # 1: an enrolled person, the cohort's levers
            continuity = kp.cohort_continuity if prog else kp.continuity
            if held >= 0 and draw_at(entity_key(sk_cont, me, t), 0) < continuity:
                slot_remit[i, held] |= np.uint8(1 << d)  # the known worker takes the need on
                wait_service[i] = -1
                wait_weeks[i] = 0
                continue
            if free_slot < 0:
                continue
            nhigh = 0
            for dd in range(N_DOMAINS):
                if need[i, dd] > kp.gaming_high_need:
                    nhigh += 1
            cand[top] = i
            want[top] = d
            u = draw_at(entity_key(sk_prio, me, t), 0)
            np_ = kp.cohort_need_priority if prog else kp.need_priority
            prio[top] = (
                (1.0 - np_) * wait_weeks[i]
                + np_ * kp.priority_scale * urgency(i, kp, need, nhigh)
                + u
                - s_gaming[d] * nhigh / kp.full_complexity
            )
            f = np.uint8(0)
            if wait_service[i] != d:  # a new application: assessed now, decided in B
                g = complex_[i]
                f = np.uint8(NEW_APPLICATION)
                ev[c, EV_APPLY, g] += 1
                if held >= 0:
                    handoffs[i] += 1
                    ev[c, EV_HANDOFF, g] += 1
                    charge(i, I_REFER, 1.0, g, c, cost, led, pence, holder)
                if (assessed[i] & REREFERRAL) != 0:
                    f |= np.uint8(REREFERRED)
                assessed[i] &= ~REREFERRAL
                if assessed[i] == 1 and draw_at(entity_key(sk_assess, me, t), 0) < info[prog, d]:
                    pass  # the shared record stands in for a new assessment
                elif assessed[i] == 1:
                    charge(i, I_REASSESS, 1.0, g, c, cost, led, pence, holder)
                    ev[c, EV_REASSESS, g] += 1
                    sys_trust[i] *= 1.0 - kp.trust_erode / kp.retell_divisor  # telling it again
                else:
                    charge(i, I_ASSESS, 1.0, g, c, cost, led, pence, holder)
                    ev[c, EV_ASSESS, g] += 1
                    assessed[i] = 1
                skim = kp.skim * s_gaming[d] * nhigh / kp.full_complexity
                if draw_at(entity_key(sk_gaming, me, t), 0) < skim:
                    f |= np.uint8(SKIMMED)
            flags[top] = f
            top += 1
        count[c] = top - lo


@nb.njit(cache=True, parallel=True)
def _serve_all(kp, bucket, start, scratch, need, programme, wk, sv):
    """Access phase B (per service, parallel)."""
    for s in nb.prange(sv.load.shape[0]):
        _serve(kp, s, bucket[start[s] : start[s + 1]], scratch, need, programme, wk, sv)


@nb.njit(cache=True, parallel=True)
def _effects(kp, m, scratch, per, sv, books, led, ev):
    """Access phase C (per applicant, parallel chunks of the ``m`` applicants)."""
    s_rel = sv.relationships
    for b in nb.prange(N_BLOCKS):
        _effects_chunks(b, m, kp, scratch, per, s_rel, books, led, ev)


@nb.njit(cache=True)
def _effects_chunks(b, m, kp, scratch, per, s_rel, books, led, ev):
    """Access phase C for the chunks of block ``b`` of the ``m`` applicants.

    A new episode starts at the person's trust in services, moved toward the service's
    relationships (its reputation: ``trust.reputation``).
    """
    complex_, sys_trust, cost = per.complex, per.sys_trust, per.cost
    slot_service, slot_worker, slot_weeks = per.slot_service, per.slot_worker, per.slot_weeks
    slot_trust, slot_remit, slot_stable = per.slot_trust, per.slot_remit, per.slot_stable
    wait_service, wait_weeks, unmet, cooldown = (
        per.wait_service,
        per.wait_weeks,
        per.unmet,
        per.cooldown,
    )
    pence, holder = books.pence, books.holder
    cand, want, outcome, chosen = scratch.cand, scratch.want, scratch.outcome, scratch.chosen
    c0, c1 = block_chunks(b)
    for c in range(c0, c1):
        lo, hi = chunk_bounds(c, m)
        for j in range(lo, hi):
            i = cand[j]
            s = want[j]
            g = complex_[i]
            if outcome[j] == REJECTED:
                ev[c, EV_REJECT, g] += 1
                charge(i, I_REFER, 1.0, g, c, cost, led, pence, holder)
                sys_trust[i] *= 1.0 - kp.trust_erode
                unmet[i] = 1
                cooldown[i] = kp.reject_cooldown
                wait_service[i] = -1
                wait_weeks[i] = 0
            elif outcome[j] == ACCEPTED:
                k = 0
                while slot_service[i, k] >= 0:
                    k += 1
                slot_service[i, k] = s
                slot_worker[i, k] = chosen[j]
                slot_weeks[i, k] = 0
                slot_stable[i, k] = 0
                slot_trust[i, k] = sys_trust[i] + kp.reputation * (s_rel[s] - sys_trust[i])
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
def _serve(kp, s, mine, scratch, need, programme, wk, sv) -> None:
    """Decide service ``s``'s applicants (``mine``, candidate positions) in priority order.

    The eligibility an applicant must meet is the applicant's (``programme``: the
    cohort's for an enrolled person); the capacity limit is the service's.
    """
    w_service, w_caseload = wk.service, wk.caseload
    s_capacity, s_load, s_queue = sv.capacity, sv.load, sv.queue
    cand, prio, flags = scratch.cand, scratch.priority, scratch.flags
    outcome, chosen = scratch.outcome, scratch.chosen
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
    # Applicants in priority order (highest first, then person order) from a heap:
    # only the prefix served before the service fills up needs ordering, because once
    # it is full its load, and so every later decision, no longer changes.
    na = mine.shape[0]
    kk = np.empty(na, dtype=np.float64)
    for r in range(na):
        kk[r] = prio[mine[r]]
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
        if f & NEW_APPLICATION:  # eligibility at the load in force now
            rereferral = (f & REREFERRED) != 0
            i = cand[j]
            elig = kp.cohort_eligibility if programme[i] else kp.eligibility
            eligible = rereferral or need[i, s] >= threshold(kp, elig, s_load[s], s_capacity[s])
            if not eligible or ((f & SKIMMED) != 0 and not rereferral):
                outcome[j] = REJECTED
                continue
        if not full:
            best = heap[0] if n_posts > 0 else -1
            w_caseload[best] += 1
            if n_posts > 0:
                _sift_down(heap, n_posts, 0, w_caseload)
            chosen[j] = best
            s_load[s] += 1
            outcome[j] = ACCEPTED
        else:
            s_queue[s] += 1
            outcome[j] = QUEUED


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
