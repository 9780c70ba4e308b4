"""One Solara component per view; each redraws when the session's tick changes.

The views read a :class:`~carecomplex.ui.session.Session` under its lock and draw
matplotlib figures as PNG (no JavaScript plotting library, so nothing is fetched
from the internet at run time).
"""

from __future__ import annotations

import math

import solara

from carecomplex.ui import figures as fg
from carecomplex.ui.session import Session


def _figure(make, deps: list):
    """A matplotlib figure built once per change of ``deps``."""
    return solara.use_memo(make, deps)


def _show(fig, deps: list) -> None:
    """Draw a figure as a PNG image, re-encoded only when ``deps`` change."""
    solara.FigureMatplotlib(fig, dependencies=deps, format="png", dpi=80)


def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


@solara.component
def CompareView(session: Session, tick: solara.Reactive[int]):
    """Side-by-side outcomes of the two arms, updated as the model steps."""
    deps = [tick.value, session.resets]
    with session.lock:
        rows = fg.compare_rows(session)
        fig = _figure(lambda: fg.compare_figure(session), deps)
    th = "padding: 2px 10px; text-align: right; border-bottom: 1px solid #999"
    td = "padding: 1px 10px; text-align: right"
    head = f'<th style="{th}; text-align: left">outcome so far</th>' + "".join(
        f'<th style="{th}; color: {c}">{h}</th>'
        for h, c in zip(("A", "B", "B − A"), (*fg.COLORS, "#000"), strict=True)
    )
    body = "".join(
        f'<tr><td style="padding: 1px 4px; padding-left: {16 if r["outcome"][0] == " " else 4}px">'
        f"{r['outcome'].strip()}</td>"
        + "".join(f'<td style="{td}">{_fmt(r[c])}</td>' for c in ("A", "B", "B - A"))
        + "</tr>"
        for r in rows
    )
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(style={"flex": "0 0 auto"}):
            solara.HTML(
                tag="table",
                unsafe_innerHTML=f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>",
                classes=["cc-compare"],
                style="font-size: 13px; border-collapse: collapse",
            )
            solara.Text(
                "Costs and rates are per person-year over the weeks run so far.",
                style="font-size: 12px; color: #666",
            )
        with solara.Column(style={"flex": "1 1 600px"}):
            _show(fig, deps)


@solara.component
def NetworkView(session: Session, tick: solara.Reactive[int]):
    """Relationship network of a sample of persons, workers and services."""
    deps = [tick.value, session.resets]
    with session.lock:
        figs = [
            _figure(lambda a=arm: fg.network_figure(a), [*deps, k])
            for k, arm in enumerate(session.arms)
        ]
    solara.Markdown(
        "Persons (yellow, grey if they died) on the outer ring are linked to their "
        "workers (squares), workers to their service (dotted), services to each other. "
        "Green, thick links carry high trust; red, thin ones low trust."
    )
    with solara.Row(style={"flex-wrap": "wrap"}):
        for k, f in enumerate(figs):
            _show(f, [*deps, k])


@solara.component
def KimView(session: Session, tick: solara.Reactive[int]):
    """The Kim loop qualities of each arm as a loop diagram and their history."""
    deps = [tick.value, session.resets]
    with session.lock:
        fig = _figure(lambda: fg.kim_figure(session), deps)
    solara.Markdown(
        "Relationships (trust of persons in workers) feed **thinking** (shared "
        "understanding), which shapes **actions** (support matched to need), which bring "
        "**results** (need reduced), which build relationships again."
    )
    _show(fig, deps)


@solara.component
def SPCView(session: Session, tick: solara.Reactive[int]):
    """Statistical process control chart of one service's weekly demand."""
    series = solara.use_reactive(next(iter(fg.SPC_SERIES)))
    deps = [tick.value, session.resets, series.value]
    with session.lock:
        fig = _figure(lambda: fg.spc_figure(session, series.value), deps)
    solara.Select("Service", values=list(fg.SPC_SERIES), value=series)
    solara.Markdown(
        "An XmR chart: the centre line and natural process limits come from the first 26 "
        "weeks. Points outside the limits (red) are signals; everything inside is noise "
        "that a target would chase."
    )
    _show(fig, deps)


@solara.component
def JourneyView(session: Session, tick: solara.Reactive[int]):
    """One person's or persona's weeks: services touched, crises, trust, cost."""
    who = solara.use_reactive(session.names[0])
    if who.value not in session.names:
        who.set(session.names[0])
    k = session.names.index(who.value) if who.value in session.names else 0
    deps = [tick.value, session.resets, k]
    with session.lock:
        fig = _figure(lambda: fg.journey_figure(session, k), deps)
    solara.Select("Person", values=list(session.names), value=who)
    solara.Markdown(
        "The same person in both systems, week by week. Brian, Asha and Derek are the "
        "personas; the others are a sample of people with multiple disadvantage."
    )
    _show(fig, deps)
