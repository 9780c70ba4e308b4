"""From paired runs to a verdict: rates, effects, intervals, the screen and the check.

:func:`check` runs every paired run its claims need (:func:`tasks`, through
:func:`carecomplex.experiments.simulate.simulate`) and :func:`summarise` turns each
claim's pairs into estimates with t intervals (:mod:`carecomplex.stats`), the
probability that the claim holds, a verdict and its reason, the naive before-after
estimate, the trajectory and the sensitivity screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carecomplex.calibration.psa import Draws, Switch, footing, ranges, spread, switching_values
from carecomplex.claims.appraisal import AppraisalResult, appraise
from carecomplex.claims.pairs import ArmSeries, PairResult, PairTask, measure
from carecomplex.claims.spec import METRICS, Claim, arms, screen_params
from carecomplex.stats import Estimate, probability_beyond

PSA_POINT = "psa:"
"""Point names of the PSA's paired runs: ``psa:<draw>``."""
DEFAULT_PSA_SEEDS = 2


def _at(snap: np.ndarray, week: int) -> int:
    return int(np.searchsorted(snap, week))


def rate(
    series: ArmSeries, snap: np.ndarray, window: tuple[int, int], scale: float, part: str = "value"
) -> float:
    """Per person-year rate of the metric (or its cashable part) over ``window``."""
    a, b = _at(snap, window[0]), _at(snap, window[1])
    x = getattr(series, part)
    pw = series.weeks[b] - series.weeks[a]
    return float(scale * (x[b] - x[a]) / (pw / 52.0)) if pw > 0 else math.nan


def effect_of(claim: Claim, base: float, alt: float) -> float:
    """The claim's effect measure for two rates (baseline then intervention)."""
    if claim.effect == "ratio":
        return alt / base if base > 0 else math.nan
    if claim.effect == "difference":
        return alt - base
    saving = base - alt
    if claim.effect == "national":
        assert claim.national is not None
        return saving * claim.national.count
    return saving


def p_holds(claim: Claim, x: Sequence[float]) -> float:
    """Probability that the expected effect meets the claim's bound (t posterior, flat prior)."""
    return probability_beyond(x, claim.bound, claim.at_most)


def verdict(claim: Claim, lo: float, hi: float, mean: float) -> tuple[str, str]:
    """Verdict and its reason in words.

    Supported if the whole 95 % interval meets the claim's bound, not supported if none of
    it does, otherwise inconclusive.
    """
    b = claim.bound
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive", "too few finite paired results for an interval"
    u = "£" if METRICS[claim.metric].is_cost and claim.effect != "ratio" else ""
    side = f"{'at most' if claim.at_most else 'at least'} {fmt(b, u)}"
    span = f"the model's 95 % interval [{fmt(lo, u)}, {fmt(hi, u)}]"
    if (claim.at_most and hi <= b) or (not claim.at_most and lo >= b):
        return "supported", f"{span} lies wholly within the claim ({side})"
    if (claim.at_most and lo > b) or (not claim.at_most and hi < b):
        return "not supported", f"{span} lies wholly outside the claim ({side})"
    return "inconclusive", f"{span} straddles the claim's bound ({side})"


def fmt(x: float | None, unit: str = "") -> str:
    """A number for people: millions and billions shortened, NaN as n/a.

    Money when ``unit`` starts with £.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    money = unit.startswith("£")
    sign, a = ("-" if x < 0 else ""), abs(x)
    pound = "£" if money else ""
    if a >= 1e9:
        return f"{sign}{pound}{a / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"{sign}{pound}{a / 1e6:,.1f}m"
    if a >= 1000 or (money and a >= 10):
        return f"{sign}{pound}{a:,.0f}"
    if a >= 1:
        return f"{sign}{pound}{a:,.2f}"
    return f"{sign}{pound}{a:.3g}"


@dataclass
class ScreenRow:
    """The effect and verdict with one parameter moved to one multiple of its value."""

    parameter: str
    multiple: float
    value: float
    effect: Estimate
    p_holds: float
    verdict: str
    moves_verdict: bool


@dataclass
class ClaimResult:
    """Everything the checker found for one claim."""

    claim: Claim
    effect: Estimate
    p_holds: float
    verdict: str
    reason: str
    rates: tuple[Estimate, Estimate]  # baseline, intervention per person-year in window
    before_after: tuple[Estimate, Estimate]  # naive effect in baseline and intervention arms
    cashable: Estimate | None
    non_cashable: Estimate | None
    national: Estimate | None
    trajectory: dict[str, np.ndarray]  # weeks, baseline/intervention mean rate per bin
    screen: list[ScreenRow]
    cohort: float
    seconds: float
    pairs: list[PairResult] = field(repr=False, default_factory=list)
    psa: PsaResult | None = None
    appraisal: AppraisalResult | None = None


@dataclass
class PsaResult:
    """A claim over plausible worlds: draws x seeds of the paired effect (``--psa``).

    ``effect`` is the mean effect with the 2.5 and 97.5 percentiles of the paired effects
    over draws and seeds together; ``per_draw`` each draw's mean effect (seeds averaged);
    ``share_holds`` the share of draws whose mean effect meets the claim's bound;
    ``switches`` the switching values of the most influential parameters and
    ``footing`` whether the verdict rests on calibrated evidence or on priors alone.
    """

    effect: Estimate
    per_draw: np.ndarray
    share_holds: float
    switches: list[Switch]
    footing: str
    draws: dict[str, Any]
    seeds: int
    runs: list[tuple[int, int, float]] = field(repr=False, default_factory=list)


def _per_seed(
    claim: Claim, pairs: Sequence[PairResult], window: tuple[int, int], part: str = "value"
) -> tuple[np.ndarray, np.ndarray]:
    scale = METRICS[claim.metric].scale
    b = np.array([rate(p.arms[0], p.snap, window, scale, part) for p in pairs])
    i = np.array([rate(p.arms[1], p.snap, window, scale, part) for p in pairs])
    return b, i


def effects(claim: Claim, pairs: Sequence[PairResult]) -> np.ndarray:
    """The claim's effect for each paired seed."""
    b, i = _per_seed(claim, pairs, claim.window)
    return np.array([effect_of(claim, x, y) for x, y in zip(b, i, strict=True)])


def _naive(claim: Claim, pairs: Sequence[PairResult], arm: int) -> np.ndarray:
    """Before-after on one arm: the claim's effect of 'before' window -> claim window."""
    scale = METRICS[claim.metric].scale
    out = []
    for p in pairs:
        before = rate(p.arms[arm], p.snap, claim.before, scale)
        after = rate(p.arms[arm], p.snap, claim.window, scale)
        out.append(effect_of(claim, before, after))
    return np.array(out)


def _trajectory(claim: Claim, pairs: Sequence[PairResult]) -> dict[str, np.ndarray]:
    """Mean rate per person-year in each snapshot interval, by arm, with 5-95 % bands."""
    scale = METRICS[claim.metric].scale
    if not pairs:
        return {}
    snap = pairs[0].snap
    spans = list(zip(snap[:-1].tolist(), snap[1:].tolist(), strict=True))
    out: dict[str, np.ndarray] = {"start": snap[:-1], "end": snap[1:]}
    per = {}
    for arm, name in ((0, "baseline"), (1, "intervention")):
        per[name] = np.array([[rate(p.arms[arm], p.snap, w, scale) for w in spans] for p in pairs])
        out[name] = np.nanmean(per[name], axis=0)
        out[f"{name}_lo"] = np.nanpercentile(per[name], 5, axis=0)
        out[f"{name}_hi"] = np.nanpercentile(per[name], 95, axis=0)
    out["difference"] = np.nanmean(per["intervention"] - per["baseline"], axis=0)
    return out


def summarise(
    claim: Claim, pairs: Sequence[PairResult], screen: list[ScreenRow], seconds: float
) -> ClaimResult:
    """Turn paired results into estimates, a verdict and its reason."""
    e = effects(claim, pairs)
    est = Estimate.of(e)
    v, reason = verdict(claim, est.lo, est.hi, est.mean)
    b, i = _per_seed(claim, pairs, claim.window)
    cash = non = None
    if METRICS[claim.metric].is_cost and claim.effect != "ratio":
        cb, ci = _per_seed(claim, pairs, claim.window, "cashable")
        sign = 1.0 if claim.effect == "difference" else -1.0
        cash = Estimate.of(sign * (ci - cb))
        non = Estimate.of(sign * ((i - ci) - (b - cb)))
    nat = None
    if claim.national is not None:
        nat = Estimate.of((b - i) * claim.national.count)
    return ClaimResult(
        claim=claim,
        effect=est,
        p_holds=p_holds(claim, e),
        verdict=v,
        reason=reason,
        rates=(Estimate.of(b), Estimate.of(i)),
        before_after=(Estimate.of(_naive(claim, pairs, 0)), Estimate.of(_naive(claim, pairs, 1))),
        cashable=cash,
        non_cashable=non,
        national=nat,
        trajectory=_trajectory(claim, pairs),
        screen=screen,
        cohort=float(np.mean([p.cohort for p in pairs])) if pairs else math.nan,
        seconds=seconds,
        pairs=list(pairs),
    )


def tasks(claim: Claim, screen: bool = True) -> list[PairTask]:
    """Every paired run a claim needs: all seeds at the defaults, then the screen."""
    base, alt = arms(claim)
    out = [PairTask(claim, s, "default", base, alt) for s in claim.seeds]
    if screen:
        for key, (lo, hi) in claim.screen.items():
            for mult in (lo, hi):
                b, a = screen_params(claim, key, mult, (base, alt))
                point = f"{key}@{mult:g}"
                out += [PairTask(claim, s, point, b, a) for s in claim.seeds[: claim.screen_seeds]]
    return out


def psa_tasks(claim: Claim, drawn: Draws, seeds: int = DEFAULT_PSA_SEEDS) -> list[PairTask]:
    """The PSA's paired runs: every draw laid over both arms, the claim's first seeds.

    Both arms of a draw share its parameter set and each seed (common random numbers),
    and every draw uses the same seeds.
    """
    from carecomplex.calibration.ensemble import apply

    base, alt = arms(claim)
    out = []
    for i, values in enumerate(drawn.values):
        b, a = apply(base, values), apply(alt, values)
        out += [PairTask(claim, s, f"{PSA_POINT}{i}", b, a) for s in claim.seeds[:seeds]]
    return out


def holds(claim: Claim, x: Any) -> np.ndarray:
    """Whether each effect meets the claim's bound (False where not finite)."""
    a = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.isfinite(a) & ((a <= claim.bound) if claim.at_most else (a >= claim.bound))


def psa_summarise(
    claim: Claim, by_point: Mapping[str, list[PairResult]], drawn: Draws, seeds: int
) -> PsaResult:
    """The claim over plausible worlds: effect spread, share of worlds, switching values."""
    per_draw = np.full(drawn.n, math.nan)
    every: list[float] = []
    runs = []
    for i in range(drawn.n):
        pairs = by_point.get(f"{PSA_POINT}{i}", [])
        e = effects(claim, pairs)
        runs += [(i, p.seed, float(x)) for p, x in zip(pairs, e, strict=True)]
        every += e.tolist()
        finite = e[np.isfinite(e)]
        if len(finite):
            per_draw[i] = float(finite.mean())
    mean, lo, hi = spread(every)
    est = Estimate(mean, lo, hi, int(np.isfinite(every).sum()))
    ok = np.isfinite(per_draw)
    share = float(holds(claim, per_draw[ok]).mean()) if ok.any() else math.nan
    X = drawn.frame()
    switches = switching_values(X, per_draw, claim.bound, claim.at_most, ranges(drawn.ensemble))
    foot = footing(drawn, [s.parameter for s in switches])
    return PsaResult(est, per_draw, share, switches, foot, drawn.describe(), seeds, runs)


def _screen_rows(claim: Claim, default: str, by_point: Mapping[str, list[PairResult]]):
    rows = []
    _, alt = arms(claim)
    for key, (lo, hi) in claim.screen.items():
        group, name = key.split(".")
        value = getattr(getattr(alt, group), name)  # the intervention arm's value
        for mult in (lo, hi):
            pairs = by_point.get(f"{key}@{mult:g}", [])
            e = effects(claim, pairs)
            est = Estimate.of(e)
            v, _ = verdict(claim, est.lo, est.hi, est.mean)
            rows.append(ScreenRow(key, mult, value * mult, est, p_holds(claim, e), v, v != default))
    rows.sort(key=lambda r: -abs(r.effect.mean - _default_mean(by_point, claim)))
    return rows


def _default_mean(by_point: Mapping[str, list[PairResult]], claim: Claim) -> float:
    e = effects(claim, by_point.get("default", []))
    e = e[np.isfinite(e)]
    return float(e.mean()) if len(e) else 0.0


def check(
    claims: Sequence[Claim],
    executor: Executor | None = None,
    screen: bool = True,
    progress: Callable[[PairResult], None] | None = None,
    psa: Draws | None = None,
    psa_seeds: int = DEFAULT_PSA_SEEDS,
) -> list[ClaimResult]:
    """Run every paired run the claims need (on ``executor`` if given) and summarise.

    With ``psa`` (:class:`~carecomplex.calibration.psa.Draws`) each claim also runs in
    every drawn world with its first ``psa_seeds`` seeds (:func:`psa_tasks`), and its
    result carries the :class:`PsaResult`.
    """
    from carecomplex.experiments.simulate import simulate

    work = [t for c in claims for t in tasks(c, screen)]
    if psa is not None:
        work += [t for c in claims for t in psa_tasks(c, psa, psa_seeds)]
    results: list[PairResult] = simulate(work, measure, executor, progress)
    out = []
    for c in claims:
        by_point: dict[str, list[PairResult]] = {}
        for r in results:
            if r.claim_id == c.id:
                by_point.setdefault(r.point, []).append(r)
        for v in by_point.values():
            v.sort(key=lambda r: r.seed)
        default = by_point.get("default", [])
        e = Estimate.of(effects(c, default))
        v, _ = verdict(c, e.lo, e.hi, e.mean)
        rows = _screen_rows(c, v, by_point) if screen else []
        secs = sum(r.seconds for rs in by_point.values() for r in rs)
        result = summarise(c, default, rows, secs)
        result.appraisal = appraise(c, default)
        if psa is not None:
            result.psa = psa_summarise(c, by_point, psa, min(psa_seeds, len(c.seeds)))
        out.append(result)
    return out
