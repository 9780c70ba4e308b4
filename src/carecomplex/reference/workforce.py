"""Twin of :mod:`carecomplex.processes.workforce`: every post at once, in NumPy."""

from __future__ import annotations

import numpy as np

from carecomplex.costs import Item
from carecomplex.processes.common import KP
from carecomplex.reference.common import F64, clip
from carecomplex.rng import Stream, draws
from carecomplex.state import Event, Group


def workforce(key, t, kp: KP, next_uid, per, wk, sv, books) -> int:
    """Twin of :func:`carecomplex.processes.workforce.workforce` (same arguments, in place).

    Caseloads are recounted and capacity recomputed (posts x the caseload in force);
    burnout grows with workload (cases weighted by their high-need domains) over the
    sustainable caseload, with targets and the friction of change, and recovers; a post
    holder may leave (more likely when burnt out) and is replaced by a novice with a new
    uid, whose inherited cases lose some trust.

    Returns:
        The next free worker uid.
    """
    held = per.slot_service >= 0
    wk.caseload[:] = np.bincount(per.slot_worker[held], minlength=len(wk.service))
    sv.load[:] = np.bincount(wk.service, weights=wk.caseload, minlength=len(sv.load))
    posts = np.bincount(wk.service, minlength=len(sv.load))
    sv.capacity[:] = (posts * kp.caseload * kp.caseload_factor).astype(np.int64)
    high = (per.need.astype(F64) > kp.gaming_high_need).sum(axis=1)  # per person
    highs = np.bincount(
        per.slot_worker[held], weights=np.repeat(high, held.sum(axis=1)), minlength=len(wk.service)
    )
    workload = (wk.caseload + kp.complexity_weight * highs) / kp.caseload
    over = np.maximum(0.0, workload - 1.0)
    b = wk.burnout.astype(F64)
    b = b + (kp.burnout_rate * over + kp.target_strain * kp.target_pressure)
    b = b + (kp.friction_load * (1.0 - wk.tolerance.astype(F64)) - kp.burnout_recovery * b)
    wk.burnout[:] = clip(b)
    p_leave = kp.turnover * (1.0 + kp.burnout_turnover * wk.burnout.astype(F64))
    left = draws(key, Stream.TURNOVER, np.arange(len(wk.uid)), t, 0) < p_leave  # by post
    stay = ~left
    skill = wk.skill.astype(F64)
    floor = kp.growth_knowledge_floor  # growth at a service with no practice knowledge
    knowledge = sv.knowledge[wk.service]
    grown = skill + kp.skill_growth * (1.0 - skill) * (floor + (1.0 - floor) * knowledge)
    wk.skill[stay] = grown[stay]
    wk.tenure[stay] += 1
    wk.uid[left] = next_uid + np.arange(left.sum())
    wk.skill[left] = kp.novice_skill
    wk.burnout[left] = 0.0
    wk.tenure[left] = 0
    # A known colleague (continuity) softens the loss of trust when a worker leaves.
    # An enrolled person's colleague cover is the cohort's continuity.
    continuity = np.where(per.programme == 1, kp.cohort_continuity, kp.continuity)
    loss = kp.trust_erode * (1.0 - kp.colleague_cover * continuity)  # per person
    hit = held & left[np.where(held, per.slot_worker, 0)] & (per.alive[:, None] == 1)
    loss_k = np.broadcast_to(loss[:, None], hit.shape)
    per.slot_trust[hit] = per.slot_trust[hit].astype(F64) * (1.0 - loss_k[hit])
    lost = hit.sum(axis=1)
    per.handoffs[:] += lost
    events = books.events
    by_group = np.bincount(per.complex, weights=lost, minlength=events.shape[2])
    events[0, Event.HANDOFF] += by_group.astype(np.int64)
    events[0, Event.WORKER_CHANGE] += by_group.astype(np.int64)
    return int(next_uid + left.sum())


def charge_posts(per, wk, books, programme, cohort_programme) -> None:
    """Twin of :func:`carecomplex.processes.workforce.charge_posts` (same arguments, in place).

    Each post's weekly cost is split equally over the episodes it holds (the remainder
    a penny each to its first holders in person order); posts holding nobody are idle
    capacity, in the ledger by the groups' persons alive; the system's programme pence
    are split equally over the complex-needs persons alive outside an enrolled cohort
    (else all alive outside it; if everybody alive is enrolled, as if nobody were); the
    cohort's over the enrolled persons alive.
    """
    pence, ledger = books.pence, books.ledger
    n_groups = ledger.shape[2]
    post = int(pence[Item.STAFF])
    held = per.slot_service >= 0
    rows, _ = np.nonzero(held)  # person of each episode, in person order
    workers = per.slot_worker[held].astype(np.int64)
    count = np.bincount(workers, minlength=len(wk.service))
    order = np.argsort(workers, kind="stable")
    rank = np.empty(len(workers), dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank[order] = np.arange(len(workers)) - first[workers[order]]
    c = np.maximum(count[workers], 1)
    amount = post // c + (rank < post - (post // c) * c)
    np.add.at(per.cost[:, books.holder[Item.STAFF]], rows, amount)
    groups = per.complex[rows].astype(np.int64)
    ledger[0, Item.STAFF] += np.bincount(groups, weights=amount, minlength=n_groups).astype(
        np.int64
    )
    alive = per.alive == 1
    by_group = np.bincount(per.complex[alive], minlength=n_groups).astype(np.int64)
    idle = post * int((count == 0).sum())
    total = int(by_group.sum())
    if total == 0:
        ledger[0, Item.IDLE_STAFF, 0] += idle
    else:
        parts = [idle * int(by_group[g]) // total for g in range(n_groups - 1)]
        parts.append(idle - sum(parts))
        ledger[0, Item.IDLE_STAFF] += np.array(parts, dtype=np.int64)
    enrolled = per.programme == 1
    outside = alive & ~enrolled
    payers = outside if outside.any() else alive
    complex_payers = payers & (per.complex == Group.COMPLEX)
    _share(per, books, programme, complex_payers if complex_payers.any() else payers)
    _share(per, books, cohort_programme, alive & enrolled)


def _share(per, books, pence: int, payers: np.ndarray) -> None:
    """``pence`` of item PROGRAMME split equally over ``payers`` (first ones a penny more)."""
    m = int(payers.sum())
    if m == 0 or pence <= 0:
        return
    who = np.flatnonzero(payers)
    amount = np.full(m, pence // m, dtype=np.int64)
    amount[: pence % m] += 1
    per.cost[who, books.holder[Item.PROGRAMME]] += amount
    books.ledger[0, Item.PROGRAMME] += np.bincount(
        per.complex[who].astype(np.int64), weights=amount, minlength=books.ledger.shape[2]
    ).astype(np.int64)
