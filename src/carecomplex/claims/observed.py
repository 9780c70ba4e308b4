"""A local programme's own figures beside the model, and model series to analyse with them.

A claim file's ``[observed]`` table carries a programme's before and after levels of the
claim's metric for its cohort, and the rule it used to choose its people; the claim's
population is the model's encoding of that rule. :func:`observed_rows` sets the observed
change beside the change the model expects from the same selection with no change of
system (regression to the mean and secular change: the before-after of the baseline arm),
beside the model's before-after with the intervention, and beside the counterfactual.
:func:`series` exports every claim's model series (per seed, arm and quarter) matched to
the claim's population, for difference-in-differences (the baseline arm is the
comparison group) or an interrupted time series (the intervention arm around the switch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from carecomplex.claims.numbers import fmt
from carecomplex.claims.spec import METRICS, Claim

if TYPE_CHECKING:  # pragma: no cover
    from carecomplex.claims.verdict import ClaimResult


def observed_effect(claim: Claim) -> float:
    """The observed change in the claim's own effect measure (savings per person)."""
    o = claim.observed
    if o is None:
        return math.nan
    if claim.effect == "ratio":
        return o.after / o.before if o.before > 0 else math.nan
    if claim.effect == "difference":
        return o.after - o.before
    return o.before - o.after  # saving (national claims: per person)


def _kind(claim: Claim) -> str:
    return "saving per person" if claim.effect == "national" else claim.effect


def observed_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """Rows (label, text) setting the observed change beside the model's expectations."""
    c, o = r.claim, r.claim.observed
    if o is None:
        return []
    m = METRICS[c.metric]
    unit = "£" if m.is_cost else ""
    eu = "" if c.effect == "ratio" else unit
    per = m.unit.removeprefix("£ ")
    x = observed_effect(c)
    size = f", {o.persons:,} persons" if o.persons else ""
    published = ""
    if o.interval is not None:
        published = f" (published interval {fmt(o.interval[0], eu)} to {fmt(o.interval[1], eu)})"
    rows = [
        (
            "Observed (local data)",
            f"before {fmt(o.before, unit)}, after {fmt(o.after, unit)} {per}{size}: an observed "
            f"{_kind(c)} of {fmt(x, eu)}{published}. Source: "
            f"{o.source}. Selection: {o.rule}",
        )
    ]
    rtm = r.before_after[0]
    with_i = r.before_after[1]
    inside = math.isfinite(rtm.lo) and rtm.lo <= x <= rtm.hi
    beyond = "inside" if inside else "outside"
    rows.append(
        (
            "Expected from the selection alone",
            f"the model's cohort chosen by the same rule, with no change of system, shows a "
            f"{_kind(c)} of {fmt(rtm.mean, eu)} [{fmt(rtm.lo, eu)}, {fmt(rtm.hi, eu)}] "
            f"between the same windows (regression to the mean and secular change); the "
            f"observed change lies {beyond} that range. With the intervention the model's "
            f"before-after is {fmt(with_i.mean, eu)} [{fmt(with_i.lo, eu)}, {fmt(with_i.hi, eu)}]"
            f" and its counterfactual effect {fmt(r.effect.mean, eu)} "
            f"[{fmt(r.effect.lo, eu)}, {fmt(r.effect.hi, eu)}]",
        )
    )
    if c.effect == "ratio":
        excess = x / rtm.mean if rtm.mean > 0 else math.nan
        part = f"observed ratio / the selection's ratio = {fmt(excess)}"
    else:
        excess = x - rtm.mean
        part = f"observed minus the selection's change = {fmt(excess, eu)}"
    rows.append(
        (
            "Left for the programme to explain",
            f"{part}: the part of the observed change a counterfactual evaluation would have "
            f"to attribute; series.csv holds the model's matched series per seed and arm for "
            f"difference-in-differences or an interrupted time series",
        )
    )
    return rows


def series(results: Sequence[ClaimResult]) -> Any:
    """Model series matched to each claim's population, for DiD or ITS.

    One row per claim, seed, arm and snapshot interval, with the rate as the verdict
    counts it (intention to treat for cohorts).
    """
    import pandas as pd

    from carecomplex.claims.verdict import rate

    rows = []
    for r in results:
        c = r.claim
        scale = METRICS[c.metric].scale
        for p in r.pairs:
            n = p.cohort if c.is_cohort else 0
            spans = zip(p.snap[:-1].tolist(), p.snap[1:].tolist(), strict=True)
            for start, end in spans:
                for arm, name in ((0, "baseline"), (1, "intervention")):
                    rows.append(
                        {
                            "claim": c.id,
                            "seed": p.seed,
                            "arm": name,
                            "scenario": getattr(c, name),
                            "start_week": start,
                            "end_week": end,
                            "in_window": c.window[0] <= start and end <= c.window[1],
                            "in_before": c.before[0] <= start and end <= c.before[1],
                            "rate": rate(p.arms[arm], p.snap, (start, end), scale, "value", n),
                            "unit": METRICS[c.metric].unit,
                        }
                    )
    return pd.DataFrame(rows)
