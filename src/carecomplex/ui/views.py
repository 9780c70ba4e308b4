"""The system views: Compare, Costs, Flow, Kim loop and SPC (one Solara component each).

Each view reads a :class:`~carecomplex.ui.session.Session` under its lock, builds
ECharts options with the pure builders below (tested without a browser) and draws
them with :func:`~carecomplex.ui.charts.Chart`. Only the open tab is rendered, so a
step redraws one view. Every chart has a caption saying what it shows and how to read
it, a y axis named with its unit, and a legend; each view offers its numbers as CSV.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara

from carecomplex.ui import charts as ch
from carecomplex.ui import numbers as nb
from carecomplex.ui import palette
from carecomplex.ui.session import Session

SMOOTH = 4  # weeks in the trailing mean of weekly series (one week is noisy)


def labels(s: Session) -> list[str]:
    """The arms' labels, ``A: <scenario>`` and ``B: <scenario>``."""
    return [arm.label for arm in s.arms]


def switches(s: Session) -> list[tuple[int, str]]:
    """Weeks at which an arm switches regime (a transition), as chart markers."""
    out = []
    for arm, name in zip(s.arms, ("A", "B"), strict=True):
        w = arm.model.params.transition.week
        if w >= 0:
            out.append((int(w), f"{name} switches"))
    return out


def trailing(y: np.ndarray, k: int = SMOOTH) -> np.ndarray:
    """Trailing mean over ``k`` weeks (fewer at the start)."""
    y = np.asarray(y, dtype=np.float64)
    if len(y) == 0:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    n = np.minimum(np.arange(1, len(y) + 1), k)
    return (c[1:] - c[np.arange(1, len(y) + 1) - n]) / n


def decimals(*xs: float) -> int:
    """Decimals that show a row's values to about three significant digits."""
    finite = [float(x) for x in xs if x is not None and math.isfinite(x)]
    if finite and all(x.is_integer() for x in finite) and any(finite):
        return 0  # counts (deaths so far) are whole numbers
    m = max((abs(x) for x in finite), default=0.0)
    return 0 if m >= 100 else 1 if m >= 10 else 2 if m >= 1 else 3


def fmt(x: float | None, d: int | None = None) -> str:
    """A table cell with ``d`` decimals (thousands separated)."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:,.{decimals(x) if d is None else d}f}"


def fmt_diff(x: float | None, d: int | None = None) -> str:
    """A signed difference (``+12``, ``−0.031``; a true minus sign)."""
    if x is None or not math.isfinite(x):
        return "–"
    s = fmt(abs(x), d)
    if float(s.replace(",", "")) == 0:
        return s
    return ("+" if x > 0 else "−") + s


# --------------------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------------------


def compare_table_html(s: Session) -> str:
    """The headline table (fixed column widths, so the layout does not jump)."""
    rows = nb.compare_rows(s)
    th = "padding: 3px 8px; text-align: right; border-bottom: 1px solid #999; font-weight: 600"
    head = f'<th scope="col" style="{th}; text-align: left">outcome so far</th>' + "".join(
        f'<th scope="col" style="{th}; color: {c}">{h}</th>'
        for h, c in zip(
            (f"A ({s.settings.base})", f"B ({s.settings.alt})", "B − A"),
            (*palette.ARMS, palette.BLACK),
            strict=True,
        )
    )
    body = []
    for r in rows:
        d = decimals(r["A"], r["B"])
        sub = r["outcome"].startswith(" ")
        pad = 20 if sub else 6
        cells = "".join(
            f'<td style="padding: 2px 8px; text-align: right">{fmt(r[c], d)}</td>'
            for c in ("A", "B")
        )
        cells += f'<td style="padding: 2px 8px; text-align: right">{fmt_diff(r["B - A"], d)}</td>'
        body.append(
            f'<tr><th scope="row" style="padding: 2px 4px 2px {pad}px; text-align: left; '
            f'font-weight: normal">{r["outcome"].strip()}</th>{cells}</tr>'
        )
    widths = ("22em", "7.5em", "7.5em", "7.5em")
    cols = "<colgroup>" + "".join(f'<col style="width: {w}">' for w in widths) + "</colgroup>"
    return f"{cols}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"


def compare_options(s: Session) -> list[tuple[ch.Option, str]]:
    """The Compare view's four charts with their alt texts."""
    ws = [nb.weekly(arm) for arm in s.arms]
    lb = labels(s)
    marks = switches(s)
    return [
        (
            ch.arms_chart(
                "Cost per person-year so far, complex needs",
                "£ per person-year",
                lb,
                [w["cost_so_far"] for w in ws],
                marks=marks,
            ),
            "Running cost per complex-needs person-year in both arms, by week.",
        ),
        (
            ch.arms_chart(
                "Wellbeing, complex needs",
                "wellbeing (0 worst, 1 best)",
                lb,
                [w["wellbeing"] for w in ws],
                ylim=(0, 1),
                marks=marks,
            ),
            "Mean wellbeing of complex-needs persons on a 0 to 1 scale, by week.",
        ),
        (
            ch.arms_chart(
                f"Crises per week, complex needs ({SMOOTH}-week mean)",
                "crises per week",
                lb,
                [trailing(w["crises"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Crises (A&E, emergency admission, police custody, acute mental-health "
            "admission) per week among complex-needs persons.",
        ),
        (
            ch.arms_chart(
                "Deaths so far, everyone",
                "deaths (cumulative)",
                lb,
                [w["deaths"] for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Cumulative deaths in the whole population.",
        ),
    ]


def weekly_csv(s: Session) -> str:
    """Every weekly series of both arms (the numbers behind the charts), as CSV."""
    return ch.csv_text(weekly_columns(s))


def weekly_columns(s: Session) -> dict[str, list]:
    """Every weekly series of both arms, one column each (per service for queues)."""
    cols: dict[str, list] = {}
    for arm, tag in zip(s.arms, ("A", "B"), strict=True):
        w = nb.weekly(arm)
        cols.setdefault("week", list(range(len(w["cost"]))))
        for k, v in w.items():
            if v.ndim == 1:
                cols[f"{tag}_{k}"] = list(v)
            else:
                for j, name in enumerate(nb.SERVICES):
                    cols[f"{tag}_{k}_{name.replace(' ', '_')}"] = list(v[:, j])
    return cols


Caption = ch.Caption


def Download(s: Session, name: str) -> None:
    """A CSV download of every weekly series of both arms (built when clicked)."""

    def columns() -> dict[str, list]:
        with s.lock:
            return weekly_columns(s)

    ch.CsvDownload(columns, f"carecomplex-{name}-week{s.week}.csv")


def Grid(items: list[tuple[ch.Option, str]], tick: int, height: int = 260) -> None:
    """Charts two to a row (one per row on a narrow screen), each with its caption."""
    with solara.Div(classes=["cc-grid"]):
        for opt, alt in items:
            with solara.Div():
                ch.Chart(opt, alt=alt, height=height, tick=tick)
                solara.Text(alt, classes=["cc-caption"])


@solara.component
def CompareView(
    session: Session, tick: solara.Reactive[int], seeds: Callable[[], None] | None = None
):
    """The headline table and four running outcomes of both arms (``seeds``: its panel)."""
    t = tick.value
    with session.lock:
        table = compare_table_html(session)
        items = compare_options(session)
    Caption(
        "Arm **A** (orange, solid) and arm **B** (blue, dashed) are the same people with the "
        "same life events; only the way services work differs. Costs and rates are per "
        "person-year over the weeks run so far; *B − A* below zero means B is lower."
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML=table,
        classes=["cc-table"],
        style="font-size: 13px; border-collapse: collapse; table-layout: fixed; "
        "font-variant-numeric: tabular-nums; margin-bottom: 12px",
    )
    if seeds is not None:
        seeds()
    Grid(items, t)
    Download(session, "compare")


# --------------------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------------------


def holder_option(s: Session) -> ch.Option:
    """Cost per complex-needs person-year so far, by budget holder, A and B side by side."""
    cats = [h[0].upper() + h[1:] for h in nb.HOLDER_LABELS]
    values = [[nb.headline(arm)[f"  {label} (£)"] for label in nb.HOLDER_LABELS] for arm in s.arms]
    return arms_bars(
        "Cost per person-year so far by budget holder, complex needs",
        "£ per person-year",
        cats,
        labels(s),
        values,
        rotate=15,
    )


def arms_bars(
    title: str,
    ylabel: str,
    cats: list[str],
    names: list[str],
    values: list[list[float]],
    rotate: int = 20,
) -> ch.Option:
    """Both arms' values per category as side-by-side bars, A left and B right."""
    series = [
        {
            "name": name,
            "type": "bar",
            "data": ch.nums(vals),
            "color": palette.ARMS[k],
        }
        for k, (name, vals) in enumerate(zip(names, values, strict=True))
    ]
    return {
        "animation": False,
        "title": {"text": title, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 20, "left": 0},
        "toolbox": ch.toolbox(title),
        "grid": {"left": 70, "right": 16, "top": 56, "bottom": 56},
        "xAxis": {
            "type": "category",
            "data": cats,
            "axisLabel": {"interval": 0, "fontSize": 11, "rotate": rotate},
        },
        "yAxis": ch.axis_y(ylabel, 0, None),
        "series": series,
    }


def costs_options(s: Session) -> list[tuple[ch.Option, str]]:
    """Weekly cost (J-curve), failure and value demand, by arm."""
    ws = [nb.weekly(arm) for arm in s.arms]
    lb = labels(s)
    marks = switches(s)
    unit = "£ per person-year (weekly rate)"
    return [
        (
            ch.arms_chart(
                f"Weekly cost, complex needs ({SMOOTH}-week mean)",
                unit,
                lb,
                [trailing(w["cost"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Each week's public spending per complex-needs person, as a yearly rate.",
        ),
        (
            ch.arms_chart(
                f"Failure demand ({SMOOTH}-week mean)",
                unit,
                lb,
                [trailing(w["failure"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Spending on failure demand (crises, emergency accommodation, custody, "
            "repeat assessments) per complex-needs person, weekly.",
        ),
        (
            ch.arms_chart(
                f"Value demand ({SMOOTH}-week mean)",
                unit,
                lb,
                [trailing(w["value"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Spending on value demand (support, tenancies, treatment, staff) per "
            "complex-needs person, weekly.",
        ),
        (holder_option(s), "Cost per complex-needs person-year so far, by budget holder."),
    ]


@solara.component
def CostsView(session: Session, tick: solara.Reactive[int]):
    """Where the money goes: weekly cost, failure vs value demand, budget holders."""
    t = tick.value
    with session.lock:
        items = costs_options(session)
        rows = {r["outcome"].strip(): r for r in nb.compare_rows(session)}
    share = [
        rows["of which failure demand (£)"][c] / rows["Cost per person-year, complex needs (£)"][c]
        if rows["Cost per person-year, complex needs (£)"][c]
        else float("nan")
        for c in ("A", "B")
    ]
    Caption(
        "**Failure demand** is work caused by a failure to do something, or to do it "
        "right, the first time: crises, emergency accommodation, custody, assessing "
        "someone again. **Value demand** is the help people need: support, tenancies, "
        "treatment. Curves are weekly rates (a "
        f"{SMOOTH}-week mean), so a rise after a switch (a J-curve) shows where a "
        "cumulative total would hide it; the dotted line marks a switch. Failure demand "
        f"so far: A {fmt(100 * share[0])} %, B {fmt(100 * share[1])} % of the cost."
    )
    Grid(items, t)
    Download(session, "costs")


# --------------------------------------------------------------------------------------
# Flow: queues, repeat assessments, hand-offs, rejections
# --------------------------------------------------------------------------------------


def queue_option(s: Session, ws: list[dict[str, np.ndarray]]) -> ch.Option:
    """Mean persons waiting per service over the last 13 weeks run, A and B (``ws``: weekly)."""
    values = []
    for w in ws:
        q = w["queue"]
        values.append(list(q[-13:].mean(axis=0)) if len(q) else [math.nan] * len(nb.SERVICES))
    return arms_bars(
        "Persons waiting by service (mean of the last 13 weeks)",
        "persons waiting",
        list(nb.SERVICES),
        labels(s),
        values,
    )


def flow_options(s: Session) -> list[tuple[ch.Option, str]]:
    """Waiting, repeat assessments, hand-offs and rejections, by arm."""
    ws = [nb.weekly(arm) for arm in s.arms]
    lb = labels(s)
    marks = switches(s)
    return [
        (
            ch.arms_chart(
                "Persons waiting for a service, all services",
                "persons waiting",
                lb,
                [w["queue"].sum(axis=1) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Persons in a queue for any service, by week.",
        ),
        (queue_option(s, ws), "Persons waiting by service, mean of the last 13 weeks."),
        (
            ch.arms_chart(
                f"Repeat assessments per week ({SMOOTH}-week mean)",
                "repeat assessments per week",
                lb,
                [trailing(w["reassessments"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Assessments of someone a service had assessed before (nothing was shared).",
        ),
        (
            ch.arms_chart(
                f"Hand-offs per week ({SMOOTH}-week mean)",
                "hand-offs per week",
                lb,
                [trailing(w["handoffs"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Hand-offs (a person passed to a new worker or service) per week.",
        ),
        (
            ch.arms_chart(
                f"Rejections per week ({SMOOTH}-week mean)",
                "rejections per week",
                lb,
                [trailing(w["rejections"]) for w in ws],
                ylim=(0, None),
                marks=marks,
            ),
            "Referrals turned away at a service's threshold, per week.",
        ),
    ]


@solara.component
def FlowView(session: Session, tick: solara.Reactive[int]):
    """Queues and waiting by service; repeat assessments, hand-offs and rejections."""
    t = tick.value
    with session.lock:
        items = flow_options(session)
    Caption(
        "How people move through services. A **queue** forms when a service is full; "
        "targets push services to take people on quickly, and episodes on a clock close "
        "cases that then come back. A **repeat assessment** happens when a service "
        "assesses someone again because nothing was shared; a **hand-off** passes a "
        "person to a new worker; a **rejection** turns a referral away at the threshold."
    )
    Grid(items, t)
    Download(session, "flow")


# --------------------------------------------------------------------------------------
# Kim loop
# --------------------------------------------------------------------------------------

KIM_POS = {"relationships": (0, -1), "thinking": (1, 0), "actions": (0, 1), "results": (-1, 0)}


def kim_loop_svg(label: str, colour: str, v: dict[str, float]) -> str:
    """One arm's Kim loop as an SVG: four qualities in a loop, value in each circle."""
    cx, cy, r = 160, 162, 88
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 300" width="320" '
        f'height="300" role="img" aria-label="{label}: Kim loop, '
        + ", ".join(f"{k} {v[k]:.2f}" for k in nb.KIM)
        + '">',
        '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f'<text x="160" y="16" text-anchor="middle" font-size="13" font-weight="600" '
        f'fill="{colour}">{label}</text>',
    ]
    names = list(KIM_POS)
    for k, name in enumerate(names):
        (x0, y0), (x1, y1) = KIM_POS[name], KIM_POS[names[(k + 1) % 4]]
        # an arc from this quality to the next, clockwise, outside the circles
        a0 = (cx + r * x0 + 0.3 * r * (x1 - x0), cy + r * y0 + 0.3 * r * (y1 - y0))
        a1 = (cx + r * x1 - 0.3 * r * (x1 - x0), cy + r * y1 - 0.3 * r * (y1 - y0))
        parts.append(
            f'<path d="M{a0[0]:.0f},{a0[1]:.0f} Q{cx + 1.1 * r * (x0 + x1) / 2:.0f},'
            f'{cy + 1.1 * r * (y0 + y1) / 2:.0f} {a1[0]:.0f},{a1[1]:.0f}" fill="none" '
            f'stroke="#555" stroke-width="2" marker-end="url(#arr)"/>'
        )
    for name, (x, y) in KIM_POS.items():
        val = v[name]
        rad = 22 + 14 * max(0.0, min(1.0, val)) if math.isfinite(val) else 22
        fill = palette.trust_colour(val)
        ink = "#000" if not math.isfinite(val) or val < 0.6 else "#fff"
        px, py = cx + r * x, cy + r * y
        parts.append(
            f'<circle cx="{px:.0f}" cy="{py:.0f}" r="{rad:.0f}" fill="{fill}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{px:.0f}" y="{py + 5:.0f}" text-anchor="middle" font-size="14" '
            f'fill="{ink}">{val:.2f}</text>'
        )
        ly = py - rad - 6 if y <= 0 else py + rad + 15
        parts.append(
            f'<text x="{px:.0f}" y="{ly:.0f}" text-anchor="middle" font-size="12">{name}</text>'
        )
    parts.append(
        f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" font-size="12" fill="#333">'
        f"partner trust {v['partner trust']:.2f}</text></svg>"
    )
    return "".join(parts)


def kim_history_option(s: Session) -> ch.Option:
    """The four qualities over time, both arms on one 0-1 scale (A solid, B dashed)."""
    series = []
    for k, arm in enumerate(s.arms):
        w = nb.weekly(arm)
        for j, name in enumerate(nb.KIM):
            line = ch.arm_line(f"{name} ({'AB'[k]})", k, ch.pairs(w[name], digits=3))
            line["color"] = palette.SERIES[j]
            series.append(line)
    weeks = nb.weeks_run(s.arms[0])
    opt = ch.line_chart(
        "The Kim loop's qualities over time (A solid, B dashed)",
        "mean over services (0-1)",
        series,
        weeks,
        ylim=(0, 1),
        marks=switches(s),
    )
    opt["legend"]["type"] = "scroll"
    return opt


@solara.component
def KimView(session: Session, tick: solara.Reactive[int]):
    """The Kim loop of each arm and its history."""
    t = tick.value
    with session.lock:
        loops = [
            kim_loop_svg(arm.label, palette.ARMS[k], nb.kim_values(arm))
            for k, arm in enumerate(session.arms)
        ]
        hist = kim_history_option(session)
    Caption(
        "Kim's loop: **relationships** (persons' trust in their workers) feed **thinking** "
        "(shared understanding of what matters to a person), which shapes **actions** "
        "(support matched to the whole person), which bring **results** (need reduced), "
        "which build relationships again. Each quality is the mean over the eight "
        "services, from 0 to 1; a darker, bigger circle is higher."
    )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "24px"}):
        for svg in loops:
            solara.HTML(tag="div", unsafe_innerHTML=svg)
    ch.Chart(hist, alt="The Kim-loop qualities of both arms by week.", height=320, tick=t)
    Download(session, "kim-loop")


# --------------------------------------------------------------------------------------
# SPC
# --------------------------------------------------------------------------------------


@solara.component
def SPCView(session: Session, tick: solara.Reactive[int]):
    """Individuals and moving-range (XmR) charts of one weekly series, both arms."""
    from carecomplex.ui import spc

    t = tick.value
    series = solara.use_reactive(next(iter(nb.SPC_SERIES)))
    marked = solara.use_reactive("")
    with session.lock:
        data = [(arm.label, nb.spc_values(arm, series.value)) for arm in session.arms]
        change = [w for w, _ in switches(session)]
    try:
        extra = int(marked.value) if marked.value.strip() else None
    except ValueError:
        extra = None
    if extra is not None and extra > 0:
        change = sorted({*change, extra})
    unit = nb.SPC_SERIES[series.value][2]
    kw = {"title": series.value, "unit": unit, "change": change}
    with solara.Row(style={"align-items": "flex-start", "gap": "16px", "flex-wrap": "wrap"}):
        with solara.Div(style={"width": "360px"}):
            solara.Select("Series", values=list(nb.SPC_SERIES), value=series)
        with solara.Div(style={"width": "260px"}):
            solara.InputText(
                "Mark a change at week (limits recomputed)",
                value=marked,
                continuous_update=False,
                error="a whole week number" if marked.value.strip() and extra is None else False,
            )
    Caption(
        "Statistical process control, as the seeds teach it: week-to-week variation is "
        "**common cause** (the system as it is) unless a rule fires: a point outside the "
        "natural process limits, a run of 8 on one side of the centre line, a trend of 6 "
        "rising or falling, or a jump in the moving range. Then it is **special cause**, "
        "worth asking why. Chasing common-cause noise (as a target does) makes things worse."
    )
    ch.Chart(
        spc.spc_option(data, **kw),
        alt=f"XmR chart of {series.value} in both arms: values above, moving ranges below.",
        height=520,
        tick=t,
    )
    Caption(spc.spc_caption(data, **kw))


# --------------------------------------------------------------------------------------
# Run 10 seeds
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedsState:
    """Where a "run 10 seeds" job is: running, seeds done, and its result when finished."""

    running: bool = False
    done: int = 0
    total: int = 0
    result: Any = None  # carecomplex.ui.seeds.SeedsResult
    label: str = ""  # the settings it ran, in words


SEED_ROWS = (
    "Cost per person-year, complex needs (£)",
    "  of which failure demand (£)",
    "Wellbeing, complex needs (0-1)",
    "Crises per person-year, complex",
    "Deaths per 100 person-years, complex",
    "Hand-offs per person-year, everyone",
    "Repeat assessments per person-year, everyone",
    "Persons waiting, mean over weeks",
)
"""The headline outcomes the seeds panel shows (all are in the CSV)."""


def seeds_table_html(result: Any) -> str:
    """B − A over seeds with its 95 % interval, and whether the interval leaves out zero."""
    th = "padding: 3px 8px; text-align: right; border-bottom: 1px solid #999; font-weight: 600"
    head = (
        f'<th scope="col" style="{th}; text-align: left">outcome</th>'
        f'<th scope="col" style="{th}">A mean</th><th scope="col" style="{th}">B mean</th>'
        f'<th scope="col" style="{th}">B − A</th><th scope="col" style="{th}">95 % interval</th>'
        f'<th scope="col" style="{th}; text-align: left">over seeds</th>'
    )
    body = []
    rows = {r.outcome: r for r in result.rows}
    for name in SEED_ROWS:
        r = rows.get(name)
        if r is None:
            continue
        d = decimals(r.a, r.b)
        td = "padding: 2px 8px; text-align: right"
        body.append(
            f'<tr><th scope="row" style="padding: 2px 6px; text-align: left; '
            f'font-weight: normal">{name.strip()}</th>'
            f'<td style="{td}">{fmt(r.a, d)}</td><td style="{td}">{fmt(r.b, d)}</td>'
            f'<td style="{td}">{fmt_diff(r.diff, d)}</td>'
            f'<td style="{td}">{fmt_diff(r.lo, d)} to {fmt_diff(r.hi, d)}</td>'
            f'<td style="padding: 2px 8px">{r.verdict}</td></tr>'
        )
    return f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"


@solara.component
def SeedsPanel(
    state: solara.Reactive[SeedsState], start: Callable[[], None], stop: Callable[[], None]
):
    """The "run 10 seeds" action: progress while it runs, B − A with intervals after."""
    s = state.value
    with solara.Card(margin=0, style="margin: 12px 0", classes=["cc-seeds"]):
        solara.Markdown(
            "**One seed is one story.** Another seed draws other people and other events. "
            "*Run 10 seeds* runs this pair of settings for ten seeds over the whole run, on "
            "a background worker, and gives B − A with a 95 % interval, so you can tell a "
            "difference the systems make from one the seed made."
        )
        with solara.Row(style={"align-items": "center"}):
            if s.running:
                solara.Button("Stop", on_click=stop, outlined=True)
                solara.Text(f"running seed {s.done + 1} of {s.total}…")
            else:
                solara.Button("Run 10 seeds", on_click=start, color="primary", outlined=True)
        if s.running:
            solara.ProgressLinear(value=100 * s.done / max(1, s.total))
        if s.result is not None and s.result.rows:
            res = s.result
            extra = " (stopped early)" if res.cancelled else ""
            solara.Markdown(
                f"{s.label}: {len(res.seeds)} seeds, {res.weeks} weeks each{extra}.",
                style="font-size: 13px",
            )
            solara.HTML(
                tag="table",
                unsafe_innerHTML=seeds_table_html(res),
                classes=["cc-seeds-table"],
                style="font-size: 13px; border-collapse: collapse; "
                "font-variant-numeric: tabular-nums",
            )
