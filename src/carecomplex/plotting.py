"""Matplotlib set-up shared by the reports that write PNG figures (claims, calibration).

Figures are drawn on the Agg backend (no display needed) with one house style; each
report picks its resolution and font size.
"""

from __future__ import annotations

import io
from typing import Any


def pyplot(dpi: int = 110, font_size: float = 9) -> Any:
    """Matplotlib's pyplot on the Agg backend, in the house style at ``dpi`` and ``font_size``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": dpi,
            "font.size": font_size,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def png(fig: Any) -> bytes:
    """The figure as PNG bytes (tight bounding box); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
