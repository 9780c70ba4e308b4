"""Probabilistic sensitivity analysis (PSA): outcomes over plausible worlds, not one world.

A seed-only interval holds the model's parameters at their defaults and varies only the
random numbers. A PSA draws ``N`` parameter sets (*plausible worlds*) from an ensemble
(:mod:`carecomplex.calibration.ensemble`: the calibrated posterior, or the priors alone
with ``--ensemble prior``) and runs every draw with every seed and both arms:

- the tasks are draw x seed x arm; each arm's parameters are ``apply(arm, draw)``; the
  calibrated parameters are world parameters (no levers), so both arms of a draw live
  in the same world, and both run with the same seed (common random numbers); every
  draw uses the same seed list;
- the runs go through :func:`carecomplex.experiments.simulate.simulate` (in this process,
  a spawned process pool or a Dask client's executor), like every other command;
- each paired outcome is summarised over draws and seeds together (mean and the 2.5 and
  97.5 percentiles of the paired differences: an interval over parameters *and* seeds),
  and per draw (seeds averaged) for the *share of plausible worlds* in which something
  holds;
- :func:`ceac` gives the cost-effectiveness acceptability curve and :func:`ce_figure`
  the cost-effectiveness plane beside it;
- :func:`switching_values` names the parameters a conclusion depends on and the value
  at which it would flip, and :func:`footing` says whether those parameters are
  constrained by the calibration targets or rest on their priors alone.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex.calibration.ensemble import Ensemble, apply, load
from carecomplex.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

MAX_DRAWS = 100_000
DEFAULT_SEED = 20240
"""Default ``--psa-seed``: the draws, not the runs (the runs use ``--seeds``)."""
LEVEL = 0.95
LAMBDAS = tuple(float(x) for x in np.arange(0, 500_001, 5_000))
"""Default willingness to pay for the CEAC: GBP 0 to 500,000 per wellbeing-year (a
wellbeing-year is small beside a person-year's cost, so the curve may rise late)."""
MARKS = (20_000.0, 30_000.0)
"""Willingness to pay marked on the CEAC (the NICE range per QALY, for orientation)."""
COST_KEY = "cost_total:complex"
EFFECT_KEY = "wellbeing:complex"


# ---------------------------------------------------------------------------------
# Draws


@dataclass(frozen=True)
class Draws:
    """The ``N`` parameter sets of a PSA, and where they came from."""

    values: list[dict[str, float]]
    ensemble: Ensemble
    seed: int

    @property
    def n(self) -> int:
        """Number of draws."""
        return len(self.values)

    @property
    def parameters(self) -> list[str]:
        """The drawn parameters, ``group.name``."""
        return self.ensemble.parameters

    @property
    def kind(self) -> str:
        """``prior`` (draws from the priors alone), or the ensemble's recorded kind."""
        if self.ensemble.path == "prior":
            return "prior"
        return str(self.ensemble.meta.get("kind", "posterior"))

    @property
    def source(self) -> str:
        """Where the draws come from, in words."""
        if self.ensemble.path == "prior":
            return "the priors alone"
        if self.kind == "prior":
            return f"{self.ensemble.path} (drawn from the priors, not calibrated)"
        if self.ensemble.path == "shipped":
            return "the shipped ensemble (docs/calibration.md)"
        return f"the ensemble {self.ensemble.path}"

    def frame(self) -> pd.DataFrame:
        """One row per draw: ``draw`` and one column per parameter."""
        import pandas as pd

        f = pd.DataFrame(self.values, columns=self.parameters)
        f.insert(0, "draw", np.arange(self.n, dtype=np.int64))
        return f

    def describe(self) -> dict[str, Any]:
        """For manifests: the ensemble's path and kind, N and the draw seed."""
        return {
            "ensemble": self.ensemble.path,
            "kind": self.kind,
            "source": self.source,
            "draws": self.n,
            "psa_seed": self.seed,
            "parameters": self.parameters,
        }


def draws(n: int, ref: str | None = None, seed: int = DEFAULT_SEED) -> Draws:
    """``n`` draws from the ensemble ``ref`` (see :func:`~.ensemble.load`), seeded.

    Raises :class:`~carecomplex.calibration.targets.CalibrationError` (one line) for a
    bad ensemble and :class:`UsageError` for ``n`` outside 1..:data:`MAX_DRAWS`.
    """
    if not 1 <= n <= MAX_DRAWS:
        raise UsageError(f"--psa: expected 1 to {MAX_DRAWS} draws, got {n}")
    ens = load(ref)
    return Draws(ens.draw(n, seed), ens, seed)


def add_options(parser: Any, seeds: bool = False) -> None:
    """``--psa N``, ``--ensemble REF``, ``--psa-seed S`` (and ``--psa-seeds K``)."""
    from carecomplex.console import bounded_int

    parser.add_argument(
        "--psa",
        type=bounded_int(1, MAX_DRAWS, " draws"),
        metavar="N",
        help="probabilistic sensitivity analysis: N parameter draws from the ensemble",
    )
    parser.add_argument(
        "--ensemble",
        metavar="REF",
        help="with --psa: shipped (default), prior (the priors alone) or an ensemble file",
    )
    parser.add_argument(
        "--psa-seed",
        type=bounded_int(0, 2**63 - 1),
        metavar="S",
        help=f"with --psa: seed of the parameter draws (default {DEFAULT_SEED})",
    )
    if seeds:
        parser.add_argument(
            "--psa-seeds",
            type=bounded_int(1, 1000),
            metavar="K",
            help="with --psa: seeds per draw (the first K of each claim's seeds; default 2)",
        )


def from_args(args: Any) -> Draws | None:
    """The draws the ``--psa`` options ask for (None without ``--psa``); checks first."""
    if args.psa is None:
        extra = [
            o
            for o, v in (
                ("--ensemble", args.ensemble),
                ("--psa-seed", args.psa_seed),
                ("--psa-seeds", getattr(args, "psa_seeds", None)),
            )
            if v is not None
        ]
        if extra:
            raise UsageError(f"{', '.join(extra)}: only with --psa N")
        return None
    seed = DEFAULT_SEED if args.psa_seed is None else args.psa_seed
    return draws(args.psa, args.ensemble, seed)


@contextmanager
def executor_for(scheduler: str | None, workers: int | None, n_tasks: int) -> Iterator[Any]:
    """An executor for ``n_tasks`` runs: a Dask client's, local processes, or None (here)."""
    from carecomplex import console
    from carecomplex.experiments.simulate import process_pool

    if scheduler:
        client = console.connect(scheduler)
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    n = min(workers or 1, n_tasks)
    if n > 1:
        with process_pool(n) as pool:
            yield pool
    else:
        yield None


# ---------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class PsaRun:
    """One run of a PSA: an arm in one drawn world with one seed (small, picklable)."""

    draw: int
    arm: str
    params: Any
    seed: int


def tasks(arms: Mapping[str, Any], d: Draws, seeds: Sequence[int]) -> list[PsaRun]:
    """Every run: draw x seed x arm (arms adjacent so a pair finishes together).

    Both arms of a draw get the same parameter set laid over them and the same seed.
    """
    out = []
    for i, values in enumerate(d.values):
        for s in seeds:
            out += [PsaRun(i, name, apply(p, values), s) for name, p in arms.items()]
    return out


def run_summary(run: PsaRun) -> tuple[int, str, int, dict[str, float]]:
    """Run one task to the end: (draw, arm, seed, summary metrics)."""
    from carecomplex.experiments.simulate import summarise

    return run.draw, run.arm, run.seed, summarise(run.params, run.seed)


def run(
    arms: Mapping[str, Any],
    d: Draws,
    seeds: Sequence[int],
    executor: Any = None,
    progress: Callable[[Any], None] | None = None,
) -> pd.DataFrame:
    """Run every draw x seed x arm; long results ``draw, seed, arm, metric, group, value``."""
    import pandas as pd

    from carecomplex.experiments.simulate import simulate

    results = simulate(tasks(arms, d, seeds), run_summary, executor, progress)
    keys = list(dict.fromkeys(k for r in results for k in r[3]))
    values = np.array([[r[3].get(k, math.nan) for k in keys] for r in results], dtype=np.float64)
    parts = [k.partition(":") for k in keys]
    n, k = len(results), len(keys)
    return pd.DataFrame(
        {
            "draw": np.repeat(np.array([r[0] for r in results], dtype=np.int64), k),
            "seed": np.repeat(np.array([r[2] for r in results], dtype=np.int64), k),
            "arm": np.repeat(np.array([r[1] for r in results], dtype=object), k),
            "metric": np.tile(np.array([m for m, _, _ in parts], dtype=object), n),
            "group": np.tile(np.array([g or "all" for _, _, g in parts], dtype=object), n),
            "value": values.ravel(),
        }
    )


# ---------------------------------------------------------------------------------
# Summaries


def spread(x: Any, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and central ``level`` percentile interval of the finite values of ``x``."""
    a = np.asarray(x, dtype=np.float64)
    a = a[np.isfinite(a)]
    if not len(a):
        return math.nan, math.nan, math.nan
    tail = 100 * (1 - level) / 2
    return float(a.mean()), float(np.percentile(a, tail)), float(np.percentile(a, 100 - tail))


def paired_wide(long: pd.DataFrame, base: str, alt: str) -> pd.DataFrame:
    """Per (metric, group, draw, seed): both arms' values and ``diff = alt - base``."""
    wide = long.pivot_table(
        index=["metric", "group", "draw", "seed"], columns="arm", values="value", aggfunc="first"
    )
    wide = wide[[base, alt]].copy()
    wide["diff"] = wide[alt] - wide[base]
    return wide


def per_draw(long: pd.DataFrame, base: str, alt: str, key: str) -> pd.Series:
    """The mean paired difference of ``metric:group`` per draw (seeds averaged)."""
    metric, _, group = key.partition(":")
    wide = paired_wide(long[(long.metric == metric) & (long.group == (group or "all"))], base, alt)
    return wide["diff"].groupby(level="draw").mean()


def summary(long: pd.DataFrame, base: str, alt: str) -> pd.DataFrame:
    """Per (metric, group): arm means, paired difference over worlds, share of worlds.

    The mean paired difference with its 95 % interval over draws and seeds together,
    and the share of worlds (draws, seeds averaged) with diff < 0 (and > 0).

    Columns ``metric, group, n, draws, <base>, <alt>, diff, diff_lo, diff_hi,
    share_below_0, share_above_0``.
    """
    import pandas as pd

    wide = paired_wide(long, base, alt)
    rows = []
    for (metric, group), sub in wide.groupby(level=[0, 1], sort=False):
        mean, lo, hi = spread(sub["diff"])
        worlds = sub["diff"].groupby(level="draw").mean().dropna()
        rows.append(
            {
                "metric": metric,
                "group": group,
                "n": int(np.isfinite(sub["diff"]).sum()),
                "draws": len(worlds),
                base: float(sub[base].mean()),
                alt: float(sub[alt].mean()),
                "diff": mean,
                "diff_lo": lo,
                "diff_hi": hi,
                "share_below_0": float((worlds < 0).mean()) if len(worlds) else math.nan,
                "share_above_0": float((worlds > 0).mean()) if len(worlds) else math.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------
# Cost-effectiveness


def ceac(dcost: Any, deffect: Any, lambdas: Sequence[float] = LAMBDAS) -> pd.DataFrame:
    """Cost-effectiveness acceptability curve.

    For each willingness to pay ``lambda`` (GBP per wellbeing-year; wellbeing is 0-1 per
    person-year), the share of draws with positive net monetary benefit
    ``lambda * dE - dC > 0``, where ``dC`` and ``dE`` are each draw's mean paired
    differences in cost and effect (seeds averaged). Draws with a non-finite ``dC`` or
    ``dE`` are left out.

    Returns:
        Columns ``wtp`` and ``p_cost_effective``.
    """
    import pandas as pd

    dc, de = np.asarray(dcost, dtype=np.float64), np.asarray(deffect, dtype=np.float64)
    ok = np.isfinite(dc) & np.isfinite(de)
    dc, de = dc[ok], de[ok]
    lam = np.asarray(lambdas, dtype=np.float64)
    if not len(dc):
        p = np.full(len(lam), math.nan)
    else:
        p = ((lam[:, None] * de[None, :] - dc[None, :]) > 0).mean(axis=1)
    return pd.DataFrame({"wtp": lam, "p_cost_effective": p})


def ce_figure(dcost: Any, deffect: Any, curve: pd.DataFrame, title: str = "") -> bytes:
    """PNG: the cost-effectiveness plane (one point per draw) beside the CEAC."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    dc, de = np.asarray(dcost, dtype=float), np.asarray(deffect, dtype=float)
    ax.scatter(de, dc, s=12, color="#2166ac", alpha=0.7)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("difference in wellbeing per person-year (0-1 scale)")
    ax.set_ylabel("difference in cost per person-year (GBP)")
    ax.set_title("cost-effectiveness plane: one point per plausible world", fontsize=9)
    ax2.plot(curve["wtp"] / 1000, curve["p_cost_effective"], color="#1b7837")
    for w in MARKS:
        ax2.axvline(w / 1000, color="grey", ls=":", lw=0.8)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel("willingness to pay (GBP thousand per wellbeing-year)")
    ax2.set_ylabel("share of worlds cost-effective")
    ax2.set_title("cost-effectiveness acceptability curve", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


# ---------------------------------------------------------------------------------
# Switching values and footing


@dataclass(frozen=True)
class Ranges:
    """A parameter's ranges: the ensemble's 95 %, its prior's and its allowed range."""

    ensemble: tuple[float, float]
    prior: tuple[float, float] | None
    allowed: tuple[float, float]


def ranges(ens: Ensemble) -> dict[str, Ranges]:
    """The ranges of every parameter of ``ens`` (prior None where none is recorded)."""
    from carecomplex.params import describe

    allowed = {f"{d['group']}.{d['name']}": (float(d["lo"]), float(d["hi"])) for d in describe()}
    priors = {p.key: (p.lo, p.hi) for p in ens.priors}
    lo, hi = ens.quantile(0.025), ens.quantile(0.975)
    return {
        k: Ranges((lo[k], hi[k]), priors.get(k), allowed.get(k, (-math.inf, math.inf)))
        for k in ens.parameters
    }


@dataclass(frozen=True)
class Switch:
    """Where a conclusion flips as one parameter moves (the others at their medians)."""

    parameter: str
    rho: float  # Spearman rank correlation of the per-draw effect with the parameter
    value: float  # the switching value (NaN: none)
    where: str  # "ensemble", "prior", "allowed" or "none"
    holds_above: bool  # the conclusion holds for values above ``value``
    holds_now: bool  # it holds at the medians
    method: str  # "regression" or "univariate"
    sentence: str = field(default="")


def _g(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "n/a"


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    r = float(spearmanr(x, y).statistic)
    return r if math.isfinite(r) else 0.0


def _fit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares coefficients of ``y`` on ``[1, X]``."""
    A = np.column_stack([np.ones(len(y)), X])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def _where(v: float, r: Ranges | None) -> str:
    if r is None or not math.isfinite(v):
        return "none"
    if r.ensemble[0] <= v <= r.ensemble[1]:
        return "ensemble"
    if r.prior is not None and r.prior[0] <= v <= r.prior[1]:
        return "prior"
    if r.allowed[0] <= v <= r.allowed[1]:
        return "allowed"
    return "none"


def sentence(s: Switch, r: Ranges | None) -> str:
    """The "what you would have to believe" sentence of a switching value."""
    if s.where == "none":
        return f"no value of {s.parameter} alone flips it"
    op = ">=" if s.holds_above else "<="
    head = "fails if" if s.holds_now else "holds only if"
    if s.holds_now:
        op = "<=" if s.holds_above else ">="
    text = f"{head} {s.parameter} {op} {_g(s.value)}"
    if r is None:
        return text
    parts = [f"ensemble 95 %: {_g(r.ensemble[0])}-{_g(r.ensemble[1])}"]
    if r.prior is not None:
        parts.append(f"prior {_g(r.prior[0])}-{_g(r.prior[1])}")
    if s.where == "allowed":
        parts.append(f"allowed {_g(r.allowed[0])}-{_g(r.allowed[1])}")
    note = {
        "ensemble": "inside the ensemble's 95 % range",
        "prior": "outside the ensemble's 95 % range, inside the prior",
        "allowed": "outside the prior, inside the allowed range only",
    }.get(s.where)
    if note:
        parts.append(note)
    return f"{text} ({'; '.join(parts)})"


def switching_values(
    X: pd.DataFrame,
    y: Any,
    bound: float,
    at_most: bool,
    ranges: Mapping[str, Ranges] | None = None,
    top: int = 3,
) -> list[Switch]:
    """The most influential parameters and the values at which the conclusion flips.

    Method (a regression metamodel, as in regression-based PSA and the switching values
    of decision analysis): each parameter's influence is the absolute Spearman rank
    correlation of the per-draw effect ``y`` with its values in ``X`` (one row per draw);
    the ``top`` most influential are kept. The effect is then fitted as a linear function
    of *all* parameters by least squares when there are enough draws (``N > p + 2``),
    otherwise of the one parameter alone (univariate). With the other parameters at
    their medians, the fitted effect crosses ``bound`` at
    ``x* = (bound - c) / b`` (``b`` the parameter's slope, ``c`` the fitted effect at
    ``x = 0``): the switching value. It is placed in the ensemble's 95 % range, the
    prior's range, only the allowed range, or nowhere (then no value of the parameter
    alone flips the conclusion).

    The conclusion is "the effect meets the bound": ``effect <= bound`` if ``at_most``,
    else ``effect >= bound``.

    Args:
        X: parameter values per draw (columns ``group.name``; other columns ignored if
            not in ``ranges`` when ``ranges`` is given).
        y: the per-draw effect (seeds averaged), in the order of ``X``'s rows.
        bound: the conclusion's bound.
        at_most: the conclusion holds at or below ``bound`` (else at or above).
        ranges: the parameters' ranges (:func:`ranges`), for placing switching values.
        top: how many parameters to report.
    """
    cols = [c for c in X.columns if c != "draw" and (ranges is None or c in ranges)]
    yv = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(yv)
    Xv = X[cols].to_numpy(dtype=np.float64)[ok]
    yv = yv[ok]
    if len(yv) < 2 or not cols:
        return []
    rho = np.array([_spearman(Xv[:, j], yv) for j in range(len(cols))])
    varies = np.ptp(Xv, axis=0) > 0
    order = [j for j in np.argsort(-np.abs(rho), kind="stable") if varies[j]][:top]
    med = np.median(Xv, axis=0)
    regression = len(yv) > len(cols) + 2
    coef = _fit(Xv[:, varies], yv) if regression else None
    full = np.zeros(len(cols) + 1)
    if coef is not None:
        full[0] = coef[0]
        full[1:][varies] = coef[1:]
    out = []
    for j in order:
        if regression:
            c = full[0] + float(np.dot(np.delete(full[1:], j), np.delete(med, j)))
            b = full[1 + j]
        else:
            c, b = _fit(Xv[:, [j]], yv)
        at_med = c + b * med[j]
        holds_now = bool(at_med <= bound if at_most else at_med >= bound)
        value = (bound - c) / b if b != 0 and math.isfinite(b) else math.nan
        key = cols[j]
        r = ranges.get(key) if ranges is not None else None
        where = _where(value, r) if r is not None else ("none" if math.isnan(value) else "any")
        holds_above = bool((b < 0) if at_most else (b > 0))
        s = Switch(
            key,
            float(rho[j]),
            float(value),
            where,
            holds_above,
            holds_now,
            "regression" if regression else "univariate",
        )
        out.append(replace(s, sentence=sentence(s, r)))
    return out


def footing(d: Draws, influential: Sequence[str]) -> str:
    """Whether a verdict rests on calibrated evidence or on priors alone.

    It rests on calibrated evidence when its most influential parameters are informed
    by the targets (:meth:`~.ensemble.Ensemble.informed`); draws from the priors alone
    (``--ensemble prior``, or an ensemble of kind ``prior``) rest on priors throughout.
    """
    keys = list(influential)
    if d.kind == "prior":
        return "rests on priors alone (the ensemble is drawn from the priors, not calibrated)"
    if not keys:
        return "footing unknown (too few worlds with a finite effect to rank the parameters)"
    informed = d.ensemble.informed()
    loose = [k for k in keys if not informed.get(k, False)]
    if not loose:
        return "rests on calibrated evidence"
    if len(loose) == len(keys):
        return (
            f"rests on priors alone (the targets narrow none of {', '.join(loose)} on its "
            "own; at most their combinations)"
        )
    return f"rests partly on priors (the targets narrow none of {', '.join(loose)} on its own)"


__all__ = [
    "COST_KEY",
    "DEFAULT_SEED",
    "EFFECT_KEY",
    "LAMBDAS",
    "MAX_DRAWS",
    "Draws",
    "PsaRun",
    "Ranges",
    "Switch",
    "add_options",
    "ce_figure",
    "ceac",
    "draws",
    "executor_for",
    "footing",
    "from_args",
    "paired_wide",
    "per_draw",
    "ranges",
    "run",
    "run_summary",
    "sentence",
    "spread",
    "summary",
    "switching_values",
    "tasks",
]
