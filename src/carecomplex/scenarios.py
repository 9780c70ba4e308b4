"""Scenario files (TOML) to validated parameters, with one-line errors.

A scenario file has an optional ``name`` and ``description`` and tables named after
the parameter groups (``[regime]``, ``[crisis]``, ...). ``extends = "siloed"`` starts
from another scenario. Any problem (missing file, bad TOML, unknown key, wrong type,
out-of-range value) raises :class:`ScenarioError`, whose message names the file, the
key and the allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carecomplex.errors import ParamError, ScenarioError
from carecomplex.inputs import read_toml
from carecomplex.params import Params, from_dict, merge, to_dict
from carecomplex.resources import data_path

BUILTIN = data_path("scenarios")  # package data, wherever the package is installed
TOP_KEYS = {"name", "description", "extends"}


@dataclass(frozen=True)
class Scenario:
    """A named, validated set of parameters."""

    name: str
    description: str
    params: Params
    path: str


def _exists(path: Path) -> bool:
    """``path.exists()``, False for names the system cannot look up (too long, NUL)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def resolve(ref: str | Path, near: Path | None = None) -> Path:
    """A path as given (or beside ``near``) if it exists, else a built-in of that name."""
    path = Path(ref)
    if near is not None and not path.is_absolute() and _exists(near / path):
        return near / path
    if _exists(path):
        return path
    builtin = BUILTIN / f"{path.stem if path.suffix == '.toml' else ref}.toml"
    if _exists(builtin) and (path.parent == Path(".") or path.parent.name == "scenarios"):
        return builtin
    known = ", ".join(sorted(p.stem for p in BUILTIN.glob("*.toml")))
    raise ScenarioError(f"{ref}: file not found (built-in scenarios: {known})")


def _validated(path: Path, data: dict[str, Any]) -> Params:
    """The parameters of a file's tables (parents merged in), or a one-line error."""
    try:
        return from_dict({k: v for k, v in data.items() if k not in TOP_KEYS})
    except ParamError as e:
        raise ScenarioError.at(path, e.key, e.reason) from None


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A file's tables merged over its parent's; each file is validated as it is read.

    Validating every file (its parents merged in) means a bad value in a parent is an
    error even where a child overrides it, and the message names the parent.
    """
    _, data = read_toml(path, ScenarioError)
    for key in ("name", "description", "extends"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{path}: {key}: expected a string")
    if "extends" in data:
        try:
            parent = resolve(data["extends"], near=path.parent)
        except ScenarioError as e:
            raise ScenarioError(f"{path}: extends: {e}") from None
        if parent.resolve() in seen:
            raise ScenarioError(f"{path}: extends: circular reference to {parent}")
        try:
            base = _read(parent, (*seen, path.resolve()))
        except ScenarioError as e:
            raise ScenarioError(f"{path}: extends: {e}") from None
        base = {k: v for k, v in base.items() if k not in TOP_KEYS}
        data = merge(base, {k: v for k, v in data.items() if k != "extends"})
    _validated(path, data)
    return data


def load(ref: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file (path or built-in name), with optional overrides."""
    path = resolve(ref)
    data = _read(path)
    params = _validated(path, data)
    if overrides:
        params = _validated(path, merge(to_dict(params), overrides))
    return Scenario(data.get("name", path.stem), data.get("description", ""), params, str(path))


def load_params(ref: str | Path) -> Params:
    """Shortcut: the parameters of a scenario."""
    return load(ref).params


__all__ = ["BUILTIN", "Scenario", "ScenarioError", "load", "load_params", "resolve"]
