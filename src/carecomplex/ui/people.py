"""The people views of the web UI: Network, Journey and Family (Think Family).

Pure option builders (plain, JSON-able ECharts options built from a session's arrays,
tested without a browser) and thin Solara components that draw them with
:func:`carecomplex.ui.charts.Chart`. The builders read only ``Session.arms``,
``Session.names``, ``Session.week``, ``Arm.model``, ``Arm.sample``, ``Arm.label``,
``Arm.names`` and the journey records ``Arm.j_*``.

* **Network**: a sample of the followed persons, the workers holding their open support
  episodes and the services employing those workers, on fixed rings (services inner,
  workers middle, persons outer); links coloured and widened by trust.
* **Journey**: one followed person week by week in both arms: the services supporting
  them, the public cost that week, crises so far and trust in their worker.
* **Family**: a household with two or more members, one at least with complex needs:
  its members, the workers and services involved with them this week, and what can be
  counted per person over the weeks run (crises, cost, hand-offs, assessment).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import solara

from carecomplex.ui import charts, palette
from carecomplex.ui.charts import Option
from carecomplex.ui.numbers import SERVICES

if TYPE_CHECKING:
    from carecomplex.ui.session import Arm, Session

NETWORK_PERSONS = 16
"""Followed persons drawn in the network view (the personas first)."""
SERVICE_COLOUR = palette.BLUISH_GREEN
WORKER_COLOUR = palette.SKY_BLUE
PERSON_COLOUR = palette.ORANGE
HOUSEHOLD_COLOUR = palette.REDDISH_PURPLE
DEAD_COLOUR = palette.GREY
TRUST_BINS = len(palette.TRUST_SCALE)
CATEGORIES = ("service", "worker", "person", "died")
FAMILY_CATEGORIES = ("household", "member", "died", "worker", "service")
_CATEGORY_STYLE: dict[str, Option] = {
    "service": {"itemStyle": {"color": SERVICE_COLOUR}, "symbol": "circle"},
    "worker": {"itemStyle": {"color": WORKER_COLOUR}, "symbol": "rect"},
    "person": {"itemStyle": {"color": PERSON_COLOUR}, "symbol": "circle"},
    "member": {"itemStyle": {"color": PERSON_COLOUR}, "symbol": "circle"},
    "household": {"itemStyle": {"color": HOUSEHOLD_COLOUR}, "symbol": "diamond"},
    "died": {"itemStyle": {"color": DEAD_COLOUR}, "symbol": "circle"},
}


# --------------------------------------------------------------------------- helpers


def service_name(s: int) -> str:
    """The full display name of service ``s`` (as in every other view)."""
    return SERVICES[int(s)]


trust_colour = palette.trust_colour


def trust_width(t: float) -> float:
    """Link width (px) for trust ``t``: 1 px at no trust, 5 px at full trust."""
    t = 0.0 if not math.isfinite(t) else min(1.0, max(0.0, float(t)))
    return round(1.0 + 4.0 * t, 2)


def trust_bands() -> list[str]:
    """Legend names of the trust scale's bins, low to high."""
    edges = [f"{k / TRUST_BINS:g}" for k in range(TRUST_BINS + 1)]
    bands = [f"{lo}–{hi}" for lo, hi in itertools.pairwise(edges)]
    return [f"trust {bands[0]}", *bands[1:]]


def _trust_legend_series() -> list[Option]:
    """Empty graph series, one per trust bin, so that the legend shows the scale."""
    return [
        {"type": "graph", "name": name, "data": [], "links": [], "color": c}
        for name, c in zip(trust_bands(), palette.TRUST_SCALE, strict=True)
    ]


def _n(count: int, word: str) -> str:
    """``"1 worker"``, ``"2 workers"``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _node(name: str, x: float, y: float, category: int, size: float, tip: str, **kw: Any) -> Option:
    """A node at ``(x, y)`` (y points down) on the chart's hidden value axes."""
    return {
        "name": name,
        "value": [round(float(x), 3), round(float(y), 3)],
        "category": category,
        "symbolSize": size,
        "tooltip": {"formatter": tip},
        **kw,
    }


def _polar(r: float, angle: float) -> tuple[float, float]:
    """A point at radius ``r``, ``angle`` radians clockwise from the top (y points down)."""
    return r * math.sin(angle), -r * math.cos(angle)


def _ring(n: int, r: float) -> list[tuple[float, float]]:
    """``n`` points evenly on a circle of radius ``r``, the first at the top."""
    return [_polar(r, 2 * math.pi * k / n) for k in range(n)]


def _outward(x: float, y: float) -> str:
    """Label position pointing away from the centre."""
    if abs(x) > abs(y):
        return "right" if x > 0 else "left"
    return "top" if y < 0 else "bottom"


def _open(arm: Arm, i: int) -> list[tuple[int, int, float]]:
    """Person ``i``'s open support episodes now: (service, worker post, trust)."""
    p = arm.model.state.person
    return [
        (int(s), int(w), float(t))
        for s, w, t in zip(p.slot_service[i], p.slot_worker[i], p.slot_trust[i], strict=True)
        if s >= 0 and w >= 0
    ]


def _worker_name(arm: Arm, w: int) -> str:
    return f"worker {w} ({service_name(arm.model.state.worker.service[w])})"


def _graph_option(
    title: str,
    subtitle: str,
    nodes: list[Option],
    links: list[Option],
    categories: Sequence[str],
    margins: tuple[int, int, int, int] = (92, 56, 40, 56),
    extent: tuple[float, float, float, float] | None = None,
) -> Option:
    """A graph chart with fixed positions, a node legend and the trust scale's legend.

    ``margins`` (top, right, bottom, left, px) leave room for the title, the legends
    and the labels of the outermost nodes; ``extent`` (x from, x to, y from, y to)
    fixes the drawn area (default: the nodes' extent).
    """
    top, right, bottom, left = margins
    # Positions are drawn on hidden value axes (a "view" layout would stretch the symbols
    # with the box); the rings may become ellipses on a wide chart, the nodes stay round.
    xs = [n["value"][0] for n in nodes] or [0.0]
    ys = [n["value"][1] for n in nodes] or [0.0]
    x0, x1, y0, y1 = extent or (min(xs), max(xs), min(ys), max(ys))

    def axis(lo: float, hi: float, **kw: Any) -> Option:
        lo, hi = (lo - 1, hi + 1) if hi == lo else (lo, hi)
        return {"type": "value", "show": False, "min": lo, "max": hi, "scale": True, **kw}

    return {
        "animation": False,
        "title": {
            "text": title,
            "subtext": subtitle,
            "left": 0,
            "textStyle": {"fontSize": 13},
            "subtextStyle": {"fontSize": 11, "width": 330, "overflow": "break"},
        },
        "tooltip": {"trigger": "item", "confine": True},
        "legend": [
            {
                "data": list(categories),
                "top": 44,
                "left": 0,
                "itemWidth": 12,
                "itemHeight": 10,
                "textStyle": {"fontSize": 11},
                "selectedMode": False,
            },
            {
                "data": trust_bands(),
                "bottom": 0,
                "left": "center",
                "itemWidth": 12,
                "itemHeight": 8,
                "itemGap": 6,
                "textStyle": {"fontSize": 11},
                "selectedMode": False,
            },
        ],
        "toolbox": charts.toolbox(title),
        "grid": {"top": top, "bottom": bottom, "left": left, "right": right},
        "xAxis": axis(min(x0, *xs), max(x1, *xs)),
        "yAxis": axis(min(y0, *ys), max(y1, *ys), inverse=True),
        "dataZoom": [
            {"type": "inside", "xAxisIndex": 0, "filterMode": "none"},
            {"type": "inside", "yAxisIndex": 0, "filterMode": "none"},
        ],
        "series": [
            {
                "type": "graph",
                "name": title,
                "layout": "none",
                "coordinateSystem": "cartesian2d",
                "categories": [{"name": c, **_CATEGORY_STYLE[c]} for c in categories],
                "label": {"fontSize": 11},
                "emphasis": {"focus": "adjacency", "label": {"show": True}},
                "data": nodes,
                "links": links,
                "lineStyle": {"curveness": 0},
            },
            *_trust_legend_series(),
        ],
    }


def _link(
    source: int, target: int, trust: float | None, tip: str, *, kind: str, opacity: float = 0.9
) -> Option:
    """A link: coloured and widened by trust, or a thin dotted grey one when ``trust`` is None."""
    if trust is None:
        style = {"color": palette.GREY, "width": 1, "type": "dotted", "opacity": 0.8}
        value = None
    else:
        value = round(float(trust), 2) if math.isfinite(trust) else 0.0  # as shown
        style = {"color": trust_colour(value), "width": trust_width(value), "opacity": opacity}
    return {
        "source": source,
        "target": target,
        "value": value,
        "kind": kind,
        "lineStyle": style,
        "tooltip": {"formatter": tip},
    }


# --------------------------------------------------------------------------- network


def network_option(arm: Arm, persons: int = NETWORK_PERSONS) -> Option:
    """The relationship network of one arm now, as an ECharts graph with fixed positions.

    Nodes: the 8 services (inner ring, full names), the worker posts holding the first
    ``persons`` followed persons' open episodes (middle ring, grouped by service) and
    those persons (outer ring; grey if they died). Links: person to worker (trust in
    that worker), worker to its service (dotted), service to service (partner trust).
    """
    m = arm.model
    p, svc = m.state.person, m.state.service
    people = [int(i) for i in arm.sample[:persons]]
    names = arm.names[: len(people)]
    episodes = {i: _open(arm, i) for i in people}
    workers = sorted(
        {w for eps in episodes.values() for _, w, _ in eps},
        key=lambda w: (int(m.state.worker.service[w]), w),
    )
    n_s = len(SERVICES)
    nodes: list[Option] = []
    for s, (x, y) in enumerate(_ring(n_s, 1.0)):
        nodes.append(
            _node(
                service_name(s),
                x,
                y,
                0,
                20,
                f"{service_name(s)} service",
                label={"show": True, "position": _outward(x, y), "fontSize": 11},
            )
        )
    # Workers on the middle ring in line with their service, spread around its spoke.
    w_index: dict[int, int] = {}
    employer = {w: int(m.state.worker.service[w]) for w in workers}
    for w in workers:
        s = employer[w]
        team = [v for v in workers if employer[v] == s]
        j = team.index(w)
        x, y = _polar(2.0, 2 * math.pi * s / n_s + 0.16 * (j - (len(team) - 1) / 2))
        w_index[w] = len(nodes)
        nodes.append(_node(_worker_name(arm, w), x, y, 1, 9, _worker_name(arm, w)))
    p_index: dict[int, int] = {}
    for k, (i, (x, y)) in enumerate(zip(people, _ring(len(people), 3.0), strict=True)):
        p_index[i] = len(nodes)
        alive = bool(p.alive[i])
        tip = f"{names[k]}" + ("" if alive else " (died)")
        nodes.append(
            _node(
                names[k],
                x,
                y,
                2 if alive else 3,
                11,
                tip,
                label={"show": k < 3, "position": _outward(x, y)},
            )
        )
    links: list[Option] = []
    for a in range(n_s):
        for b in range(a + 1, n_s):
            t = 0.5 * float(svc.partner_trust[a, b] + svc.partner_trust[b, a])
            links.append(
                _link(
                    a,
                    b,
                    t,
                    f"{service_name(a)} ↔ {service_name(b)}: partner trust {t:.2f}",
                    kind="partner",
                    opacity=0.35,
                )
            )
    for w in workers:
        s = int(m.state.worker.service[w])
        tip = f"{_worker_name(arm, w)} works for {service_name(s)}"
        links.append(_link(w_index[w], s, None, tip, kind="employs"))
    for k, i in enumerate(people):
        for _, w, t in episodes[i]:
            tip = f"{names[k]} – {_worker_name(arm, w)}: trust {t:.2f}"
            links.append(_link(p_index[i], w_index[w], t, tip, kind="episode"))
    n_open = sum(len(e) for e in episodes.values())
    dead = sum(1 for i in people if not p.alive[i])
    return _graph_option(
        arm.label,
        f"{_n(len(people), 'person')}{f' ({dead} died)' if dead else ''}, "
        f"{_n(len(workers), 'worker')}, {_n(n_s, 'service')}; {_n(n_open, 'open episode')}",
        nodes,
        links,
        CATEGORIES,
        extent=(-3.0, 3.0, -3.0, 3.0),
    )


def network_rows(session: Session, persons: int = NETWORK_PERSONS) -> dict[str, list]:
    """The network's person-worker links in both arms, as CSV columns."""
    cols: dict[str, list] = {
        k: [] for k in ("arm", "person", "alive", "service", "worker", "trust")
    }
    for arm in session.arms:
        p = arm.model.state.person
        for k, i in enumerate(arm.sample[:persons]):
            eps = _open(arm, int(i)) or [(-1, -1, float("nan"))]
            for s, w, t in eps:
                cols["arm"].append(arm.label)
                cols["person"].append(arm.names[k])
                cols["alive"].append(int(p.alive[i]))
                cols["service"].append(service_name(s) if s >= 0 else "")
                cols["worker"].append(w if w >= 0 else "")
                cols["trust"].append(t)
    return cols


# --------------------------------------------------------------------------- journey


def _weeks_recorded(session: Session) -> int:
    m = session.arms[0].model
    return max(0, min(session.week, m.n_weeks))


def died_week(arm: Arm, k: int, weeks: int) -> int | None:
    """The first recorded week in which followed person ``k`` is no longer alive."""
    dead = np.flatnonzero(~arm.j_alive[:weeks, k])
    return int(dead[0]) if len(dead) else None


def _died_mark(arm_k: int, week: int, label: str) -> Option:
    return {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"color": palette.ARMS[arm_k], "type": "dotted", "width": 1.5},
        "label": {"formatter": label, "position": "insideEndTop", "fontSize": 11},
        "data": [{"xAxis": week}],
    }


def _until_death(values: np.ndarray, died: int | None, digits: int = 4) -> list:
    """``[[week, value], ...]`` with no value from the week of death on."""
    out = charts.pairs(values, digits=digits)
    if died is not None:
        for row in out[died:]:
            row[1] = None
    return out


JOURNEY_SERVICES_HEIGHT = 470
"""Height (px) of the journey's services chart, which its two panels share."""


def journey_services_option(session: Session, k: int) -> Option:
    """The services supporting followed person ``k`` week by week, one panel per arm.

    Two grids share the week axis (one slider zooms both); each has a category y axis
    of the full service names; a mark is a week in which an episode with that service
    was open. A dotted line marks the week the person died.
    """
    weeks = _weeks_recorded(session)
    name = session.names[k]
    grids, xs, ys, series = [], [], [], []
    top, gap = 48, 58
    panel = (JOURNEY_SERVICES_HEIGHT - top - gap - 76) // 2
    for a, arm in enumerate(session.arms):
        sv = arm.j_services[:weeks, k]
        pts = [
            [w, int(s), service_name(s)]
            for w in range(weeks)
            for s in sorted(set(sv[w].tolist()))
            if s >= 0
        ]
        grids.append({"left": 96, "right": 16, "top": top + a * (panel + gap), "height": panel})
        x = {**charts.axis_weeks(weeks), "gridIndex": a, "nameGap": 22}
        if a == 0:
            x["name"] = ""  # one "week" under the lower panel
        xs.append(x)
        ys.append(
            {
                "type": "category",
                "gridIndex": a,
                "data": list(SERVICES),
                "inverse": True,  # first service at the top, as listed
                "name": arm.label,
                "nameLocation": "start",
                "nameGap": 8,
                "nameTextStyle": {
                    "fontSize": 12,
                    "fontWeight": "bold",
                    "color": palette.ARMS[a],
                    "align": "left",
                },
                "axisLabel": {"fontSize": 11, "interval": 0},
                "splitLine": {"show": True, "lineStyle": {"opacity": 0.3}},
            }
        )
        s: Option = {
            "name": arm.label,
            "type": "scatter",
            "xAxisIndex": a,
            "yAxisIndex": a,
            "symbol": "rect",
            "symbolSize": [5, 10],
            "color": palette.ARMS[a],
            "data": pts,
            "tooltip": {"formatter": "{a}<br/>week {@[0]}: {@[2]}"},
        }
        died = died_week(arm, k, weeks)
        if died is not None:
            s["markLine"] = _died_mark(a, died, "died")
        series.append(s)
    title = f"Services supporting {name}"
    return {
        "animation": False,
        "title": {"text": title, "left": 0, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "item"},
        "toolbox": charts.toolbox(title),
        "grid": grids,
        "xAxis": xs,
        "yAxis": ys,
        "dataZoom": [
            {"type": "inside", "xAxisIndex": [0, 1]},
            {"type": "slider", "xAxisIndex": [0, 1], "height": 14, "bottom": 4},
        ],
        "series": series,
    }


JOURNEY_LINES = {
    "cost": ("Public cost that week", "£ that week"),
    "crises": ("Crises so far", "crises (count)"),
    "trust": ("Trust in their worker", "trust (0–1)"),
}


def journey_line_option(session: Session, k: int, what: str) -> Option:
    """One of followed person ``k``'s weekly series in both arms (A solid, B dashed).

    ``what`` is ``"cost"`` (public cost that week, £), ``"crises"`` (crises so far) or
    ``"trust"`` (trust in their worker, or in services when no episode is open; 0–1).
    Values stop in the week the person died; a dotted line in the arm's colour marks it.
    """
    title, ylabel = JOURNEY_LINES[what]
    weeks = _weeks_recorded(session)
    series = []
    for a, arm in enumerate(session.arms):
        y = {"cost": arm.j_cost, "crises": arm.j_crises, "trust": arm.j_trust}[what][:weeks, k]
        died = died_week(arm, k, weeks)
        s = charts.arm_line(arm.label, a, _until_death(y, died, digits=3 if what == "trust" else 5))
        if what == "crises":
            s["step"] = "end"
        if died is not None:
            s["markLine"] = _died_mark(a, died, f"{arm.label[:1]}: died")
        series.append(s)
    ylim = (0.0, 1.0) if what == "trust" else (0.0, None)
    return charts.line_chart(f"{title}: {session.names[k]}", ylabel, series, weeks, ylim=ylim)


def journey_columns(session: Session, k: int) -> dict[str, list]:
    """Followed person ``k``'s weekly record in both arms, as CSV columns."""
    weeks = _weeks_recorded(session)
    cols: dict[str, list] = {"week": list(range(weeks))}
    for arm in session.arms:
        a = arm.label[:1]
        sv = arm.j_services[:weeks, k]
        cols[f"{a}_services"] = [
            "; ".join(service_name(s) for s in sorted(set(row.tolist())) if s >= 0) for row in sv
        ]
        cols[f"{a}_cost_pounds"] = [float(x) for x in arm.j_cost[:weeks, k]]
        cols[f"{a}_crises_so_far"] = [int(x) for x in arm.j_crises[:weeks, k]]
        cols[f"{a}_trust"] = [float(x) for x in arm.j_trust[:weeks, k]]
        cols[f"{a}_alive"] = [int(x) for x in arm.j_alive[:weeks, k]]
    return cols


# --------------------------------------------------------------------------- family


@dataclass(frozen=True)
class Household:
    """A household offered in the family view."""

    family: int
    """Row of the family arrays."""
    label: str
    members: tuple[int, ...]
    """Person rows of its members (contiguous)."""


def _person_name(arm: Arm, i: int) -> str:
    hit = np.flatnonzero(arm.sample == i)
    return arm.names[int(hit[0])] if len(hit) else f"Person {i}"


def households(arm: Arm) -> list[Household]:
    """Households of two or more members, at least one with complex needs.

    The families of the followed persons come first (personas, then the sample, in the
    session's order), then the others by row.
    """
    st = arm.model.state
    p, fam = st.person, st.family
    cx = np.zeros(len(fam.size), dtype=bool)
    np.logical_or.at(cx, p.family, p.complex.astype(bool))
    ok = cx & (fam.size >= 2)
    order: list[int] = []
    for i in arm.sample:
        f = int(p.family[i])
        if ok[f] and f not in order:
            order.append(f)
    seen = set(order)
    order += [int(f) for f in np.flatnonzero(ok) if int(f) not in seen]
    out = []
    for f in order:
        members = tuple(range(int(fam.start[f]), int(fam.start[f] + fam.size[f])))
        who = next(i for i in members if p.complex[i])
        out.append(
            Household(f, f"{_person_name(arm, who)}'s household ({len(members)} people)", members)
        )
    return out


def family_members(arm: Arm, f: int) -> list[int]:
    """Person rows of family ``f`` (members are contiguous rows)."""
    fam = arm.model.state.family
    return list(range(int(fam.start[f]), int(fam.start[f] + fam.size[f])))


def family_now(arm: Arm, f: int) -> list[dict[str, Any]]:
    """Each member of family ``f`` now: who, open episodes, waiting, and counts so far."""
    p = arm.model.state.person
    rows = []
    for i in family_members(arm, f):
        eps = _open(arm, i)
        rows.append(
            {
                "person": i,
                "name": _person_name(arm, i),
                "complex": bool(p.complex[i]),
                "alive": bool(p.alive[i]),
                "episodes": eps,
                "waiting": int(p.wait_service[i]),
                "wait_weeks": int(p.wait_weeks[i]),
                "assessed": bool(p.assessed[i] & 1),  # bit 0; a higher bit flags a re-referral
                "crises": int(p.crises[i]),
                "cost": float(p.cost[i].sum()) / 100.0,
                "handoffs": int(p.handoffs[i]),
            }
        )
    return rows


def family_counts(arm: Arm, f: int, weeks: int) -> dict[str, float]:
    """What the family view counts for family ``f`` in one arm.

    *Now*: members alive, members with an open episode or waiting, distinct services
    and workers involved (open episodes). *Over the weeks run*: services that supported
    the family's followed members (the journey record; other members are not followed
    week by week), and per-member counts summed: crises, public cost (£), hand-offs,
    members ever assessed. Event tables count by group, not by person, so nothing
    else can be attributed to a household.
    """
    rows = family_now(arm, f)
    eps = [e for r in rows for e in r["episodes"]]
    ks = [
        int(np.flatnonzero(arm.sample == r["person"])[0]) for r in rows if r["person"] in arm.sample
    ]
    seen = {int(s) for k in ks for s in arm.j_services[:weeks, k].ravel() if s >= 0}
    return {
        "members": len(rows),
        "members alive": sum(r["alive"] for r in rows),
        "members supported now": sum(bool(r["episodes"]) for r in rows),
        "members waiting now": sum(r["waiting"] >= 0 for r in rows),
        "services involved now": len({s for s, _, _ in eps}),
        "workers involved now": len({w for _, w, _ in eps}),
        "services seen by followed members so far": len(seen) if ks else float("nan"),
        "members ever assessed": sum(r["assessed"] for r in rows),
        "crises so far": sum(r["crises"] for r in rows),
        "public cost so far (£)": sum(r["cost"] for r in rows),
        "hand-offs so far": sum(r["handoffs"] for r in rows),
        "family support now (0–1)": float(arm.model.state.family.support[f]),
    }


def family_option(arm: Arm, f: int) -> Option:
    """Family ``f`` this week in one arm: household → members → workers → services.

    Columns left to right; member-worker links coloured and widened by trust, worker to
    service dotted, and a dashed grey link from a member to a service they wait for.
    """
    rows = family_now(arm, f)
    wk_service = arm.model.state.worker.service
    # Each worker level with the members it holds, each service with its workers and the
    # members waiting for it (mean row), so that few links cross.
    at: dict[tuple[str, int], list[float]] = {}
    for j, r in enumerate(rows):
        for _, w, _ in r["episodes"]:
            at.setdefault(("w", w), []).append(j)
    for (_, w), js in list(at.items()):
        at.setdefault(("s", int(wk_service[w])), []).extend(js)
    for j, r in enumerate(rows):
        if r["waiting"] >= 0:
            at.setdefault(("s", r["waiting"]), []).append(j)

    def level(kind: str, x: int) -> tuple[float, int]:
        return float(np.mean(at[kind, x])), x

    workers = sorted({w for r in rows for _, w, _ in r["episodes"]}, key=lambda w: level("w", w))
    services = sorted({s for kind, s in at if kind == "s"}, key=lambda s: level("s", s))
    cat = {c: k for k, c in enumerate(FAMILY_CATEGORIES)}

    def column(n: int) -> list[float]:
        return [(k - (n - 1) / 2) * 1.0 for k in range(n)]

    support = float(arm.model.state.family.support[f])
    nodes = [
        _node(
            "household",
            0,
            0,
            cat["household"],
            22,
            f"household of {len(rows)}; family support {support:.2f} (0–1)",
            label={"show": True, "position": "bottom"},
        )
    ]
    m_index = []
    for r, y in zip(rows, column(len(rows)), strict=True):
        m_index.append(len(nodes))
        tags = ["complex needs"] if r["complex"] else []
        if not r["alive"]:
            tags.append("died")
        label = r["name"] + (f" ({', '.join(tags)})" if tags else "")
        tip = (
            f"{label}: {r['crises']} crises, £{r['cost']:,.0f} public cost, "
            f"{r['handoffs']} hand-offs so far"
        )
        nodes.append(
            _node(
                label,
                1,
                y,
                cat["member" if r["alive"] else "died"],
                16 if r["complex"] else 12,
                tip,
                label={"show": True, "position": "top"},
            )
        )
    w_index = {}
    for w, y in zip(workers, column(len(workers)), strict=True):
        w_index[w] = len(nodes)
        name = _worker_name(arm, w)
        nodes.append(
            _node(name, 2, y, cat["worker"], 10, name, label={"show": True, "position": "top"})
        )
    s_index = {}
    for s, y in zip(services, column(len(services)), strict=True):
        s_index[s] = len(nodes)
        nodes.append(
            _node(
                service_name(s),
                3,
                y,
                cat["service"],
                20,
                f"{service_name(s)} service",
                label={"show": True, "position": "right"},
            )
        )
    links = [
        _link(0, m, None, f"member of the household: {r['name']}", kind="household")
        for r, m in zip(rows, m_index, strict=True)
    ]
    for r, m in zip(rows, m_index, strict=True):
        for _, w, t in r["episodes"]:
            tip = f"{r['name']} – {_worker_name(arm, w)}: trust {t:.2f}"
            links.append(_link(m, w_index[w], t, tip, kind="episode"))
        if r["waiting"] >= 0:
            link = _link(
                m,
                s_index[r["waiting"]],
                None,
                f"{r['name']} waiting for {service_name(r['waiting'])} ({r['wait_weeks']} weeks)",
                kind="waiting",
            )
            link["lineStyle"]["type"] = "dashed"
            links.append(link)
    for w in workers:
        s = int(wk_service[w])
        links.append(
            _link(
                w_index[w], s_index[s], None, f"{_worker_name(arm, w)} works for it", kind="employs"
            )
        )
    n_eps = sum(len(r["episodes"]) for r in rows)
    return _graph_option(
        arm.label,
        f"now: {_n(len(workers), 'worker')}, "
        f"{_n(len({int(wk_service[w]) for w in workers}), 'service')}, "
        f"{_n(n_eps, 'episode')} with {sum(bool(r['episodes']) for r in rows)} of {len(rows)} "
        "members",
        nodes,
        links,
        FAMILY_CATEGORIES,
        margins=(100, 84, 44, 40),
        extent=(0.0, 3.0, -1.0, 1.0),
    )


def family_columns(session: Session, f: int) -> dict[str, list]:
    """Each member of family ``f`` now in both arms, as CSV columns."""
    cols: dict[str, list] = {
        k: []
        for k in (
            "arm",
            "person",
            "complex_needs",
            "alive",
            "services_now",
            "workers_now",
            "waiting_for",
            "assessed",
            "crises_so_far",
            "public_cost_so_far_pounds",
            "handoffs_so_far",
        )
    }
    for arm in session.arms:
        for r in family_now(arm, f):
            cols["arm"].append(arm.label)
            cols["person"].append(r["name"])
            cols["complex_needs"].append(int(r["complex"]))
            cols["alive"].append(int(r["alive"]))
            cols["services_now"].append("; ".join(service_name(s) for s, _, _ in r["episodes"]))
            cols["workers_now"].append("; ".join(str(w) for _, w, _ in r["episodes"]))
            cols["waiting_for"].append(service_name(r["waiting"]) if r["waiting"] >= 0 else "")
            cols["assessed"].append(int(r["assessed"]))
            cols["crises_so_far"].append(r["crises"])
            cols["public_cost_so_far_pounds"].append(r["cost"])
            cols["handoffs_so_far"].append(r["handoffs"])
    return cols


# --------------------------------------------------------------------------- components


def _side_by_side():
    return solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start", "gap": "8px"})


_HALF = {"flex": "1 1 420px", "min-width": "300px"}


@solara.component
def NetworkView(session: Session, tick: solara.Reactive[int]):
    """Persons, their workers and the services in both arms, with trust on the links."""
    with session.lock:
        options = [network_option(arm) for arm in session.arms]
        week = session.week
        data = network_rows(session)
    charts.Caption(
        f"Week {week}. The first {NETWORK_PERSONS} followed persons (outer ring; grey if "
        "they died; the personas Brian, Asha and Derek are named), the workers holding "
        "their open support episodes (squares, middle ring) and the services (inner ring). "
        "A person's link to a worker is darker and thicker the more they trust that worker "
        "(0–1, scale below each chart); links between services show partner trust; dotted "
        "links join a worker to its service. Hover for names and trust; scroll to zoom."
    )
    with _side_by_side():
        for a, (arm, opt) in enumerate(zip(session.arms, options, strict=True)):
            with solara.Column(style=_HALF):
                charts.Chart(
                    opt,
                    alt=f"Relationship network in {arm.label} at week {week}: "
                    f"{opt['title']['subtext']}.",
                    height=520,
                    tick=tick.value,
                ).key(f"network-{a}")
    charts.CsvDownload(lambda: data, "network.csv")


@solara.component
def JourneyView(session: Session, tick: solara.Reactive[int]):
    """One followed person's weeks in both arms: services, cost, crises, trust."""
    who = solara.use_reactive(session.names[0])
    if who.value not in session.names:
        who.set(session.names[0])
    k = session.names.index(who.value) if who.value in session.names else 0
    with session.lock:
        services = journey_services_option(session, k)
        lines = {w: journey_line_option(session, k, w) for w in JOURNEY_LINES}
        data = journey_columns(session, k)
    solara.Select("Person", values=list(session.names), value=who)
    charts.Caption(
        "The same person in both systems, week by week (arm A solid, arm B dashed). "
        "Brian, Asha and Derek are the personas; the others are a sample of people with "
        "multiple disadvantage. Top: the services with an open support episode each week. "
        "Then the public cost of that week (£), crises so far (count), and trust in their "
        "worker (0–1; trust in services in general when no episode is open). A dotted line "
        "marks the week the person died in that arm."
    )
    name = session.names[k]
    charts.Chart(
        services,
        alt=f"Services supporting {name} week by week in both arms.",
        height=JOURNEY_SERVICES_HEIGHT,
        tick=tick.value,
    ).key("journey-services")
    with _side_by_side():
        for what, opt in lines.items():
            with solara.Column(style={"flex": "1 1 320px", "min-width": "280px"}):
                charts.Chart(
                    opt,
                    alt=f"{JOURNEY_LINES[what][0]} for {name}, both arms, by week.",
                    height=260,
                    tick=tick.value,
                ).key(f"journey-{what}")
    charts.CsvDownload(lambda: data, f"journey-{name.replace(' ', '-').lower()}.csv")


FAMILY_CAPTION = (
    "**Think Family**: a household of two or more with a member with complex needs, as "
    "each system meets it. The graph shows this week: the household, its members "
    "(larger: complex needs; grey: died), the workers holding their open support "
    "episodes (link darker and thicker with the member's trust in that worker, 0–1) and "
    "those workers' services; a dashed link is a member waiting for a service. The table "
    "counts what the model records per person, now and so far over the weeks run (the "
    "services seen so far are those of the members followed week by week)."
)
FAMILY_FINDING = (
    "The seeds' point is that in a siloed system many services each see one member and "
    "nobody sees the family. This model has no whole-family service: every episode is "
    "with one person, and members share only the household's family support. What it "
    "shows (2,000 persons, five years, siloed against alliance, seeds 1 and 7): services "
    "gather around the member with complex needs, who has about three quarters of the "
    "household's crises; two or more members are supported in the same week in only "
    "5–11% of household-weeks in either system. Over five years a household meets 4.6–4.8 "
    "services and about 8 different workers in the siloed system, 3.0–3.4 services and "
    "about 4 workers in the alliance; it has two or more services at once in 23–30% of "
    "its weeks in the siloed system, 8–14% in the alliance."
)
"""What the model shows; ``test_family_finding_holds`` re-measures it (seed 1)."""


@solara.component
def FamilyView(session: Session, tick: solara.Reactive[int]):
    """A household's members and the workers and services involved with them, per arm."""
    pick = solara.use_reactive("")
    with session.lock:
        homes = households(session.arms[0])
    if not homes:
        solara.Info("No household of two or more with a member with complex needs.")
        return
    labels = [h.label for h in homes]
    if pick.value not in labels:
        pick.set(labels[0])
    home = homes[labels.index(pick.value)] if pick.value in labels else homes[0]
    with session.lock:
        weeks = _weeks_recorded(session)
        options = [family_option(arm, home.family) for arm in session.arms]
        counts = [family_counts(arm, home.family, weeks) for arm in session.arms]
        data = family_columns(session, home.family)
        week = session.week
    solara.Select("Household", values=labels, value=pick)
    charts.Caption(FAMILY_CAPTION + f" Week {week}.")
    charts.Caption(FAMILY_FINDING)
    with _side_by_side():
        for a, (arm, opt) in enumerate(zip(session.arms, options, strict=True)):
            with solara.Column(style=_HALF):
                charts.Chart(
                    opt,
                    alt=f"{home.label} in {arm.label} at week {week}: {opt['title']['subtext']}.",
                    height=360,
                    tick=tick.value,
                ).key(f"family-{a}")
    solara.HTML(
        tag="table",
        unsafe_innerHTML=_counts_table(session, counts),
        classes=["cc-family"],
        style="font-size: 13px; border-collapse: collapse; align-self: flex-start",
    )
    charts.CsvDownload(lambda: data, f"family-{home.family}.csv")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:.2f}"


def _counts_table(session: Session, counts: list[dict[str, float]]) -> str:
    th = "padding: 2px 10px; text-align: right; border-bottom: 1px solid #999"
    td = "padding: 1px 10px; text-align: right"
    head = f'<th style="{th}; text-align: left">this household</th>' + "".join(
        f'<th style="{th}; color: {palette.ARMS[a]}">{arm.label}</th>'
        for a, arm in enumerate(session.arms)
    )
    body = "".join(
        f'<tr><td style="padding: 1px 4px">{key}</td>'
        + "".join(f'<td style="{td}">{_fmt(c[key])}</td>' for c in counts)
        + "</tr>"
        for key in counts[0]
    )
    return f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
