"""Run scenarios over seeds and compare them, paired by seed (common random numbers)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from carecomplex.metrics import services, summary, weekly
from carecomplex.model import CareModel
from carecomplex.params import Params


@dataclass
class RunResult:
    """Outputs of one run."""

    scenario: str
    seed: int
    summary: dict[str, float]
    weekly: pd.DataFrame
    services: pd.DataFrame
    seconds: float


def simulate(name: str, params: Params, seed: int) -> RunResult:
    """Run one scenario with one seed to the end."""
    import time

    t0 = time.perf_counter()
    model = CareModel(params, rng=seed).run()
    return RunResult(
        name, seed, summary(model), weekly(model), services(model), time.perf_counter() - t0
    )


def run_all(
    arms: Sequence[tuple[str, Params]],
    seeds: Sequence[int],
    progress: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every arm with every seed (seed-major, so pairs finish together)."""
    out = []
    for seed in seeds:
        for name, params in arms:
            r = simulate(name, params, seed)
            out.append(r)
            if progress:
                progress(r)
    return out


def summary_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Tidy summary: one row per (scenario, seed, metric, group)."""
    rows = []
    for r in results:
        for key, value in r.summary.items():
            metric, _, group = key.partition(":")
            rows.append((r.scenario, r.seed, metric, group or "all", value))
    return pd.DataFrame(rows, columns=["scenario", "seed", "metric", "group", "value"])


def tidy(results: Sequence[RunResult], attr: str) -> pd.DataFrame:
    """Concatenate the ``weekly`` or ``services`` frames with scenario and seed columns."""
    frames = []
    for r in results:
        f = getattr(r, attr).copy()
        f.insert(0, "seed", r.seed)
        f.insert(0, "scenario", r.scenario)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t interval of ``x`` (NaNs dropped; (mean, nan, nan) if n < 2)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def paired(frame: pd.DataFrame, base: str, alt: str) -> pd.DataFrame:
    """Paired differences ``alt - base`` per metric and group, with 95 % t intervals."""
    wide = frame.pivot_table(
        index=["metric", "group", "seed"], columns="scenario", values="value", aggfunc="first"
    )
    rows = []
    for (metric, group), sub in wide.groupby(level=[0, 1], sort=False):
        a, b = sub[base].to_numpy(), sub[alt].to_numpy()
        d_mean, d_lo, d_hi = interval(b - a)
        rows.append(
            {
                "metric": metric,
                "group": group,
                "n": int(np.isfinite(b - a).sum()),
                base: interval(a)[0],
                alt: interval(b)[0],
                "diff": d_mean,
                "diff_lo": d_lo,
                "diff_hi": d_hi,
            }
        )
    return pd.DataFrame(rows)
