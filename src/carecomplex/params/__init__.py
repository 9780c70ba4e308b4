"""Typed, frozen, validated model parameters.

Every parameter is a field of a frozen dataclass declared with :func:`param`, which
records its unit, allowed range, source and meaning. The groups split the world
(*uncertainties*: ``population``, ``life``, ``crisis``, ``capacity``, ``support``,
``trust``, ``learning``, ``gaming``, ``housing``, ``treatment``, ``workforce``) from the
policy choices (*levers*: ``regime``), so sweeps can vary either without touching the
other. Every behavioural constant of the process kernels is one of these parameters
(``tests/test_structure.py`` holds the kernels to a short allow-list of literals).

:func:`from_dict` builds a :class:`Params` from nested mappings (a parsed scenario
file) and raises :class:`ParamError` naming the key and the allowed range for unknown
keys, wrong types and out-of-range values. ``docs/parameters.md`` is generated from
these definitions (``carecomplex params > docs/parameters.md``).

The groups live in :mod:`carecomplex.params.world` (uncertainties) and
:mod:`carecomplex.params.levers` (levers); :func:`carecomplex.params.fields.param`
declares a field. This module joins them into :class:`Params` and reads and writes them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from carecomplex.costs import validate_cost_overrides
from carecomplex.errors import ParamError, shown
from carecomplex.params.fields import EVID, MODEL, param
from carecomplex.params.levers import RegimeLevers, TransitionParams
from carecomplex.params.world import (
    CapacityParams,
    CrisisParams,
    GamingParams,
    HousingParams,
    LearningParams,
    LifeParams,
    PopulationParams,
    ProgrammeParams,
    SupportParams,
    TreatmentParams,
    TrustParams,
    WorkforceParams,
)

__all__ = [
    "EVID",
    "MODEL",
    "CapacityParams",
    "CrisisParams",
    "GamingParams",
    "HousingParams",
    "LearningParams",
    "LifeParams",
    "ParamError",
    "Params",
    "PopulationParams",
    "ProgrammeParams",
    "RegimeLevers",
    "RunParams",
    "SupportParams",
    "TransitionParams",
    "TreatmentParams",
    "TrustParams",
    "WorkforceParams",
    "coerce",
    "describe",
    "from_dict",
    "merge",
    "param",
    "to_dict",
]


@dataclass(frozen=True)
class RunParams:
    """Run length and seed."""

    years: float = param(10.0, 0.02, 100.0, "years", "Simulated (measured) time.")
    burn_in: int = param(
        26, 0, 520, "weeks", "Weeks simulated before measurement starts (not reported)."
    )
    seed: int = param(1, 0, 2**63 - 1, "integer", "Root seed of all random streams.")


SILOED_HISTORY = RegimeLevers(
    target_pressure=0.7,
    episode_cap=26,
    eligibility=0.5,
    information_sharing=0.1,
    continuity=0.05,
    whole_person=0.0,
    flexible_budget=0.0,
    shared_learning=0.0,
)
"""Default ``history`` levers: the siloed corner of ``scenarios/siloed.toml``.

Every arm runs its burn-in under its ``history`` (``regimes.levers_at``), so arms with
the same seed share their past and diverge at week 0; the siloed scenario's ``regime``
equals this, so for it nothing changes. ``tests/test_costs.py`` holds the two equal.
"""


@dataclass(frozen=True)
class Params:
    """All parameters of one run. ``regime`` holds levers; ``after`` the transition target.

    ``history`` holds the levers of the burn-in (the shared past, siloed by default), and
    ``programme`` the costs of changing from one set of levers to another.
    """

    population: PopulationParams = field(default_factory=PopulationParams)
    life: LifeParams = field(default_factory=LifeParams)
    crisis: CrisisParams = field(default_factory=CrisisParams)
    capacity: CapacityParams = field(default_factory=CapacityParams)
    regime: RegimeLevers = field(default_factory=RegimeLevers)
    support: SupportParams = field(default_factory=SupportParams)
    trust: TrustParams = field(default_factory=TrustParams)
    learning: LearningParams = field(default_factory=LearningParams)
    gaming: GamingParams = field(default_factory=GamingParams)
    housing: HousingParams = field(default_factory=HousingParams)
    treatment: TreatmentParams = field(default_factory=TreatmentParams)
    workforce: WorkforceParams = field(default_factory=WorkforceParams)
    transition: TransitionParams = field(default_factory=TransitionParams)
    after: RegimeLevers = field(default_factory=RegimeLevers)
    run: RunParams = field(default_factory=RunParams)
    costs: Mapping[str, float] = field(default_factory=dict)
    # Model 2 (costs): the shared history and the programme costs of a change.
    history: RegimeLevers = field(default_factory=lambda: SILOED_HISTORY)
    programme: ProgrammeParams = field(default_factory=ProgrammeParams)

    @property
    def weeks(self) -> int:
        """Number of weekly steps in the run."""
        return max(1, round(self.run.years * 52))

    def replace(self, **groups: Mapping[str, Any]) -> Params:
        """Return a copy with some fields of some groups changed (validated)."""
        return from_dict(merge(to_dict(self), groups))


_GROUP_TYPES = {
    "population": PopulationParams,
    "life": LifeParams,
    "crisis": CrisisParams,
    "capacity": CapacityParams,
    "regime": RegimeLevers,
    "support": SupportParams,
    "trust": TrustParams,
    "learning": LearningParams,
    "gaming": GamingParams,
    "housing": HousingParams,
    "treatment": TreatmentParams,
    "workforce": WorkforceParams,
    "transition": TransitionParams,
    "after": RegimeLevers,
    "run": RunParams,
    "history": RegimeLevers,
    "programme": ProgrammeParams,
}


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on top, table by table (nested mappings merge)."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping):
            below = out.get(k)
            v = merge(below if isinstance(below, Mapping) else {}, v)
        out[k] = v
    return out


def coerce(key: str, value: Any, f: dataclasses.Field) -> float | int | bool:
    """``value`` checked against the parameter field ``f`` (type and range) and converted.

    Raises :class:`ParamError` naming ``key`` and the allowed range.
    """
    lo, hi, unit = f.metadata["lo"], f.metadata["hi"], f.metadata["unit"]
    allowed = f"allowed {lo:g} to {hi:g} {unit}"
    want_int = f.type in ("int", int)
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "an integer" if want_int else "a number"
        raise ParamError(key, f"expected {kind}, got {type(value).__name__} {value!r} ({allowed})")
    if want_int and isinstance(value, float) and not value.is_integer():
        raise ParamError(key, f"expected an integer, got {value!r} ({allowed})")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(key, f"value {value!r} is not finite ({allowed})")
    if not lo <= value <= hi:  # exact for integers of any size (no float conversion)
        raise ParamError(key, f"value {shown(value)} is out of range ({allowed})")
    return int(value) if want_int else float(value)


def _group_from(name: str, cls: type, values: Any) -> Any:
    if not isinstance(values, Mapping):
        raise ParamError(name, f"expected a table of parameters, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        path = f"{name}.{key}"
        if key not in fields:
            raise ParamError(path, f"unknown parameter (known: {', '.join(sorted(fields))})")
        kwargs[key] = coerce(path, value, fields[key])
    return cls(**kwargs)


def from_dict(data: Mapping[str, Any]) -> Params:
    """Build validated :class:`Params` from nested mappings; unknown keys are errors."""
    groups: dict[str, Any] = {}
    for name, values in data.items():
        if name == "costs":
            groups["costs"] = validate_cost_overrides(values)
        elif name == "history" and isinstance(values, Mapping):  # unset levers stay siloed
            groups[name] = _group_from(name, RegimeLevers, _siloed_under(values))
        elif name in _GROUP_TYPES:
            groups[name] = _group_from(name, _GROUP_TYPES[name], values)
        else:
            known = ", ".join(sorted([*_GROUP_TYPES, "costs"]))
            raise ParamError(name, f"unknown section (known: {known})")
    return Params(**groups)


def _siloed_under(values: Mapping[str, Any]) -> dict[str, Any]:
    """A ``[history]`` table laid over the siloed default (a partial table stays siloed)."""
    return {**dataclasses.asdict(SILOED_HISTORY), **values}


def to_dict(params: Params) -> dict[str, Any]:
    """Nested plain-dict form of ``params`` (round-trips through :func:`from_dict`)."""
    out: dict[str, Any] = {}
    for name in _GROUP_TYPES:
        out[name] = dataclasses.asdict(getattr(params, name))
    out["costs"] = dict(params.costs)
    return out


def describe() -> list[dict[str, Any]]:
    """One row per parameter: group, name, default, range, unit, meaning, source."""
    rows = []
    for name, cls in _GROUP_TYPES.items():
        if name in ("after", "history"):  # the same levers as ``regime``
            continue
        for f in dataclasses.fields(cls):
            rows.append({"group": name, "name": f.name, "default": f.default, **f.metadata})
    return rows
