"""Statistical process control as the seeds teach it: the XmR chart and its run rules.

Pure NumPy (no Solara, no drawing): :func:`xmr` computes the chart of one weekly series,
:func:`summary` says in plain words what it shows, and :func:`spc_option` /
:func:`spc_caption` turn one or two arms' series into an ECharts 5 option (a JSON-able
dict) and the sentences below it.

The chart is the individuals and moving-range (XmR) chart of Wheeler (*Understanding
Variation*, 2000) and Provost & Murray (*The Health Care Data Guide*, 2011):

* ``x`` is the series; the moving range ``mr[i] = |x[i] - x[i-1]|``;
* the centre is the mean of the first ``baseline`` points of a segment and ``mr_bar`` the
  mean of their moving ranges; the natural process limits are
  ``centre ± 2.66 mr_bar`` (2.66 = 3 / 1.128, the bias factor d2 for ranges of two) and
  the upper range limit is ``3.268 mr_bar`` (D4 for ranges of two);
* a **change** (a week where the system was changed on purpose, such as a regime
  switch) starts a new segment with its own centre and limits, computed afresh from its
  own first ``baseline`` points; the moving range across the change is not computed
  (it mixes two systems), and runs and trends do not cross it.

Run rules (a *special cause* is a signal that something other than the system's routine
variation acts; otherwise the variation is *common cause* only):

1. ``outside``: a point strictly above the upper or below the lower limit;
2. ``shift``: a run of 8 or more consecutive points on one side of the centre;
3. ``trend``: 6 or more consecutive points each higher (or each lower) than the one
   before;

and ``range``: a moving range strictly above the upper range limit.

Ties follow Provost & Murray: a point exactly on the centre line neither breaks nor
counts towards a shift, and a point equal to the one before neither breaks nor counts
towards a trend. A missing value (NaN) is not plotted, flags nothing and breaks runs and
trends. Each rule flags every point of the run it finds (for ``shift``, the points on
the run's side; for ``trend``, the whole span from its first to its last point).

Choices:

* ``BASELINE = 20`` points. Wheeler shows that limits from about 20 values are "fairly
  solid" (their uncertainty shrinks slowly after that), and Provost & Murray and the
  NHS's *Making Data Count* ask for about 20 points before fixing limits. Fewer points
  leave a short segment after a switch with wobbly limits; more (the old view's 26)
  leave less of it to be judged against them. A segment shorter than the baseline gets
  *provisional* limits from the points it has (at least two), so a chart that grows
  week by week shows limits from week 2 that settle at week 20.
* ``floor = 0.0`` by default: every series the UI charts (counts of events, persons
  waiting, pounds, 0-1 scores) cannot go below zero, so a lower limit below zero is
  drawn at zero (Wheeler: such a chart has no lower limit). A point at the floor is then
  not outside the limits (rule 1 uses strict inequalities). ``floor=None`` keeps the
  computed limit, for series that can be negative (differences).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from carecomplex.ui import palette

BASELINE = 20
"""Points from the start of each segment that fix its centre and limits (see the module)."""
E2 = 2.66
"""Natural process limits are centre ± E2 × mean moving range (3 / d2, d2 = 1.128)."""
D4 = 3.268
"""The upper range limit is D4 × mean moving range (for moving ranges of two points)."""
SHIFT = 8
"""Points on one side of the centre that make a shift (rule 2)."""
TREND = 6
"""Points each higher (or each lower) than the one before that make a trend (rule 3)."""

RULES: dict[str, str] = {
    "outside": "rule 1: outside the limits",
    "shift": f"rule 2: {SHIFT} or more in a row on one side of the centre",
    "trend": f"rule 3: {TREND} or more in a row rising or falling",
    "range": "moving range above its upper limit",
}
"""The run rules, by key, with the words the chart and the summary use."""
_PLAIN: dict[str, str] = {
    "outside": "outside the limits",
    "shift": f"a run of {SHIFT} or more on one side of the centre",
    "trend": f"a trend of {TREND} or more rising or falling",
    "range": "a jump between weeks above the range limit",
}
_TAG = {"outside": "outside the limits", "shift": "shift", "trend": "trend", "range": "range jump"}
"""Short names of the rules, for the verdict drawn on the chart."""
_SYMBOL = {"outside": "circle", "shift": "rect", "trend": "triangle", "range": "diamond"}
"""Symbol of each rule's points: rule 1 a ring around the point, the others filled."""


@dataclass(frozen=True)
class XmR:
    """An XmR chart of one series: values, limits (per point, as step lines) and signals.

    Attributes:
        x: The values (float, NaN where missing).
        mr: Moving ranges; NaN at the first point of each segment and next to a NaN.
        centre: Centre line at each point (its segment's baseline mean).
        lower: Lower natural process limit at each point (clipped at ``floor``).
        upper: Upper natural process limit at each point.
        mr_bar: Mean moving range of the segment's baseline, at each point.
        url: Upper range limit at each point (``D4 * mr_bar``).
        starts: Index of the first point of each segment (0 first).
        provisional: For each segment, whether its limits come from fewer points than
            ``baseline`` (they will move as points arrive).
        baseline: Points from the start of each segment that fix its limits.
        signals: Rule key (see :data:`RULES`) -> boolean mask of the points it flags.
    """

    x: np.ndarray
    mr: np.ndarray
    centre: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    mr_bar: np.ndarray
    url: np.ndarray
    starts: tuple[int, ...]
    provisional: tuple[bool, ...]
    baseline: int
    signals: dict[str, np.ndarray]

    @property
    def flagged(self) -> np.ndarray:
        """Points any rule flags (a special cause)."""
        out = np.zeros(len(self.x), dtype=bool)
        for m in self.signals.values():
            out |= m
        return out

    @property
    def special(self) -> bool:
        """Whether any rule fires (otherwise common-cause variation only)."""
        return bool(self.flagged.any())


def segment_starts(n: int, change: Sequence[int] = ()) -> tuple[int, ...]:
    """First index of each segment of ``n`` points split at the ``change`` indices.

    A change at index ``c`` starts a new segment at ``c`` (the first point under the
    changed system). Changes at or before 0, at or after ``n``, or repeated are ignored.
    """
    return (0, *sorted({int(c) for c in change if 0 < int(c) < n}))


def _runs(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run id and run length of each element of a sequence of keys.

    A run is a maximal stretch of equal keys in which every element is ``valid``;
    invalid elements are runs of their own and get length 0.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = (keys[1:] != keys[:-1]) | ~valid[1:] | ~valid[:-1]
    rid = np.cumsum(new) - 1
    length = np.bincount(rid, weights=valid.astype(np.float64)).astype(np.int64)
    return rid, np.where(valid, length[rid], 0)


def _shift(x: np.ndarray, centre: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Rule 2: points of runs of ``SHIFT`` or more on one side of the centre."""
    with np.errstate(invalid="ignore"):
        side = np.sign(x - centre)
    finite = np.isfinite(side)
    keep = np.flatnonzero(~finite | (side != 0))  # points on the centre are skipped
    s = np.nan_to_num(side[keep])
    key = s + 3.0 * seg[keep]  # a new segment starts a new run
    _, length = _runs(key, finite[keep])
    out = np.zeros(len(x), dtype=bool)
    out[keep[length >= SHIFT]] = True
    return out


def _trend(x: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Rule 3: spans of ``TREND`` or more points each above (or below) the one before."""
    n = len(x)
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    with np.errstate(invalid="ignore"):
        step = np.sign(np.diff(x))  # step[i - 1] joins points i - 1 and i
    within = seg[1:] == seg[:-1]
    finite = np.isfinite(step) & within
    keep = np.flatnonzero(~finite | (step != 0))  # equal neighbours are skipped
    s = np.nan_to_num(step[keep])
    key = s + 3.0 * seg[1:][keep]
    rid, length = _runs(key, finite[keep])
    hit = length >= TREND - 1  # TREND points make TREND - 1 steps
    if not hit.any():
        return out
    first = np.full(rid.max() + 1, n)
    last = np.full(rid.max() + 1, -1)
    np.minimum.at(first, rid[hit], keep[hit])
    np.maximum.at(last, rid[hit], keep[hit])
    mark = np.zeros(n + 1, dtype=np.int64)
    ok = last >= 0
    np.add.at(mark, first[ok], 1)  # step index i - 1 starts at point i - 1
    np.add.at(mark, last[ok] + 2, -1)  # ... and the last step ends at point last + 1
    return np.cumsum(mark[:n]) > 0


def xmr(
    x: Sequence[float] | np.ndarray,
    *,
    change: Sequence[int] = (),
    baseline: int = BASELINE,
    floor: float | None = 0.0,
) -> XmR:
    """The XmR chart of a series, with limits recomputed after each change.

    Args:
        x: The values, one per week (NaN where missing).
        change: Indices into ``x`` where the system was changed on purpose; each starts
            a segment with its own centre and limits (see :func:`segment_starts`).
        baseline: Points from the start of each segment that fix its centre and limits
            (a shorter segment uses all its points: provisional limits).
        floor: The lowest value the series can take: a lower limit below it is drawn at
            it (``None``: no clipping; nor is a floor above a segment's centre, which
            only data below the floor can give).

    Returns:
        The chart: moving ranges, per-point centre and limits, and each rule's flags.
    """
    if baseline < 2:
        raise ValueError(f"baseline must be at least 2 points, not {baseline}")
    xs = np.asarray(x, dtype=np.float64).ravel()
    n = len(xs)
    starts = segment_starts(n, change)
    ends = (*starts[1:], n)
    mr = np.full(n, np.nan)
    centre, lower, upper, mr_bar = (np.full(n, np.nan) for _ in range(4))
    seg = np.zeros(n, dtype=np.int64)
    provisional = []
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        seg[a:b] = k
        mr[a + 1 : b] = np.abs(np.diff(xs[a:b]))
        m = min(baseline, b - a)
        provisional.append(m < baseline)
        base, base_mr = xs[a : a + m], mr[a + 1 : a + m]
        if np.isfinite(base).any() and np.isfinite(base_mr).any():
            # the mean about the first value, so that a constant series has its value as
            # the centre exactly (a mean of n copies can differ from it in the last digit,
            # which would put every point a rounding error away from the centre)
            ref = base[np.isfinite(base)][0]
            c, r = float(ref + np.nanmean(base - ref)), float(np.nanmean(base_mr))
            centre[a:b], mr_bar[a:b] = c, r
            lo = c - E2 * r
            lower[a:b] = floor if floor is not None and lo < floor <= c else lo
            upper[a:b] = c + E2 * r
    url = D4 * mr_bar
    with np.errstate(invalid="ignore"):
        signals = {
            "outside": (xs > upper) | (xs < lower),
            "shift": _shift(xs, centre, seg),
            "trend": _trend(xs, seg),
            "range": mr > url,
        }
    return XmR(
        x=xs,
        mr=mr,
        centre=centre,
        lower=lower,
        upper=upper,
        mr_bar=mr_bar,
        url=url,
        starts=starts,
        provisional=tuple(provisional),
        baseline=baseline,
        signals=signals,
    )


def _weeks_text(weeks: Sequence[int]) -> str:
    """'week 3', 'weeks 3 and 9' or 'weeks 3-10, 14 and 20' (consecutive weeks joined)."""
    w = [int(v) for v in weeks]
    parts: list[str] = []
    i = 0
    while i < len(w):
        j = i
        while j + 1 < len(w) and w[j + 1] == w[j] + 1:
            j += 1
        parts.append(f"{w[i]}" if i == j else f"{w[i]}-{w[j]}")
        i = j + 1
    if not parts:
        return "no weeks"
    if len(parts) > 6:
        listed = ", ".join(parts[:4]) + " … " + parts[-1]
    elif len(parts) > 1:
        listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    else:
        listed = parts[0]
    return ("weeks " if len(w) > 1 else "week ") + listed


def special_causes(r: XmR, start_week: int = 0, *, brief: bool = False) -> list[str]:
    """One phrase per rule that fires, naming the weeks it flags.

    With ``brief``, a rule that flags several weeks gives their number and the first
    ("12 weeks from week 30") instead of the list.
    """
    out = []
    for key, mask in r.signals.items():
        idx = np.flatnonzero(mask) + start_week
        if not len(idx):
            continue
        weeks = f"{len(idx)} weeks from week {idx[0]}" if brief and len(idx) > 1 else None
        out.append(f"{_PLAIN[key]} ({weeks or _weeks_text(idx)})")
    return out


def summary(r: XmR, start_week: int = 0) -> str:
    """Plain words: "common cause only" or "special cause: ..." naming rules and weeks."""
    if not np.isfinite(r.x).any():
        return "no data yet"
    causes = special_causes(r, start_week)
    if not causes:
        return "common cause only"
    return "special cause: " + "; ".join(causes)


def _num(v: float) -> float | None:
    """A float for JSON: 4 significant digits, NaN and infinities as None."""
    v = float(v)
    if not math.isfinite(v):
        return None
    return float(f"{v:.4g}")


def _nums(a: np.ndarray) -> list[float | None]:
    return [_num(v) for v in a]


def _check_arms(arms: Sequence[tuple[str, np.ndarray]]) -> None:
    if not 1 <= len(arms) <= len(palette.ARMS):
        raise ValueError(f"an SPC chart shows 1 or {len(palette.ARMS)} arms, not {len(arms)}")


def _charts(
    arms: Sequence[tuple[str, np.ndarray]],
    change: Sequence[int],
    start_week: int,
    baseline: int,
    floor: float | None,
) -> tuple[list[XmR], list[int]]:
    """Each arm's chart, and the change weeks that fall inside the weeks charted."""
    charts = [
        xmr(x, change=[int(c) - start_week for c in change], baseline=baseline, floor=floor)
        for _, x in arms
    ]
    n = max(len(r.x) for r in charts)
    inside = sorted({int(c) for c in change if start_week < int(c) < start_week + n})
    return charts, inside


def _short(r: XmR) -> str:
    """The verdict drawn on the chart: common cause, or special cause and its rules."""
    if not np.isfinite(r.x).any():
        return "no data yet"
    fired = [_TAG[key] for key, m in r.signals.items() if m.any()]
    if not fired:
        return "common cause only"
    return f"special cause ({', '.join(fired)})"


def _line(
    name: str, data: np.ndarray, grid: int, k: int, width: float, tip: dict, **kw: Any
) -> dict[str, Any]:
    """A line series of arm ``k`` (its colour and dash) on grid 0 (values) or 1 (ranges)."""
    return {
        "name": name,
        "type": "line",
        "xAxisIndex": grid,
        "yAxisIndex": grid,
        "data": _nums(data),
        "showSymbol": False,
        "connectNulls": False,
        "lineStyle": {"color": palette.ARMS[k], "type": palette.ARM_DASH[k], "width": width},
        "itemStyle": {"color": palette.ARMS[k]},
        "tooltip": tip,
        "animation": False,
        **kw,
    }


def _signal(label: str, r: XmR, key: str, k: int, weeks: list[int], unit: str) -> dict[str, Any]:
    """The points rule ``key`` flags in an arm (None elsewhere), tooltips naming the rules."""
    values = r.mr if key == "range" else r.x
    data: list[Any] = [None] * len(r.x)
    for i in np.flatnonzero(r.signals[key]):
        rules = "; ".join(RULES[q] for q, m in r.signals.items() if m[i])
        text = f"{label}, week {weeks[i]}: {values[i]:.4g} {unit}<br/>special cause: {rules}"
        data[i] = {"value": _num(values[i]), "tooltip": {"formatter": text}}
    grid = 1 if key == "range" else 0
    if key == "outside":  # a ring around the point, so that other rules' marks show in it
        size, style = (
            14,
            {"color": "rgba(0,0,0,0)", "borderColor": palette.SIGNAL, "borderWidth": 2},
        )
    else:
        size, style = 8, {"color": palette.SIGNAL, "borderColor": palette.ARMS[k], "borderWidth": 1}
    return {
        "name": f"{label} special cause: {RULES[key]}",
        "type": "scatter",
        "xAxisIndex": grid,
        "yAxisIndex": grid,
        "data": data,
        "symbol": _SYMBOL[key],
        "symbolSize": size,
        "itemStyle": style,
        "z": 4,
        "animation": False,
    }


def spc_option(
    arms: Sequence[tuple[str, np.ndarray]],
    *,
    title: str,
    unit: str,
    change: Sequence[int] = (),
    start_week: int = 0,
    baseline: int = BASELINE,
    floor: float | None = 0.0,
) -> dict[str, Any]:
    """An ECharts 5.4 option: the XmR chart of one or two arms on one scale.

    The top grid is the individuals chart (each arm's weekly values, its centre line and
    natural process limits as step lines per segment); the bottom grid the moving-range
    chart (moving ranges, their mean and upper limit). Both share the weeks axis (one
    zoom, one pointer). Arm A is drawn in :data:`palette.ARM_A` with solid lines, arm B
    in :data:`palette.ARM_B` dashed; points a rule flags are drawn over them in
    :data:`palette.SIGNAL`, one symbol per rule, their tooltip naming the rules. A
    dotted vertical line marks each change, and a line of text per arm says "common
    cause only" or "special cause" and which rules fired.

    Series, in order: per arm, ``label`` (values), ``label centre``, ``label limits``
    (upper), ``label limits`` (lower), ``label moving range``, ``label centre`` (mean
    moving range), ``label limits`` (upper range limit), then one scatter per rule
    (``label special cause: ...``, in :data:`RULES` order); last, two empty series
    named ``change`` carrying the change markers on each grid. Every series but the
    markers has one entry per week (None where there is nothing to draw).

    Args:
        arms: (label, weekly values) per arm, A first; values may differ in length.
        title: The chart's title (the measure).
        unit: The measure's unit, for the value axes and tooltips.
        change: Weeks (on the chart's axis) where the system was changed on purpose:
            limits are recomputed from there.
        start_week: The week of the first value.
        baseline: Points that fix each segment's limits (see :data:`BASELINE`).
        floor: The lowest value the series can take (see :func:`xmr`).

    Returns:
        A JSON-able dict (floats to 4 significant digits, NaN as None).
    """
    _check_arms(arms)
    charts, changes = _charts(arms, change, start_week, baseline, floor)
    n = max(len(r.x) for r in charts)
    weeks = [start_week + i for i in range(n)]
    tip = {"formatter": "{a}<br/>week {b}: {c} " + unit}
    series: list[dict[str, Any]] = []
    legend: list[str] = []
    verdicts: list[dict[str, Any]] = []
    for k, ((label, _), r) in enumerate(zip(arms, charts, strict=True)):
        legend += [label, f"{label} centre", f"{label} limits", f"{label} moving range"]
        lim = {"step": "end", "z": 2, "emphasis": {"disabled": True}}
        series += [
            _line(label, r.x, 0, k, 1.5, tip, showSymbol=True, symbolSize=4, z=3),
            _line(f"{label} centre", r.centre, 0, k, 1.5, tip, **lim),
            _line(f"{label} limits", r.upper, 0, k, 1, tip, **lim),
            _line(f"{label} limits", r.lower, 0, k, 1, tip, **lim),
            _line(f"{label} moving range", r.mr, 1, k, 1, tip, showSymbol=True, symbolSize=3),
            _line(f"{label} centre", r.mr_bar, 1, k, 1.5, tip, **lim),
            _line(f"{label} limits", r.url, 1, k, 1, tip, **lim),
        ]
        series += [_signal(label, r, key, k, weeks, unit) for key in RULES]
        verdicts.append(
            {
                "type": "text",
                "left": 72,
                "top": 52 + 16 * k,
                "silent": True,
                "style": {
                    "text": f"{label}: {_short(r)}",
                    "fill": palette.ARMS[k],
                    "font": "bold 12px sans-serif",
                },
            }
        )
    for grid in (0, 1):
        series.append(
            {
                "name": "change",
                "type": "line",
                "xAxisIndex": grid,
                "yAxisIndex": grid,
                "data": [],
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "animation": False,
                    "lineStyle": {"color": palette.BLACK, "type": "dotted", "width": 1.5},
                    "label": {
                        "show": grid == 0,
                        "formatter": "{b}",
                        "position": "insideEndTop",
                    },
                    "data": [
                        {"xAxis": c - start_week, "name": f"change, week {c}"} for c in changes
                    ],
                },
            }
        )
    axis = {"type": "category", "data": weeks, "boundaryGap": False}
    left = {"nameTextStyle": {"align": "left"}}  # names start at the axis, not off the chart
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "legend": {"data": legend, "top": 24, "left": 8, "right": 40, "type": "scroll"},
        "tooltip": {"trigger": "item", "confine": True},
        "axisPointer": {"link": [{"xAxisIndex": "all"}]},
        "grid": [
            {"left": 64, "right": 24, "top": 116, "height": "40%"},
            {"left": 64, "right": 24, "bottom": 72, "height": "20%"},
        ],
        "xAxis": [
            {**axis, "gridIndex": 0, "axisLabel": {"show": False}},
            {**axis, "gridIndex": 1, "name": "week", "nameLocation": "middle", "nameGap": 24},
        ],
        "yAxis": [
            {"type": "value", "gridIndex": 0, "name": unit, "scale": True, **left},
            {"type": "value", "gridIndex": 1, "name": f"moving range ({unit})", "min": 0, **left},
        ],
        "dataZoom": [
            {"type": "inside", "xAxisIndex": [0, 1]},
            {"type": "slider", "xAxisIndex": [0, 1], "bottom": 8, "height": 18},
        ],
        "toolbox": {"feature": {"saveAsImage": {"title": "PNG"}}, "right": 8},
        "graphic": verdicts,
        "series": series,
    }


def spc_caption(
    arms: Sequence[tuple[str, np.ndarray]],
    *,
    unit: str = "",
    change: Sequence[int] = (),
    start_week: int = 0,
    baseline: int = BASELINE,
    floor: float | None = 0.0,
    title: str = "",
) -> str:
    """Sentences for below the chart: what the lines are, and what each arm shows.

    Takes the same arms and keywords as :func:`spc_option` (``title`` is ignored), so
    the two can be called with one set of keywords.
    """
    del title
    _check_arms(arms)
    charts, changes = _charts(arms, change, start_week, baseline, floor)
    styles = " and ".join(
        f"{('solid', 'dashed')[k]} for {label}" for k, (label, _) in enumerate(arms)
    )
    after = f", recomputed after each change ({_weeks_text(changes)})" if changes else ""
    unit_text = f" ({unit})" if unit else ""
    text = (
        f"Dots are each week's value{unit_text}; the lines ({styles}) are each arm's centre "
        f"(the mean of its first {baseline} weeks) and natural process limits (centre ± "
        f"2.66 × the mean week-to-week change){after}, and the lower chart shows the "
        "week-to-week changes."
    )
    if any(r.provisional[-1] for r in charts if np.isfinite(r.x).any()):
        text += (
            f" Limits from fewer than {baseline} weeks are provisional: they move as weeks "
            "are added."
        )
    verdicts = []
    for (label, _), r in zip(arms, charts, strict=True):
        causes = special_causes(r, start_week, brief=True)
        if not np.isfinite(r.x).any():
            verdicts.append(f"{label} has no weeks yet")
        elif not causes:
            verdicts.append(
                f"{label} shows only common-cause variation (every week inside its limits, "
                "no runs or trends): the system's routine noise, not a signal to act on"
            )
        else:
            verdicts.append(f"{label} shows special causes: {'; '.join(causes)}")
    return f"{text} {'; '.join(verdicts)}."
