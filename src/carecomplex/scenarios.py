"""Scenario files (TOML) to validated parameters, with one-line errors.

A scenario file has an optional ``name`` and ``description`` and tables named after
the parameter groups (``[regime]``, ``[crisis]``, ...). ``extends = "siloed"`` starts
from another scenario. Any problem (missing file, bad TOML, unknown key, wrong type,
out-of-range value) raises :class:`ScenarioError`, whose message names the file, the
key and the allowed range.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carecomplex.params import ParamError, Params, _merge, from_dict, to_dict
from carecomplex.resources import data_path

BUILTIN = data_path("scenarios")  # package data, wherever the package is installed
TOP_KEYS = {"name", "description", "extends"}
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
"""Names that become parts of output file names (arm names, claim ids): no paths."""


MAX_DEPTH = 8
"""Deepest nesting of tables and arrays accepted in user files (the deepest needed is 3)."""


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line."""


_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
)


def loads_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads``, refusing deeply nested brackets before the parser recurses.

    Python's parser recurses per nested array or inline table; near the recursion limit
    even the error can fail (finalizers raise too), so depth is counted first.
    """
    depth = deepest = 0
    for ch in re.findall(r"[\[\]{}]", _STRINGS_AND_COMMENTS.sub("", text)):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > 8 * MAX_DEPTH:
        raise tomllib.TOMLDecodeError(f"brackets nested more than {8 * MAX_DEPTH} deep")
    return tomllib.loads(text)


def too_deep(data: Any, limit: int = MAX_DEPTH) -> str | None:
    """The dotted key where tables or arrays nest deeper than ``limit``, else None.

    Checked without recursion, before any recursive merge or flatten sees the data.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        x, key, depth = stack.pop()
        if depth > limit:
            return key
        if isinstance(x, dict):
            stack += [(v, f"{key}.{k}" if key else k, depth + 1) for k, v in x.items()]
        elif isinstance(x, list):
            stack += [(v, key, depth + 1) for v in x]
    return None


def read_toml(path: Path, error: type[Exception]) -> tuple[str, dict[str, Any]]:
    """Text and table of a user's TOML file; every problem raises ``error`` in one line.

    The text comes back with universal newlines (as ``read_text`` gives). Shared by
    scenario, experiment and claim files: decoding, parsing and the depth limit are
    checked here, before any recursive merge or flatten sees the data.
    """
    try:
        text = path.read_bytes().decode("utf-8")
        data = loads_toml(text)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except UnicodeDecodeError as e:
        raise error(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: invalid TOML: {e}") from None
    except RecursionError:
        raise error(f"{path}: invalid TOML: nested too deeply") from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror})") from None
    if (deep := too_deep(data)) is not None:
        raise error(f"{path}: {deep}: nested more than {MAX_DEPTH} levels deep")
    return text.replace("\r\n", "\n").replace("\r", "\n"), data


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


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
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


__all__ = [
    "MAX_DEPTH",
    "SAFE_NAME",
    "Params",
    "Scenario",
    "ScenarioError",
    "load",
    "load_params",
    "loads_toml",
    "resolve",
    "too_deep",
]
