"""Beliefs files: a named set of world parameters laid over every arm, shown in full.

A beliefs file sets world parameters (uncertainties, never policy levers) for every arm
of a comparison, so the arms are compared in one world, the believed one. Each belief
names its value, the figure it serves and what the evidence says of it. The package
ships ``optimistic`` (``examples/beliefs/optimistic.toml``): what the seeds' case studies
need to be true. :func:`assumptions` sets each belief beside the default, the calibrated
ensemble and the prior, so a user sees every assumption a result rests on.

Any problem raises :class:`BeliefsError` (``FILE: KEY: reason``, exit 2, nothing written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carecomplex.errors import InputError
from carecomplex.inputs import read_toml
from carecomplex.resources import EXAMPLES, data_path

LEVER_GROUPS = ("regime", "history", "after", "transition", "run", "population")


class BeliefsError(InputError):
    """A beliefs file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Belief:
    """One believed parameter value, the figure it serves, and what the evidence says."""

    key: str
    value: float
    serves: str
    evidence: str


@dataclass(frozen=True)
class Beliefs:
    """A validated beliefs file."""

    name: str
    description: str
    path: str
    beliefs: tuple[Belief, ...]

    def values(self) -> dict[str, float]:
        """``{"group.name": value}``."""
        return {b.key: b.value for b in self.beliefs}

    def overrides(self) -> dict[str, dict[str, float]]:
        """The beliefs as nested scenario tables (to merge over every arm)."""
        from carecomplex.calibration.ensemble import overrides

        return overrides(self.values())


def resolve(ref: str | Path) -> Path:
    """A beliefs file as given, else a built-in of that name (``optimistic``)."""
    path = Path(ref)
    if path.exists():
        return path
    builtin = data_path(EXAMPLES, "beliefs", f"{ref}.toml")
    if path.parent == Path(".") and builtin.exists():
        return builtin
    known = ", ".join(sorted(p.stem for p in data_path(EXAMPLES, "beliefs").glob("*.toml")))
    raise BeliefsError(f"{ref}: file not found (built-in beliefs: {known})")


def load(ref: str | Path) -> Beliefs:
    """A validated beliefs file (path or built-in name)."""
    from carecomplex.params import describe

    path = resolve(ref)
    _, data = read_toml(path, BeliefsError)
    extra = sorted(set(data) - {"name", "description", "belief"})
    if extra:
        raise BeliefsError.at(path, extra[0], "unknown key (allowed: name, description, belief)")
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise BeliefsError.at(path, key, "expected a string")
    table = data.get("belief", {})
    if not isinstance(table, dict) or not table:
        raise BeliefsError.at(path, "belief", 'no beliefs: at least one [belief."group.name"]')
    known = {f"{d['group']}.{d['name']}": d for d in describe()}
    out = []
    for key, b in table.items():
        where = f"belief.{key}"
        if key.split(".")[0] in LEVER_GROUPS:
            raise BeliefsError.at(path, where, "not a world parameter (levers are scenarios)")
        if key not in known:
            raise BeliefsError.at(path, where, "unknown parameter (see docs/parameters.md)")
        if not isinstance(b, dict):
            raise BeliefsError.at(path, where, "expected a table")
        bad = sorted(set(b) - {"value", "serves", "evidence"})
        if bad:
            raise BeliefsError.at(path, f"{where}.{bad[0]}", "unknown key")
        v = b.get("value")
        d = known[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise BeliefsError.at(path, f"{where}.value", "expected a finite number")
        if not d["lo"] <= v <= d["hi"]:
            raise BeliefsError.at(
                path, f"{where}.value", f"{v:g} outside the allowed range {d['lo']:g}..{d['hi']:g}"
            )
        for k in ("serves", "evidence"):
            if not isinstance(b.get(k), str) or not b[k].strip():
                raise BeliefsError.at(path, f"{where}.{k}", "expected a non-empty string")
        out.append(Belief(key, float(v), b["serves"], b["evidence"]))
    return Beliefs(data.get("name", path.stem), data.get("description", ""), str(path), tuple(out))


def assumptions(beliefs: Beliefs) -> list[dict[str, Any]]:
    """Each belief beside the default, the shipped ensemble's 90 % range and the prior."""
    from carecomplex.calibration import ensemble
    from carecomplex.params import Params

    p = Params()
    try:
        ens = ensemble.load()
        lo, hi = ens.quantile(0.05), ens.quantile(0.95)
        priors = {q.key: q for q in ens.priors}
    except InputError:
        lo, hi, priors = {}, {}, {}
    rows = []
    for b in beliefs.beliefs:
        g, n = b.key.split(".")
        default = float(getattr(getattr(p, g), n))
        prior = priors.get(b.key)
        if b.key in lo:
            inside = lo[b.key] <= b.value <= hi[b.key]
            where = "inside the calibrated 90 % range" if inside else "outside the calibrated range"
            if not inside and prior is not None and not prior.lo <= b.value <= prior.hi:
                where = "outside the prior box"
        else:
            where = "not calibrated"
        rows.append(
            {
                "parameter": b.key,
                "default": default,
                "belief": b.value,
                "calibrated_lo": lo.get(b.key, math.nan),
                "calibrated_hi": hi.get(b.key, math.nan),
                "where": where,
                "serves": b.serves,
                "evidence": b.evidence,
            }
        )
    return rows


def print_assumptions(beliefs: Beliefs) -> None:
    """Print every assumption of a beliefs file (rich table)."""
    from rich.console import Console
    from rich.table import Table

    from carecomplex.console import fmt

    t = Table(
        title=f"Beliefs '{beliefs.name}': every assumption this result rests on",
        caption="each value is laid over every arm; none is supported by the calibration "
        "unless it says so",
    )
    for col in ("parameter", "default", "believed", "calibrated 90 %", "where", "serves"):
        t.add_column(col, justify="right" if col in ("default", "believed") else "left")
    for r in assumptions(beliefs):
        cal = (
            f"{fmt(r['calibrated_lo'])}..{fmt(r['calibrated_hi'])}"
            if math.isfinite(r["calibrated_lo"])
            else "-"
        )
        t.add_row(r["parameter"], fmt(r["default"]), fmt(r["belief"]), cal, r["where"], r["serves"])
    Console(width=max(120, Console().width)).print(t)


__all__ = ["Belief", "Beliefs", "BeliefsError", "assumptions", "load", "print_assumptions"]
