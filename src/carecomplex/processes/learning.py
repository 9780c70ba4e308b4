"""Service learning, step 5 (docs/ODD.md §7.15): the Kim loop, shared learning, gaming.

:func:`learn` is the readable NumPy form, one row per service (eight), and the twin of
the model's kernel :func:`learn_kernel`: the same arithmetic in the same order, written
out element by element so the model's week can run in one compiled call (at 1,000
persons the NumPy form's forty small array operations cost more than the kernels'
work on the persons). Tests hold the two bit-identical. Both read the per-chunk sums
that support took (``Books.service_sums``).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from carecomplex.params import CapacityParams, LearningParams, RegimeLevers
from carecomplex.processes.common import chunk_sum
from carecomplex.state import ServiceSum

SS_EPISODES, SS_TRUST = int(ServiceSum.EPISODES), int(ServiceSum.TRUST)
SS_MATCH, SS_REDUCED = int(ServiceSum.MATCH), int(ServiceSum.NEED_REDUCED)


def information(levers: RegimeLevers, partner_trust: np.ndarray) -> np.ndarray:
    """Effective information reaching each service: sharing x mean trust in partners.

    Returns:
        (S,) float64.
    """
    s = partner_trust.shape[0]
    off = (partner_trust.sum(axis=1) - np.diag(partner_trust)) / max(1, s - 1)
    return levers.information_sharing * off


def dose_ref(cap: CapacityParams, lp: LearningParams) -> float:
    """Need reduction per episode-week of a fully effective contact (the scale of results).

    A contact at full skill, engagement and match removes ``dose x contact_hours /
    dose_hours`` of the need its effort meets; results count it at ``reference_need``.
    """
    return cap.dose * cap.contact_hours / cap.dose_hours * lp.reference_need


def pair_mean(a, b):
    """The mean of two values (of a pair of services, or of two levers)."""
    return 0.5 * (a + b)


def learn(
    sv: object,
    sums: np.ndarray,
    levers: RegimeLevers,
    lp: LearningParams,
    dose_ref: float,
    hold: tuple[str, ...] = (),
) -> None:
    """Step 5: the Kim loop for each service (in place on the service table).

    The loop is closed: relationships feed thinking here and a new episode's trust
    (access); thinking sets what workers know (support); actions scale the dose
    (support); results speed trust building (support), learning and partner trust
    (here). docs/ODD.md §7.15 has the equations.

    Args:
        sv: the ``ServiceTable`` (``State.service``).
        sums: per-chunk sums of the week's support, shape (N_CHUNKS, S, len(ServiceSum)),
            float64 (``Books.service_sums``).
        levers: this week's levers.
        lp: learning parameters.
        dose_ref: need reduction per episode-week of a fully effective contact.
        hold: Kim qualities (``relationships``, ``thinking``, ``actions``, ``results``)
            held at their current values: tests open the loop to see that it is one.
    """
    kept = {q: getattr(sv, q).copy() for q in hold}
    assert sums.shape[2] == len(ServiceSum)
    tot = chunk_sum(sums)  # in chunk order: the same sums for any thread count
    n = tot[:, ServiceSum.EPISODES]
    seen = n > 0
    # Relationships: mean trust of persons in their workers at this service.
    sv.relationships[seen] = tot[seen, ServiceSum.TRUST] / n[seen]
    # Actions: match of support to the person's actual needs.
    sv.actions[seen] = tot[seen, ServiceSum.MATCH] / n[seen]
    # Results: need reduced per episode-week, relative to a fully effective contact.
    if dose_ref > 0:
        sv.results[seen] = np.minimum(1.0, tot[seen, ServiceSum.NEED_REDUCED] / n[seen] / dose_ref)
    else:
        sv.results[:] = 0.0
    for q, v in kept.items():  # held before anything reads them
        if q != "thinking":
            getattr(sv, q)[:] = v
    # Thinking: shared understanding = information reaching the service + own knowledge
    # + what people who trust the service tell it (relationships).
    info = information(levers, sv.partner_trust)
    own = lp.info_weight * info + (1.0 - lp.info_weight) * sv.knowledge
    sv.thinking[:] = own + lp.thinking_relationships * (sv.relationships - own)
    if "thinking" in kept:
        sv.thinking[:] = kept["thinking"]
    # Learning: single-loop toward a local plateau; double-loop raises the ceiling and
    # spreads practice along trusted partnerships.
    k = sv.knowledge
    ceiling = lp.plateau + (1.0 - lp.plateau) * levers.shared_learning * sv.thinking
    pt = sv.partner_trust.copy()
    np.fill_diagonal(pt, 0.0)
    diffuse = (pt * (k[None, :] - k[:, None])).sum(axis=1) / max(1, len(k) - 1)
    rate = lp.rate * (1.0 + lp.results_learning * sv.results)  # visible results teach
    sv.knowledge[:] = np.clip(
        k + rate * (ceiling - k) + levers.shared_learning * lp.rate * diffuse * lp.diffusion,
        0.0,
        1.0,
    )
    # Relationships between services grow with joint working and shared results, and
    # erode under overload: partners retreat into silos.
    joint = pair_mean(levers.information_sharing, levers.shared_learning)
    res = sv.results
    overload = np.clip(sv.queue / np.maximum(1, sv.capacity), 0.0, 1.0)
    grow = lp.partner_trust_build * joint * pair_mean(res[:, None], res[None, :])
    shrink = lp.overload_retreat * pair_mean(overload[:, None], overload[None, :])
    p2 = sv.partner_trust
    p2 += grow * (1.0 - p2) - shrink * p2
    np.clip(p2, 0.0, 1.0, out=p2)
    np.fill_diagonal(p2, 1.0)
    # Single-loop learning on the target: gaming drifts toward the target pressure.
    sv.gaming[:] += lp.gaming_rate * (levers.target_pressure - sv.gaming)


# --------------------------------------------------------------------------------------
# The model's kernel: learn (and information) element by element, bit-identical.
# --------------------------------------------------------------------------------------


class LP(NamedTuple):
    """What :func:`learn_kernel` reads of the parameters and this week's levers."""

    rate: float
    gaming_rate: float
    partner_trust_build: float
    overload_retreat: float
    info_weight: float
    plateau: float
    diffusion: float
    thinking_relationships: float
    results_learning: float
    dose_ref: float
    information_sharing: float  # the levers in force (the system's)
    shared_learning: float
    target_pressure: float
    cohort_information_sharing: float  # an enrolled cohort's (the system's without one)


def learn_params(
    lv: RegimeLevers, lp: LearningParams, dose_ref: float, cohort: RegimeLevers | None = None
) -> LP:
    """The :class:`LP` of one week (``cohort``: an enrolled cohort's levers, if any)."""
    return LP(
        float(lp.rate),
        float(lp.gaming_rate),
        float(lp.partner_trust_build),
        float(lp.overload_retreat),
        float(lp.info_weight),
        float(lp.plateau),
        float(lp.diffusion),
        float(lp.thinking_relationships),
        float(lp.results_learning),
        float(dose_ref),
        float(lv.information_sharing),
        float(lv.shared_learning),
        float(lv.target_pressure),
        float((lv if cohort is None else cohort).information_sharing),
    )


@nb.njit(cache=True, inline="always")
def pair_mean_kernel(a: float, b: float) -> float:
    """:func:`pair_mean` of two numbers, for the compiled kernel."""
    return 0.5 * (a + b)


@nb.njit(cache=True, inline="always")
def row_sum(a, i):
    """``a[i].sum()`` as NumPy adds a contiguous row: pairwise, in blocks of eight.

    NumPy's sum of ``n >= 8`` contiguous float64 values accumulates eight partial sums
    and combines them as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then adds
    the remainder; below eight values it adds them in order from 0.0.
    """
    n = a.shape[1]
    if n < 8:
        res = 0.0
        for j in range(n):
            res += a[i, j]
        return res
    r0, r1, r2, r3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
    r4, r5, r6, r7 = a[i, 4], a[i, 5], a[i, 6], a[i, 7]
    j = 8
    while j < n - n % 8:
        r0 += a[i, j]
        r1 += a[i, j + 1]
        r2 += a[i, j + 2]
        r3 += a[i, j + 3]
        r4 += a[i, j + 4]
        r5 += a[i, j + 5]
        r6 += a[i, j + 6]
        r7 += a[i, j + 7]
        j += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while j < n:
        res += a[i, j]
        j += 1
    return res


@nb.njit(cache=True)
def information_kernel(sharing, partner_trust, out) -> None:
    """:func:`information` into ``out`` (the same values, bit for bit)."""
    s = partner_trust.shape[0]
    for i in range(s):
        out[i] = sharing * ((row_sum(partner_trust, i) - partner_trust[i, i]) / max(1, s - 1))


@nb.njit(cache=True)
def learn_kernel(sv, sums, lp) -> None:
    """Step 5 in place on the service table: :func:`learn` without ``hold``, bit for bit."""
    n_s = sv.knowledge.shape[0]
    tot = np.zeros((n_s, sums.shape[2]))
    for c in range(sums.shape[0]):  # chunk order, as chunk_sum
        for s in range(n_s):
            for q in range(sums.shape[2]):
                tot[s, q] += sums[c, s, q]
    rel, act, res = sv.relationships, sv.actions, sv.results
    for s in range(n_s):
        n = tot[s, SS_EPISODES]
        if n > 0:
            rel[s] = tot[s, SS_TRUST] / n
            act[s] = tot[s, SS_MATCH] / n
            if lp.dose_ref > 0:
                res[s] = min(1.0, tot[s, SS_REDUCED] / n / lp.dose_ref)
        if lp.dose_ref <= 0:
            res[s] = 0.0
    pt2 = sv.partner_trust
    k = sv.knowledge
    info = np.empty(n_s)
    information_kernel(lp.information_sharing, pt2, info)
    thinking = sv.thinking
    for s in range(n_s):
        own = lp.info_weight * info[s] + (1.0 - lp.info_weight) * k[s]
        thinking[s] = own + lp.thinking_relationships * (rel[s] - own)
    # Knowledge: every service's from last week's knowledge of all.
    terms = np.empty((n_s, n_s))
    for i in range(n_s):
        for j in range(n_s):
            terms[i, j] = 0.0 if i == j else pt2[i, j] * (k[j] - k[i])
    new_k = np.empty(n_s)
    cscale = (1.0 - lp.plateau) * lp.shared_learning
    dscale = lp.shared_learning * lp.rate
    for s in range(n_s):
        ceiling = lp.plateau + cscale * thinking[s]
        diffuse = row_sum(terms, s) / max(1, n_s - 1)
        rate = lp.rate * (1.0 + lp.results_learning * res[s])
        x = k[s] + rate * (ceiling - k[s]) + dscale * diffuse * lp.diffusion
        new_k[s] = min(max(x, 0.0), 1.0)
    for s in range(n_s):
        k[s] = new_k[s]
    joint = pair_mean_kernel(lp.information_sharing, lp.shared_learning)
    gscale = lp.partner_trust_build * joint
    overload = np.empty(n_s)
    for s in range(n_s):
        overload[s] = min(max(sv.queue[s] / max(1, sv.capacity[s]), 0.0), 1.0)
    for i in range(n_s):
        for j in range(n_s):
            if i == j:
                pt2[i, j] = 1.0
                continue
            grow = gscale * pair_mean_kernel(res[i], res[j])
            shrink = lp.overload_retreat * pair_mean_kernel(overload[i], overload[j])
            x = pt2[i, j]
            x += grow * (1.0 - x) - shrink * x
            pt2[i, j] = min(max(x, 0.0), 1.0)
    g = sv.gaming
    for s in range(n_s):
        g[s] += lp.gaming_rate * (lp.target_pressure - g[s])
