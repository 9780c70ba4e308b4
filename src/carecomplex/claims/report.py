"""Reports of claim checks: figures, a self-contained HTML page and a Markdown twin.

Every figure is drawn with matplotlib's Agg backend (no display, no network) and saved
as PNG; the HTML embeds them as data URIs so the page opens anywhere on its own, and the
Markdown links to the same files under ``figures/``.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from carecomplex.claims import cohorts
from carecomplex.claims.appraisal_report import appraisal_columns, appraisal_rows, fig_appraisal
from carecomplex.claims.footing import implied_change
from carecomplex.claims.numbers import fmt
from carecomplex.claims.numbers import plt as _plt
from carecomplex.claims.numbers import png as _png
from carecomplex.claims.observed import observed_rows, series
from carecomplex.claims.spec import METRICS, arms
from carecomplex.claims.verdict import ClaimResult, effect_of, holds, rate
from carecomplex.stats import Estimate

VERDICT_COLOUR = {"supported": "#1b7837", "not supported": "#b2182b", "inconclusive": "#b8860b"}
ARM_COLOUR = {"baseline": "#4d4d4d", "intervention": "#2166ac"}


def effect_unit(r: ClaimResult) -> str:
    """Unit of the claim's effect measure."""
    c = r.claim
    unit = METRICS[c.metric].unit
    if c.effect == "ratio":
        return "ratio (intervention / baseline)"
    if c.effect == "national":
        return "£ per year, national"
    if c.effect == "saving":
        return f"saving, {unit}"
    return f"difference, {unit}"


def _money(r: ClaimResult) -> str:
    c = r.claim
    return "£" if METRICS[c.metric].is_cost and c.effect != "ratio" else ""


def interval_text(e: Estimate, unit: str = "") -> str:
    """'mean [lo, hi]'."""
    return f"{fmt(e.mean, unit)} [{fmt(e.lo, unit)}, {fmt(e.hi, unit)}]"


# ---------------------------------------------------------------------------------
# Figures


def fig_effects(results: Sequence[ClaimResult]) -> bytes:
    """One panel per claim: counterfactual interval, naive before-after, the claim's bound."""
    plt = _plt()
    n = len(results)
    fig, axes = plt.subplots(n, 1, figsize=(7.5, 1.25 * n + 0.6), squeeze=False)
    for ax, r in zip(axes[:, 0], results, strict=True):
        c = r.claim
        rows = [
            ("counterfactual (paired)", r.effect, VERDICT_COLOUR[r.verdict]),
            ("before-after, intervention arm", r.before_after[1], "#7f7f7f"),
            ("before-after, baseline arm", r.before_after[0], "#bdbdbd"),
        ]
        for y, (label, e, colour) in enumerate(rows):
            if math.isfinite(e.mean):
                lo = e.lo if math.isfinite(e.lo) else e.mean
                hi = e.hi if math.isfinite(e.hi) else e.mean
                ax.plot([lo, hi], [y, y], color=colour, lw=3, solid_capstyle="butt")
                ax.plot(e.mean, y, "o", color=colour, ms=5)
            ax.text(1.01, y, label, transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        ax.axvline(c.bound, color="black", ls="--", lw=1)
        ax.axvline(c.value, color="black", ls=":", lw=1)
        xs = [c.bound, c.value] + [
            v for _, e, _ in rows for v in (e.lo, e.hi, e.mean) if math.isfinite(v)
        ]
        lo, hi = min(xs), max(xs)
        pad = 0.08 * (hi - lo or abs(hi) or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        if c.at_most:
            ax.axvspan(lo - pad, c.bound, color="#d9f0d3", alpha=0.6, lw=0)
        else:
            ax.axvspan(c.bound, hi + pad, color="#d9f0d3", alpha=0.6, lw=0)
        unit = _money(r)
        ax.xaxis.set_major_locator(plt.MaxNLocator(6))
        ax.xaxis.set_major_formatter(lambda v, _pos, unit=unit: fmt(v, unit))
        ax.set_yticks([])
        ax.set_ylim(-0.7, 2.7)
        ax.invert_yaxis()
        ax.set_title(
            f"{c.id}: {r.verdict}  ({effect_unit(r)})"
            + (f"; rests on {r.footing[0]}" if r.footing[0] else ""),
            loc="left",
            fontsize=8.5,
            color=VERDICT_COLOUR[r.verdict],
        )
    axes[-1, 0].set_xlabel(
        "green band: where the claim holds; dashed: its bound (claim with tolerance); "
        "dotted: the value claimed",
        fontsize=7,
    )
    fig.tight_layout()
    return _png(fig)


def fig_trajectory(r: ClaimResult) -> bytes:
    """Rate per person-year over time in both arms (J-curve view) and their difference."""
    plt = _plt()
    c, tr = r.claim, r.trajectory
    unit = METRICS[c.metric].unit
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(7.5, 4.6), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    mid = (tr["start"] + tr["end"]) / 2 / 52
    for name in ("baseline", "intervention"):
        label = f"{name}: {getattr(c, name)}"
        ax.plot(mid, tr[name], color=ARM_COLOUR[name], label=label, marker=".")
        ax.fill_between(
            mid, tr[f"{name}_lo"], tr[f"{name}_hi"], color=ARM_COLOUR[name], alpha=0.15, lw=0
        )
    for a in (ax, ax2):
        a.axvspan(c.window[0] / 52, c.window[1] / 52, color="#fee08b", alpha=0.35, lw=0)
        a.axvspan(c.before[0] / 52, c.before[1] / 52, color="#e0e0e0", alpha=0.5, lw=0)
    ax.set_ylabel(f"{c.metric}\n({unit})")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(
        f"{c.id}: population {c.population}; yellow = claim window, grey = 'before' "
        "window; bands 5-95 % of seeds",
        loc="left",
        fontsize=8,
    )
    ax2.bar(
        mid,
        tr["difference"],
        width=(tr["end"] - tr["start"]) / 52 * 0.9,
        color=np.where(tr["difference"] > 0, "#d6604d", "#4393c3"),
    )
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_ylabel("intervention\n- baseline")
    ax2.set_xlabel("measured years")
    fig.tight_layout()
    return _png(fig)


def _screen_label(row: Any) -> str:
    """``x0.5`` for a multiple; a unit cost's published low or high as its value."""
    if row.parameter.startswith("costs."):
        return f"{'low' if row.multiple < 1 else 'high'} {fmt(row.value, '£')}"
    return f"x{row.multiple:.3g}"


def fig_screen(r: ClaimResult) -> bytes | None:
    """Tornado of the sensitivity screen: effect at each parameter's low and high."""
    if not r.screen:
        return None
    plt = _plt()
    c = r.claim
    keys = list(dict.fromkeys(row.parameter for row in r.screen))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(keys) + 1.6))
    for y, key in enumerate(keys):
        for row in (x for x in r.screen if x.parameter == key):
            e = row.effect
            colour = VERDICT_COLOUR[row.verdict]
            ax.plot(
                [r.effect.mean, e.mean],
                [y, y],
                color=colour,
                lw=6,
                alpha=0.7,
                solid_capstyle="butt",
            )
            right = e.mean >= r.effect.mean
            ax.annotate(
                _screen_label(row) + (" *" if row.moves_verdict else ""),
                (e.mean, y),
                xytext=(4 if right else -4, 6 if row.multiple >= 1 else -6),
                textcoords="offset points",
                fontsize=7,
                ha="left" if right else "right",
                va="center",
            )
    ax.axvline(r.effect.mean, color="black", lw=1)
    ax.axvline(c.bound, color="black", ls="--", lw=1)
    xs = [c.bound, r.effect.mean, *(x.effect.mean for x in r.screen)]
    xs = [x for x in xs if math.isfinite(x)]
    if xs:  # room for the labels at both ends of the bars
        pad = 0.15 * ((max(xs) - min(xs)) or abs(max(xs)) or 1.0)
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
    unit = _money(r)
    ax.xaxis.set_major_locator(plt.MaxNLocator(6))
    ax.xaxis.set_major_formatter(lambda v, _pos, unit=unit: fmt(v, unit))
    ax.set_yticks(range(len(keys)), keys)
    ax.set_ylim(len(keys) - 0.4, -0.6)  # first row on top, room for the labels
    ax.set_xlabel(f"mean effect ({effect_unit(r)}); * = verdict changes; colour = verdict there")
    ax.set_title(
        f"{c.id}: sensitivity screen (one at a time, {c.screen_seeds} paired seeds)",
        loc="left",
        fontsize=8.5,
    )
    fig.tight_layout()
    return _png(fig)


@dataclass
class Journey:
    """Weekly journey of one persona in one arm."""

    arm: str
    persona: str
    cost: np.ndarray  # £ per week
    crises: np.ndarray  # cumulative
    trust: np.ndarray  # highest trust in a current worker
    episodes: np.ndarray  # services involved this week


def journeys(claim_result: ClaimResult, persona: str = "brian", seed: int | None = None):
    """Weekly journeys of a persona in both arms of a claim (one seed)."""
    from carecomplex.model import CareModel
    from carecomplex.state import Journey as Column
    from carecomplex.state import Persona

    c = claim_result.claim
    seed = c.seeds[0] if seed is None else seed
    out = []
    for name, params in zip(("baseline", "intervention"), arms(c), strict=True):
        with CareModel(params, rng=seed) as m:
            m.run()
            idx = np.flatnonzero(m.state.person.persona == Persona[persona.upper()])
            if not len(idx):
                continue
            j = int(np.searchsorted(m.tracked, idx[0]))
            cum = m.journeys[:, j, Column.COST]
            out.append(
                Journey(
                    f"{name}: {getattr(c, name)}",
                    persona,
                    np.diff(np.concatenate([[0.0], cum])),
                    m.journeys[:, j, Column.CRISES],
                    m.journeys[:, j, Column.TRUST],
                    m.journeys[:, j, Column.EPISODES],
                )
            )
    return out


def fig_journeys(js: Sequence[Journey], title: str) -> bytes:
    """Cost per week, crises, trust and services involved for one persona, by arm."""
    plt = _plt()
    fig, axes = plt.subplots(4, 1, figsize=(7.5, 6.2), sharex=True)
    for k, j in enumerate(js):
        colour = list(ARM_COLOUR.values())[k % 2]
        t = np.arange(len(j.cost)) / 52
        axes[0].plot(t, j.cost, color=colour, lw=0.8, label=j.arm)
        axes[1].step(t, j.crises, color=colour, where="post")
        axes[2].plot(t, j.trust, color=colour, lw=0.9)
        axes[3].step(t, j.episodes, color=colour, where="post", lw=0.9)
    axes[0].set_ylabel("cost\n(£/week)")
    axes[1].set_ylabel("crises\n(cumulative)")
    axes[2].set_ylabel("trust in\nworker")
    axes[3].set_ylabel("services\ninvolved")
    axes[3].set_xlabel("measured years")
    axes[0].legend(fontsize=7, frameon=False)
    axes[0].set_title(title, loc="left", fontsize=8.5)
    fig.tight_layout()
    return _png(fig)


def fig_psa(results: Sequence[ClaimResult]) -> bytes | None:
    """One panel per claim: each plausible world's mean effect, the bound and the claim."""
    rs = [r for r in results if r.psa is not None]
    if not rs:
        return None
    plt = _plt()
    fig, axes = plt.subplots(len(rs), 1, figsize=(7.5, 1.25 * len(rs) + 0.6), squeeze=False)
    for ax, r in zip(axes[:, 0], rs, strict=True):
        c, p = r.claim, r.psa
        assert p is not None
        x = p.per_draw[np.isfinite(p.per_draw)]
        ok = holds(c, x)
        jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(x))
        ax.scatter(x[ok], jitter[ok], s=10, color=VERDICT_COLOUR["supported"], alpha=0.7)
        ax.scatter(x[~ok], jitter[~ok], s=10, color=VERDICT_COLOUR["not supported"], alpha=0.7)
        ax.axvline(c.bound, color="black", ls="--", lw=1)
        ax.axvline(c.value, color="black", ls=":", lw=1)
        unit = _money(r)
        ax.xaxis.set_major_locator(plt.MaxNLocator(6))
        ax.xaxis.set_major_formatter(lambda v, _pos, unit=unit: fmt(v, unit))
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        ax.set_title(
            f"{c.id}: holds in {_share(p.share_holds)} of {len(x)} plausible worlds "
            f"({effect_unit(r)})",
            loc="left",
            fontsize=8.5,
        )
    axes[-1, 0].set_xlabel(
        "one point per plausible world (seeds averaged); green: the claim holds there; "
        "dashed: its bound; dotted: the value claimed",
        fontsize=7,
    )
    fig.tight_layout()
    return _png(fig)


def _share(x: float) -> str:
    return f"{x:.0%}" if math.isfinite(x) else "n/a"


def psa_line(r: ClaimResult) -> str:
    """One line of a claim's PSA: effect over worlds, share holding, switch, footing."""
    p = r.psa
    if p is None:
        return ""
    n = int(np.isfinite(p.per_draw).sum())
    text = (
        f"effect {interval_text(p.effect, _money(r))} (95 % over {n} worlds x {p.seeds} seeds); "
        f"holds in {_share(p.share_holds)} of plausible worlds"
    )
    flips = [w for w in p.switches if w.where != "none"]
    if flips:
        text += f"; {flips[0].sentence}"
    elif p.switches:
        names = ", ".join(w.parameter for w in p.switches)
        text += f"; no value of any one of {names} (the most influential) alone flips it"
    return f"{text}; {p.footing}"


def psa_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """The PSA facts of one claim, as label/value pairs (empty without ``--psa``)."""
    p = r.psa
    if p is None:
        return []
    c = r.claim
    d = p.draws
    source = d["source"]
    n = int(np.isfinite(p.per_draw).sum())
    rows = [
        (
            "Share of plausible worlds in which the claim holds",
            f"{_share(p.share_holds)} of {n} worlds (each world's mean effect over "
            f"{p.seeds} seeds {'at most' if c.at_most else 'at least'} "
            f"{fmt(c.bound, _money(r))})",
        ),
        (
            "Effect over plausible worlds",
            f"{interval_text(p.effect, _money(r))} {effect_unit(r)} (mean, 2.5-97.5 "
            f"percentiles over {d['draws']} parameter draws from {source} x {p.seeds} seeds; "
            f"draw seed {d['psa_seed']})",
        ),
    ]
    if p.switches:
        believe = "; ".join(
            f"{s.sentence} [rank correlation {s.rho:+.2f}, {s.method}]" for s in p.switches
        )
        rows.append(("What you would have to believe", believe))
    rows.append(("Footing", p.footing))
    return rows


# ---------------------------------------------------------------------------------
# Documents


def _seeds_used(r: ClaimResult) -> str:
    n, of = r.effect.n, len(r.claim.seeds)
    if n == of:
        return f"{n} paired seeds"
    return (
        f"{n} of {of} paired seeds (the others give no finite effect: the population had no "
        "person-years in a window, or the baseline rate was zero)"
    )


def _effect_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """The claim, the verdict and the effects measured for it."""
    c = r.claim
    money = _money(r)
    unit = METRICS[c.metric].unit
    return [
        ("Claim", c.statement),
        ("Source", c.source),
        ("Verdict", f"{r.verdict}: {r.reason}"),
        ("What the verdict rests on", f"{r.footing[0]}: {r.footing[1]}" if r.footing[0] else "n/a"),
        (
            "Probability the claim holds (seed-only, parameters at the defaults)",
            f"{r.p_holds:.3f} (t posterior of the mean paired effect; model assumptions only)"
            if math.isfinite(r.p_holds)
            else "n/a",
        ),
        (
            "Counterfactual effect",
            f"{interval_text(r.effect, money)} {effect_unit(r)}{METHOD[r.effect.method]}; "
            f"claimed {fmt(c.value, money)}, bound with {c.tolerance:.0%} tolerance "
            f"{fmt(c.bound, money)}",
        ),
        (
            "Rates in the window",
            f"baseline {interval_text(r.rates[0], money or unit)}, intervention "
            f"{interval_text(r.rates[1], money or unit)} ({unit})",
        ),
        (
            "Naive before-after (same people)",
            f"intervention arm {interval_text(r.before_after[1], money)}; baseline arm, where "
            f"nothing changed, {interval_text(r.before_after[0], money)}",
        ),
    ]


METHOD = {
    "t": "",
    "log-t": " (geometric mean of the seeds' ratios; interval on the log scale)",
    "bootstrap": " (ratio of the arms' means; percentile bootstrap over seeds, as some "
    "seed's rate is zero)",
}


def _cohort_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """Other encodings, and for cohorts survival and how deaths are counted."""
    rows = []
    if r.encodings:
        money = _money(r)
        rows.append(
            (
                "Under other encodings",
                "; ".join(
                    f"{e.baseline} -> {e.intervention}: {e.verdict}, effect "
                    f"{interval_text(e.effect, money)}"
                    for e in r.encodings
                ),
            )
        )
    if r.survival is not None:
        b, i = r.survival
        rows.append(
            (
                "Alive at the end of the window",
                f"baseline {_pct(b)}, intervention {_pct(i)} of the cohort. Every member "
                f"counts for the whole window (intention to treat): one who dies costs "
                f"nothing from then on and no seed is dropped",
            )
        )
    return rows


def _pct(e: Estimate) -> str:
    return f"{e.mean:.1%} [{e.lo:.1%}, {e.hi:.1%}]" if math.isfinite(e.lo) else f"{e.mean:.1%}"


def _money_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """Cashable and non-cashable parts, and the national extrapolation, where they apply."""
    c = r.claim
    rows = []
    if r.cashable is not None and r.non_cashable is not None:
        label = "saving" if c.effect != "difference" else "difference"
        note = (
            " (cohort: estimated from each budget holder's cashable share)" if c.is_cohort else ""
        )
        rows.append(
            (
                f"Cashable / non-cashable {label}",
                f"{interval_text(r.cashable, '£')} / {interval_text(r.non_cashable, '£')} per "
                f"person-year{note}",
            )
        )
    if c.national is not None and r.national is not None:
        rows.append(
            (
                "National extrapolation",
                f"{interval_text(r.national, '£')} a year = model saving per person-year x "
                f"{c.national.count:,} people; claimed {fmt(c.national.claimed_total, '£')}",
            )
        )
        rows.append(("Prevalence definition", c.national.definition))
    return rows


def _assumption_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """What moved the verdict in the screen, and what the check assumed."""
    c = r.claim
    rows = []
    moved = [f"{s.parameter} x{s.multiple:g} -> {s.verdict}" for s in r.screen if s.moves_verdict]
    if r.screen:
        rows.append(
            ("Sensitivity screen", "; ".join(moved) if moved else "no parameter moved the verdict")
        )
    elif not r.screened:
        rows.append(("Sensitivity screen", "not run (--no-screen): robustness unknown"))
    pop = f"persona {c.persona}" if c.population == "persona" else cohorts.describe(c)
    if c.apply_to == "cohort":
        pop += (
            "; the intervention applies to this cohort only, from the selection week, while "
            f"the rest of the system stays {c.baseline}"
        )
    rows.append(
        (
            "Assumptions",
            f"baseline {c.baseline}, intervention {c.intervention}; population {pop} "
            f"(about {r.cohort:,.0f} {'person' if round(r.cohort) == 1 else 'persons'}); "
            f"{c.persons:,} persons simulated for {c.years:g} "
            f"years after burn-in; window weeks {c.window[0]}-{c.window[1]}, before "
            f"{c.before[0]}-{c.before[1]}; {_seeds_used(r)}; overrides of both arms "
            f"{dict(c.parameters) or 'none'}"
            + "".join(f"; of the {k} only {dict(v)}" for k, v in c.arm_parameters.items()),
        )
    )
    if c.overridden:
        said = {"persons": "--persons", "seeds": "--seeds"}
        rows.append(
            (
                "Set on the command line",
                "; ".join(
                    f"{said[k]} gives {len(c.seeds) if k == 'seeds' else c.persons:,} "
                    f"{k} (the claim file says {v:,})"
                    for k, v in c.overridden.items()
                ),
            )
        )
    if c.notes:
        rows.append(("Notes", " ".join(c.notes.split())))
    return rows


def claim_rows(r: ClaimResult) -> list[tuple[str, str]]:
    """The facts of one claim's check, as label/value pairs (shared by HTML and Markdown)."""
    return (
        _effect_rows(r)
        + r.feasibility
        + observed_rows(r)
        + _cohort_rows(r)
        + _money_rows(r)
        + appraisal_rows(r)
        + _assumption_rows(r)
    )


def _psa(results: Sequence[ClaimResult]) -> bool:
    return any(r.psa is not None for r in results)


def verdict_table(results: Sequence[ClaimResult]) -> list[list[str]]:
    """One row per claim: id, verdict, effect with interval, claimed, P(holds), naive."""
    out = []
    for r in results:
        money = _money(r)
        out.append(
            [
                r.claim.id,
                r.verdict,
                interval_text(r.effect, money),
                fmt(r.claim.value, money),
                f"{r.p_holds:.2f}" if math.isfinite(r.p_holds) else "n/a",
                fmt(r.before_after[1].mean, money),
                r.footing[0] or "n/a",
            ]
        )
        if r.psa is not None:  # the share of plausible worlds becomes the headline
            out[-1][4] = _share(r.psa.share_holds)
            out[-1].insert(5, f"{r.p_holds:.2f}" if math.isfinite(r.p_holds) else "n/a")
    return out


HEAD = [
    "claim",
    "verdict",
    "model effect [95 % CI]",
    "claimed",
    "P(holds)",
    "naive before-after",
    "rests on",
]
PSA_HEAD = [
    "claim",
    "verdict (seed-only)",
    "model effect [95 % CI, seed-only]",
    "claimed",
    "holds in (share of plausible worlds)",
    "P(holds), seed-only",
    "naive before-after",
    "rests on",
]


def head(results: Sequence[ClaimResult]) -> list[str]:
    """The verdict table's columns (the PSA's when any claim has one)."""
    return PSA_HEAD if _psa(results) else HEAD


def _row(r: ClaimResult, row: list[str], psa: bool) -> list[str]:
    return row if r.psa is not None or not psa else [*row[:4], "n/a", *row[4:]]


def figures(results: Sequence[ClaimResult], persona: bool = True) -> dict[str, bytes]:
    """Every figure of a report, by file name."""
    out = {"effects.png": fig_effects(results)}
    p = fig_psa(results)
    if p is not None:
        out["psa.png"] = p
    if (a := fig_appraisal(results)) is not None:
        out["appraisal.png"] = a
    for r in results:
        out[f"trajectory_{r.claim.id}.png"] = fig_trajectory(r)
        s = fig_screen(r)
        if s is not None:
            out[f"screen_{r.claim.id}.png"] = s
    r = next((x for x in results if x.claim.population == "persona"), None)
    if persona and r is not None:
        name = r.claim.persona
        js = journeys(r, name)
        if js:
            out["journey.png"] = fig_journeys(
                js, f"persona {name}: weekly journey, seed {r.claim.seeds[0]} ({r.claim.id} arms)"
            )
    return out


INTRO = (
    "Each claim is checked against the model's counterfactual: the same simulated persons, "
    "meeting the same shocks (common random numbers), under the baseline and the "
    "intervention scenario. The before-after estimate on the same people is shown beside it "
    "because it is what most evaluations report; where it differs from the counterfactual, "
    "the difference is regression to the mean and secular change, not the intervention. "
    "Verdicts hold under the model's assumptions only (docs/ODD.md lists them)."
)


PSA_INTRO = (
    "The verdicts above are seed-only: the model's parameters stay at their defaults and "
    "only the random numbers vary. The probabilistic sensitivity analysis (PSA) runs each "
    "claim again in many plausible worlds, parameter sets drawn from the calibration "
    "ensemble, with the same seeds in every world. The share of plausible worlds in which "
    "a claim holds is the headline probability; the switching values say what you would "
    "have to believe about one parameter for the conclusion to change, and the footing "
    "whether the parameters it depends on are constrained by the evidence or rest on their "
    "priors alone (docs/psa.md)."
)


def markdown(results: Sequence[ClaimResult], figs: dict[str, bytes], meta: dict) -> str:
    """The report as Markdown, linking ``figures/*.png``."""
    lines = ["# carecomplex claims report", "", INTRO, "", _meta_line(meta), ""]
    cols, psa = head(results), _psa(results)
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    rows = [_row(r, row, psa) for r, row in zip(results, verdict_table(results), strict=True)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "![effects](figures/effects.png)", ""]
    if "psa.png" in figs:
        lines += ["## Plausible worlds (PSA)", "", PSA_INTRO, "", "![psa](figures/psa.png)", ""]
    if "appraisal.png" in figs:
        lines += ["## Appraisal (Green Book)", "", "![appraisal](figures/appraisal.png)", ""]
    for r in results:
        lines += [f"## {r.claim.id}", ""]
        lines += [f"- **{k}:** {v}" for k, v in claim_rows(r)]
        if r.psa is not None:
            lines += ["", "PSA (plausible worlds):", ""]
            lines += [f"- **{k}:** {v}" for k, v in psa_rows(r)]
        lines += ["", f"![trajectory](figures/trajectory_{r.claim.id}.png)", ""]
        if f"screen_{r.claim.id}.png" in figs:
            lines += [f"![screen](figures/screen_{r.claim.id}.png)", ""]
    if "journey.png" in figs:
        lines += ["## Persona journey", "", "![journey](figures/journey.png)", ""]
    return "\n".join(lines)


def _meta_line(meta: dict) -> str:
    return (
        f"carecomplex {meta.get('carecomplex', '?')}, git {meta.get('git_revision', '?')}, "
        f"created {meta.get('created', '?')}, {meta.get('runs', '?')} paired runs in "
        f"{meta.get('seconds', '?')} s."
    )


def _img(data: bytes, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


def html_page(results: Sequence[ClaimResult], figs: dict[str, bytes], meta: dict) -> str:
    """The report as one self-contained HTML page (figures embedded)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>carecomplex claims report</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
        "color:#222;line-height:1.45}table{border-collapse:collapse;margin:1rem 0}"
        "td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}img{max-width:100%}.v{font-weight:600}"
        "dt{font-weight:600;margin-top:.4rem}dd{margin-left:1rem}</style></head><body>",
        "<h1>carecomplex claims report</h1>",
        f"<p>{e(INTRO)}</p><p><small>{e(_meta_line(meta))}</small></p>",
        "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head(results)) + "</tr>",
    ]
    psa = _psa(results)
    rows = [_row(r, row, psa) for r, row in zip(results, verdict_table(results), strict=True)]
    for row in rows:
        colour = VERDICT_COLOUR.get(row[1], "#222")
        cells = [f"<td>{e(x)}</td>" for x in row]
        cells[1] = f"<td class='v' style='color:{colour}'>{e(row[1])}</td>"
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts += ["</table>", _img(figs["effects.png"], "effect intervals")]
    if "psa.png" in figs:
        parts += ["<h2>Plausible worlds (PSA)</h2>", f"<p>{e(PSA_INTRO)}</p>"]
        parts.append(_img(figs["psa.png"], "effects over plausible worlds"))
    if "appraisal.png" in figs:
        parts += ["<h2>Appraisal (Green Book)</h2>", _img(figs["appraisal.png"], "appraisal")]
    for r in results:
        cid = r.claim.id
        parts.append(f"<h2 id='{e(cid)}'>{e(cid)}</h2><dl>")
        parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in claim_rows(r)]
        parts.append("</dl>")
        if r.psa is not None:
            parts.append("<h3>PSA (plausible worlds)</h3><dl>")
            parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in psa_rows(r)]
            parts.append("</dl>")
        parts.append(_img(figs[f"trajectory_{cid}.png"], f"trajectory of {cid}"))
        if f"screen_{cid}.png" in figs:
            parts.append(_img(figs[f"screen_{cid}.png"], f"sensitivity screen of {cid}"))
    if "journey.png" in figs:
        parts += ["<h2>Persona journey</h2>", _img(figs["journey.png"], "persona journey")]
    parts.append("</body></html>")
    return "\n".join(parts)


def _claim_row(r: ClaimResult) -> dict[str, Any]:
    """One claim's verdict and estimates as a flat row."""
    c = r.claim
    return {
        "claim": c.id,
        "verdict": r.verdict,
        "reason": r.reason,
        "p_holds": r.p_holds,
        "effect": c.effect,
        "claimed": c.value,
        "bound": c.bound,
        "mean": r.effect.mean,
        "lo": r.effect.lo,
        "hi": r.effect.hi,
        "n": r.effect.n,
        "baseline_rate": r.rates[0].mean,
        "intervention_rate": r.rates[1].mean,
        "before_after_intervention": r.before_after[1].mean,
        "before_after_baseline": r.before_after[0].mean,
        "cashable": r.cashable.mean if r.cashable else math.nan,
        "non_cashable": r.non_cashable.mean if r.non_cashable else math.nan,
        "national": r.national.mean if r.national else math.nan,
        "national_lo": r.national.lo if r.national else math.nan,
        "national_hi": r.national.hi if r.national else math.nan,
        "cohort": r.cohort,
        "moved_by": "; ".join(f"{s.parameter}@{s.multiple:g}" for s in r.screen if s.moves_verdict),
        "interval_method": r.effect.method,
        "rests_on": r.footing[0],
        "rests_on_reason": r.footing[1],
        "implied_change": implied_change(c, r.rates[0].mean),
        "claimed_baseline": c.claimed_baseline if c.claimed_baseline is not None else math.nan,
        "alive_baseline": r.survival[0].mean if r.survival else math.nan,
        "alive_intervention": r.survival[1].mean if r.survival else math.nan,
        "screened": r.screened,
        "encodings": "; ".join(f"{e.baseline}/{e.intervention}: {e.verdict}" for e in r.encodings),
    } | _psa_columns(r)


def _psa_columns(r: ClaimResult) -> dict[str, Any]:
    """The PSA's columns of a claim's row (none without ``--psa``)."""
    p = r.psa
    if p is None:
        return {}
    out: dict[str, Any] = {
        "psa_share_holds": p.share_holds,
        "psa_mean": p.effect.mean,
        "psa_lo": p.effect.lo,
        "psa_hi": p.effect.hi,
        "psa_draws": int(np.isfinite(p.per_draw).sum()),
        "psa_seeds": p.seeds,
        "psa_footing": p.footing,
    }
    for i in range(3):
        s = p.switches[i] if i < len(p.switches) else None
        out[f"switch{i + 1}_parameter"] = s.parameter if s else ""
        out[f"switch{i + 1}_value"] = s.value if s else math.nan
        out[f"switch{i + 1}_where"] = s.where if s else ""
        out[f"switch{i + 1}_sentence"] = s.sentence if s else ""
    return out


def psa_runs(results: Sequence[ClaimResult]) -> Any:
    """One row per claim x draw x seed of the PSA: ``claim, draw, seed, effect``."""
    import pandas as pd

    rows = [
        {"claim": r.claim.id, "draw": d, "seed": s, "effect": e}
        for r in results
        if r.psa is not None
        for d, s, e in r.psa.runs
    ]
    return pd.DataFrame(rows, columns=["claim", "draw", "seed", "effect"])


def _run_rows(r: ClaimResult) -> list[dict[str, Any]]:
    """One row per paired run, seed by seed, at every point.

    The default point, each alternative encoding and each screen point; rates as the
    verdict counts them.
    """
    c = r.claim
    scale = METRICS[c.metric].scale
    rows = []
    points = r.points or {"default": r.pairs}
    for point, pairs in points.items():
        for p in pairs:
            n = p.cohort if c.is_cohort else 0
            b = rate(p.arms[0], p.snap, c.window, scale, "value", n)
            i = rate(p.arms[1], p.snap, c.window, scale, "value", n)
            rows.append(
                {"claim": c.id, "point": point, "seed": p.seed}
                | {"baseline_rate": b, "intervention_rate": i, "effect": effect_of(c, b, i)}
                | {"cohort": p.cohort, "seconds": p.seconds}
            )
    return rows


def tables(results: Sequence[ClaimResult]) -> tuple[Any, Any]:
    """Two tidy tables: one row per claim, and one row per paired run (seed, point)."""
    import pandas as pd

    runs = [row for r in results for row in _run_rows(r)]
    rows = [_claim_row(r) | appraisal_columns(r) for r in results]
    return pd.DataFrame(rows), pd.DataFrame(runs)


def write(out: Path, results: Sequence[ClaimResult], meta: dict, persona: bool = True) -> None:
    """Write the report and its tables into ``out``, all or nothing.

    Files (report.html, report.md, figures/, claims.parquet, runs.parquet, series.csv
    (the model series matched to each claim's population), manifest.json;
    with ``--psa`` also claims.csv and psa_runs.parquet) go into a temporary folder first
    and are then moved into place (:func:`carecomplex.store.staged`).
    """
    import json

    from carecomplex.store import staged

    figs = figures(results, persona)
    summary, runs = tables(results)
    with staged(out) as t:
        (t / "figures").mkdir()
        for name, data in figs.items():
            (t / "figures" / name).write_bytes(data)
        (t / "report.md").write_text(markdown(results, figs, meta), encoding="utf-8")
        (t / "report.html").write_text(html_page(results, figs, meta), encoding="utf-8")
        summary.to_parquet(t / "claims.parquet", index=False)
        runs.to_parquet(t / "runs.parquet", index=False)
        series(results).to_csv(t / "series.csv", index=False)
        if _psa(results):
            summary.to_csv(t / "claims.csv", index=False)
            psa_runs(results).to_parquet(t / "psa_runs.parquet", index=False)
        (t / "manifest.json").write_text(json.dumps(meta, indent=2, default=str), "utf-8")
