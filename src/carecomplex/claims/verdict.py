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
from carecomplex.claims.footing import feasibility, footing_of
from carecomplex.claims.numbers import fmt
from carecomplex.claims.pairs import ArmSeries, PairResult, PairTask, measure
from carecomplex.claims.spec import METRICS, Claim, arms, param_value, screen_params
from carecomplex.stats import Estimate, probability_beyond, resamples

PSA_POINT = "psa:"
"""Point names of the PSA's paired runs: ``psa:<draw>``."""
DEFAULT_PSA_SEEDS = 2


def _at(snap: np.ndarray, week: int) -> int:
    return int(np.searchsorted(snap, week))


def rate(
    series: ArmSeries,
    snap: np.ndarray,
    window: tuple[int, int],
    scale: float,
    part: str = "value",
    persons: int = 0,
) -> float:
    """Per person-year rate of the metric (or its cashable part) over ``window``.

    For a population (``persons`` 0) the person-years are those lived in the window. For
    a cohort of ``persons`` (intention to treat) they are every member for the whole
    window, alive or not: a death is an outcome, so a member who dies costs nothing from
    then on and is not dropped.
    """
    a, b = _at(snap, window[0]), _at(snap, window[1])
    x = getattr(series, part)
    if persons > 0:
        years = persons * (window[1] - window[0]) / 52.0
    else:
        years = (series.weeks[b] - series.weeks[a]) / 52.0
    return float(scale * (x[b] - x[a]) / years) if years > 0 else math.nan


def _persons(claim: Claim, p: PairResult) -> int:
    return p.cohort if claim.is_cohort else 0


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
    """Probability that the expected effect meets the claim's bound (t posterior, flat prior).

    Ratios whose per-seed values are all positive are taken on the log scale, as their
    interval is (:meth:`Estimate.ratio`).
    """
    a = np.asarray(x, dtype=np.float64)
    a = a[np.isfinite(a)]
    if claim.effect == "ratio" and len(a) and (a > 0).all():
        return probability_beyond(np.log(a), math.log(claim.bound), claim.at_most)
    return probability_beyond(a, claim.bound, claim.at_most)


def estimate(claim: Claim, base: Sequence[float], alt: Sequence[float]) -> Estimate:
    """The claim's effect over paired seeds from each arm's per-seed rate.

    Ratios: :meth:`Estimate.ratio` (log scale, or a bootstrap of the ratio of means when a
    seed has a zero rate), so the interval never leaves (0, inf). Differences, savings
    and national totals: a t interval (:meth:`Estimate.of`).
    """
    if claim.effect == "ratio":
        return Estimate.ratio(base, alt)
    return Estimate.of([effect_of(claim, b, a) for b, a in zip(base, alt, strict=True)])


def probability(claim: Claim, base: Sequence[float], alt: Sequence[float]) -> float:
    """Probability that the claim holds, on the same scale as :func:`estimate`'s interval."""
    b = np.asarray(base, dtype=np.float64)
    a = np.asarray(alt, dtype=np.float64)
    if claim.effect != "ratio":
        return p_holds(claim, [effect_of(claim, x, y) for x, y in zip(b, a, strict=True)])
    ok = np.isfinite(b) & np.isfinite(a)
    b, a = b[ok], a[ok]
    if len(b) < 2:
        return math.nan
    if (b > 0).all() and (a > 0).all():
        return probability_beyond(np.log(a) - np.log(b), math.log(claim.bound), claim.at_most)

    def of(i: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return a[i].mean(axis=-1) / b[i].mean(axis=-1)

    v = resamples(of, len(b))
    return float(holds(claim, v).mean()) if len(v) else math.nan


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
    survival: tuple[Estimate, Estimate] | None = None  # cohorts: share alive at window end
    encodings: list[EncodingResult] = field(default_factory=list)
    footing: tuple[str, str] = ("", "")  # (label, reason): what the verdict rests on
    feasibility: list[tuple[str, str]] = field(default_factory=list)
    screened: bool = True
    points: dict[str, list[PairResult]] = field(repr=False, default_factory=dict)
    appraisal: AppraisalResult | None = None


@dataclass
class EncodingResult:
    """The claim under another encoding (pair of scenarios) than its own."""

    baseline: str
    intervention: str
    effect: Estimate
    p_holds: float
    verdict: str


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
    """Each arm's rate per seed over ``window`` (intention to treat for cohorts)."""
    scale = METRICS[claim.metric].scale
    b = np.array([rate(p.arms[0], p.snap, window, scale, part, _persons(claim, p)) for p in pairs])
    i = np.array([rate(p.arms[1], p.snap, window, scale, part, _persons(claim, p)) for p in pairs])
    return b, i


def estimate_pairs(claim: Claim, pairs: Sequence[PairResult]) -> Estimate:
    """:func:`estimate` of the claim's window from paired results."""
    return estimate(claim, *_per_seed(claim, pairs, claim.window))


def effects(claim: Claim, pairs: Sequence[PairResult]) -> np.ndarray:
    """The claim's effect for each paired seed."""
    b, i = _per_seed(claim, pairs, claim.window)
    return np.array([effect_of(claim, x, y) for x, y in zip(b, i, strict=True)])


def _naive(claim: Claim, pairs: Sequence[PairResult], arm: int) -> Estimate:
    """Before-after on one arm: the claim's effect of 'before' window -> claim window."""
    before = _per_seed(claim, pairs, claim.before)[arm]
    after = _per_seed(claim, pairs, claim.window)[arm]
    return estimate(claim, before, after)


def _survival(pairs: Sequence[PairResult], week: int) -> tuple[Estimate, Estimate] | None:
    """Share of a cohort alive at ``week`` in each arm (None without alive counts)."""
    if not pairs or any(p.arms[0].alive is None or p.cohort <= 0 for p in pairs):
        return None
    out = []
    for arm in (0, 1):
        share = [p.arms[arm].alive[_at(p.snap, week)] / p.cohort for p in pairs]  # type: ignore[index]
        out.append(Estimate.share(share))
    return out[0], out[1]


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
        per[name] = np.array(
            [
                [rate(p.arms[arm], p.snap, w, scale, "value", _persons(claim, p)) for w in spans]
                for p in pairs
            ]
        )
        out[name] = np.nanmean(per[name], axis=0)
        out[f"{name}_lo"] = np.nanpercentile(per[name], 5, axis=0)
        out[f"{name}_hi"] = np.nanpercentile(per[name], 95, axis=0)
    out["difference"] = np.nanmean(per["intervention"] - per["baseline"], axis=0)
    return out


def summarise(
    claim: Claim, pairs: Sequence[PairResult], screen: list[ScreenRow], seconds: float
) -> ClaimResult:
    """Turn paired results into estimates, a verdict and its reason."""
    b, i = _per_seed(claim, pairs, claim.window)
    est = estimate(claim, b, i)
    v, reason = verdict(claim, est.lo, est.hi, est.mean)
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
        p_holds=probability(claim, b, i),
        verdict=v,
        reason=reason,
        rates=(Estimate.nonneg(b), Estimate.nonneg(i)),
        before_after=(_naive(claim, pairs, 0), _naive(claim, pairs, 1)),
        cashable=cash,
        non_cashable=non,
        national=nat,
        trajectory=_trajectory(claim, pairs),
        screen=screen,
        cohort=float(np.mean([p.cohort for p in pairs])) if pairs else math.nan,
        seconds=seconds,
        pairs=list(pairs),
        survival=_survival(pairs, claim.window[1]) if claim.is_cohort else None,
    )


ENCODING_POINT = "encoding:"
"""Point names of the alternative encodings' paired runs: ``encoding:<base>/<alt>``."""


def encoding_point(encoding: tuple[str, str]) -> str:
    """The point name of an alternative encoding's runs."""
    return f"{ENCODING_POINT}{encoding[0]}/{encoding[1]}"


def tasks(claim: Claim, screen: bool = True) -> list[PairTask]:
    """Every paired run a claim needs.

    All seeds at the defaults and under each alternative encoding, then the screen.
    """
    base, alt = arms(claim)
    out = [PairTask(claim, s, "default", base, alt) for s in claim.seeds]
    for enc in claim.encodings:
        b, a = arms(claim, encoding=enc)
        out += [PairTask(claim, s, encoding_point(enc), b, a) for s in claim.seeds]
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
        if pairs:
            per_draw[i] = estimate_pairs(claim, pairs).mean
    mean, lo, hi = spread(every)
    est = Estimate(mean, lo, hi, int(np.isfinite(every).sum()))
    ok = np.isfinite(per_draw)
    share = float(holds(claim, per_draw[ok]).mean()) if ok.any() else math.nan
    X = drawn.frame()
    switches = switching_values(X, per_draw, claim.bound, claim.at_most, ranges(drawn.ensemble))
    foot = footing(drawn, [s.parameter for s in switches])
    return PsaResult(est, per_draw, share, switches, foot, drawn.describe(), seeds, runs)


def _screen_rows(claim: Claim, default: Estimate, by_point: Mapping[str, list[PairResult]]):
    rows = []
    _, alt = arms(claim)
    v0 = verdict(claim, default.lo, default.hi, default.mean)[0]
    for key, (lo, hi) in claim.screen.items():
        value = param_value(alt, key)  # the intervention arm's value
        for mult in (lo, hi):
            pairs = by_point.get(f"{key}@{mult:g}", [])
            b, i = _per_seed(claim, pairs, claim.window)
            est = estimate(claim, b, i)
            v, _ = verdict(claim, est.lo, est.hi, est.mean)
            rows.append(
                ScreenRow(key, mult, value * mult, est, probability(claim, b, i), v, v != v0)
            )
    centre = default.mean if math.isfinite(default.mean) else 0.0
    rows.sort(key=lambda r: -abs(r.effect.mean - centre) if math.isfinite(r.effect.mean) else 0)
    return rows


def _encodings(claim: Claim, by_point: Mapping[str, list[PairResult]]) -> list[EncodingResult]:
    out = []
    for enc in claim.encodings:
        b, i = _per_seed(claim, by_point.get(encoding_point(enc), []), claim.window)
        est = estimate(claim, b, i)
        v, _ = verdict(claim, est.lo, est.hi, est.mean)
        out.append(EncodingResult(enc[0], enc[1], est, probability(claim, b, i), v))
    return out


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
        rows = _screen_rows(c, estimate_pairs(c, default), by_point) if screen else []
        secs = sum(r.seconds for rs in by_point.values() for r in rs)
        result = summarise(c, default, rows, secs)
        result.screened = screen
        result.encodings = _encodings(c, by_point)
        result.points = {k: v for k, v in by_point.items() if not k.startswith(PSA_POINT)}
        result.appraisal = appraise(c, default)
        if psa is not None:
            result.psa = psa_summarise(c, by_point, psa, min(psa_seeds, len(c.seeds)))
        result.footing = footing_of(result)
        result.feasibility = feasibility(result)
        out.append(result)
    return out
