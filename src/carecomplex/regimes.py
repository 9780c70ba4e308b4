"""Regimes as bundles of levers; the transition between them; the Kim learning loop.

A regime is nothing but a :class:`~carecomplex.params.RegimeLevers` value: ``siloed``
and ``alliance`` are two corners of the lever space (see ``scenarios/``), so sweeps can
move continuously between them. A transition moves the levers from ``regime`` to
``after`` along a learning curve starting at ``transition.week``; workers with low
tolerance of ambiguity feel the change as burnout ("tension at the edges").
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from carecomplex.kernels import KP, SVC_STATS, chunk_sum
from carecomplex.params import LearningParams, Params, RegimeLevers


def levers_at(params: Params, week: int) -> RegimeLevers:
    """The levers in force in measured week ``week`` (negative during burn-in)."""
    tr = params.transition
    if tr.week < 0 or week < tr.week:
        return params.regime
    done = 1.0 if tr.learning_weeks <= 0 else 1.0 - math.exp(-(week - tr.week) / tr.learning_weeks)
    a, b = params.regime, params.after
    mixed = {}
    for f in dataclasses.fields(RegimeLevers):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "episode_cap":  # 0 means "no clock": switch half-way, don't blend
            mixed[f.name] = y if done >= 0.5 else x
        else:
            mixed[f.name] = x + (y - x) * done
    return RegimeLevers(**mixed)


def lever_change(a: RegimeLevers, b: RegimeLevers) -> float:
    """Size of a change of levers: summed absolute change of the 0-1 levers."""
    total = 0.0
    for f in dataclasses.fields(RegimeLevers):
        if f.name != "episode_cap":
            total += abs(getattr(a, f.name) - getattr(b, f.name))
    return total


def kernel_params(p: Params, lv: RegimeLevers, friction_load: float = 0.0) -> KP:
    """Flatten parameters and this week's levers into the kernels' :class:`KP`."""
    li, cr, ca, tr, wf = p.life, p.crisis, p.capacity, p.trust, p.workforce
    return KP(
        float(li.reversion),
        float(li.noise),
        float(li.coupling),
        float(li.shock_rate),
        float(li.shock_size),
        float(li.family_buffer),
        float(li.family_strain),
        float(li.family_recovery),
        float(li.recovery_gain),
        float(li.scar),
        float(cr.base_rate),
        float(cr.need_slope),
        float(cr.complexity_slope),
        float(cr.trust_protection),
        float(cr.family_protection),
        float(cr.unmet_multiplier),
        float(cr.crisis_harm),
        float(cr.base_mortality),
        float(cr.mortality_slope),
        float(cr.crisis_death),
        float(cr.custody_prison),
        float(cr.prison_weeks),
        float(cr.homeless_threshold),
        int(ca.caseload),
        float(ca.contact_hours),
        float(ca.dose),
        float(ca.seek_threshold),
        float(ca.stable_need),
        float(ca.discharge_margin),
        float(ca.target_stretch),
        float(lv.target_pressure),
        int(lv.episode_cap),
        float(lv.eligibility),
        float(lv.information_sharing),
        float(lv.continuity),
        float(lv.whole_person),
        float(lv.flexible_budget),
        float(tr.build),
        float(tr.erode),
        float(tr.disengage),
        float(wf.burnout_rate),
        float(wf.burnout_recovery),
        float(wf.target_strain),
        float(wf.turnover),
        float(wf.burnout_turnover),
        float(wf.novice_skill),
        float(wf.skill_growth),
        float(friction_load),
    )


def information(levers: RegimeLevers, partner_trust: np.ndarray) -> np.ndarray:
    """Effective information reaching each service: sharing x mean trust in partners."""
    s = partner_trust.shape[0]
    off = (partner_trust.sum(axis=1) - np.diag(partner_trust)) / max(1, s - 1)
    return levers.information_sharing * off


def learn(
    svc: object, stats: np.ndarray, levers: RegimeLevers, lp: LearningParams, dose_ref: float
) -> None:
    """Step 5: the Kim loop for each service (in place on the service arrays).

    Args:
        svc: the service arrays (``State.service``).
        stats: per-chunk partial sums, shape (N_CHUNKS, S, SVC_STATS), float64.
        levers: this week's levers.
        lp: learning parameters.
        dose_ref: need reduction per episode-week of a fully effective contact.
    """
    assert stats.shape[2] == SVC_STATS
    tot = chunk_sum(stats)  # in chunk order: the same sums for any thread count
    n = tot[:, 0]
    seen = n > 0
    # Relationships: mean trust of persons in their workers at this service.
    svc.relationships[seen] = tot[seen, 1] / n[seen]
    # Actions: match of support to the person's actual needs.
    svc.actions[seen] = tot[seen, 2] / n[seen]
    # Results: need reduced per episode-week, relative to a fully effective contact.
    if dose_ref > 0:
        svc.results[seen] = np.minimum(1.0, tot[seen, 3] / n[seen] / dose_ref)
    else:
        svc.results[:] = 0.0
    # Thinking: shared understanding = information reaching the service + own knowledge.
    info = information(levers, svc.partner_trust)
    svc.thinking[:] = 0.5 * info + 0.5 * svc.knowledge
    # Learning: single-loop toward a local plateau; double-loop raises the ceiling and
    # spreads practice along trusted partnerships.
    k = svc.knowledge
    ceiling = 0.5 + 0.5 * levers.shared_learning * svc.thinking
    pt = svc.partner_trust.copy()
    np.fill_diagonal(pt, 0.0)
    diffuse = (pt * (k[None, :] - k[:, None])).sum(axis=1) / max(1, len(k) - 1)
    svc.knowledge[:] = np.clip(
        k + lp.rate * (ceiling - k) + levers.shared_learning * lp.rate * diffuse * 4.0, 0.0, 1.0
    )
    # Relationships between services grow with joint working and shared results, and
    # erode under overload: partners retreat into silos.
    joint = 0.5 * (levers.information_sharing + levers.shared_learning)
    res = svc.results
    overload = np.clip(svc.queue / np.maximum(1, svc.capacity), 0.0, 1.0)
    grow = lp.partner_trust_build * joint * 0.5 * (res[:, None] + res[None, :])
    shrink = lp.overload_retreat * 0.5 * (overload[:, None] + overload[None, :])
    p2 = svc.partner_trust
    p2 += grow * (1.0 - p2) - shrink * p2
    np.clip(p2, 0.0, 1.0, out=p2)
    np.fill_diagonal(p2, 1.0)
    # Single-loop learning on the target: gaming drifts toward the target pressure.
    svc.gaming[:] += lp.gaming_rate * (levers.target_pressure - svc.gaming)
