"""Numbers and matplotlib figures for the UI views (no Solara here).

Every function reads a :class:`~carecomplex.ui.session.Session` (or one of its arms)
and returns plain numbers or a :class:`matplotlib.figure.Figure`; figures are built
without pyplot, so they are safe to draw from the stepping thread and are freed with
their last reference.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from carecomplex.costs import Holder
from carecomplex.state import SERVICE_FIELDS, Domain, Event, Group
from carecomplex.ui.numbers import CRISES, HOLDER_LABELS, KIM, compare_rows, headline
from carecomplex.ui.session import Arm, Session

__all__ = ["compare_rows", "headline"]

COLORS = ("#d95f02", "#1b9e77")  # arm A, arm B
SPC_SERIES = {
    "A&E attendances (crisis)": ("event", Event.CRISIS_AE),
    "Emergency admissions (crisis)": ("event", Event.CRISIS_ADMISSION),
    "Police custody (crisis)": ("event", Event.CRISIS_CUSTODY),
    "Acute mental-health admissions (crisis)": ("event", Event.CRISIS_MH),
    **{
        f"{d.name.replace('_', ' ').title()} service: persons held or waiting": ("service", d)
        for d in Domain
    },
}


def _weeks(ax, fontsize: float | None = None) -> None:
    """Label an x axis of weeks, with ticks on whole weeks (call it after plotting).

    Before the first step an axis holds one week or none, and matplotlib's range
    around it (-0.05 to 0.05) has no whole week inside but 0; it becomes weeks 0 to 1.
    """
    ax.set_xlabel("week", fontsize=fontsize)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    lo, hi = ax.get_xlim()
    if hi - lo < 1:
        ax.set_xlim(0, 1)


def _running(arm: Arm) -> dict[str, np.ndarray]:
    m = arm.model
    w = max(0, min(m.week, m.n_weeks))
    alive = m.events[:w, Event.ALIVE, Group.COMPLEX].astype(np.float64)
    py = np.maximum(np.cumsum(alive) / 52.0, 1e-9)
    cost = m.ledger[:w, :, Group.COMPLEX].sum(axis=1) / 100.0
    crises = m.events[:w][:, list(CRISES), Group.COMPLEX].sum(axis=1)
    return {
        "cost": np.cumsum(cost) / py,
        "wellbeing": m.wellbeing[:w, Group.COMPLEX],
        "crises": crises,
        "deaths": np.cumsum(m.events[:w, Event.DEATH].sum(axis=1)),
        "handoffs": m.events[:w, Event.HANDOFF].sum(axis=1),
    }


def compare_figure(s: Session) -> Figure:
    """Running outcomes of both arms, week by week, and cost by budget holder."""
    fig = Figure(figsize=(10, 5.6), dpi=80)
    axes = fig.subplots(2, 3)
    titles = {
        "cost": "Cost per person-year so far, complex (£)",
        "wellbeing": "Wellbeing, complex needs (0-1)",
        "crises": "Crises per week, complex needs",
        "deaths": "Deaths so far, everyone",
        "handoffs": "Hand-offs per week",
    }
    for arm, color in zip(s.arms, COLORS, strict=True):
        r = _running(arm)
        for ax, (key, title) in zip(axes.flat, titles.items(), strict=False):
            ax.plot(r[key], color=color, lw=1.5, label=arm.label)
            ax.set_title(title, fontsize=10)
            _weeks(ax, fontsize=8)
    axes.flat[0].legend(fontsize=8, loc="lower right")
    ax = axes.flat[5]
    x = np.arange(len(Holder))
    for k, (arm, color) in enumerate(zip(s.arms, COLORS, strict=True)):
        h = headline(arm)
        vals = [h[f"  {label} (£)"] for label in HOLDER_LABELS]
        ax.bar(x + (k - 0.5) * 0.4, np.nan_to_num(vals), 0.4, color=color, label=arm.label)
    ax.set_xticks(x, [lb.split()[0] for lb in HOLDER_LABELS], rotation=30, fontsize=8)
    ax.set_title("Cost per person-year\nby budget holder (£)", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.94, bottom=0.1, hspace=0.45, wspace=0.3)
    return fig


def network_figure(arm: Arm, persons: int = 16) -> Figure:
    """Persons, their workers and the services, with trust on the links."""
    m = arm.model
    p, wk, svc = m.state.person, m.state.worker, m.state.service
    people = arm.sample[:persons]
    g = nx.Graph()
    services = [f"S{d}" for d in range(len(Domain))]
    g.add_nodes_from(services, kind="service")
    workers: dict[int, str] = {}
    for i in people:
        g.add_node(f"P{i}", kind="person")
        for sv, w, tr in zip(p.slot_service[i], p.slot_worker[i], p.slot_trust[i], strict=True):
            if sv < 0 or w < 0:
                continue
            wn = workers.setdefault(int(w), f"W{int(w)}")
            g.add_node(wn, kind="worker", service=int(wk.service[w]))
            g.add_edge(f"P{i}", wn, trust=float(tr), kind="episode")
            g.add_edge(wn, f"S{int(wk.service[w])}", trust=1.0, kind="employs")
    for a in range(len(Domain)):
        for b in range(a + 1, len(Domain)):
            t = 0.5 * (svc.partner_trust[a, b] + svc.partner_trust[b, a])
            g.add_edge(f"S{a}", f"S{b}", trust=float(t), kind="partner")
    wnodes = sorted(workers.values(), key=lambda n: (g.nodes[n]["service"], n))
    pnodes = [f"P{i}" for i in people]
    shells = [services, wnodes, pnodes] if wnodes else [services, pnodes]
    pos = nx.shell_layout(g, shells)
    fig = Figure(figsize=(6.4, 6.4), dpi=80)
    ax = fig.subplots()
    cmap = "RdYlGn"
    for kind, style in (("partner", "-"), ("employs", ":"), ("episode", "-")):
        edges = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == kind]
        trust = [g.edges[e]["trust"] for e in edges]
        if kind == "employs":
            nx.draw_networkx_edges(g, pos, edges, ax=ax, style=style, edge_color="#999", width=0.8)
        elif edges:
            nx.draw_networkx_edges(
                g,
                pos,
                edges,
                ax=ax,
                edge_color=trust,
                edge_cmap=_cmap(cmap),
                edge_vmin=0,
                edge_vmax=1,
                width=[0.5 + 4 * t for t in trust],
                alpha=0.35 if kind == "partner" else 0.9,
            )
    nx.draw_networkx_nodes(g, pos, services, ax=ax, node_color="#4a6fa5", node_size=700)
    nx.draw_networkx_nodes(
        g, pos, wnodes, ax=ax, node_color="#9bb7d4", node_shape="s", node_size=90
    )
    alive = [bool(p.alive[i]) for i in people]
    nx.draw_networkx_nodes(
        g,
        pos,
        pnodes,
        ax=ax,
        node_color=["#f0c05a" if a else "#555" for a in alive],
        node_size=120,
    )
    names = {f"S{d.value}": d.name[:4].title() for d in Domain}
    nx.draw_networkx_labels(g, pos, names, ax=ax, font_size=8, font_color="white")
    for k, i in enumerate(people[:3]):
        x, y = pos[f"P{i}"]
        ax.annotate(arm_name(arm, k), (x, y), fontsize=8, xytext=(4, 4), textcoords="offset points")
    n_open = sum(1 for _, _, d in g.edges(data=True) if d["kind"] == "episode")
    ax.set_title(
        f"{arm.label}: {len(people)} persons (outer ring), their {len(wnodes)} workers, "
        f"8 services\n{n_open} support episodes; link colour and width = trust",
        fontsize=9,
    )
    ax.set_axis_off()
    sm = _scalar_mappable(cmap)
    fig.colorbar(sm, ax=ax, shrink=0.5, label="trust")
    fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.02)
    return fig


def arm_name(arm: Arm, k: int) -> str:
    """Display name of the k-th followed person (personas first)."""
    return arm.names[k]


def _cmap(name: str):
    import matplotlib as mpl

    return mpl.colormaps[name]


def _scalar_mappable(name: str):
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    return ScalarMappable(norm=Normalize(0, 1), cmap=_cmap(name))


def kim_values(arm: Arm) -> dict[str, float]:
    """Current Kim-loop qualities, mean over services, and partner trust."""
    svc = arm.model.state.service
    out = {k: float(np.mean(getattr(svc, k))) for k in KIM}
    pt = svc.partner_trust
    n = pt.shape[0]
    out["partner trust"] = float((pt.sum() - np.trace(pt)) / (n * (n - 1)))
    return out


def kim_figure(s: Session) -> Figure:
    """The Kim loop of each arm as a diagram, and its history."""
    fig = Figure(figsize=(10, 6.4), dpi=80)
    axes = fig.subplots(2, 2, height_ratios=[1.3, 1])
    cmap = _cmap("RdYlGn")
    spots = {"relationships": (0, 1), "thinking": (1, 0), "actions": (0, -1), "results": (-1, 0)}
    for col, (arm, color) in enumerate(zip(s.arms, COLORS, strict=True)):
        ax = axes[0, col]
        v = kim_values(arm)
        names = list(spots)
        for k, name in enumerate(names):
            a, b = np.array(spots[name]), np.array(spots[names[(k + 1) % 4]])
            ax.add_patch(
                FancyArrowPatch(
                    a * 1.0 + (b - a) * 0.28,
                    a + (b - a) * 0.72,
                    connectionstyle="arc3,rad=-0.3",
                    arrowstyle="-|>",
                    mutation_scale=18,
                    color="#555",
                    lw=1.5,
                )
            )
        for name, (x, y) in spots.items():
            ax.add_patch(Circle((x, y), 0.2 + 0.15 * v[name], color=cmap(v[name]), ec="#333"))
            ax.text(x, y + 0.02, f"{v[name]:.2f}", ha="center", va="center", fontsize=11)
            ax.text(x, y - 0.42 if y <= 0 else y + 0.42, name, ha="center", fontsize=10)
        ax.text(0, 0, f"partner trust\n{v['partner trust']:.2f}", ha="center", va="center")
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.6, 1.6)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(f"{arm.label}: the Kim loop (mean over services)", color=color, fontsize=10)
        hx = axes[1, col]
        m = arm.model
        w = max(0, min(m.week, m.n_weeks))
        for name, style in zip(KIM, ("-", "--", "-.", ":"), strict=True):
            hx.plot(m.services[:w, :, SERVICE_FIELDS.index(name)].mean(axis=1), style, label=name)
        hx.set_ylim(0, 1)
        _weeks(hx, fontsize=8)
        hx.legend(fontsize=7, ncol=4, loc="lower center")
    fig.subplots_adjust(left=0.05, right=0.98, top=0.95, bottom=0.08, hspace=0.15, wspace=0.15)
    return fig


def spc_values(arm: Arm, series: str) -> np.ndarray:
    """Weekly values of one service's demand in an arm."""
    m = arm.model
    w = max(0, min(m.week, m.n_weeks))
    kind, which = SPC_SERIES[series]
    if kind == "event":
        return m.events[:w, which].sum(axis=1).astype(np.float64)
    sv = m.services[:w, which]
    return sv[:, SERVICE_FIELDS.index("load")] + sv[:, SERVICE_FIELDS.index("queue")]


def xmr_limits(x: np.ndarray, baseline: int = 26) -> tuple[float, float, float]:
    """Centre line and natural process limits of an XmR chart from the first weeks."""
    b = x[: max(2, min(baseline, len(x)))]
    if len(b) < 2:
        return float("nan"), float("nan"), float("nan")
    centre = float(b.mean())
    mr = float(np.abs(np.diff(b)).mean())
    return centre, max(0.0, centre - 2.66 * mr), centre + 2.66 * mr


def spc_figure(s: Session, series: str) -> Figure:
    """XmR (individuals) control chart of one service's weekly demand, in both arms."""
    fig = Figure(figsize=(10, 5.6), dpi=80)
    axes = fig.subplots(2, 1, sharex=True)
    for ax, arm, color in zip(axes, s.arms, COLORS, strict=True):
        x = spc_values(arm, series)
        c, lo, hi = xmr_limits(x)
        ax.plot(x, "-o", color=color, ms=3, lw=1)
        if np.isfinite(c):
            for y, st in ((c, "-"), (lo, "--"), (hi, "--")):
                ax.axhline(y, color="#444", ls=st, lw=1)
            out = (x > hi) | (x < lo)
            ax.plot(np.flatnonzero(out), x[out], "o", color="red", ms=6, label="outside limits")
            ax.legend(fontsize=8, loc="upper right")
        ax.set_title(
            f"{arm.label}: centre {c:.1f}, limits {lo:.1f} to {hi:.1f} (from the first 26 weeks)",
            fontsize=10,
        )
    _weeks(axes[-1])
    fig.suptitle(series, fontsize=11)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.09, hspace=0.3)
    return fig


def journey_figure(s: Session, k: int) -> Figure:
    """One followed person's weeks in both arms: services, cost, crises, trust."""
    fig = Figure(figsize=(10, 7), dpi=80)
    axes = fig.subplots(5, 1, sharex=True, height_ratios=[1.2, 1.2, 1, 1, 1])
    w = max(0, min(s.week, s.arms[0].model.n_weeks))
    weeks = np.arange(w)
    for row, (arm, color) in enumerate(zip(s.arms, COLORS, strict=True)):
        ax = axes[row]
        sv = arm.j_services[:w, k]
        for slot in range(sv.shape[1]):
            on = sv[:, slot] >= 0
            ax.scatter(weeks[on], sv[on, slot], marker="s", s=8, color=color)
        ax.set_yticks(range(len(Domain)), [d.name[:4].title() for d in Domain], fontsize=7)
        ax.set_ylim(-0.5, len(Domain) - 0.5)
        ax.set_title(f"{arm.label}: services supporting {s.names[k]}", fontsize=9)
        dead = np.flatnonzero(~arm.j_alive[:w, k])
        if len(dead):
            ax.axvline(dead[0], color="k", lw=2)
            ax.text(dead[0], len(Domain) - 1, " died", fontsize=8)
    for arm, color in zip(s.arms, COLORS, strict=True):
        axes[2].plot(arm.j_cost[:w, k], color=color, lw=1, label=arm.label)
        axes[3].step(weeks, arm.j_crises[:w, k], color=color, where="post")
        axes[4].plot(arm.j_trust[:w, k], color=color, lw=1.2)
    axes[2].set_title("Public cost that week (£)", fontsize=9)
    axes[2].legend(fontsize=8, loc="upper right")
    axes[3].set_title("Crises so far", fontsize=9)
    axes[4].set_title("Trust in their worker (or in services, if none)", fontsize=9)
    axes[4].set_ylim(0, 1)
    _weeks(axes[4])
    fig.subplots_adjust(left=0.07, right=0.98, top=0.96, bottom=0.07, hspace=0.45)
    return fig
