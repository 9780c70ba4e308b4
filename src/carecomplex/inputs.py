"""Reading user files: TOML text to nested tables, every problem as one line.

Scenario, experiment and claim files are all read by :func:`read_toml`: decoding,
parsing, the nesting limit and numbers too large to compute with are checked here,
before any recursive merge, flatten or arithmetic sees the data. The caller passes the
:class:`~carecomplex.errors.InputError` subclass its messages are raised as.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from carecomplex.errors import InputError

SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
"""Names that become parts of output file names (arm names, claim ids): no paths."""

MAX_DEPTH = 8
"""Deepest nesting of tables and arrays accepted in user files (the deepest needed is 3)."""

MAX_FLOAT_BITS = sys.float_info.max_exp
"""Integers of more bits than this do not fit a float (about 1.8e308), so are refused."""

_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
)
_LONG_NUMBER = re.compile(r"[0-9][0-9_]{4000,}")


def _blank_strings(text: str) -> str:
    """``text`` with strings and comments blanked out (line breaks kept)."""
    return _STRINGS_AND_COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


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


def too_large(data: Any) -> str | None:
    """The dotted key of an integer too large for a float, else None (no recursion).

    TOML integers have no size limit in Python's parser, but every number of a user
    file is compared or computed with as a float somewhere; ``float()`` of such an
    integer raises ``OverflowError``.
    """
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        x, key = stack.pop()
        if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > MAX_FLOAT_BITS:
            return key
        if isinstance(x, dict):
            stack += [(v, f"{key}.{k}" if key else k) for k, v in x.items()]
        elif isinstance(x, list):
            stack += [(v, key) for v in x]
    return None


def _long_number_line(text: str) -> str:
    """' at line N' of the first number of thousands of digits in ``text``, else ''."""
    m = _LONG_NUMBER.search(_blank_strings(text))
    return f" at line {text.count(chr(10), 0, m.start()) + 1}" if m else ""


def read_toml(path: Path, error: type[InputError]) -> tuple[str, dict[str, Any]]:
    """Text and table of a user's TOML file; every problem raises ``error`` in one line.

    The text comes back with universal newlines (as ``read_text`` gives). Shared by
    scenario, experiment and claim files: decoding, parsing, the depth limit and
    integers too large for a float are checked here.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8")
        data = loads_toml(text)
    except UnicodeDecodeError as e:
        raise error(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: invalid TOML: {e}") from None
    except ValueError:  # Python's parser converts no integer of over 4,300 digits
        where = _long_number_line(text)
        raise error(f"{path}: invalid TOML: a number of over 4300 digits{where}") from None
    except RecursionError:
        raise error(f"{path}: invalid TOML: nested too deeply") from None
    if (deep := too_deep(data)) is not None:
        raise error.at(path, deep, f"nested more than {MAX_DEPTH} levels deep")
    if (big := too_large(data)) is not None:
        raise error.at(path, big, "integer too large to compute with (at most about 1.8e308)")
    return text.replace("\r\n", "\n").replace("\r", "\n"), data
