"""The Green Book layer of a claim check: present values, net benefit, BCR, WELLBYs.

Every claim is also appraised the way HM Treasury's Green Book (2022) asks, from the
same paired runs as its verdict: costs in one price base year (2023/24,
:data:`carecomplex.costs.PRICE_BASE`), each measured year of the run discounted (3.5 %
a year; WELLBYs at the 1.5 % health rate), the programme's own cost set against the
savings, an optimism-bias adjustment by the grade of the evidence behind the claim, and
fiscal, economic and social value kept apart, cashable and non-cashable at every level
(per person of the claim's population over the run, and national for claims with a
``[national]`` section). docs/appraisal.md states each convention with its source.

Settings come from an optional ``[appraisal]`` table of the claim file
(:func:`parse_appraisal`, :class:`Appraisal`); :func:`appraise` computes an
:class:`AppraisalResult` from a claim's paired results;
:mod:`~carecomplex.claims.appraisal_report` reports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex.costs import PRICE_BASE, deflate, deflators
from carecomplex.errors import ClaimError, shown
from carecomplex.stats import GREEN_BOOK_RATE, Estimate

if TYPE_CHECKING:
    from carecomplex.claims.pairs import PairResult
    from carecomplex.claims.spec import Claim

HEALTH_RATE = 0.015
"""Green Book (2022) discount rate for health effects, used here for WELLBYs: 1.5 % a year."""

WELLBY_VALUE = 13000.0
WELLBY_RANGE = (10000.0, 16000.0)
WELLBY_PRICE_YEAR = "2019/20"
"""HM Treasury Green Book supplementary guidance: wellbeing (2021): one WELLBY (one point of
0-10 life satisfaction for one person for one year) is worth about £13,000 in 2019 prices,
range £10,000-£16,000. The deflator table is by financial year, so 2019/20 stands in for
calendar 2019."""

WEEKS_PER_YEAR = 52
ECONOMIC = (
    "not modelled: the model has no employment, earnings or productivity, so the economic "
    "value of the change is unknown here (not zero)"
)


@dataclass(frozen=True)
class Grade:
    """One optimism-bias grade: the adjustment and the evidence it fits."""

    percent: float
    evidence: str


OB_SOURCE = (
    "confidence grades of the Greater Manchester (New Economy / GMCA) cost-benefit analysis "
    "model, as in HM Treasury, 'Supporting public service transformation: cost benefit "
    "analysis guidance for local partnerships' (2014)"
)
OB_STATUS = "◇"
"""Evidence status of :data:`GRADES` (as in :mod:`carecomplex.costs`): background knowledge,
to verify. The percentages and wording are recalled, not copied from the published
guidance, which could not be opened when this table was made."""

GRADES: dict[int, Grade] = {
    1: Grade(0.0, "a local randomised or well-controlled evaluation of this intervention"),
    2: Grade(0.05, "an evaluation with a comparison group, elsewhere or of a close analogue"),
    3: Grade(0.10, "a before-after evaluation of this intervention, no comparison group"),
    4: Grade(0.15, "published estimates for similar interventions, not evaluated here"),
    5: Grade(0.25, "local monitoring data or practitioners' estimates, not evaluated"),
    6: Grade(0.40, "expert judgement, a single case or an unsourced figure"),
}
"""Optimism-bias grade -> adjustment (status :data:`OB_STATUS`, source :data:`OB_SOURCE`)."""

DEFAULT_GRADE = 6
"""The default grade: the most cautious. The shipped claims rest on slides, single cases
and figures not found in any source, none on trial evidence; the model's counterfactual
is a simulation, not an evaluation, so it earns no better grade by itself."""

OPTIMISM_ON = ("both", "costs", "benefits")


@dataclass(frozen=True)
class Appraisal:
    """Settings of a claim's appraisal (the ``[appraisal]`` table; all optional)."""

    discount_rate: float = GREEN_BOOK_RATE
    health_discount_rate: float = HEALTH_RATE
    evidence_grade: int = DEFAULT_GRADE
    optimism_on: str = "both"
    wellby_value: float = WELLBY_VALUE
    wellby_range: tuple[float, float] = WELLBY_RANGE
    wellby_price_year: str = WELLBY_PRICE_YEAR
    wellbeing_scale: float = 10.0
    price_base: str = PRICE_BASE

    @property
    def optimism_bias(self) -> float:
        """The optimism-bias adjustment of :attr:`evidence_grade` (0.4 = 40 %)."""
        return GRADES[self.evidence_grade].percent

    @property
    def on_costs(self) -> float:
        """The uplift applied to costs (0 when optimism bias is on benefits only)."""
        return self.optimism_bias if self.optimism_on in ("both", "costs") else 0.0

    @property
    def on_benefits(self) -> float:
        """The reduction applied to benefits (0 when optimism bias is on costs only)."""
        return self.optimism_bias if self.optimism_on in ("both", "benefits") else 0.0

    @property
    def wellby_prices(self) -> tuple[float, float, float]:
        """(low, central, high) value of a WELLBY in the price base year."""
        lo, hi = self.wellby_range
        y = self.wellby_price_year
        return deflate(lo, y), deflate(self.wellby_value, y), deflate(hi, y)


def _fail(path: str, key: str, reason: str) -> ClaimError:
    return ClaimError(f"{path}: appraisal.{key}: {reason}")


def _number(path: str, key: str, v: Any, lo: float, hi: float, lo_open: bool = False) -> float:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    if not ok or not (lo < v <= hi if lo_open else lo <= v <= hi):
        low = f"above {lo:g}" if lo_open else f"from {lo:g}"
        raise _fail(path, key, f"expected a number {low} to {hi:g}, got {shown(v)}")
    return float(v)


def parse_appraisal(path: str, table: Any) -> Appraisal:
    """The ``[appraisal]`` table of a claim file (defaults when absent).

    Raises :class:`ClaimError` naming ``appraisal.<key>`` for an unknown key or a bad value.
    """
    if table is None:
        return Appraisal()
    if not isinstance(table, Mapping):
        raise ClaimError(f"{path}: appraisal: expected a table, got {type(table).__name__}")
    known = Appraisal.__dataclass_fields__
    out: dict[str, Any] = {}
    for key, v in table.items():
        if key not in known:
            raise _fail(path, key, f"unknown key (known: {', '.join(sorted(known))})")
        if key in ("discount_rate", "health_discount_rate"):
            out[key] = _number(path, key, v, 0.0, 0.2)
        elif key == "wellby_value":
            out[key] = _number(path, key, v, 0.0, 1e6, lo_open=True)
        elif key == "wellbeing_scale":
            out[key] = _number(path, key, v, 0.0, 10.0, lo_open=True)
        elif key == "evidence_grade":
            if not isinstance(v, int) or isinstance(v, bool) or v not in GRADES:
                grades = ", ".join(f"{g} (+{x.percent:.0%})" for g, x in GRADES.items())
                raise _fail(path, key, f"expected one of {grades}, got {shown(v)}")
            out[key] = int(v)
        elif key == "optimism_on":
            if not isinstance(v, str) or v not in OPTIMISM_ON:
                raise _fail(path, key, f"expected one of {', '.join(OPTIMISM_ON)}, got {shown(v)}")
            out[key] = v
        elif key == "wellby_range":
            if not isinstance(v, list) or len(v) != 2:
                raise _fail(path, key, f"expected [low, high] in pounds, got {shown(v)}")
            lo, hi = (_number(path, key, x, 0.0, 1e6, lo_open=True) for x in v)
            if lo > hi:
                raise _fail(path, key, f"expected low <= high, got {shown(v)}")
            out[key] = (lo, hi)
        elif key == "wellby_price_year":
            if not isinstance(v, str) or v not in deflators():
                years = f"{min(deflators())} to {max(deflators())}"
                raise _fail(path, key, f"expected a financial year from {years}, got {shown(v)}")
            out[key] = v
        elif key == "price_base":
            if v != PRICE_BASE:
                raise _fail(
                    path,
                    key,
                    f"every cost is in {PRICE_BASE} prices; got {shown(v)} (leave it out)",
                )
            out[key] = v
    a = Appraisal(**out)
    lo, hi = a.wellby_range
    if not lo <= a.wellby_value <= hi:
        key = "wellby_value" if "wellby_value" in out else "wellby_range"
        raise _fail(
            path, key, f"wellby_value {a.wellby_value:g} lies outside wellby_range [{lo:g}, {hi:g}]"
        )
    return a


# ---------------------------------------------------------------------------------
# Computation


@dataclass
class AppraisalResult:
    """A claim's appraisal: per-seed values per person of its population over the run.

    ``per_seed[key]`` holds one value per paired seed (pounds, WELLBYs, ratios or years);
    ``cumulative`` the discounted cumulative net benefit per person at each year end
    (``years``), seeds x years, for ``fiscal`` and ``social`` (central WELLBY value).
    ``national`` is the claim's national count, if it has one.
    """

    settings: Appraisal
    years: np.ndarray
    per_seed: dict[str, np.ndarray]
    cumulative: dict[str, np.ndarray]
    persons: float
    national: int | None = None
    seeds: list[int] = field(default_factory=list)

    def estimate(self, key: str, national: bool = False) -> Estimate:
        """Mean and 95 % t interval over seeds of ``key``, per person or national."""
        x = self.per_seed[key]
        if national:
            if self.national is None:
                return Estimate(math.nan, math.nan, math.nan, 0)
            x = x * self.national
        return Estimate.of(x)


def year_bounds(weeks: int) -> np.ndarray:
    """Measured weeks at which years end: 0, 52, 104, ... and the run's last week."""
    return np.unique(np.r_[np.arange(0, weeks + 1, WEEKS_PER_YEAR), weeks]).astype(np.int64)


def yearly(cumulative: np.ndarray, snap: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Per-year amounts of a cumulative series taken at ``snap``, years ending at ``bounds``."""
    return np.diff(np.interp(bounds, snap, cumulative))


def discount_factors(n: int, rate: float) -> np.ndarray:
    """Green Book factors ``1 / (1 + rate) ** t`` for years ``t = 0 .. n-1``."""
    return 1.0 / (1.0 + rate) ** np.arange(n)


def as_cost(x: Any, bias: float) -> Any:
    """A cost after an optimism-bias uplift: larger when positive, a smaller saving if not."""
    return x + bias * np.abs(x)


def as_benefit(x: Any, bias: float) -> Any:
    """A benefit after an optimism-bias reduction: smaller when positive, a larger loss if not."""
    return x - bias * np.abs(x)


def break_even(net: np.ndarray, years: np.ndarray) -> float:
    """The first year end from which the cumulative net benefit stays at or above zero.

    NaN if it ends the run below zero.
    """
    below = np.flatnonzero(net < 0)
    if not len(below):
        return float(years[0])
    last = int(below[-1])
    return float(years[last + 1]) if last + 1 < len(years) else math.nan


def _streams(p: PairResult, bounds: np.ndarray, s: Appraisal) -> dict[str, np.ndarray]:
    """One seed's yearly streams (whole population, undiscounted): savings, costs, WELLBYs."""
    b, i = p.arms

    def y(arm: Any, name: str) -> np.ndarray:
        return yearly(np.asarray(getattr(arm, name), dtype=float), p.snap, bounds)

    prog_b, prog_i = y(b, "programme"), y(i, "programme")
    cash_b, cash_i = y(b, "spend_cashable") - prog_b, y(i, "spend_cashable") - prog_i
    non_b, non_i = y(b, "spend") - y(b, "spend_cashable"), y(i, "spend") - y(i, "spend_cashable")
    return {
        "savings_cashable": cash_b - cash_i,
        "savings_non_cashable": non_b - non_i,
        "programme": prog_i - prog_b,
        "wellbys": (y(i, "wellbeing") - y(b, "wellbeing")) * s.wellbeing_scale / WEEKS_PER_YEAR,
    }


def _seed(p: PairResult, bounds: np.ndarray, s: Appraisal) -> tuple[dict, dict]:
    """One seed's appraisal per person: totals, and cumulative net benefit by year end."""
    st = _streams(p, bounds, s)
    n = len(bounds) - 1
    d, dh = discount_factors(n, s.discount_rate), discount_factors(n, s.health_discount_rate)
    persons = p.cohort if p.cohort > 0 else math.nan
    cum = {k: np.cumsum(v * (dh if k == "wellbys" else d)) / persons for k, v in st.items()}
    prices, ob_c, ob_b = s.wellby_prices, s.on_costs, s.on_benefits
    cash = as_benefit(cum["savings_cashable"], ob_b)
    non = as_benefit(cum["savings_non_cashable"], ob_b)
    prog = as_cost(cum["programme"], ob_c)
    value = {
        k: as_benefit(cum["wellbys"] * v, ob_b)
        for k, v in zip(("low", "", "high"), prices, strict=True)
    }
    fiscal = cash + non - prog
    social = fiscal + value[""]
    raw_fiscal = cum["savings_cashable"] + cum["savings_non_cashable"] - cum["programme"]
    last = {
        "savings_cashable": cash[-1],
        "savings_non_cashable": non[-1],
        "savings": cash[-1] + non[-1],
        "programme": prog[-1],
        "programme_unadjusted": cum["programme"][-1],
        "fiscal_net_cashable": cash[-1] - prog[-1],
        "fiscal_net_non_cashable": non[-1],
        "fiscal_net": fiscal[-1],
        "fiscal_net_unadjusted": raw_fiscal[-1],
        "wellbys": cum["wellbys"][-1],
        "wellby_value_low": value["low"][-1],
        "wellby_value": value[""][-1],
        "wellby_value_high": value["high"][-1],
        "social_net_low": fiscal[-1] + value["low"][-1],
        "social_net": social[-1],
        "social_net_high": fiscal[-1] + value["high"][-1],
        "bcr_fiscal": (cash[-1] + non[-1]) / prog[-1] if prog[-1] > 0 else math.nan,
        "bcr_social": (cash[-1] + non[-1] + value[""][-1]) / prog[-1] if prog[-1] > 0 else math.nan,
    }
    years = bounds[1:] / WEEKS_PER_YEAR
    last["break_even_fiscal"] = break_even(fiscal, years)
    last["break_even_social"] = break_even(social, years)
    return last, {"fiscal": fiscal, "social": social}


def appraise(claim: Claim, pairs: Sequence[PairResult]) -> AppraisalResult | None:
    """The appraisal of a claim from its paired results at the default point.

    None without pairs, or when they carry no appraisal series (``ArmSeries.spend`` etc.).
    """
    pairs = [p for p in pairs if all(a.spend is not None for a in p.arms)]
    if not pairs:
        return None
    s: Appraisal = getattr(claim, "appraisal", None) or Appraisal()
    bounds = year_bounds(int(pairs[0].snap[-1]))
    rows = [_seed(p, bounds, s) for p in pairs]
    per_seed = {k: np.array([r[0][k] for r in rows], dtype=float) for k in rows[0][0]}
    cumulative = {k: np.array([r[1][k] for r in rows]) for k in ("fiscal", "social")}
    national = claim.national.count if claim.national is not None else None
    persons = float(np.mean([p.cohort for p in pairs]))
    return AppraisalResult(
        s,
        bounds[1:] / WEEKS_PER_YEAR,
        per_seed,
        cumulative,
        persons,
        national,
        [p.seed for p in pairs],
    )
