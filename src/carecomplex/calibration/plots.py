"""Diagnostic figures of a calibration, as PNG bytes (matplotlib's Agg backend)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from carecomplex import plotting


def _plt() -> Any:
    return plotting.pyplot(dpi=100, font_size=8)


_png = plotting.png


def _grid(n: int, cols: int = 4) -> tuple[int, int]:
    return max(1, math.ceil(n / cols)), min(cols, max(1, n))


def marginals(ens: Any, targets: Any, defaults: dict[str, float]) -> bytes:
    """Weighted posterior histogram of each parameter over its prior box, default marked."""
    plt = _plt()
    priors = {p.key: p for p in targets.priors}
    keys = ens.parameters
    rows, cols = _grid(len(keys))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.2 * rows), squeeze=False)
    w = ens.weights
    for ax, k in zip(axes.flat, keys, strict=False):
        p = priors.get(k)
        x = ens.table[k].to_numpy(dtype=np.float64)
        lo, hi = (p.lo, p.hi) if p else (x.min(), x.max())
        log = p is not None and p.dist == "loguniform"
        bins = np.geomspace(lo, hi, 16) if log else np.linspace(lo, hi, 16)
        ax.hist(x, bins=bins, weights=w, color="#2166ac", alpha=0.8, density=True)
        if not log:
            ax.axhline(1.0 / (hi - lo), color="grey", lw=0.8, ls="--")
        if log:
            ax.set_xscale("log")
        if k in defaults:
            ax.axvline(defaults[k], color="#b2182b", lw=1.2)
        ax.axvline(float(np.sum(w * x)), color="#1b7837", lw=1.0, ls=":")
        ax.set_title(k)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Posterior marginals over the prior box (red: hand-set default; green: posterior "
        "mean; dashed: flat prior density of a uniform prior)"
    )
    fig.tight_layout()
    return _png(fig)


def pairwise(ens: Any, post: pd.DataFrame, most: int = 5) -> bytes:
    """Pairwise scatter of the ``most`` most informed parameters, sized by weight."""
    plt = _plt()
    keys = list(post.sort_values("shrinkage")["parameter"])[:most]
    n = len(keys)
    fig, axes = plt.subplots(n, n, figsize=(2.0 * n, 2.0 * n), squeeze=False)
    w = ens.weights
    size = 4 + 200 * w / w.max()
    for i, a in enumerate(keys):
        for j, b in enumerate(keys):
            ax = axes[i, j]
            x, y = ens.table[b].to_numpy(), ens.table[a].to_numpy()
            if i == j:
                ax.hist(x, bins=12, weights=w, color="#2166ac")
                ax.set_yticks([])
            else:
                ax.scatter(x, y, s=size, alpha=0.5, color="#2166ac", lw=0)
            if i == n - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0:
                ax.set_ylabel(a, fontsize=7)
    fig.suptitle("Pairs of the most informed parameters (posterior, size = weight)")
    fig.tight_layout()
    return _png(fig)


def fit(table: pd.DataFrame) -> bytes:
    """Each target's range (band) beside the simulated 90 % interval, prior and posterior."""
    plt = _plt()
    n = len(table)
    fig, axes = plt.subplots(n, 1, figsize=(7.5, 0.62 * n + 0.8), squeeze=False)
    for ax, (_, r) in zip(axes[:, 0], table.iterrows(), strict=True):
        ax.axvspan(r["range_lo"], r["range_hi"], color="#cfe3cf")
        for y, part, colour in ((1.0, "prior", "#999999"), (0.0, "posterior", "#2166ac")):
            m, lo, hi = r[f"{part}_median"], r[f"{part}_lo"], r[f"{part}_hi"]
            if all(map(math.isfinite, (m, lo, hi))):
                ax.errorbar(m, y, xerr=[[m - lo], [hi - m]], fmt="o", color=colour, capsize=2)
        ax.set_ylim(-0.8, 1.8)
        ax.set_yticks([])
        unit = f" ({r['unit']})" if isinstance(r["unit"], str) and r["unit"] else ""
        ax.set_title(f"{r['label']}{unit}", fontsize=8, loc="left")
    prior = bool(table["prior_median"].notna().any())
    fig.suptitle(
        "Targets: published range (green) and simulated median with 90 % interval\n"
        + ("(grey: prior, blue: posterior)" if prior else "(accepted particles' runs)"),
        fontsize=9,
    )
    fig.tight_layout()
    return _png(fig)


def generations(table: pd.DataFrame) -> bytes:
    """Epsilon and acceptance rate over generations."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 2.8))
    t = table["t"].to_numpy() + 1
    eps = table["epsilon"].to_numpy(dtype=np.float64)
    a.plot(t, np.where(np.isfinite(eps), eps, np.nan), "o-", color="#2166ac")
    a.set_xlabel("generation")
    a.set_ylabel("epsilon (distance, range widths)")
    b.plot(t, table["acceptance"], "o-", color="#b2182b")
    b.set_xlabel("generation")
    b.set_ylabel("acceptance rate")
    b.set_ylim(0, 1.05)
    fig.tight_layout()
    return _png(fig)
