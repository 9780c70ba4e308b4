"""Analyse an experiment directory: paired differences and sensitivity indices, with plots.

Paired differences compare each arm with the first (the base) run at the same design
point with the same seed (common random numbers). Per point, the interval is a t
interval over seeds. Pooled over the design, each seed's differences are first
averaged over points (runs sharing a seed are not independent), then the t interval
is taken over seeds.

Sobol (Saltelli design: first-order ``S1`` and total ``ST`` indices) and Morris
(``mu_star``, ``sigma``) indices use SALib on the mean over seeds at each design point,
for each arm and for each paired difference.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carecomplex.errors import AnalysisError
from carecomplex.stats import paired_difference, pooled_difference
from carecomplex.store import MANIFEST, read_results, write_atomic


def load(root: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Results (one row per committed run) and the manifest of an experiment directory."""
    root = Path(root)
    if not (root / MANIFEST).exists():
        raise AnalysisError(f"{root}: no {MANIFEST}; not an experiment directory")
    return read_results(root), json.loads((root / MANIFEST).read_text())


def _wide(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    ok = frame[frame["status"] == "ok"]
    return ok.pivot_table(index=["point", "seed"], columns="arm", values=metric, aggfunc="first")


def _paired(
    frame: pd.DataFrame, base: str, alt: str, metrics: Sequence[str]
) -> Iterator[tuple[str, pd.DataFrame]]:
    """(metric, point x seed by arm table) for each metric with ok runs in both arms."""
    for m in metrics:
        wide = _wide(frame, m)
        if base in wide and alt in wide:
            yield m, wide


def paired_differences(
    frame: pd.DataFrame, base: str, alt: str, metrics: Sequence[str]
) -> pd.DataFrame:
    """Per design point and metric: arm means, mean paired difference ``alt - base``, 95 % CI."""
    rows = []
    for m, wide in _paired(frame, base, alt, metrics):
        for point, sub in wide.groupby(level=0):
            row = paired_difference(sub[base].to_numpy(), sub[alt].to_numpy(), base, alt)
            rows.append({"point": point, "metric": m, **row})
    return pd.DataFrame(rows)


def pooled_differences(
    frame: pd.DataFrame, base: str, alt: str, metrics: Sequence[str]
) -> pd.DataFrame:
    """Per metric: design-averaged difference ``alt - base``, 95 % t interval over seeds."""
    rows = [
        {"metric": m, **pooled_difference(wide, base, alt)}
        for m, wide in _paired(frame, base, alt, metrics)
    ]
    return pd.DataFrame(rows)


def point_means(frame: pd.DataFrame, metric: str, arm: str, base: str | None = None) -> np.ndarray:
    """Mean over seeds at each design point of ``metric`` for ``arm`` (or ``arm - base``)."""
    wide = _wide(frame, metric)
    y = wide[arm] - wide[base] if base else wide[arm]
    return y.groupby(level="point").mean().to_numpy()


def sensitivity(
    frame: pd.DataFrame, manifest: dict[str, Any], design: pd.DataFrame, metric: str, y: np.ndarray
) -> pd.DataFrame:
    """Sobol or Morris indices of ``y`` (one value per design point) for each parameter."""
    exp = manifest["experiment"]
    names = list(exp["parameters"])
    problem = {"num_vars": len(names), "names": names, "bounds": list(exp["parameters"].values())}
    if len(y) != exp["n_points"] or not np.all(np.isfinite(y)):
        bad = exp["n_points"] - int(np.isfinite(y).sum())
        raise AnalysisError(f"{metric}: {bad} design points lack a result; rerun with --resume")
    if exp["design"] == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=exp["design_seed"])
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
    elif exp["design"] == "morris":
        from SALib.analyze import morris

        x = design[names].to_numpy()
        si = morris.analyze(problem, x, y, num_levels=exp["levels"], seed=exp["design_seed"])
        cols = ["mu_star", "mu_star_conf", "sigma"]
    else:
        raise AnalysisError(f"{exp['design']}: sensitivity indices need a sobol or morris design")
    table = pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in cols})
    table.insert(0, "parameter", names)
    table.insert(0, "metric", metric)
    return table


def plot_sensitivity(table: pd.DataFrame, title: str, path: Path) -> None:
    """One panel per metric: S1 and ST (Sobol) or mu* (Morris) per parameter, with CIs."""
    from matplotlib.figure import Figure

    metrics = list(dict.fromkeys(table["metric"]))
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    n_par = table["parameter"].nunique()
    fig = Figure(figsize=(4.2 * cols, 0.9 + rows * (0.7 + 0.35 * n_par)), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, m in zip(axes, metrics, strict=False):
        t = table[table["metric"] == m]
        y = np.arange(len(t))
        if "ST" in t:
            ax.barh(y + 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1 (first order)")
            ax.barh(y - 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST (total)")
            ax.set_xlim(left=min(0, float(t["S1"].min()) - 0.05))
        else:
            ax.barh(y, t["mu_star"], 0.6, xerr=t["mu_star_conf"], label="mu* (mean |effect|)")
            ax.plot(t["sigma"], y, "D", color="crimson", ms=5, label="sigma (interactions)")
        ax.set_yticks(y, t["parameter"], fontsize=8)
        ax.set_title(m, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle(title, fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    write_atomic(path, buf.getvalue())


def report(root: str | Path) -> dict[str, pd.DataFrame]:
    """Compute every table for an experiment directory and write them to ``root/analysis``.

    Writes ``paired.parquet`` (per point), ``pooled.csv`` (design-averaged), and for
    Sobol/Morris designs ``sensitivity.csv`` and one ``sensitivity-<target>.png`` per arm
    or paired difference. Returns the tables.
    """
    root = Path(root)
    frame, manifest = load(root)
    exp = manifest["experiment"]
    arms, metrics = list(exp["arms"]), exp["outputs"]
    out = root / "analysis"
    out.mkdir(exist_ok=True)
    base, tables = arms[0], {}
    pairs = [(base, alt) for alt in arms[1:]]
    tables["paired"] = pd.concat(
        [paired_differences(frame, b, a, metrics).assign(base=b, alt=a) for b, a in pairs]
        or [pd.DataFrame()]
    )
    tables["pooled"] = pd.concat(
        [pooled_differences(frame, b, a, metrics).assign(base=b, alt=a) for b, a in pairs]
        or [pd.DataFrame()]
    )
    write_atomic(out / "paired.parquet", tables["paired"].to_parquet(index=False))
    write_atomic(out / "pooled.csv", tables["pooled"].to_csv(index=False).encode())
    if exp["design"] in ("sobol", "morris"):
        design = pd.read_parquet(root / "design.parquet")
        targets = [(a, None) for a in arms] + [(a, b) for b, a in pairs]
        parts = []
        for arm, b in targets:
            label = f"{arm}-minus-{b}" if b else arm
            t = pd.concat(
                [
                    sensitivity(frame, manifest, design, m, point_means(frame, m, arm, b))
                    for m in metrics
                ]
            )
            plot_sensitivity(
                t,
                f"{exp['design']} indices: {label} ({exp['name']})",
                out / f"sensitivity-{label}.png",
            )
            parts.append(t.assign(target=label))
        tables["sensitivity"] = pd.concat(parts)
        write_atomic(out / "sensitivity.csv", tables["sensitivity"].to_csv(index=False).encode())
    return tables
