"""Reporting a claim's appraisal: rows for the report, table columns and a figure.

:func:`appraisal_rows` gives the label/value pairs of a claim's section,
:func:`appraisal_columns` its ``appraisal_*`` columns in claims.parquet (and claims.csv),
:func:`fig_appraisal` the discounted cumulative net benefit by year
(:mod:`~carecomplex.claims.report` calls all three). The numbers come from
:mod:`~carecomplex.claims.appraisal`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex.claims.appraisal import ECONOMIC, GRADES, OB_STATUS, AppraisalResult
from carecomplex.claims.numbers import fmt
from carecomplex.claims.numbers import plt as _plt
from carecomplex.claims.numbers import png as _png
from carecomplex.stats import Estimate

if TYPE_CHECKING:
    from carecomplex.claims.verdict import ClaimResult


def _iv(e: Estimate) -> str:
    return f"{fmt(e.mean, '£')} [{fmt(e.lo, '£')}, {fmt(e.hi, '£')}]"


def _ratio(e: Estimate) -> str:
    if not math.isfinite(e.mean):
        return "n/a (the programme cost, after optimism bias, is not positive)"
    return f"{fmt(e.mean)} [{fmt(e.lo)}, {fmt(e.hi)}] over {e.n} seeds"


def _break_even(a: AppraisalResult, key: str) -> str:
    """Break-even years over seeds: median and range of those that break even, and how many."""
    x = a.per_seed[key]
    ok = x[np.isfinite(x)]
    if not len(ok):
        return f"not within the run ({a.years[-1]:g} years) in any of {len(x)} seeds"
    lo, mid, hi = float(ok.min()), float(np.median(ok)), float(ok.max())
    text = f"by the end of measured year {mid:g}"
    if hi > lo:
        text += f" (median; range {lo:g}-{hi:g})"
    if len(ok) < len(x):
        return f"{text} in {len(ok)} of {len(x)} seeds; not within the run in the others"
    return f"{text} in every seed"


def appraisal_rows(result: ClaimResult) -> list[tuple[str, str]]:
    """The appraisal facts of one claim, as label/value pairs (empty without an appraisal)."""
    a = getattr(result, "appraisal", None)
    if a is None:
        return []
    s = a.settings
    e = a.estimate
    lo, mid, hi = s.wellby_prices
    grade = GRADES[s.evidence_grade]
    n_years = len(a.years)
    unit = f"per person of the population over the run ({a.years[-1]:g} years), present value"
    rows = [
        (
            "Appraisal conventions",
            f"HM Treasury Green Book (2022): {s.price_base} prices; years 0-{n_years - 1} of the "
            f"run discounted at {s.discount_rate:.1%} a year (WELLBYs at "
            f"{s.health_discount_rate:.1%}); "
            f"optimism bias grade {s.evidence_grade} ({grade.evidence}): +{s.on_costs:.0%} on "
            f"programme costs, -{s.on_benefits:.0%} on benefits ({OB_STATUS} to verify: "
            "docs/appraisal.md)",
        ),
        (
            "Fiscal savings after optimism bias, cashable + non-cashable (programme excluded)",
            f"{_iv(e('savings_cashable'))} + {_iv(e('savings_non_cashable'))} = "
            f"{_iv(e('savings'))} {unit}",
        ),
        (
            "Programme cost (intervention - baseline)",
            f"{_iv(e('programme'))} after optimism bias; {_iv(e('programme_unadjusted'))} before",
        ),
        (
            "Fiscal net benefit, cashable + non-cashable",
            f"{_iv(e('fiscal_net_cashable'))} + {_iv(e('fiscal_net_non_cashable'))} = "
            f"{_iv(e('fiscal_net'))} (before optimism bias {_iv(e('fiscal_net_unadjusted'))})",
        ),
        ("Benefit-cost ratio, fiscal", _ratio(e("bcr_fiscal"))),
        (
            "WELLBYs gained (discounted)",
            f"{e('wellbys').mean:.3g} [{e('wellbys').lo:.3g}, {e('wellbys').hi:.3g}] per person, "
            f"valued {_iv(e('wellby_value'))} at £{mid:,.0f} a WELLBY (range £{lo:,.0f}-"
            f"£{hi:,.0f}; Green Book wellbeing guidance 2021, £{s.wellby_value:,.0f} in "
            f"{s.wellby_price_year} prices); {s.wellbeing_scale:g} life-satisfaction points per "
            "unit of model wellbeing (an assumption)",
        ),
        (
            "Social net benefit (fiscal + wellbeing)",
            f"{_iv(e('social_net'))}; with the WELLBY range {_iv(e('social_net_low'))} to "
            f"{_iv(e('social_net_high'))}",
        ),
        ("Benefit-cost ratio, social", _ratio(e("bcr_social"))),
        ("Economic value", ECONOMIC),
        (
            "Discounted break-even",
            f"fiscal {_break_even(a, 'break_even_fiscal')}; social "
            f"{_break_even(a, 'break_even_social')}",
        ),
    ]
    if a.national is not None:
        rows.append(
            (
                "Appraisal, national",
                f"x {a.national:,} people: fiscal net benefit "
                f"{_iv(e('fiscal_net_cashable', True))} cashable + "
                f"{_iv(e('fiscal_net_non_cashable', True))} non-cashable = "
                f"{_iv(e('fiscal_net', True))}; social {_iv(e('social_net', True))} (present "
                "values over the run's years)",
            )
        )
    return rows


COLUMNS = (
    "savings_cashable",
    "savings_non_cashable",
    "programme",
    "fiscal_net_cashable",
    "fiscal_net_non_cashable",
    "fiscal_net",
    "wellbys",
    "wellby_value",
    "social_net",
    "social_net_low",
    "social_net_high",
    "bcr_fiscal",
    "bcr_social",
    "break_even_fiscal",
)
NATIONAL_COLUMNS = ("fiscal_net_cashable", "fiscal_net_non_cashable", "fiscal_net", "social_net")


def appraisal_columns(result: ClaimResult) -> dict[str, Any]:
    """The appraisal's columns of a claim's row in claims.parquet/csv (``appraisal_*``)."""
    a = getattr(result, "appraisal", None)
    out: dict[str, Any] = {}
    for key in COLUMNS:
        e = a.estimate(key) if a is not None else Estimate(math.nan, math.nan, math.nan, 0)
        out[f"appraisal_{key}"] = e.mean
        if key in ("fiscal_net", "social_net"):
            out[f"appraisal_{key}_lo"], out[f"appraisal_{key}_hi"] = e.lo, e.hi
    for key in NATIONAL_COLUMNS:
        e = a.estimate(key, True) if a is not None else Estimate(math.nan, math.nan, math.nan, 0)
        out[f"appraisal_national_{key}"] = e.mean
    x = a.per_seed["break_even_fiscal"] if a is not None else np.array([])
    out["appraisal_break_even_fiscal_seeds"] = int(np.isfinite(x).sum())
    out["appraisal_evidence_grade"] = a.settings.evidence_grade if a is not None else -1
    out["appraisal_economic"] = "not modelled"
    return out


def fig_appraisal(results: Sequence[ClaimResult]) -> bytes | None:
    """One panel per claim: discounted cumulative net benefit per person by year, both kinds.

    Lines are the mean over seeds, bands their range; the dotted line marks the mean
    fiscal break-even year where every seed breaks even.
    """
    rs = [r for r in results if getattr(r, "appraisal", None) is not None]
    if not rs:
        return None

    plt = _plt()
    fig, axes = plt.subplots(len(rs), 1, figsize=(7.5, 1.9 * len(rs) + 0.6), squeeze=False)
    for ax, r in zip(axes[:, 0], rs, strict=True):
        a = r.appraisal
        t = np.r_[0.0, a.years]
        for key, colour in (("fiscal", "#4d4d4d"), ("social", "#1b7837")):
            y = np.c_[np.zeros(len(a.cumulative[key])), a.cumulative[key]]
            ax.plot(t, np.nanmean(y, axis=0), color=colour, marker=".", label=key)
            ax.fill_between(
                t, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=colour, alpha=0.15, lw=0
            )
        x = a.per_seed["break_even_fiscal"]
        if np.isfinite(x).all():
            ax.axvline(float(x.mean()), color="#4d4d4d", ls=":", lw=1)
        ax.axhline(0, color="black", lw=0.8)
        ax.yaxis.set_major_formatter(lambda v, _pos: fmt(v, "£"))
        ax.legend(fontsize=7, frameon=False, loc="best")
        s = a.settings
        ax.set_title(
            f"{r.claim.id}: net benefit per person, present value ({s.price_base} prices, "
            f"{s.discount_rate:.1%}; optimism bias grade {s.evidence_grade})",
            loc="left",
            fontsize=8.5,
        )
    axes[-1, 0].set_xlabel(
        "measured years; lines: mean over seeds, bands: their range; dotted: fiscal break-even",
        fontsize=7,
    )
    fig.tight_layout()
    return _png(fig)
