"""Workforce, step 6 (docs/ODD.md §7.16): caseloads, burnout, turnover, skill.

Two kernels: :func:`workforce`, and :func:`charge_posts` (the posts' and the
programme's cost, model 2). A leaver's post is taken by a novice with a new uid, who
inherits the cases; the persons lose some trust (less when continuity means a known
colleague steps in). The turnover draw is keyed by the post (the worker row), not by its
holder's uid, so arms in which different holders have left still share it; the uid is
identity only.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from carecomplex.processes.common import (
    COMPLEX,
    EV_HANDOFF,
    EV_WORKER,
    I_IDLE,
    I_PROG,
    I_STAFF,
    S_TURN,
    clip01,
)
from carecomplex.rng import draw
from carecomplex.state import N_DOMAINS, SLOTS

WF_BLOCKS = 8  # person blocks of the parallel passes (integer counts only)


@nb.njit(cache=True, parallel=True)
def workforce(key, t, kp, next_uid, per, wk, sv, books) -> int:
    """Step 6: caseloads, workload, burnout, turnover; a leaver's cases pass on.

    Capacity is recomputed each week from the posts and the caseload in force
    (``caseload x caseload_factor``). Burnout follows workload: held cases weighted by
    their complexity (``1 + complexity_weight x`` high-need domains) over the
    sustainable caseload (``capacity.caseload``), in any regime; target pressure and the
    friction of change add strain.

    The passes over persons run in parallel blocks; they only count (integers, exact in
    any order) or update each person's own episodes, so results do not depend on the
    thread count.

    An enrolled person (``per.programme``) loses trust on a leaver's hand-over at the
    cohort's continuity (a known colleague steps in); capacity (``caseload_factor``)
    and burnout (target strain, friction) are the posts' and stay the system's.

    Args:
        key: hashed root seed, uint64.
        t: step index.
        kp: the week's KP.
        next_uid: the next free worker uid (the number of posts on the first call).
        per: the ``PersonTable`` (``slot_trust``, ``handoffs`` in place).
        wk: the ``WorkerTable`` (in place).
        sv: the ``ServiceTable`` (``load`` and ``capacity`` in place; ``knowledge`` read).
        books: the week's ``Books`` (hand-offs and worker changes added to chunk 0 of
            ``events``).

    Returns:
        The next free worker uid.
    """
    # Arrays are taken out of the tables before the parallel loops: writes through a
    # tuple's array inside a prange body can be lost (numba #5872, #7135).
    slot_service, slot_worker, slot_trust = per.slot_service, per.slot_worker, per.slot_trust
    alive, handoffs, complex_, need = per.alive, per.handoffs, per.complex, per.need
    programme = per.programme
    w_service, w_uid, w_caseload, w_skill = wk.service, wk.uid, wk.caseload, wk.skill
    w_burnout, w_tenure, w_tolerance = wk.burnout, wk.tenure, wk.tolerance
    s_load, s_knowledge, s_capacity, events = sv.load, sv.knowledge, sv.capacity, books.events
    n, n_workers = slot_service.shape[0], w_service.shape[0]
    # Caseloads and their high-need domains: integer counts per block of persons (exact
    # in any order), then summed.
    part = np.zeros((WF_BLOCKS, n_workers), dtype=np.int32)
    hpart = np.zeros((WF_BLOCKS, n_workers), dtype=np.int32)
    for b in nb.prange(WF_BLOCKS):
        lo, hi = b * n // WF_BLOCKS, (b + 1) * n // WF_BLOCKS
        for i in range(lo, hi):
            nhigh = 0
            for d in range(N_DOMAINS):
                nhigh += 1 if need[i, d] > kp.gaming_high_need else 0
            for k in range(SLOTS):
                if slot_service[i, k] >= 0:
                    part[b, slot_worker[i, k]] += 1
                    hpart[b, slot_worker[i, k]] += nhigh
    s_load[:] = 0
    s_capacity[:] = 0
    left = np.zeros(n_workers, dtype=np.uint8)
    for w in range(n_workers):
        total, highs = 0, 0
        for b in range(WF_BLOCKS):
            total += part[b, w]
            highs += hpart[b, w]
        w_caseload[w] = total
        s = w_service[w]
        s_load[s] += total
        s_capacity[s] += 1  # posts, turned into capacity below
        workload = (total + kp.complexity_weight * highs) / kp.caseload  # of sustainable
        over = max(0.0, workload - 1.0)
        b = w_burnout[w]
        b += kp.burnout_rate * over + kp.target_strain * kp.target_pressure
        b += kp.friction_load * (1.0 - w_tolerance[w]) - kp.burnout_recovery * b
        w_burnout[w] = clip01(b)
        p = kp.turnover * (1.0 + kp.burnout_turnover * w_burnout[w])
        if draw(key, S_TURN, w, t, 0) < p:  # keyed by post: the same draw in every arm
            left[w] = 1
            w_uid[w] = next_uid
            next_uid += 1
            w_skill[w] = kp.novice_skill
            w_burnout[w] = 0.0
            w_tenure[w] = 0
        else:
            w_tenure[w] += 1
            kn = kp.growth_knowledge_floor + (1.0 - kp.growth_knowledge_floor) * s_knowledge[s]
            w_skill[w] += kp.skill_growth * (1.0 - w_skill[w]) * kn
    # A known colleague (continuity) softens the loss of trust when a worker leaves.
    loss = kp.trust_erode * (1.0 - kp.colleague_cover * kp.continuity)
    cohort_loss = kp.trust_erode * (1.0 - kp.colleague_cover * kp.cohort_continuity)
    n_groups = events.shape[2]
    lost = np.zeros((WF_BLOCKS, n_groups), dtype=np.int64)
    for b in nb.prange(WF_BLOCKS):
        lo, hi = b * n // WF_BLOCKS, (b + 1) * n // WF_BLOCKS
        for i in range(lo, hi):
            for k in range(SLOTS):
                if slot_service[i, k] >= 0 and left[slot_worker[i, k]] == 1 and alive[i] == 1:
                    slot_trust[i, k] *= 1.0 - (cohort_loss if programme[i] else loss)
                    handoffs[i] += 1
                    lost[b, complex_[i]] += 1
    for b in range(WF_BLOCKS):
        for g in range(n_groups):
            events[0, EV_HANDOFF, g] += lost[b, g]
            events[0, EV_WORKER, g] += lost[b, g]
    for s in range(s_capacity.shape[0]):
        s_capacity[s] = int(s_capacity[s] * kp.caseload * kp.caseload_factor)
    return next_uid


# --------------------------------------------------------------------------------------
# Charging (model 2, costs): staff as the fixed cost of posts, and the programme's cost.
# --------------------------------------------------------------------------------------


@nb.njit(cache=True)
def charge_posts(per, wk, books, programme, cohort_programme) -> None:
    """Charge the week's staff posts and programme cost (end of step 6, serial, exact).

    Every post costs ``books.pence[I_STAFF]`` a week whatever its caseload. A post's
    cost is shared equally by the persons it holds (integer pence; the remainder goes
    one penny each to its first holders in person order), as item STAFF. The cost of a
    post holding nobody is idle capacity, item IDLE_STAFF: charged to the ledger, not to
    a person, split between the groups by the persons alive in each. ``programme``
    pence (item PROGRAMME, the system's) are shared equally by the complex-needs persons
    alive outside an enrolled cohort (all persons alive outside it when there are none;
    when everybody alive is enrolled, as if nobody were; nothing is charged when nobody
    is alive). ``cohort_programme`` pence (item PROGRAMME, a cohort programme's) are
    shared equally by the enrolled persons alive (``per.programme``).

    Args:
        per: the ``PersonTable`` (``cost`` in place).
        wk: the ``WorkerTable`` (read: ``service`` for the number of posts).
        books: the week's ``Books`` (chunk 0 of ``ledger``).
        programme: the week's programme cost of the system in pence, int64.
        cohort_programme: the week's programme cost of an enrolled cohort in pence, int64.
    """
    slot_service, slot_worker = per.slot_service, per.slot_worker
    alive, complex_, cost, enrolled = per.alive, per.complex, per.cost, per.programme
    pence, holder, ledger = books.pence, books.holder, books.ledger
    n, n_posts, n_groups = slot_service.shape[0], wk.service.shape[0], ledger.shape[2]
    post = pence[I_STAFF]
    held = np.zeros(n_posts, dtype=np.int64)
    by_group = np.zeros(n_groups, dtype=np.int64)
    rest = np.zeros(n_groups, dtype=np.int64)  # alive and not enrolled
    cohort = np.zeros(n_groups, dtype=np.int64)  # alive and enrolled
    for i in range(n):
        if alive[i] == 1:
            by_group[complex_[i]] += 1
            if enrolled[i]:
                cohort[complex_[i]] += 1
            else:
                rest[complex_[i]] += 1
        for k in range(SLOTS):
            if slot_service[i, k] >= 0:
                held[slot_worker[i, k]] += 1
    seen = np.zeros(n_posts, dtype=np.int64)
    h_staff = holder[I_STAFF]
    for i in range(n):
        g = complex_[i]
        for k in range(SLOTS):
            if slot_service[i, k] >= 0:
                w = slot_worker[i, k]
                amount = post // held[w]
                if seen[w] < post - amount * held[w]:
                    amount += 1
                seen[w] += 1
                cost[i, h_staff] += amount
                ledger[0, I_STAFF, g] += amount
    idle = 0
    for w in range(n_posts):
        if held[w] == 0:
            idle += post
    _split(idle, by_group, ledger, I_IDLE)
    if rest.sum() > 0:
        _share(programme, rest, 0, False, True, per, books)
    else:  # everybody alive is enrolled (or nobody is alive)
        _share(programme, by_group, 0, True, True, per, books)
    _share(cohort_programme, cohort, 1, False, False, per, books)


@nb.njit(cache=True)
def _share(amount, pool, side, either, complex_first, per, books) -> None:
    """``amount`` pence of item PROGRAMME shared equally by persons alive of ``pool``.

    ``pool``: those persons per group; ``side``: 0 not enrolled, 1 enrolled (``either``:
    both). With ``complex_first``, only the complex-needs persons pay when there are
    any. The remainder goes one penny each to the first payers in person order.
    """
    m = pool[COMPLEX] if complex_first else 0
    only_complex = m > 0
    if m == 0:
        m = pool.sum()
    if m == 0 or amount <= 0:
        return
    alive, complex_, cost, enrolled = per.alive, per.complex, per.cost, per.programme
    ledger = books.ledger
    share, rest = amount // m, amount % m
    h_prog, got = books.holder[I_PROG], 0
    for i in range(alive.shape[0]):
        if alive[i] == 0 or (only_complex and complex_[i] != COMPLEX):
            continue
        if not either and enrolled[i] != side:
            continue
        pay = share + (1 if got < rest else 0)
        got += 1
        cost[i, h_prog] += pay
        ledger[0, I_PROG, complex_[i]] += pay


@nb.njit(cache=True)
def _split(amount, by_group, ledger, item) -> None:
    """``amount`` pence into chunk 0 of ``ledger`` for ``item``, by the persons per group."""
    total = by_group.sum()
    if total == 0:
        ledger[0, item, 0] += amount
        return
    left = amount
    for g in range(by_group.shape[0] - 1):
        part = amount * by_group[g] // total
        ledger[0, item, g] += part
        left -= part
    ledger[0, item, by_group.shape[0] - 1] += left
