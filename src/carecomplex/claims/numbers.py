"""Numbers and figures for people.

The formatter every claims report line uses, and the matplotlib set-up every claims
figure uses (Agg backend, no display, PNG bytes).
"""

from __future__ import annotations

import io
import math
from typing import Any


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    pyplot.rcParams.update(
        {"figure.dpi": 110, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    )
    return pyplot


def png(fig: Any) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt().close(fig)
    return buf.getvalue()
