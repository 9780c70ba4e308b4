"""Service learning, step 5 (docs/ODD.md §7.15): the Kim loop, shared learning, gaming.

Plain NumPy: one row per service (eight), so there is nothing for numba to speed up.
It reads the per-chunk sums that support took (``Books.service_sums``).
"""

from __future__ import annotations

import numpy as np

from carecomplex.params import CapacityParams, LearningParams, RegimeLevers
from carecomplex.processes.common import chunk_sum
from carecomplex.state import ServiceSum


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
