"""Regimes as bundles of levers; the transition between them; the kernels' parameters.

A regime is nothing but a :class:`~carecomplex.params.RegimeLevers` value: ``siloed``
and ``alliance`` are two corners of the lever space (see ``scenarios/``), so sweeps can
move continuously between them. A transition moves the levers from ``regime`` to
``after`` along a learning curve starting at ``transition.week``; workers with low
tolerance of ambiguity feel the change as burnout ("tension at the edges").
"""

from __future__ import annotations

import dataclasses
import math

from carecomplex.params import Params, RegimeLevers
from carecomplex.processes.common import KP, KP_SOURCES


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
        if f.name == "episode_cap":  # 0 means "no clock": switch part-way, don't blend
            mixed[f.name] = y if done >= tr.cap_switch else x
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
    """The kernels' :class:`KP` for one week, each field filled by name (``KP_SOURCES``).

    Args:
        p: the run's parameters (groups ``life``, ``crisis``, ``capacity``, ``support``,
            ``trust``, ``gaming``, ``housing``, ``treatment``, ``workforce``).
        lv: the levers in force this week.
        friction_load: this week's friction of change on workers.
    """
    groups = {
        "life": p.life,
        "crisis": p.crisis,
        "capacity": p.capacity,
        "support": p.support,
        "trust": p.trust,
        "gaming": p.gaming,
        "housing": p.housing,
        "treatment": p.treatment,
        "workforce": p.workforce,
        "levers": lv,
        "week": _Week(friction_load),
    }
    return KP(
        **{
            name: _CAST[name](getattr(groups[group], attr))
            for name, (group, attr) in KP_SOURCES.items()
        }
    )


@dataclasses.dataclass(frozen=True)
class _Week:
    """The KP fields computed by the model each week."""

    friction_load: float


_CAST = {name: int if kind in ("int", int) else float for name, kind in KP.__annotations__.items()}
