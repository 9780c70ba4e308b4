"""Scenario files (TOML) to validated parameters, with one-line errors.

A scenario file has an optional ``name`` and ``description`` and tables named after
the parameter groups (``[regime]``, ``[crisis]``, ...). ``extends = "siloed"`` starts
from another scenario. Any problem (missing file, bad TOML, unknown key, wrong type,
out-of-range value) raises :class:`ScenarioError`, whose message names the file, the
key and the allowed range.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carecomplex.params import ParamError, Params, _merge, from_dict, to_dict

BUILTIN = Path(__file__).parent / "scenarios"
TOP_KEYS = {"name", "description", "extends"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Scenario:
    """A named, validated set of parameters."""

    name: str
    description: str
    params: Params
    path: str


def resolve(ref: str | Path, near: Path | None = None) -> Path:
    """A path as given (or beside ``near``) if it exists, else a built-in of that name."""
    path = Path(ref)
    if near is not None and not path.is_absolute() and (near / path).exists():
        return near / path
    if path.exists():
        return path
    builtin = BUILTIN / f"{path.stem if path.suffix == '.toml' else ref}.toml"
    if builtin.exists() and (path.parent == Path(".") or path.parent.name == "scenarios"):
        return builtin
    known = ", ".join(sorted(p.stem for p in BUILTIN.glob("*.toml")))
    raise ScenarioError(f"{ref}: file not found (built-in scenarios: {known})")


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: invalid TOML: {e}") from None
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read ({e.strerror})") from None
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
        base = _read(parent, (*seen, path.resolve()))
        base = {k: v for k, v in base.items() if k not in TOP_KEYS}
        data = _merge(base, {k: v for k, v in data.items() if k != "extends"})
    return data


def load(ref: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file (path or built-in name), with optional overrides."""
    path = resolve(ref)
    data = _read(path)
    groups = {k: v for k, v in data.items() if k not in TOP_KEYS}
    try:
        params = from_dict(groups)
        if overrides:
            params = from_dict(_merge(to_dict(params), overrides))
    except ParamError as e:
        raise ScenarioError(f"{path}: {e.key}: {e.reason}") from None
    return Scenario(data.get("name", path.stem), data.get("description", ""), params, str(path))


def load_params(ref: str | Path) -> Params:
    """Shortcut: the parameters of a scenario."""
    return load(ref).params


__all__ = ["Params", "Scenario", "ScenarioError", "load", "load_params", "resolve"]
