"""Interactive charts drawn in the browser with ECharts, from options built here.

A chart is a plain, JSON-able ECharts *option* (a dict) built by a pure function, so
that tests read what the student sees without a browser. :func:`Chart` sends it to a
small widget (``chart.vue``) that draws it with ECharts 5.4.0, loaded once from
Solara's CDN proxy cache (offline once ``scripts/solara-assets.sh`` has filled it).
Hover shows values (tooltip), the slider under a week axis zooms, and the toolbox
saves a PNG; a view offers its numbers as CSV next to its charts.

Conventions: arm A is drawn solid in :data:`palette.ARM_A`, arm B dashed in
:data:`palette.ARM_B`; every y axis is named with its unit; proportions are drawn on
0–1; no animation (a step redraws in milliseconds).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipyvuetify
import numpy as np
import solara
import traitlets

from carecomplex.resources import data_path
from carecomplex.ui import palette

Option = dict[str, Any]

FONT = 12


class ChartWidget(ipyvuetify.VuetifyTemplate):
    """The browser side of :func:`Chart` (see ``chart.vue``)."""

    template = traitlets.Unicode(data_path("ui", "chart.vue").read_text()).tag(sync=True)
    option = traitlets.Dict({}).tag(sync=True)
    height = traitlets.Int(300).tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
    tick = traitlets.Int(0).tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self) -> str | None:
        import solara.settings

        return None if solara.settings.assets.proxy else solara.settings.assets.cdn


@solara.component
def Chart(option: Option, alt: str, height: int = 300, tick: int = 0):
    """One chart; ``alt`` describes it for screen readers, ``tick`` labels what is drawn."""
    return ChartWidget.element(option=option, alt=alt, height=height, tick=tick)


def num(x: float | None, digits: int = 4) -> float | None:
    """A float for JSON: ``digits`` significant digits, None for NaN or infinity."""
    return None if x is None else nums([x], digits)[0]


def nums(a: Iterable[float], digits: int = 4) -> list[float | None]:
    """:func:`num` over an array (vectorised: a chart holds hundreds of points)."""
    x = np.asarray(a, dtype=np.float64).ravel()
    ok = np.isfinite(x) & (x != 0)
    mag = np.zeros_like(x)
    mag[ok] = np.floor(np.log10(np.abs(x[ok])))
    # Round in the value's decade: x / 10**mag is in [1, 10), so nothing overflows.
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        unit = 10.0**mag
        ok &= unit > 0  # a subnormal's decade underflows: kept as it is
        r = np.where(ok, np.round(x / np.where(ok, unit, 1.0), digits - 1) * unit, x)
    return [float(v) if np.isfinite(v) else None for v in r]


def pairs(y: Sequence[float], start: int = 0, digits: int = 4) -> list[list[float | None]]:
    """``[[week, value], ...]`` of a weekly series starting at week ``start``."""
    return [[start + k, v] for k, v in enumerate(nums(y, digits))]


def toolbox(name: str) -> Option:
    """Save as PNG and zoom reset, top right."""
    return {
        "right": 8,
        "top": 0,
        "itemSize": 13,
        "feature": {
            "saveAsImage": {"title": "PNG", "name": name, "pixelRatio": 2},
            "restore": {"title": "reset zoom"},
        },
    }


def axis_y(name: str, lo: float | None = None, hi: float | None = None, **kw: Any) -> Option:
    """A value axis named with its unit (``name``), optionally on a fixed range."""
    ax: Option = {
        "type": "value",
        "name": name,
        "nameLocation": "middle",
        "nameGap": 48,
        "nameTextStyle": {"fontSize": FONT},
        "axisLabel": {"fontSize": 11},
        "scale": lo is None,
        **kw,
    }
    if lo is not None:
        ax["min"] = lo
    if hi is not None:
        ax["max"] = hi
    return ax


def axis_weeks(weeks: int, name: str = "week") -> Option:
    """A week axis from 0 to at least ``weeks`` (whole weeks, labels that do not collide)."""
    return {
        "type": "value",
        "name": name,
        "nameLocation": "middle",
        "nameGap": 26,
        "min": 0,
        "max": max(4, weeks),
        "minInterval": 1,
        "axisLabel": {"fontSize": 11, "hideOverlap": True, "showMaxLabel": False},
        "splitNumber": 6,
    }


def arm_line(name: str, k: int, data: list, **kw: Any) -> Option:
    """Arm ``k``'s line: A solid, B dashed, in the arms' colours."""
    return {
        "name": name,
        "type": "line",
        "data": data,
        "showSymbol": False,
        "symbolSize": 4,
        "color": palette.ARMS[k],
        "lineStyle": {"width": 2 if k == 0 else 2.2, "type": palette.ARM_DASH[k]},
        "emphasis": {"disabled": True},
        **kw,
    }


def line_chart(
    title: str,
    ylabel: str,
    series: Sequence[Option],
    weeks: int,
    *,
    ylim: tuple[float | None, float | None] = (None, None),
    marks: Sequence[tuple[int, str]] = (),
    zoom: bool = True,
    legend: bool = True,
) -> Option:
    """A week-axis line chart: title, named y axis, legend, hover, zoom, PNG.

    ``marks`` are vertical lines at weeks (a regime switch), labelled.
    """
    series = [dict(s) for s in series]
    if marks and series:
        series[0]["markLine"] = {
            "symbol": "none",
            "silent": True,
            "lineStyle": {"color": palette.BLACK, "type": "dotted", "width": 1.5},
            "label": {"formatter": "{b}", "position": "insideEndTop", "fontSize": 11},
            "data": [{"xAxis": w, "name": label} for w, label in marks],
        }
    return {
        "animation": False,
        "title": {"text": title, "left": 0, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis", "valueFormatter": None},
        "legend": {"show": legend, "top": 20, "left": 0, "textStyle": {"fontSize": 11}},
        "toolbox": toolbox(title),
        "grid": {
            "left": 64,
            "right": 16,
            "top": 56 if legend else 36,
            "bottom": 64 if zoom else 40,
        },
        "xAxis": axis_weeks(weeks),
        "yAxis": axis_y(ylabel, *ylim),
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 14, "bottom": 4}]
        if zoom
        else [],
        "series": series,
    }


def arms_chart(
    title: str,
    ylabel: str,
    labels: Sequence[str],
    ys: Sequence[np.ndarray],
    *,
    ylim: tuple[float | None, float | None] = (None, None),
    marks: Sequence[tuple[int, str]] = (),
    digits: int = 4,
) -> Option:
    """Both arms' weekly series in one chart."""
    weeks = max((len(y) for y in ys), default=0)
    series = [
        arm_line(lb, k, pairs(y, digits=digits))
        for k, (lb, y) in enumerate(zip(labels, ys, strict=True))
    ]
    return line_chart(title, ylabel, series, weeks, ylim=ylim, marks=marks)


def csv_text(columns: dict[str, Sequence[float]]) -> str:
    """A CSV of equal-length columns (the numbers behind a view's charts)."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    keys = list(columns)
    w.writerow(keys)
    n = max((len(v) for v in columns.values()), default=0)
    for i in range(n):
        w.writerow(["" if i >= len(columns[k]) else _cell(columns[k][i]) for k in keys])
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return "" if not math.isfinite(v) else f"{float(v):.6g}"
    return v


CAPTION = "font-size: 13px; color: #333; margin: 0 0 10px 0; max-width: 70em"


def Caption(text: str) -> None:
    """A caption (Markdown) under a chart or at the top of a view."""
    solara.Markdown(text, style=CAPTION)


def CsvDownload(make: Callable[[], dict[str, Sequence[float]]], filename: str) -> None:
    """A button that downloads a view's numbers as CSV (the columns built when clicked)."""
    solara.FileDownload(
        data=lambda: csv_text(make()).encode(), filename=filename, label="Download data (CSV)"
    )
