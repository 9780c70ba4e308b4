"""Effect decomposition: which lever groups carry the difference between two scenarios.

The paired difference ``B - A`` of each outcome is split into the shares of *players*:
lever groups (:data:`LEVER_GROUPS`, every field of
:class:`~carecomplex.params.RegimeLevers` in exactly one) and, when A and B differ in
anything else, ``other`` (every non-lever parameter that differs). The value of a
coalition ``S`` of players, ``v(S)``, is the outcome of a run with the parameters of the
players in ``S`` at B's values and all others at A's, so ``v({}) = A`` and
``v(all) = B``. A lever is set in ``[regime]`` and in a transition's ``[after]``; a
scenario without a transition counts its levers as its ``after`` (:func:`settled`), so
in ``transition - siloed`` the switch itself is ``other``, which the levers need to act.

A player's share is its Shapley value: its marginal effect ``v(S + i) - v(S)``
averaged over every coalition ``S`` of the others, weighted ``|S|! (k - |S| - 1)! / k!``.
Interactions are split equally between the players that make them, and the shares add
up to ``B - A`` exactly (efficiency).

Every coalition runs with the same seeds (common random numbers), the Shapley values
are computed per seed, and each share is reported as its mean with a 95 % t interval
over seeds (:mod:`carecomplex.stats`). Coalitions with identical parameters (a player
whose parameters are equal in A and B) share one run, so such a player gets exactly 0.
Exact Shapley values need ``2^k`` coalitions per seed: choose the players with
``--groups``.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex import console
from carecomplex.errors import UsageError
from carecomplex.experiments.commands import HEADLINE
from carecomplex.params import Params, RegimeLevers, from_dict, to_dict

if TYPE_CHECKING:
    import pandas as pd

LEVER_GROUPS: dict[str, tuple[str, ...]] = {
    "targets": ("target_pressure",),
    "episodes": ("episode_cap",),
    "eligibility": ("eligibility", "need_priority"),
    "information": ("information_sharing",),
    "continuity": ("continuity", "caseload_factor"),
    "whole_person": ("whole_person",),
    "budget": ("flexible_budget",),
    "learning": ("shared_learning",),
    "in_reach": ("in_reach",),
}
"""The lever groups: name -> fields of :class:`RegimeLevers` (each field in exactly one).

A group's levers are set in ``[regime]`` and in ``[after]`` (a transition's target).
``targets`` is target pressure (which drives gaming, caseload stretch and its strain),
``episodes`` the episode clock, ``information`` information sharing, ``budget`` the
flexible budget and ``learning`` shared learning; the others are the lever of that name.
"""

OTHER = "other"
"""The player made of every non-lever parameter (and unit cost) that differs."""
REST = "rest"
"""In ``--groups``: every lever group not named otherwise, as one player."""
LEVER_SECTIONS = ("regime", "after")
DEFAULT_METRICS = (
    "cost_total:complex",
    "crises:complex",
    "deaths_per_100:complex",
    "ea_weeks:complex",
    "wellbeing:complex",
)
DEFAULT_BUDGET = 600
FILES = ("shapley.parquet", "coalitions.parquet", "decompose.csv", "decompose.png")

Path_ = tuple[str, str | None]  # (section, key); key None = the whole section (costs)


@dataclass(frozen=True)
class Player:
    """One player of the game: lever groups (or ``other``) and the parameters they set."""

    name: str
    groups: tuple[str, ...]
    paths: tuple[Path_, ...]

    @property
    def levers(self) -> tuple[str, ...]:
        """The levers (or, for ``other``, parameter names) this player sets."""
        names = (
            s if k is None else k if s in LEVER_SECTIONS else f"{s}.{k}" for s, k in self.paths
        )
        return tuple(dict.fromkeys(names))


def lever_group(name: str) -> str:
    """The group of the lever ``name`` (a field of :class:`RegimeLevers`)."""
    for group, levers in LEVER_GROUPS.items():
        if name in levers:
            return group
    raise UsageError(f"lever {name!r} is in no lever group (add it to decompose.LEVER_GROUPS)")


def settled(p: Params) -> Params:
    """``p`` with ``after = regime`` when it has no transition (the same run).

    Without a transition ``after`` is never read; set to the levers in force, it is not
    a difference between A and B, and a coalition that adds B's transition to A moves
    A's levers to the coalition's ones rather than to the defaults.
    """
    return dataclasses.replace(p, after=p.regime) if p.transition.week < 0 else p


def _flat(p: Params) -> dict[Path_, Any]:
    d = to_dict(settled(p))
    costs = d.pop("costs")
    out: dict[Path_, Any] = {}
    for section, values in d.items():
        out.update({(section, k): v for k, v in values.items()})
    return out | {("costs", None): costs}


def differing(a: Params, b: Params) -> dict[str, list[Path_]]:
    """The parameters that differ between ``a`` and ``b``, by lever group (or ``other``)."""
    fa, fb = _flat(a), _flat(b)
    out: dict[str, list[Path_]] = {}
    for path, value in fa.items():
        if fb[path] != value:
            group = lever_group(path[1]) if path[0] in LEVER_SECTIONS else OTHER
            out.setdefault(group, []).append(path)
    return out


def _lever_paths(groups: Sequence[str]) -> tuple[Path_, ...]:
    return tuple((s, f) for g in groups for f in LEVER_GROUPS[g] for s in LEVER_SECTIONS)


def players(a: Params, b: Params, spec: str | None = None) -> list[Player]:
    """The players for ``B - A``: ``spec`` as in ``--groups`` (None: every lever group).

    ``spec`` is a comma-separated list of players; ``+`` joins groups into one player
    (``information+learning+targets``); ``rest`` is every lever group not named
    otherwise; ``other`` the non-lever parameters that differ, added by itself when
    not named and A and B differ in any. Every lever must be in exactly one player.
    """
    for f in dataclasses.fields(RegimeLevers):
        lever_group(f.name)  # a lever missing from the table is an error, not a gap
    known = [*LEVER_GROUPS, REST, OTHER]
    tokens = [t.strip() for t in (spec or ",".join(LEVER_GROUPS)).split(",") if t.strip()]
    if not tokens:
        raise UsageError("--groups: expected group names, e.g. budget,continuity,rest")
    named: list[list[str]] = [[n.strip() for n in t.split("+")] for t in tokens]
    seen: set[str] = set()
    for names in named:
        for n in names:
            if n not in known:
                raise UsageError(f"--groups: unknown group {n!r} (known: {', '.join(known)})")
            if n in seen:
                raise UsageError(f"--groups: {n!r} is named twice")
            seen.add(n)
    rest = [g for g in LEVER_GROUPS if g not in seen]
    if rest and REST not in seen:
        levers = ", ".join(f for g in rest for f in LEVER_GROUPS[g])
        raise UsageError(
            f"--groups: levers in no group: {levers} (name their groups or add {REST!r})"
        )
    diff = differing(a, b)
    out = []
    for names in named:
        groups = tuple(g for n in names for g in (rest if n == REST else [n]) if g != OTHER)
        paths = _lever_paths(groups)
        if OTHER in names:
            groups, paths = (*groups, OTHER), paths + tuple(diff.get(OTHER, ()))
        if groups:  # an empty ``rest`` is no player
            out.append(Player("+".join(names), groups, paths))
    if OTHER not in seen and diff.get(OTHER):
        out.append(Player(OTHER, (OTHER,), tuple(diff[OTHER])))
    return out


def coalition(a: Params, b: Params, team: Sequence[Player], mask: int) -> Params:
    """The parameters of coalition ``mask`` (bit i: ``team[i]`` at B's values)."""
    d, db = to_dict(settled(a)), to_dict(settled(b))
    for i, p in enumerate(team):
        if mask >> i & 1:
            for section, key in p.paths:
                if key is None:
                    d[section] = db[section]
                else:
                    d[section][key] = db[section][key]
    return from_dict(d)


def plan(a: Params, b: Params, team: Sequence[Player]) -> tuple[list[Params], list[int]]:
    """Distinct parameter sets of the ``2^k`` coalitions, and each coalition's index.

    Coalitions whose parameters are equal (a player equal in A and B) share one set,
    hence one run per seed.
    """
    distinct: dict[str, int] = {}
    params: list[Params] = []
    index = []
    for mask in range(2 ** len(team)):
        p = coalition(a, b, team, mask)
        key = json.dumps(to_dict(p), sort_keys=True)
        if key not in distinct:
            distinct[key] = len(params)
            params.append(p)
        index.append(distinct[key])
    return params, index


def weights(k: int) -> np.ndarray:
    """Shapley weight of a coalition of ``s`` others, ``s!(k-s-1)!/k!``, for s < k."""
    return np.array([1.0 / (k * math.comb(k - 1, s)) for s in range(k)])


def shapley(values: np.ndarray) -> np.ndarray:
    """Shapley values from coalition values ``values[mask, ...]`` (``2^k`` masks).

    Returns ``phi[i, ...]`` for each player ``i``; ``phi.sum(0)`` equals
    ``values[-1] - values[0]`` up to float rounding.
    """
    n = values.shape[0]
    k = n.bit_length() - 1
    if n != 2**k:
        raise ValueError(f"expected 2^k coalition values, got {n}")
    w = weights(k)
    phi = np.zeros((k, *values.shape[1:]))
    for i in range(k):
        bit = 1 << i
        for mask in range(n):
            if not mask & bit:
                phi[i] += w[mask.bit_count()] * (values[mask | bit] - values[mask])
    return phi


@dataclass(frozen=True)
class CoalitionRun:
    """One run: a distinct coalition's parameters with one seed (picklable)."""

    params: Params
    seed: int
    metrics: tuple[str, ...]
    threads: int | None = None


def run_coalition(run: CoalitionRun) -> dict[str, float]:
    """Run the model to the end; the requested summary metrics (NaN where absent)."""
    from carecomplex.experiments.simulate import summarise

    if run.threads:
        import numba

        numba.set_num_threads(min(run.threads, numba.config.NUMBA_NUM_THREADS))
    result = summarise(run.params, run.seed)
    return {m: float(result.get(m, math.nan)) for m in run.metrics}


@dataclass
class Decomposition:
    """Coalition values and Shapley values of one decomposition.

    ``values[mask, seed, metric]`` (bit i of ``mask``: player i at B's values) and
    ``phi[player, seed, metric]``.
    """

    players: list[Player]
    seeds: list[int]
    metrics: list[str]
    values: np.ndarray
    phi: np.ndarray
    runs: int

    @property
    def total(self) -> np.ndarray:
        """``B - A`` per seed and metric."""
        return self.values[-1] - self.values[0]


def decompose(
    a: Params,
    b: Params,
    team: Sequence[Player],
    seeds: Sequence[int],
    metrics: Sequence[str],
    executor: Any = None,
    progress: Callable[[Any], None] | None = None,
) -> Decomposition:
    """Run every distinct coalition with every seed and compute the Shapley values.

    Args:
        a: the parameters of scenario A (every player at A's values: ``v({})``).
        b: the parameters of scenario B (every player at B's values: ``v(all)``).
        team: the players (:func:`players`).
        seeds: the paired seeds (the same in every coalition).
        metrics: summary metric names (``metric:group``).
        executor: where to run (see :func:`carecomplex.experiments.simulate.simulate`).
        progress: called with each run's result as it arrives.
    """
    from carecomplex.experiments.simulate import simulate

    params, index = plan(a, b, team)
    threads = 1 if executor is not None else None
    runs = [CoalitionRun(p, s, tuple(metrics), threads) for p in params for s in seeds]
    results = simulate(runs, run_coalition, executor, progress)
    distinct = np.array([[r[m] for m in metrics] for r in results], dtype=np.float64)
    distinct = distinct.reshape(len(params), len(seeds), len(metrics))
    values = distinct[np.asarray(index)]
    return Decomposition(list(team), list(seeds), list(metrics), values, shapley(values), len(runs))


def label(metric: str) -> str:
    """The printed name of a summary metric (``compare``'s label where it has one)."""
    labels = {f"{m}:{g}": text.strip() for m, g, text in HEADLINE}
    return labels.get(metric, labels.get(f"{metric}:all", metric))


def shapley_frame(d: Decomposition) -> pd.DataFrame:
    """Tidy Shapley values: one row per seed × player × metric, and the total per seed."""
    import pandas as pd

    rows = []
    names = [p.name for p in d.players] + ["total"]
    per = np.concatenate([d.phi, d.total[None]], axis=0)
    for i, name in enumerate(names):
        for j, seed in enumerate(d.seeds):
            for m, metric in enumerate(d.metrics):
                rows.append((metric, name, seed, float(per[i, j, m])))
    return pd.DataFrame(rows, columns=["metric", "group", "seed", "value"])


def coalition_frame(d: Decomposition) -> pd.DataFrame:
    """Coalition values: one row per coalition × seed × metric, players at B's as a list."""
    import pandas as pd

    rows = []
    for mask in range(d.values.shape[0]):
        at_b = "+".join(p.name for i, p in enumerate(d.players) if mask >> i & 1) or "-"
        for j, seed in enumerate(d.seeds):
            for m, metric in enumerate(d.metrics):
                rows.append((mask, at_b, metric, seed, float(d.values[mask, j, m])))
    return pd.DataFrame(rows, columns=["coalition", "at_b", "metric", "seed", "value"])


def table(d: Decomposition, base: str, alt: str) -> pd.DataFrame:
    """Per metric: the total ``alt - base`` and each player's share, mean and 95 % CI.

    Columns ``metric, label, group, levers, mean, lo, hi, n, share_pct, base, alt``
    (the arm means on the total's row); ``share_pct`` is the mean share as a percentage
    of the mean total.
    """
    import pandas as pd

    from carecomplex.stats import Estimate

    rows = []
    for m, metric in enumerate(d.metrics):
        total = Estimate.of(d.total[:, m])
        some = math.isfinite(total.mean) and total.mean != 0
        a_mean = float(np.nanmean(d.values[0, :, m])) if d.seeds else math.nan
        b_mean = float(np.nanmean(d.values[-1, :, m])) if d.seeds else math.nan
        head = {"metric": metric, "label": label(metric)}
        rows.append(
            head
            | {"group": "total", "levers": f"{alt} - {base}", **dataclasses.asdict(total)}
            | {"share_pct": 100.0 if some else math.nan, base: a_mean, alt: b_mean}
        )
        for i, p in enumerate(d.players):
            e = Estimate.of(d.phi[i, :, m])
            pct = 100.0 * e.mean / total.mean if some else math.nan
            levers = ", ".join(p.levers) or "(no parameter differs)"
            share = {"share_pct": pct}
            rows.append(head | {"group": p.name, "levers": levers, **dataclasses.asdict(e)} | share)
    frame = pd.DataFrame(rows)
    return frame.rename(columns={"mean": "value"})


def _pct(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.0f} %"


def print_table(t: pd.DataFrame, base: str, alt: str, title: str) -> None:
    """The table as printed: per outcome the total, then each group's share."""
    from rich.console import Console
    from rich.table import Table

    fmt = console.fmt
    out = Table(
        title=title,
        caption=(
            f"share of {alt} - {base} carried by each group (Shapley value over the groups, "
            "mean over seeds with 95 % t interval); shares add up to the total"
        ),
    )
    for col in ("outcome / group", base, alt, "effect [95 % CI]", "% of total"):
        out.add_column(col, justify="left" if col == "outcome / group" else "right")
    for _, sub in t.groupby("metric", sort=False):
        records = sub.to_dict(orient="records")
        for i, r in enumerate(records):
            ci = f"{fmt(r['value'])} [{fmt(r['lo'])}, {fmt(r['hi'])}]"
            if r["group"] == "total":
                name, a_, b_ = r["label"], fmt(r[base]), fmt(r[alt])
            else:
                name, a_, b_ = f"  {r['group']}", "", ""
            out.add_row(name, a_, b_, ci, _pct(r["share_pct"]), end_section=i == len(records) - 1)
    Console(width=max(100, Console().width)).print(out)


def plot(t: pd.DataFrame, base: str, alt: str) -> bytes:
    """A PNG: per outcome, a horizontal bar per group (its share, 95 % CI) and the total."""
    from matplotlib.figure import Figure

    metrics = list(dict.fromkeys(t["metric"]))
    cols = min(2, len(metrics))
    rows = -(-len(metrics) // cols)
    n = t["group"].nunique()
    fig = Figure(figsize=(5.2 * cols, 0.8 + rows * (0.9 + 0.32 * n)), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        sub = t[t["metric"] == metric].iloc[::-1]  # total on top
        y = np.arange(len(sub))
        mean = sub["value"].to_numpy(dtype=float)
        err = np.nan_to_num(
            np.vstack([mean - sub["lo"].to_numpy(float), sub["hi"].to_numpy(float) - mean])
        )
        colours = ["#4d4d4d" if g == "total" else "#2166ac" for g in sub["group"]]
        ax.barh(y, mean, 0.6, xerr=err, color=colours, ecolor="black", capsize=2)
        ax.axvline(0, color="black", lw=0.8)
        ticks = zip(sub["group"], sub["share_pct"], strict=True)
        ax.set_yticks(y, [f"{g}  {_pct(p)}" for g, p in ticks])
        ax.set_title(sub["label"].iloc[0], fontsize=9)
        ax.set_xlabel(f"{alt} - {base}", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(f"Where {alt} - {base} comes from: Shapley shares with 95 % CI", fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def parse_metrics(text: str | None) -> list[str]:
    """``--metrics``: comma-separated summary names (``cost_total:complex``, ``burnout``)."""
    from carecomplex.metrics import summary_names

    if text is None:
        return list(DEFAULT_METRICS)
    names = [m.strip() for m in text.split(",") if m.strip()]
    known = set(summary_names())
    for m in names:
        if m not in known:
            raise UsageError(
                f"--metrics: unknown metric {m!r} (expected metric:group with group all, "
                "complex or other, e.g. cost_total:complex, or a service-wide one, e.g. burnout)"
            )
    if not names:
        raise UsageError("--metrics: expected metric names, e.g. cost_total:complex")
    return list(dict.fromkeys(names))


@contextmanager
def _executor(args: argparse.Namespace, n_runs: int) -> Iterator[tuple[Any, int]]:
    """(executor or None, workers): a Dask cluster, local processes, or this process."""
    from carecomplex.experiments.simulate import process_pool

    if args.scheduler:
        client = console.connect(args.scheduler)
        try:
            yield client.get_executor(), sum(client.nthreads().values())
        finally:
            client.close()
        return
    workers = min(args.workers or os.cpu_count() or 1, n_runs)
    if workers > 1:
        with process_pool(workers) as pool:
            yield pool, workers
    else:
        yield None, 1


@dataclass
class PsaDecomposition:
    """Shapley values per plausible world: ``phi[draw, player, seed, metric]``."""

    players: list[Player]
    seeds: list[int]
    metrics: list[str]
    phi: np.ndarray
    total: np.ndarray  # [draw, seed, metric]
    runs: int


def decompose_psa(
    a: Params,
    b: Params,
    team: Sequence[Player],
    seeds: Sequence[int],
    metrics: Sequence[str],
    drawn: Any,
    executor: Any = None,
    progress: Callable[[Any], None] | None = None,
) -> PsaDecomposition:
    """The decomposition in every drawn world (``drawn``: :class:`~.psa.Draws`).

    Each draw is laid over A and B (:func:`~carecomplex.calibration.ensemble.apply`);
    its distinct coalitions run with every seed (the same seeds in every draw), all draws
    in one batch on ``executor``; Shapley values are computed per draw and seed.
    """
    from carecomplex.calibration.ensemble import apply
    from carecomplex.experiments.simulate import simulate

    threads = 1 if executor is not None else None
    plans, runs = [], []
    for values in drawn.values:
        params, index = plan(apply(a, values), apply(b, values), team)
        plans.append((len(runs), len(params), index))
        runs += [CoalitionRun(p, s, tuple(metrics), threads) for p in params for s in seeds]
    results = simulate(runs, run_coalition, executor, progress)
    flat = np.array([[r[m] for m in metrics] for r in results], dtype=np.float64)
    phis, totals = [], []
    for start, n, index in plans:
        distinct = flat[start : start + n * len(seeds)].reshape(n, len(seeds), len(metrics))
        values = distinct[np.asarray(index)]
        phis.append(shapley(values))
        totals.append(values[-1] - values[0])
    return PsaDecomposition(
        list(team), list(seeds), list(metrics), np.array(phis), np.array(totals), len(runs)
    )


def psa_frame(d: PsaDecomposition) -> pd.DataFrame:
    """Per-draw shares: one row per draw x seed x player (and total) x metric."""
    import pandas as pd

    rows = []
    names = [p.name for p in d.players] + ["total"]
    per = np.concatenate([d.phi, d.total[:, None]], axis=1)  # [draw, player+1, seed, metric]
    for k in range(per.shape[0]):
        for i, name in enumerate(names):
            for j, seed in enumerate(d.seeds):
                for m, metric in enumerate(d.metrics):
                    rows.append((k, metric, name, seed, float(per[k, i, j, m])))
    return pd.DataFrame(rows, columns=["draw", "metric", "group", "seed", "value"])


def psa_table(d: PsaDecomposition) -> pd.DataFrame:
    """Per metric: the total and each player's share over plausible worlds.

    Mean and 95 % interval over draws x seeds (2.5 and 97.5 percentiles), and the mean
    share as a percentage of the mean total.
    """
    import pandas as pd

    from carecomplex.calibration.psa import spread

    rows = []
    for m, metric in enumerate(d.metrics):
        tm, tlo, thi = spread(d.total[:, :, m].ravel())
        some = math.isfinite(tm) and tm != 0
        head = {"metric": metric, "label": label(metric)}
        rows.append(
            head
            | {"group": "total", "value": tm, "lo": tlo, "hi": thi}
            | {"share_pct": 100.0 if some else math.nan}
        )
        for i, p in enumerate(d.players):
            mean, lo, hi = spread(d.phi[:, i, :, m].ravel())
            pct = 100.0 * mean / tm if some else math.nan
            rows.append(
                head | {"group": p.name, "value": mean, "lo": lo, "hi": hi} | {"share_pct": pct}
            )
    return pd.DataFrame(rows)


def _print_psa_table(t: pd.DataFrame, title: str, caption: str) -> None:
    from rich.console import Console
    from rich.table import Table

    fmt = console.fmt
    out = Table(title=title, caption=caption)
    for col in ("outcome / group", "effect mean", "95 % interval", "% of total"):
        out.add_column(col, justify="left" if col == "outcome / group" else "right")
    for _, sub in t.groupby("metric", sort=False):
        records = sub.to_dict(orient="records")
        for i, r in enumerate(records):
            name = r["label"] if r["group"] == "total" else f"  {r['group']}"
            out.add_row(
                name,
                fmt(r["value"]),
                f"[{fmt(r['lo'])}, {fmt(r['hi'])}]",
                _pct(r["share_pct"]),
                end_section=i == len(records) - 1,
            )
    Console(width=max(100, Console().width)).print(out)


def _decompose_psa(
    args: argparse.Namespace, arms: tuple[Any, Any], names: tuple[str, str], team: list, drawn: Any
) -> int:
    """``decompose --psa N``: the decomposition in every drawn world."""
    from carecomplex import manifest

    base, alt = arms
    seeds = console.parse_seeds(args.seeds)
    metrics = parse_metrics(args.metrics)
    n_runs, count, size = _budget(base.params, alt.params, team, len(seeds), args, drawn.n)
    print(f"decompose {names[1]} - {names[0]} (PSA): {count} ({size})", flush=True)
    t0 = time.perf_counter()
    with _executor(args, n_runs) as (ex, _), console.progress_bar(args.quiet) as bar:
        task = bar.add_task("runs (first includes JIT compile)", total=n_runs)
        d = decompose_psa(
            base.params,
            alt.params,
            team,
            seeds,
            metrics,
            drawn,
            ex,
            lambda r: bar.advance(task),
        )
    secs = time.perf_counter() - t0
    t = psa_table(d)
    _print_psa_table(
        t,
        f"{names[1]} vs {names[0]}: PSA, {drawn.n} plausible worlds x {len(seeds)} seeds, {size}",
        f"Shapley share of {names[1]} - {names[0]} per group; mean and 95 % interval over "
        f"parameters and seeds (draws from {drawn.source})",
    )
    scenarios = manifest.arm_parameters(
        dict(zip(names, (a.params for a in arms), strict=True)),
        dict(zip(names, (a.path for a in arms), strict=True)),
    )
    meta = manifest.build(
        sys.argv,
        d.seeds,
        secs,
        scenarios=scenarios,
        psa=drawn.describe(),
        decomposition={
            "base": names[0],
            "alt": names[1],
            "method": "exact Shapley values over the groups, per draw and seed; mean and "
            "2.5-97.5 percentiles over draws x seeds",
            "groups": {p.name: list(p.levers) for p in d.players},
            "metrics": d.metrics,
            "runs": d.runs,
        },
    )
    files = {
        "psa_shapley.parquet": psa_frame(d),
        "psa_draws.parquet": drawn.frame(),
        "decompose_psa.csv": t.to_csv(index=False),
        "decompose_psa.png": plot(t, *names),
        "manifest.json": json.dumps(console.json_safe(meta), indent=2),
    }
    console.write_outputs(Path(args.out), files)
    print(f"{n_runs:,} runs in {secs:.1f} s; outputs in {args.out}")
    return 0


def _budget(
    a: Params, b: Params, team: Sequence[Player], seeds: int, args: Any, draws: int = 0
) -> tuple[int, str, str]:
    """Runs a decomposition needs, the count in words and the size; refuses over budget.

    ``draws`` is the number of PSA draws (0: no PSA).
    """
    params, _ = plan(a, b, team)
    n_runs = len(params) * seeds * max(1, draws)
    size = f"{a.population.persons:,} persons, {a.run.years:g} years"
    per = f" x {draws} draws" if draws else ""
    count = (
        f"{len(team)} groups: {2 ** len(team)} coalitions ({len(params)} distinct) "
        f"x {seeds} seeds{per} = {n_runs:,} runs"
    )
    if n_runs > args.budget_runs:
        fewer = (
            "name fewer groups, use fewer seeds or draws"
            if draws
            else "name fewer groups (e.g. --groups budget,continuity,rest), use fewer seeds"
        )
        raise UsageError(
            f"--budget-runs: {count}, more than {args.budget_runs:,}; {fewer}"
            + (", or raise --budget-runs" if draws else " or raise --budget-runs")
        )
    return n_runs, count, size


def cmd_decompose(args: argparse.Namespace) -> int:
    """Split ``B - A`` of each outcome into the shares of lever groups (Shapley)."""
    from carecomplex.calibration import psa
    from carecomplex.scenarios import load

    seeds = console.parse_seeds(args.seeds)
    over: dict[str, Any] = {}
    if args.persons is not None:
        over["population"] = {"persons": args.persons}
    if args.years is not None:
        over["run"] = {"years": args.years}
    base, alt = load(args.base, over), load(args.alt, over)
    names = (base.name, alt.name if alt.name != base.name else alt.name + "_2")
    team = players(base.params, alt.params, args.groups)
    metrics = parse_metrics(args.metrics)
    drawn = psa.from_args(args)  # a bad ensemble stops here, before any run
    console.check_out(args.out)
    if drawn is not None:
        return _decompose_psa(args, (base, alt), names, team, drawn)
    n_runs, count, size = _budget(base.params, alt.params, team, len(seeds), args)
    print(f"decompose {names[1]} - {names[0]}: {count} ({size})", flush=True)
    t0 = time.perf_counter()
    with _executor(args, n_runs) as (ex, _), console.progress_bar(args.quiet) as bar:
        task = bar.add_task("runs (first includes JIT compile)", total=n_runs)
        d = decompose(
            base.params, alt.params, team, seeds, metrics, ex, lambda r: bar.advance(task)
        )
    secs = time.perf_counter() - t0
    t = table(d, *names)
    title = f"{names[1]} vs {names[0]}: {len(seeds)} paired seeds, {size}"
    print_table(t, *names, title)
    _write(args, d, t, names, (base, alt), secs)
    print(f"{n_runs:,} runs in {secs:.1f} s; outputs in {args.out}")
    return 0


def _write(
    args: argparse.Namespace,
    d: Decomposition,
    t: pd.DataFrame,
    names: tuple[str, str],
    arms: tuple[Any, Any],
    secs: float,
) -> None:
    from carecomplex import manifest

    scenarios = manifest.arm_parameters(
        dict(zip(names, (a.params for a in arms), strict=True)),
        dict(zip(names, (a.path for a in arms), strict=True)),
    )
    meta = manifest.build(
        sys.argv,
        d.seeds,
        secs,
        scenarios=scenarios,
        decomposition={
            "base": names[0],
            "alt": names[1],
            "method": "exact Shapley values over the groups, per seed; 95 % t interval",
            "groups": {p.name: list(p.levers) for p in d.players},
            "metrics": d.metrics,
            "coalitions": int(d.values.shape[0]),
            "runs": d.runs,
        },
    )
    files = {
        "shapley.parquet": shapley_frame(d),
        "coalitions.parquet": coalition_frame(d),
        "decompose.csv": t.to_csv(index=False),
        "decompose.png": plot(t, *names),
        "manifest.json": json.dumps(console.json_safe(meta), indent=2),
    }
    console.write_outputs(Path(args.out), files)


def psa_options(p: argparse.ArgumentParser) -> None:
    """``--psa N``, ``--ensemble``, ``--psa-seed``."""
    from carecomplex.calibration.psa import add_options

    add_options(p)


def add_parser(sub: Any) -> None:
    """Add ``decompose`` to the subcommand parsers."""
    dec = sub.add_parser(
        "decompose", help="split B - A of each outcome into the shares of lever groups (Shapley)"
    )
    dec.add_argument("base", nargs="?", default="siloed", help="scenario A (default siloed)")
    dec.add_argument("alt", nargs="?", default="alliance", help="scenario B (default alliance)")
    dec.add_argument(
        "--groups",
        help=f"players, comma-separated; + joins groups; {REST} = all others "
        f"(groups: {', '.join(LEVER_GROUPS)}, {OTHER}; default: every group)",
    )
    dec.add_argument(
        "--metrics", help=f"summary metrics, comma-separated (default {','.join(DEFAULT_METRICS)})"
    )
    dec.add_argument(
        "--seeds",
        default=str(console.DEFAULT_SEEDS),
        help="count (10 = seeds 1..10), list (1,5,9) or range (1-20)",
    )
    dec.add_argument("--persons", type=console.positive_int, help="population size")
    dec.add_argument("--years", type=console.years, help="measured years")
    dec.add_argument(
        "--budget-runs",
        type=console.bounded_int(1, 10_000_000),
        default=DEFAULT_BUDGET,
        help="refuse more runs than this (default %(default)s)",
    )
    dec.add_argument(
        "--out", default="results/decompose", help="output folder (default %(default)s)"
    )
    console.executor_options(dec)
    psa_options(dec)
    dec.add_argument("--quiet", action="store_true", help="no progress bar")
    dec.set_defaults(func=cmd_decompose)
