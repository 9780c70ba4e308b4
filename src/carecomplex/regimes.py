"""Regimes as bundles of levers; the transition between them; the kernels' parameters.

A regime is nothing but a :class:`~carecomplex.params.RegimeLevers` value: ``siloed``
and ``alliance`` are two corners of the lever space (see ``scenarios/``), so sweeps can
move continuously between them. A transition moves the levers from ``regime`` to
``after`` along a learning curve starting at ``transition.week``; before that, every arm runs
its burn-in under the shared ``history`` levers and moves from them to ``regime`` from
week 0 (:func:`levers_at`), so arms diverge at week 0; workers with low
tolerance of ambiguity feel the change as burnout ("tension at the edges").
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

from carecomplex.params import Params, RegimeLevers
from carecomplex.processes.common import KP, KP_SOURCES

_LEVERS = tuple(f.name for f in dataclasses.fields(RegimeLevers))  # in declaration order


def levers_at(params: Params, week: int) -> RegimeLevers:
    """The levers in force in measured week ``week`` (negative during burn-in).

    Three phases: the shared ``history`` during burn-in (week < 0); from week 0 a move
    from ``history`` to ``regime`` along the learning curve (none when they are equal,
    as in the siloed scenario: ``regime`` itself is returned); from ``transition.week``
    a move from the levers reached then to ``after``. The learning curve is the share
    ``1 - exp(-weeks since the change / transition.learning_weeks)`` done.
    """
    if week < 0:
        return params.regime if params.history == params.regime else params.history
    start, target, since = _change(params, week)
    return _mix(start, target, _done(params, since), params.transition.cap_switch)


def change_left(params: Params, week: int) -> tuple[float, bool]:
    """The share of the change in force not yet done, and whether it starts this week.

    ``(0.0, False)`` when nothing changes (burn-in, or a phase whose start and target
    levers are equal). Used for the programme's double running and recommissioning.
    """
    if week < 0:
        return 0.0, False
    start, target, since = _change(params, week)
    if start == target:
        return 0.0, False
    return 1.0 - _done(params, since), since == 0


def _change(params: Params, week: int) -> tuple[RegimeLevers, RegimeLevers, int]:
    """The change in force in week ``week >= 0``: (start levers, target levers, weeks since)."""
    tr = params.transition
    if tr.week < 0 or week < tr.week:
        if params.history == params.regime:
            return params.regime, params.regime, week
        return params.history, params.regime, week
    start = params.regime
    if params.history != params.regime:  # the first move stops where it has got to
        start = _mix(params.history, params.regime, _done(params, tr.week), tr.cap_switch)
    return start, params.after, week - tr.week


def _done(params: Params, since: int) -> float:
    """Share of a change done ``since`` weeks after it started (the learning curve)."""
    lw = params.transition.learning_weeks
    return 1.0 if lw <= 0 else 1.0 - math.exp(-since / lw)


def _mix(a: RegimeLevers, b: RegimeLevers, done: float, cap_switch: float) -> RegimeLevers:
    """Levers ``done`` of the way from ``a`` to ``b`` (``a`` itself when they are equal)."""
    if a == b:
        return a
    mixed = {}
    for name in _LEVERS:
        x, y = getattr(a, name), getattr(b, name)
        if name == "episode_cap":  # 0 means "no clock": switch part-way, don't blend
            mixed[name] = y if done >= cap_switch else x
        else:
            mixed[name] = x + (y - x) * done
    return RegimeLevers(**mixed)


def lever_change(a: RegimeLevers, b: RegimeLevers) -> float:
    """Size of a change of levers: summed absolute change of the 0-1 levers."""
    total = 0.0
    for name in _LEVERS:
        if name != "episode_cap":
            total += abs(getattr(a, name) - getattr(b, name))
    return total


def relational(lv: RegimeLevers) -> float:
    """Mean of the four relational levers: the scale of the alliance's ongoing overhead.

    Information sharing, continuity, whole-person support and shared learning are what
    the alliance coordinates (``programme.alliance_overhead``).
    """
    return (lv.information_sharing + lv.continuity + lv.whole_person + lv.shared_learning) / 4


def kernel_params(
    p: Params,
    lv: RegimeLevers,
    friction_load: float = 0.0,
    cohort: RegimeLevers | None = None,
    static: KPStatic | None = None,
) -> KP:
    """The kernels' :class:`KP` for one week, each field filled by name (``KP_SOURCES``).

    Args:
        p: the run's parameters (groups ``life``, ``crisis``, ``capacity``, ``support``,
            ``trust``, ``gaming``, ``housing``, ``treatment``, ``workforce``).
        lv: the levers in force this week.
        friction_load: this week's friction of change on workers.
        cohort: the levers in force this week for an enrolled cohort (the ``cohort_*``
            fields); ``lv`` when omitted (no cohort).
        static: ``kp_static(p)``, the fields that do not change from week to week, when
            the caller keeps it (the model does: a transition builds a KP every week).
    """
    if static is None:
        static = kp_static(p)
    values = list(static.values)
    weekly = {"levers": lv, "cohort": lv if cohort is None else cohort}
    for j, group, attr, cast in static.weekly:
        values[j] = cast(friction_load if group == "week" else getattr(weekly[group], attr))
    return KP._make(values)


class KPStatic(NamedTuple):
    """The fields of a :class:`KP` fixed by the parameters, and where the others go."""

    values: tuple  # every field, the weekly ones as None
    weekly: tuple[tuple[int, str, str, type], ...]  # (field index, group, attribute, cast)


_WEEKLY_GROUPS = ("levers", "cohort", "week")


def kp_static(p: Params) -> KPStatic:
    """The week-independent part of :func:`kernel_params` for ``p``."""
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
        "run": _Run(p.run.burn_in, p.run.burn_in + p.weeks),
    }
    values: list = []
    weekly = []
    for j, name in enumerate(KP._fields):
        group, attr = KP_SOURCES[name]
        if group in _WEEKLY_GROUPS:
            values.append(None)
            weekly.append((j, group, attr, _CAST[name]))
        else:
            values.append(_CAST[name](getattr(groups[group], attr)))
    return KPStatic(tuple(values), tuple(weekly))


@dataclasses.dataclass(frozen=True)
class _Week:
    """The KP fields computed by the model each week."""

    friction_load: float


_CAST = {name: int if kind in ("int", int) else float for name, kind in KP.__annotations__.items()}


@dataclasses.dataclass(frozen=True)
class _Run:
    """The KP fields fixed by the run's length: its measured steps (absolute ``t``)."""

    measure_start: int
    run_end: int
