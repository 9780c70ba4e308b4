"""Numbers and figures for people.

The formatter every claims report line uses, and the matplotlib set-up every claims
figure uses (Agg backend, no display, PNG bytes).
"""

from __future__ import annotations

import math
from typing import Any

from carecomplex import plotting


def fmt(x: float | None, unit: str = "") -> str:
    """A number for people: millions and billions shortened, NaN as n/a.

    Money when ``unit`` starts with £.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    money = unit.startswith("£")
    sign, a = ("-" if x < 0 else ""), abs(x)
    pound = "£" if money else ""
    if a >= 1e9:
        return f"{sign}{pound}{a / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"{sign}{pound}{a / 1e6:,.1f}m"
    if a >= 1000 or (money and a >= 10):
        return f"{sign}{pound}{a:,.0f}"
    if a >= 1:
        return f"{sign}{pound}{a:,.2f}"
    return f"{sign}{pound}{a:.3g}"


def plt() -> Any:
    """Matplotlib's pyplot on the Agg backend, with the claims report's style."""
    return plotting.pyplot(dpi=110, font_size=9)


png = plotting.png
