"""Statistics of paired runs: t intervals, paired and pooled differences, a t posterior.

Every interval in carecomplex is a two-sided Student t interval over seeds, and every
comparison of two arms is paired by seed (the arms share their random numbers, so the
difference of a seed's two runs is free of the noise they share). Used by ``run`` and
``compare``, the sweep analysis and the claims checker alike.

scipy.stats takes about a second to import, so the two functions that need it import it
themselves: the parser and the model import this module without paying for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def interval(x: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t interval of ``x`` (NaNs dropped; (mean, nan, nan) if n < 2)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    from scipy import stats

    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def t_interval(x: Sequence[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean, two-sided t interval and n of the finite values of ``x``."""
    a = np.asarray(x, dtype=float)
    return (*interval(a, level), int(np.isfinite(a).sum()))


@dataclass
class Estimate:
    """A mean with its 95 % interval, the number of paired seeds and how it was made.

    ``method`` is ``"t"`` (Student t over seeds), ``"log-t"`` (t on the log scale: a
    geometric mean and an interval that cannot leave (0, inf)) or ``"bootstrap"`` (a
    percentile bootstrap over seeds, used where a t interval would leave the quantity's
    domain).
    """

    mean: float
    lo: float
    hi: float
    n: int
    method: str = "t"

    @classmethod
    def of(cls, x: Sequence[float]) -> Estimate:
        """From per-seed values of a quantity of any sign: a t interval."""
        return cls(*t_interval(x))

    @classmethod
    def nonneg(cls, x: Sequence[float]) -> Estimate:
        """From per-seed values of a quantity that cannot be negative (a rate, a count).

        :meth:`within` ``[0, inf)``.
        """
        return cls.within(x, 0.0, math.inf)

    @classmethod
    def share(cls, x: Sequence[float]) -> Estimate:
        """From per-seed values of a share (alive, housed): :meth:`within` ``[0, 1]``."""
        return cls.within(x, 0.0, 1.0)

    @classmethod
    def within(cls, x: Sequence[float], lo: float, hi: float) -> Estimate:
        """From per-seed values of a quantity bounded to ``[lo, hi]``.

        The t interval when it stays inside the bounds; otherwise a percentile bootstrap
        of the mean over seeds, which lies within the values seen and so cannot leave
        them.
        """
        a = np.asarray(x, dtype=np.float64)
        a = a[np.isfinite(a)]
        t = cls(*t_interval(a))
        if len(a) < 2 or (lo <= t.lo and t.hi <= hi):
            return t
        b_lo, b_hi = _bootstrap(lambda i: a[i].mean(axis=-1), len(a))
        return cls(t.mean, b_lo, b_hi, t.n, "bootstrap")

    @classmethod
    def ratio(cls, base: Sequence[float], alt: Sequence[float]) -> Estimate:
        """The ratio ``alt / base`` of two paired, non-negative quantities.

        When every seed's ratio is positive and finite: the geometric mean of the per-seed
        ratios with a t interval on the log scale (method ``log-t``). Otherwise (some
        seed's baseline or intervention is zero, e.g. a persona dead before the window in
        one arm): the ratio of the arms' means with a percentile bootstrap over paired
        seeds (method ``bootstrap``). Either way the interval stays in ``[0, inf)``.
        """
        b = np.asarray(base, dtype=np.float64)
        a = np.asarray(alt, dtype=np.float64)
        ok = np.isfinite(b) & np.isfinite(a)
        b, a = b[ok], a[ok]
        n = len(b)
        if n and (b > 0).all() and (a > 0).all():
            m, lo, hi = interval(np.log(a) - np.log(b))
            return cls(_exp(m), _exp(lo), _exp(hi), n, "log-t")
        with np.errstate(over="ignore"):
            mean = float(a.mean() / b.mean()) if n and b.mean() > 0 else math.nan
        if n < 2 or not math.isfinite(mean):
            return cls(mean, math.nan, math.nan, n, "bootstrap")

        def of(i: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return a[i].mean(axis=-1) / b[i].mean(axis=-1)

        lo, hi = _bootstrap(of, n)
        return cls(mean, lo, hi, n, "bootstrap")


BOOTSTRAP = 4000
"""Resamples of every bootstrap interval (fixed generator: the same data give the same
interval)."""


def _exp(x: float) -> float:
    """``exp(x)``: inf beyond the float range, NaN for NaN."""
    if math.isnan(x):
        return math.nan
    return math.exp(x) if x < 709.0 else math.inf


def resamples(stat: Any, n: int) -> np.ndarray:
    """``stat`` over :data:`BOOTSTRAP` resamples of ``n`` seeds drawn with replacement.

    ``stat`` maps an index array of shape (resamples, n) to one value per resample;
    non-finite values (a zero denominator) are dropped. The generator is fixed.
    """
    idx = np.random.default_rng(0).integers(0, n, size=(BOOTSTRAP, n))
    v = np.asarray(stat(idx), dtype=np.float64)
    return v[np.isfinite(v)]


def _bootstrap(stat: Any, n: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat`` over ``n`` seeds (:func:`resamples`)."""
    v = resamples(stat, n)
    if not len(v):
        return math.nan, math.nan
    q = 100 * (1 - level) / 2
    return float(np.percentile(v, q)), float(np.percentile(v, 100 - q))


def paired_difference(a: Any, b: Any, base: str, alt: str) -> dict[str, float | int]:
    """Arm means and the mean paired difference ``b - a`` with its 95 % t interval.

    Args:
        a: the base arm's value per seed, shape (n_seeds,).
        b: the other arm's value for the same seeds, in the same order.
        base: column name of the base arm's mean.
        alt: column name of the other arm's mean.

    Returns:
        ``{"n", base, alt, "diff", "diff_lo", "diff_hi"}``; ``n`` counts the seeds with
        a finite difference.
    """
    d = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    mean, lo, hi = interval(d)
    return {
        "n": int(np.isfinite(d).sum()),
        base: interval(a)[0],
        alt: interval(b)[0],
        "diff": mean,
        "diff_lo": lo,
        "diff_hi": hi,
    }


def pooled_difference(wide: Any, base: str, alt: str) -> dict[str, float | int]:
    """The design-averaged paired difference ``alt - base``, t interval over seeds.

    Runs sharing a seed are not independent, so each seed's differences are averaged
    over design points first and the interval is taken over seeds.

    Args:
        wide: a pandas frame indexed by (point, seed) with one column per arm.
        base: the base arm's column.
        alt: the other arm's column.

    Returns:
        ``{"seeds", base, alt, "diff", "diff_lo", "diff_hi"}``.
    """
    per_seed = (wide[alt] - wide[base]).groupby(level="seed").mean()
    mean, lo, hi = interval(per_seed.to_numpy())
    return {
        "seeds": int(per_seed.notna().sum()),
        base: float(wide[base].mean()),
        alt: float(wide[alt].mean()),
        "diff": mean,
        "diff_lo": lo,
        "diff_hi": hi,
    }


def paired(frame: Any, base: str, alt: str) -> Any:
    """Paired differences ``alt - base`` per metric and group, with 95 % t intervals.

    Args:
        frame: tidy runs, columns ``scenario, seed, metric, group, value``.
        base: the base scenario.
        alt: the other scenario.

    Returns:
        A pandas frame, one row per (metric, group): ``n``, both arm means, ``diff``,
        ``diff_lo``, ``diff_hi``.
    """
    import pandas as pd

    wide = frame.pivot_table(
        index=["metric", "group", "seed"], columns="scenario", values="value", aggfunc="first"
    )
    rows = []
    for (metric, group), sub in wide.groupby(level=[0, 1], sort=False):
        row = paired_difference(sub[base].to_numpy(), sub[alt].to_numpy(), base, alt)
        rows.append({"metric": metric, "group": group, **row})
    return pd.DataFrame(rows)


def probability_beyond(x: Sequence[float], bound: float, at_most: bool) -> float:
    """Probability that the expected value of ``x`` is at most (or at least) ``bound``.

    The t posterior of a mean under a flat prior, from the finite values of ``x``; NaN
    with fewer than two, and 0 or 1 when they do not vary.
    """
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if len(a) < 2:
        return math.nan
    m, se = float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a)))
    if se == 0:
        meets = m <= bound if at_most else m >= bound
        return 1.0 if meets else 0.0
    from scipy import stats

    cdf = float(stats.t.cdf((bound - m) / se, len(a) - 1))
    return cdf if at_most else 1.0 - cdf


GREEN_BOOK_RATE = 0.035
"""HM Treasury Green Book social time preference rate: 3.5 % a year (years 0 to 30)."""


def present_value(stream: Any, rate: float = GREEN_BOOK_RATE) -> float:
    """Present value of a yearly stream, the first year undiscounted (Green Book year 0).

    ``sum(stream[t] / (1 + rate) ** t)`` for ``t = 0, 1, ...``: year 1 of a run is the
    present, year 2 is discounted once, and so on. A constant stream of ``a`` over ``n``
    years is the annuity due ``a * (1 - (1 + rate) ** -n) / rate * (1 + rate)``.
    """
    x = np.asarray(stream, dtype=np.float64)
    return float((x / (1.0 + rate) ** np.arange(len(x))).sum())
