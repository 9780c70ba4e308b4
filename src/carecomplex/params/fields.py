"""How a parameter is declared: a dataclass field with its range, unit, meaning and source."""

from __future__ import annotations

from dataclasses import field
from typing import Any

MODEL = "model assumption (see docs/ODD.md)"
EVID = "docs/evidence.md"


def param(
    default: float | int | bool, lo: float, hi: float, unit: str, doc: str, source: str = MODEL
) -> Any:
    """Declare a parameter field with its range, unit, meaning and source."""
    return field(
        default=default, metadata={"lo": lo, "hi": hi, "unit": unit, "doc": doc, "source": source}
    )
