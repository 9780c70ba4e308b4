"""Calibration targets and priors: TOML files to validated data, every problem one line.

A targets file (``examples/calibration/targets.toml`` is the default model's) holds
the summary statistics the model must reproduce, each with its range, definition,
population, window and source; the scenarios and size each particle is simulated at
(``[simulation]``); the ABC-SMC settings (``[abc]``); and the name of its priors file.
A priors file holds one table per calibrated world parameter: its distribution, bounds
inside the parameter's allowed range, and the reason for them.

:func:`load` reads both and raises :class:`CalibrationError` (``FILE: KEY: reason``)
for anything that cannot be used, before the model is imported or a file written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carecomplex.errors import InputError
from carecomplex.inputs import read_toml
from carecomplex.resources import EXAMPLES, data_path


class CalibrationError(InputError):
    """A targets or priors file that cannot be used; the message is one line."""


PARTS = {"effect": ("relative", "pp"), "baseline": ("level",)}
EFFECT_KEYS = ("housed", "cost_year1", "cost_years3_5", "acute", "custody", "readmission", "deaths")
BASELINE_KEYS = (
    "cost",
    "treatment_share",
    "ae",
    "mortality",
    "readmission",
    "reoffending",
    "new_workers",
    "drift",
)
"""The statistics a target may name (measured by :mod:`carecomplex.experiments.evidence`)."""

NEEDS_YEARS = {"cost_years3_5": 5.0, "drift": 3.0, "cost_year1": 1.0}
"""Measured years a statistic needs (years 3-5; a trend over at least 3 whole years)."""

DISTS = ("uniform", "loguniform")
METHODS = ("smc", "rejection")
"""``smc``: ABC-SMC, epsilon the median distance of the generation before;
``rejection``: one generation from the prior at a fixed ``epsilon`` (equal weights)."""
LEVER_GROUPS = ("regime", "history", "transition", "run", "population")
"""Groups a prior may not name: policy levers, run length and population size."""


@dataclass(frozen=True)
class Target:
    """One summary statistic and the range the evidence allows (see module docstring)."""

    key: str
    part: str
    kind: str
    label: str
    lo: float
    hi: float
    population: str
    window: str
    definition: str
    source: str
    weight: float = 1.0

    @property
    def name(self) -> str:
        """Unique name: ``effect.acute``, ``baseline.readmission``."""
        return f"{self.part}.{self.key}"

    @property
    def unit(self) -> str:
        """``%``, ``pp`` or empty (a level in its own unit)."""
        return {"relative": "%", "pp": "pp"}.get(self.kind, "")


@dataclass(frozen=True)
class Prior:
    """A calibrated parameter's prior: ``dist`` on [lo, hi], with the reason."""

    key: str  # "group.name"
    dist: str
    lo: float
    hi: float
    reason: str

    @property
    def group(self) -> str:
        """The parameter group (``crisis``)."""
        return self.key.split(".")[0]

    @property
    def field(self) -> str:
        """The parameter's name in its group (``base_rate``)."""
        return self.key.split(".")[1]

    def cdf(self, x: Any) -> Any:
        """The prior's distribution function at ``x`` (0..1; arrays too)."""
        import numpy as np

        x = np.asarray(x, dtype=np.float64)
        if self.dist == "uniform":
            u = (x - self.lo) / (self.hi - self.lo)
        else:
            u = (np.log(x) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return np.clip(u, 0.0, 1.0)

    def quantile(self, u: float) -> float:
        """The prior's ``u`` quantile (0..1)."""
        if self.dist == "uniform":
            return self.lo + u * (self.hi - self.lo)
        return math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))


@dataclass(frozen=True)
class Settings:
    """How a calibration samples: ABC-SMC settings and the simulated size."""

    population_size: int = 100
    generations: int = 6
    min_epsilon: float = 0.05
    max_simulations: int = 3000
    seed: int = 1
    method: str = "smc"
    epsilon: float = 0.06
    base: str = "siloed"
    alt: str = "alliance"
    persons: int = 4000
    years: float = 5.0


@dataclass(frozen=True)
class Targets:
    """A validated targets file with its priors."""

    name: str
    description: str
    path: str
    priors_path: str
    targets: tuple[Target, ...]
    priors: tuple[Prior, ...]
    settings: Settings = field(default_factory=Settings)

    def target(self, name: str) -> Target:
        """The target named ``part.key``."""
        return next(t for t in self.targets if t.name == name)

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters, ``group.name``, in file order."""
        return [p.key for p in self.priors]


def years_short(targets: tuple[Target, ...], years: float) -> str:
    """Why ``years`` measured years are too few for ``targets`` ('' if they are enough)."""
    need = {t.key: NEEDS_YEARS[t.key] for t in targets if t.key in NEEDS_YEARS}
    if not need or years >= max(need.values()):
        return ""
    key = max(need, key=need.__getitem__)
    return f"{key} needs at least {need[key]:g} measured years, got {years:g}"


def default_path() -> Path:
    """The default model's targets file (package data)."""
    return data_path(EXAMPLES, "calibration", "targets.toml")


def resolve(ref: str | Path) -> Path:
    """A targets file as given, or ``default`` for the shipped one."""
    if str(ref) == "default":
        return default_path()
    return Path(ref)


def _str(path: Path, tab: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    v = tab.get(key, default)
    if not isinstance(v, str) or (default is None and not v.strip()):
        raise CalibrationError.at(path, f"{where}{key}", "expected a non-empty string")
    return v


def _num(path: Path, tab: dict[str, Any], key: str, where: str, default: float | None = None):
    v = tab.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        raise CalibrationError.at(path, f"{where}{key}", "expected a finite number")
    return float(v)


def _int(path: Path, tab: dict[str, Any], key: str, lo: int, hi: int, default: int) -> int:
    v = tab.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        where = "simulation." if key == "persons" else "abc."
        raise CalibrationError.at(
            path, f"{where}{key}", f"expected an integer in {lo}..{hi}, got {v!r}"
        )
    return v


def _unknown(path: Path, tab: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(tab) - allowed)
    if extra:
        raise CalibrationError.at(
            path, f"{where}{extra[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
        )


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    tab = data.get(key, {})
    if not isinstance(tab, dict):
        raise CalibrationError.at(path, key, "expected a table")
    return tab


def _target(path: Path, i: int, tab: Any) -> Target:
    where = f"target[{i}]."
    if not isinstance(tab, dict):
        raise CalibrationError.at(path, f"target[{i}]", "expected a table")
    allowed = {f for f in Target.__dataclass_fields__}
    _unknown(path, tab, allowed, where)
    part = _str(path, tab, "part", where)
    if part not in PARTS:
        raise CalibrationError.at(path, f"{where}part", f"expected one of {', '.join(PARTS)}")
    key = _str(path, tab, "key", where)
    known = EFFECT_KEYS if part == "effect" else BASELINE_KEYS
    if key not in known:
        raise CalibrationError.at(
            path, f"{where}key", f"unknown {part} statistic {key!r} (known: {', '.join(known)})"
        )
    kind = _str(path, tab, "kind", where)
    if kind not in PARTS[part]:
        raise CalibrationError.at(
            path, f"{where}kind", f"a {part} is measured as {' or '.join(PARTS[part])}"
        )
    lo, hi = _num(path, tab, "lo", where), _num(path, tab, "hi", where)
    if not lo < hi:
        raise CalibrationError.at(path, f"{where}hi", f"must exceed lo ({lo:g}), got {hi:g}")
    weight = _num(path, tab, "weight", where, 1.0)
    if not 0.0 < weight <= 100.0:
        raise CalibrationError.at(
            path, f"{where}weight", f"expected 0 < weight <= 100, got {weight}"
        )
    return Target(
        key=key,
        part=part,
        kind=kind,
        label=_str(path, tab, "label", where),
        lo=lo,
        hi=hi,
        population=_str(path, tab, "population", where),
        window=_str(path, tab, "window", where),
        definition=_str(path, tab, "definition", where),
        source=_str(path, tab, "source", where),
        weight=weight,
    )


def load_priors(path: Path) -> tuple[Prior, ...]:
    """The priors of a priors file, each checked against its parameter's allowed range."""
    from carecomplex.params import describe

    _, data = read_toml(path, CalibrationError)
    _unknown(path, data, {"prior"}, "")
    tab = _table(path, data, "prior")
    if not tab:
        raise CalibrationError.at(path, "prior", 'no priors: at least one [prior."group.name"]')
    known = {f"{d['group']}.{d['name']}": d for d in describe()}
    out = []
    for key, p in tab.items():
        where = f"prior.{key}."
        if key.split(".")[0] in LEVER_GROUPS:
            raise CalibrationError.at(
                path,
                f"prior.{key}",
                "not a world parameter (levers, run and population sizes are not calibrated)",
            )
        if key not in known:
            raise CalibrationError.at(
                path, f"prior.{key}", "unknown parameter (see docs/parameters.md)"
            )
        if not isinstance(p, dict):
            raise CalibrationError.at(path, f"prior.{key}", "expected a table")
        _unknown(path, p, {"dist", "lo", "hi", "reason"}, where)
        dist = _str(path, p, "dist", where)
        if dist not in DISTS:
            raise CalibrationError.at(path, f"{where}dist", f"expected one of {', '.join(DISTS)}")
        lo, hi = _num(path, p, "lo", where), _num(path, p, "hi", where)
        d = known[key]
        if isinstance(d["default"], bool):
            raise CalibrationError.at(path, f"prior.{key}", "a switch cannot be calibrated")
        if not d["lo"] <= lo < hi <= d["hi"]:
            raise CalibrationError.at(
                path,
                f"{where}hi" if lo >= d["lo"] and lo < hi else f"{where}lo",
                f"need {d['lo']:g} <= lo < hi <= {d['hi']:g} (the allowed range), "
                f"got [{lo:g}, {hi:g}]",
            )
        if dist == "loguniform" and lo <= 0:
            raise CalibrationError.at(path, f"{where}lo", "a loguniform prior needs lo > 0")
        out.append(Prior(key, dist, lo, hi, _str(path, p, "reason", where)))
    return tuple(out)


def load(ref: str | Path, priors: str | Path | None = None) -> Targets:
    """A validated targets file and its priors (``priors`` overrides the file's own)."""
    path = resolve(ref)
    _, data = read_toml(path, CalibrationError)
    top = {"name", "description", "priors", "simulation", "abc", "target"}
    _unknown(path, data, top, "")
    sim = _table(path, data, "simulation")
    abc = _table(path, data, "abc")
    _unknown(path, sim, {"base", "alt", "persons", "years"}, "simulation.")
    _unknown(
        path,
        abc,
        {
            "population_size",
            "generations",
            "min_epsilon",
            "max_simulations",
            "seed",
            "method",
            "epsilon",
        },
        "abc.",
    )
    raw = data.get("target", [])
    if not isinstance(raw, list) or not raw:
        raise CalibrationError.at(path, "target", "no targets: at least one [[target]]")
    targets = tuple(_target(path, i, t) for i, t in enumerate(raw))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise CalibrationError.at(path, "target", f"{dup} appears twice")
    years = _num(path, sim, "years", "simulation.", 5.0)
    if not 1.0 <= years <= 30.0:
        raise CalibrationError.at(path, "simulation.years", f"expected 1..30 years, got {years:g}")
    d = Settings()
    settings = Settings(
        population_size=_int(path, abc, "population_size", 2, 100_000, d.population_size),
        generations=_int(path, abc, "generations", 1, 1000, d.generations),
        min_epsilon=_num(path, abc, "min_epsilon", "abc.", d.min_epsilon),
        max_simulations=_int(path, abc, "max_simulations", 1, 10**9, d.max_simulations),
        seed=_int(path, abc, "seed", 0, 2**32 - 1, d.seed),
        method=_str(path, abc, "method", "abc.", d.method),
        epsilon=_num(path, abc, "epsilon", "abc.", d.epsilon),
        base=_str(path, sim, "base", "simulation.", d.base),
        alt=_str(path, sim, "alt", "simulation.", d.alt),
        persons=_int(path, sim, "persons", 10, 5_000_000, d.persons),
        years=years,
    )
    if settings.min_epsilon < 0:
        raise CalibrationError.at(path, "abc.min_epsilon", "expected a number >= 0")
    if settings.method not in METHODS:
        raise CalibrationError.at(path, "abc.method", f"expected one of {', '.join(METHODS)}")
    if settings.epsilon <= 0:
        raise CalibrationError.at(path, "abc.epsilon", "expected a number > 0")
    short = years_short(targets, settings.years)
    if short:
        raise CalibrationError.at(path, "simulation.years", short)
    ppath = Path(priors) if priors is not None else path.parent / _str(path, data, "priors", "")
    if priors is None and not ppath.is_file():  # the targets file names it: say where
        raise CalibrationError.at(path, "priors", f"{ppath}: file not found")
    return Targets(
        name=_str(path, data, "name", "", path.stem),
        description=_str(path, data, "description", "", ""),
        path=str(path),
        priors_path=str(ppath),
        targets=targets,
        priors=load_priors(ppath),
        settings=settings,
    )


__all__ = [
    "CalibrationError",
    "Prior",
    "Settings",
    "Target",
    "Targets",
    "default_path",
    "load",
    "load_priors",
]
