"""Counterfactual checks of cost and outcome claims.

A *claim file* (``experiments/claims/*.toml``) states what was claimed (a ratio, a
difference, a per-person saving or a national total), for which population, metric
and window, and which two scenarios stand for "before" (baseline) and "after"
(intervention). The checker runs both scenarios with the same seeds (common random
numbers: the same persons meet the same shocks) and reports:

- the counterfactual effect (intervention - baseline, same persons, same window) with a
  95 % interval over the paired seeds that stays in the quantity's domain (ratios on the
  log scale; cohorts counted by intention to treat, deaths kept);
- the probability that the claim holds under the model's assumptions, a verdict, its
  reason, what it rests on (:mod:`~carecomplex.claims.footing`) and the change to the
  modelled baseline the claim needs; the verdict under each alternative encoding;
- the naive before-after estimate on the same people (both arms), so regression to the
  mean is visible next to the counterfactual;
- the trajectory of the metric over time in both arms (a J-curve shows here);
- cashable and non-cashable parts of a cost effect;
- a one-at-a-time sensitivity screen (which parameters move the verdict);
- for national claims, the extrapolation with its interval and the prevalence
  definition it rests on;
- the Green Book appraisal (present values, programme cost with optimism bias, net
  benefit, benefit-cost ratio, WELLBYs; fiscal, economic and social value apart);
- a local programme's observed change beside the change its selection rule alone gives
  in the model (``[observed]``), and the model's matched series (``series.csv``).

Populations are ``everyone``, ``complex`` (the multiple-disadvantage group), ``general``
(the rest), ``persona`` (a named persona) and the populations chosen at a selection week
in the baseline arm and followed in both arms: ``top_cost`` (the highest-cost fraction),
``household`` and ``family`` (Think Family: the households of the complex-needs group,
and their members who are not complex-needs themselves) and ``cohort`` (chosen by rules,
:mod:`~carecomplex.claims.cohorts`). Person-level metrics (total cost, cost by budget
holder, crises and each kind of crisis, emergency-accommodation weeks, deaths) work for
every population; ledger items and avoidable deaths are counted by group only.

Modules, in dependency order: :mod:`~carecomplex.claims.numbers` (numbers for people),
:mod:`~carecomplex.claims.appraisal` (the Green Book layer: discounting, programme cost,
optimism bias, net benefit, BCR, WELLBYs), :mod:`~carecomplex.claims.spec` (the claim
file: parse, validate, resolve the arms), :mod:`~carecomplex.claims.cohorts` (who a
cohort is), :mod:`~carecomplex.claims.pairs` (measure one paired run),
:mod:`~carecomplex.claims.footing` (what a verdict rests on; the change a claim needs),
:mod:`~carecomplex.claims.observed` (local data beside regression to the mean; matched
model series), :mod:`~carecomplex.claims.verdict` (effects, intervals, verdict, screen,
``check``), :mod:`~carecomplex.claims.appraisal_report` (the appraisal's rows and
figure),
:mod:`~carecomplex.claims.report` (figures, HTML and Markdown),
:mod:`~carecomplex.claims.commands` (``carecomplex claims``). The names below are the
package's public interface.
"""

from carecomplex.claims.appraisal import Appraisal, AppraisalResult, appraise
from carecomplex.claims.footing import FOOTINGS, feasibility, footing_of, implied_change
from carecomplex.claims.pairs import ArmSeries, PairResult, PairTask, measure, snapshot_weeks
from carecomplex.claims.spec import (
    DEFAULT_SCREEN,
    EFFECTS,
    METRICS,
    POPULATIONS,
    Claim,
    Metric,
    National,
    arms,
    load,
    parse,
    screen_params,
    with_parameters,
)
from carecomplex.claims.verdict import (
    ClaimResult,
    EncodingResult,
    ScreenRow,
    check,
    effect_of,
    effects,
    estimate,
    fmt,
    p_holds,
    probability,
    rate,
    summarise,
    tasks,
    verdict,
)
from carecomplex.errors import ClaimError
from carecomplex.stats import Estimate, t_interval

__all__ = [
    "DEFAULT_SCREEN",
    "EFFECTS",
    "FOOTINGS",
    "METRICS",
    "POPULATIONS",
    "Appraisal",
    "AppraisalResult",
    "ArmSeries",
    "Claim",
    "ClaimError",
    "ClaimResult",
    "EncodingResult",
    "Estimate",
    "Metric",
    "National",
    "PairResult",
    "PairTask",
    "ScreenRow",
    "appraise",
    "arms",
    "check",
    "effect_of",
    "effects",
    "estimate",
    "feasibility",
    "fmt",
    "footing_of",
    "implied_change",
    "load",
    "measure",
    "p_holds",
    "parse",
    "probability",
    "rate",
    "screen_params",
    "snapshot_weeks",
    "summarise",
    "t_interval",
    "tasks",
    "verdict",
    "with_parameters",
]
