"""Housing and treatment, step 4b (docs/ODD.md §7.12): tenancies and treatment as states.

One kernel, :func:`housing`, run once a week right after support. A tenancy and a
course of drug or alcohol treatment are states a person holds, enters and leaves, not
cures: while they hold, the need's drift target is lowered (``processes/life.py``, the
target line); when they end, the relief ends.

* Tenancy: ordinary (found through the housing service, any regime) or Housing First
  (bought from the flexible-budget pot, with open-ended intensive support). Rent every
  housed week, support hours for Housing First, a weekly loss hazard raised by
  substance and mental-health need and lowered by trust in a worker, and loss on a
  prison stay longer than housing benefit covers.
* Treatment, commissioned in every regime: none -> waiting -> in treatment ->
  recovered (-> relapse -> none), with drop-out lowered by trust in a worker.
* The pot: accrues per complex-needs person alive (at the flexible budget of each one's
  levers: an enrolled cohort's for the enrolled, the system's for the rest), carries
  over up to a cap. An enrolled person's purchase draws use the cohort's flexible
  budget; the pot is the area's one pot, shared. Purchases
  are flagged in the parallel pass and approved in a serial pass in person order while
  the pot covers the price, so results do not depend on the thread count.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from carecomplex.processes.common import (
    D_HOUSE,
    D_MENTAL,
    D_SUBST,
    EV_HOUSED,
    EV_TEN,
    EV_TEND,
    EV_TREAT,
    EV_TSTART,
    I_HF,
    I_RENT,
    I_TEN,
    I_TREAT,
    I_TSTART,
    S_BUDGET,
    S_TENANCY,
    S_TREATMENT,
    T_HF,
    T_NONE,
    T_ORD,
    TR_DONE,
    TR_IN,
    TR_NONE,
    TR_WAIT,
    block_chunks,
    charge,
    chunk_bounds,
    clip01,
)
from carecomplex.rng import draw_at, entity_key, stream_key
from carecomplex.state import N_BLOCKS, N_CHUNKS, SLOTS

WANT_HF, WANT_START = 1, 2  # bits of the purchase flags: a Housing First tenancy, a start
PAIR_MEAN = 0.5  # the mean of two needs (substance and mental health) in the exit hazard
WEEKS_PER_YEAR = 52  # the pot's accrual is set per person-year (unit conversion)
PENCE = 100  # pounds to pence (the pot is held in whole pence, like the ledger)


@nb.njit(cache=True, parallel=True)
def housing(key, t, kp, per, sv, books):
    """Step 4b: tenancies and treatment move between states; the pot buys (in place).

    Args:
        key: hashed root seed, uint64.
        t: step index.
        kp: the week's KP.
        per: the ``PersonTable`` (in place).
        sv: the ``ServiceTable`` (``budget_pot`` in place).
        books: the week's ``Books`` (ledger and event partials added to).
    """
    n = per.pid.shape[0]
    want = np.zeros(n, dtype=np.uint8)
    members = np.zeros(N_CHUNKS, dtype=np.int64)  # complex-needs persons alive, not enrolled
    enrolled = np.zeros(N_CHUNKS, dtype=np.int64)  # and enrolled
    sk = (stream_key(key, S_TENANCY), stream_key(key, S_TREATMENT), stream_key(key, S_BUDGET))
    for b in nb.prange(N_BLOCKS):
        _housing_chunks(b, n, sk, t, kp, per, books, want, members, enrolled)
    _buy(kp, per, sv.budget_pot, books, want, members.sum(), enrolled.sum())


@nb.njit(cache=True)
def _housing_chunks(b, n, sk, t, kp, per, books, want, members, enrolled):
    """Persons of the chunks of block ``b`` (``block_chunks``), partials into each chunk.

    ``members[c]``, ``enrolled[c]``: chunk ``c``'s complex-needs persons alive, not
    enrolled and enrolled.
    """
    pid, complex_, alive = per.pid, per.complex, per.alive
    slot_service, slot_trust, slot_remit = per.slot_service, per.slot_trust, per.slot_remit
    programme = per.programme
    sk_ten, sk_treat, sk_budget = sk
    c0, c1 = block_chunks(b)
    for c in range(c0, c1):
        lo, hi = chunk_bounds(c, n)
        m0, m1 = 0, 0
        for i in range(lo, hi):
            if alive[i] == 0:
                continue
            g = complex_[i]
            prog = programme[i]
            if prog:
                m1 += g
            else:
                m0 += g
            fb = kp.cohort_flexible_budget if prog else kp.flexible_budget
            me = pid[i]
            tmax, held, at_house, remit_subst = 0.0, False, False, False
            for k in range(SLOTS):
                s = slot_service[i, k]
                if s < 0:
                    continue
                held = True
                tmax = max(tmax, np.float64(slot_trust[i, k]))
                at_house |= s == D_HOUSE
                remit_subst |= ((slot_remit[i, k] >> D_SUBST) & 1) == 1
            if per.prison_weeks[i] > 0:  # inside: a tenancy holds only for a short stay
                _tenancy_inside(i, c, g, kp, per, books)
                continue
            # Keys are hashed only where a draw is needed (a draw is a pure function of its
            # key, so this changes no result).
            if per.tenancy[i] != T_NONE:
                _tenancy_week(i, c, g, entity_key(sk_ten, me, t), kp, per, books, tmax)
            elif per.need[i, D_HOUSE] > kp.homeless_threshold:
                if at_house and draw_at(entity_key(sk_ten, me, t), 0) < kp.housing_placement_rate:
                    _start(i, c, g, T_ORD, kp, per, books)
                elif held and fb > 0.0:
                    u = draw_at(entity_key(sk_budget, me, t), 0)
                    if u < kp.housing_purchase_rate * fb:
                        want[i] |= WANT_HF
            waits = _treatment_week(i, c, g, (sk_treat, me, t), kp, per, books, tmax, remit_subst)
            if waits and fb > 0.0:
                u = draw_at(entity_key(sk_budget, me, t), 1)
                if u < kp.treatment_purchase_rate * fb:
                    want[i] |= WANT_START
        members[c] = m0
        enrolled[c] = m1


@nb.njit(cache=True, inline="always")
def _tenancy_inside(i, c, g, kp, per, books) -> None:
    """A prisoner's tenancy: lost beyond the weeks housing benefit covers, else rent paid."""
    if per.tenancy[i] == T_NONE:
        return
    if per.prison_weeks[i] > kp.housing_prison_hold_weeks:
        _end(i, c, g, kp, per, books)
        return
    charge(i, I_RENT, 1.0, g, c, per.cost, books.ledger, books.pence, books.holder)
    books.events[c, EV_HOUSED, g] += 1
    per.tenancy_weeks[i] += 1


@nb.njit(cache=True, inline="always")
def _tenancy_week(i, c, g, ek, kp, per, books, tmax) -> None:
    """A housed week outside prison: the tenancy may be lost, else rent and support."""
    need, kind = per.need, per.tenancy[i]
    x = PAIR_MEAN * (np.float64(need[i, D_SUBST]) + np.float64(need[i, D_MENTAL]))
    base = kp.housing_exit_hf if kind == T_HF else kp.housing_exit_ordinary
    h = base * np.exp(kp.housing_exit_need_slope * (x - kp.housing_exit_need_ref))
    h *= 1.0 - kp.housing_exit_trust * tmax
    if draw_at(ek, 1) < h:
        _end(i, c, g, kp, per, books)
        return
    cost, ledger, pence, holder = per.cost, books.ledger, books.pence, books.holder
    charge(i, I_RENT, 1.0, g, c, cost, ledger, pence, holder)
    if kind == T_HF:
        charge(i, I_HF, kp.housing_hf_support_hours, g, c, cost, ledger, pence, holder)
    books.events[c, EV_HOUSED, g] += 1
    per.tenancy_weeks[i] += 1
    per.setpoint[i, D_HOUSE] = clip01(per.setpoint[i, D_HOUSE] - kp.housing_lasting)


@nb.njit(cache=True, inline="always")
def _start(i, c, g, kind, kp, per, books) -> None:
    """A tenancy of ``kind`` starts: emergency accommodation ends (need at most the threshold)."""
    per.tenancy[i] = kind
    per.tenancy_weeks[i] = 0
    per.need[i, D_HOUSE] = min(np.float64(per.need[i, D_HOUSE]), kp.homeless_threshold)
    books.events[c, EV_TSTART, g] += 1


@nb.njit(cache=True, inline="always")
def _end(i, c, g, kp, per, books) -> None:
    """A tenancy ends (eviction, abandonment, prison): back above the homeless threshold."""
    per.tenancy[i] = T_NONE
    per.tenancy_weeks[i] = 0
    per.need[i, D_HOUSE] = max(np.float64(per.need[i, D_HOUSE]), kp.housing_exit_need)
    books.events[c, EV_TEND, g] += 1


@nb.njit(cache=True, inline="always")
def _treatment_week(i, c, g, who, kp, per, books, tmax, remit_subst) -> bool:
    """A week of the treatment states (outside prison); ``who``: (stream key, pid, t).

    Returns:
        Whether the person waits this week without starting (the pot may buy a start).
    """
    state, weeks = per.treatment, per.treatment_weeks
    s = state[i]
    if s == TR_NONE and not (remit_subst and per.need[i, D_SUBST] > kp.treatment_need_threshold):
        return False
    ek = entity_key(who[0], who[1], who[2])
    if s == TR_NONE:
        if draw_at(ek, 0) < kp.treatment_referral_rate:
            state[i] = TR_WAIT
            weeks[i] = 0
    elif s == TR_WAIT:
        weeks[i] += 1
        if draw_at(ek, 1) < kp.treatment_start_rate:
            state[i] = TR_IN
            weeks[i] = 0
        else:
            return True
    elif s == TR_IN:
        charge(i, I_TREAT, 1.0, g, c, per.cost, books.ledger, books.pence, books.holder)
        books.events[c, EV_TREAT, g] += 1
        weeks[i] += 1
        per.setpoint[i, D_SUBST] = clip01(per.setpoint[i, D_SUBST] - kp.treatment_lasting)
        if draw_at(ek, 2) < kp.treatment_dropout * (1.0 - kp.treatment_dropout_trust * tmax):
            state[i] = TR_NONE
            weeks[i] = 0
        elif weeks[i] >= kp.treatment_weeks:
            state[i] = TR_DONE
            weeks[i] = 0
    elif s == TR_DONE:
        weeks[i] += 1
        if draw_at(ek, 3) < kp.treatment_relapse:
            state[i] = TR_NONE
            weeks[i] = 0
    return False


@nb.njit(cache=True)
def _buy(kp, per, pot, books, want, members, enrolled) -> None:
    """The pot accrues, then buys what was flagged, person by person, while it covers the price.

    Serial and in person order, so the same persons are served for any thread count.
    Unspent money carries over, up to ``carry_weeks`` of accrual. ``members`` and
    ``enrolled``: complex-needs persons alive, not enrolled and enrolled (the latter at
    the cohort's flexible budget; nothing is added when there are none, so the sum is
    bit-identical to a run without a cohort).
    """
    per_week = kp.housing_budget_per_person / WEEKS_PER_YEAR * kp.flexible_budget
    pence_due = PENCE * per_week * members
    if enrolled > 0:
        cohort_week = kp.housing_budget_per_person / WEEKS_PER_YEAR * kp.cohort_flexible_budget
        pence_due += PENCE * cohort_week * enrolled
    accrual = np.int64(round(pence_due))
    cap = np.int64(round(accrual * kp.housing_carry_weeks))
    pot[0] = min(pot[0] + accrual, cap)
    pence, holder, ledger, events = books.pence, books.holder, books.ledger, books.events
    n = want.shape[0]
    for c in range(N_CHUNKS):
        lo, hi = chunk_bounds(c, n)
        for i in range(lo, hi):
            w = want[i]
            if w == 0:
                continue
            g = per.complex[i]
            if w & WANT_HF and pot[0] >= pence[I_TEN]:
                pot[0] -= pence[I_TEN]
                charge(i, I_TEN, 1.0, g, c, per.cost, ledger, pence, holder)
                events[c, EV_TEN, g] += 1
                _start(i, c, g, T_HF, kp, per, books)
            if w & WANT_START and pot[0] >= pence[I_TSTART]:
                pot[0] -= pence[I_TSTART]
                charge(i, I_TSTART, 1.0, g, c, per.cost, ledger, pence, holder)
                per.treatment[i] = TR_IN
                per.treatment_weeks[i] = 0
