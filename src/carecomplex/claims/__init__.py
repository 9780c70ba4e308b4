"""Counterfactual checks of cost and outcome claims.

A *claim file* (``experiments/claims/*.toml``) states what was claimed (a ratio, a
difference, a per-person saving or a national total), for which population, metric
and window, and which two scenarios stand for "before" (baseline) and "after"
(intervention). The checker runs both scenarios with the same seeds (common random
numbers: the same persons meet the same shocks) and reports:

- the counterfactual effect (intervention - baseline, same persons, same window) with a
  95 % t interval over the paired seeds;
- the probability that the claim holds under the model's assumptions, a verdict and
  its reason;
- the naive before-after estimate on the same people (both arms), so regression to the
  mean is visible next to the counterfactual;
- the trajectory of the metric over time in both arms (a J-curve shows here);
- cashable and non-cashable parts of a cost effect;
- a one-at-a-time sensitivity screen (which parameters move the verdict);
- for national claims, the extrapolation with its interval and the prevalence
  definition it rests on.

Populations are ``everyone``, ``complex`` (the multiple-disadvantage group), ``general``
(the rest), ``persona`` (a named persona) and the populations chosen at a selection week
in the baseline arm and followed in both arms: ``top_cost`` (the highest-cost fraction),
``household`` and ``family`` (Think Family: the households of the complex-needs group,
and their members who are not complex-needs themselves) and ``cohort`` (chosen by rules,
:mod:`~carecomplex.claims.cohorts`). Person-level metrics (total cost, cost by budget
holder, crises and each kind of crisis, emergency-accommodation weeks, deaths) work for
every population; ledger items and avoidable deaths are counted by group only.

Modules, in dependency order: :mod:`~carecomplex.claims.spec` (the claim file: parse,
validate, resolve the arms), :mod:`~carecomplex.claims.cohorts` (who a cohort is),
:mod:`~carecomplex.claims.pairs` (measure one paired run),
:mod:`~carecomplex.claims.verdict` (effects, intervals, verdict, screen, ``check``),
:mod:`~carecomplex.claims.report` (figures, HTML and Markdown),
:mod:`~carecomplex.claims.commands` (``carecomplex claims``). The names below are the
package's public interface.
"""

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
    ScreenRow,
    check,
    effect_of,
    effects,
    fmt,
    p_holds,
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
    "METRICS",
    "POPULATIONS",
    "ArmSeries",
    "Claim",
    "ClaimError",
    "ClaimResult",
    "Estimate",
    "Metric",
    "National",
    "PairResult",
    "PairTask",
    "ScreenRow",
    "arms",
    "check",
    "effect_of",
    "effects",
    "fmt",
    "load",
    "measure",
    "p_holds",
    "parse",
    "rate",
    "screen_params",
    "snapshot_weeks",
    "summarise",
    "t_interval",
    "tasks",
    "verdict",
    "with_parameters",
]
