"""The model against the published evidence: `carecomplex evidence`.

Runs siloed, alliance and transition with the same seeds and sets each headline effect
on the complex-needs group (alliance vs siloed) and each siloed baseline pattern beside
the range the published evidence allows (docs/evidence.md, which names the sources).
The ranges are data (:data:`EFFECTS`, :data:`BASELINE`, read from the calibration
targets file ``examples/calibration/targets.toml``), not tuned results: a default
that lands outside one is a finding to report, not a test to loosen.

Effects are paired by seed (common random numbers). Relative effects are estimated on
the log scale (mean of the per-seed log ratio, with its t interval, turned back into a
percentage), so an interval never passes −100 %; differences of shares are in
percentage points.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex import console
from carecomplex.stats import interval

if TYPE_CHECKING:
    import pandas as pd

COMPLEX = 1  # state.Group.COMPLEX (kept literal: this module imports no model code at load)
# The horizon of the trials the effect ranges come from (follow-ups of 180 days to 5
# years): effects on housing, acute care, custody, readmission and deaths are measured
# over the first five measured years (the whole run if shorter). A longer run's later
# years are an extrapolation beyond the evidence, reported by `compare`, not checked.
TRIAL_WEEKS = 260


@dataclass(frozen=True)
class Range:
    """One published range: what is measured, its bounds and where they come from.

    ``kind`` is ``"relative"`` (alt / base − 1, in %), ``"pp"`` (alt − base, in
    percentage points of a share) or ``"level"`` (the base arm's own value).
    """

    key: str
    label: str
    kind: str
    lo: float
    hi: float
    source: str


def ranges(part: str) -> tuple[Range, ...]:
    """The shipped targets file's ranges of one part (``effect`` or ``baseline``).

    The ranges, their sources and definitions are data: ``examples/calibration/
    targets.toml``, the same file ``carecomplex calibrate`` fits.
    """
    from carecomplex.calibration.targets import load

    return tuple(
        Range(t.key, t.label, t.kind, t.lo, t.hi, t.source)
        for t in load("default").targets
        if t.part == part
    )


EFFECTS = ranges("effect")
"""Alliance-vs-siloed effects on the complex-needs group, with their published ranges."""
BASELINE = ranges("baseline")
"""Siloed baseline patterns, with their published ranges."""


# Reported without a published range: the Brian-like subgroup and the persona Brian.
SUBGROUP = (
    ("like_cost", "Brian-like subgroup: cost per person-year", "relative"),
    ("like_deaths", "Brian-like subgroup: deaths per 100 person-years", "relative"),
    ("brian_weeks_supported", "Brian: weeks with an open episode (difference)", "pp"),
    ("brian_alive_at_start", "Brian alive at the start of measurement (siloed, share)", "level"),
)

# --------------------------------------------------------------------------------------
# One run's measures.
# --------------------------------------------------------------------------------------


def measures(run: Any) -> dict[str, Any]:
    """Run one :class:`~carecomplex.experiments.simulate.Run` and return what this module needs.

    Weekly complex-needs cost and person-weeks (for yearly costs and the J-curve) and the
    run's summary statistics. Picklable in and out (for process pools and Dask).
    """
    from carecomplex.costs import Item
    from carecomplex.metrics import summary
    from carecomplex.model import CareModel
    from carecomplex.state import Event

    with CareModel(run.params, rng=run.seed) as model:
        model.run()
        out: dict[str, Any] = {"arm": run.arm, "seed": run.seed, "summary": summary(model)}
        out["cost"] = model.ledger[:, :, COMPLEX].sum(axis=1) / 100.0  # pounds per week
        out["alive"] = model.events[:, Event.ALIVE, COMPLEX].astype(np.float64)
        ev = model.events[:, :, COMPLEX].sum(axis=0).astype(np.float64)
        py = ev[Event.ALIVE] / 52.0
        out["ae"] = ev[Event.CRISIS_AE] / py if py else math.nan
        out["trial"] = window(model.events[:TRIAL_WEEKS, :, COMPLEX].sum(axis=0))
        out.update(subgroup(model))
        total = model.ledger[:, :, COMPLEX].sum()
        treat = model.ledger[:, Item.TREATMENT, COMPLEX].sum()
        out["treatment_share"] = 100.0 * treat / total if total else math.nan
    return out


def brian_like(model: Any) -> np.ndarray:
    """Persons like the seeds' Brian: a mask over the model's persons.

    In the complex-needs group, with baseline need high (above ``crisis.high_need``) in
    housing, offending and substance use, and mean baseline need in the top 1 % of all
    persons. Baseline needs are the initial set points (``person.baseline`` when the
    state keeps them, else the population is rebuilt), so every arm of one seed selects
    the same persons.
    """
    from carecomplex import population
    from carecomplex.state import Domain

    per = model.state.person
    base = getattr(per, "baseline", None)
    if base is None:
        built = population.build(model.params, model.seed)
        base = built.person.setpoint
    base = np.asarray(base, dtype=np.float64)
    hi = model.params.crisis.high_need
    core = (base[:, [Domain.HOUSING, Domain.JUSTICE, Domain.SUBSTANCE]] > hi).all(axis=1)
    score = base.mean(axis=1)
    top = score >= np.quantile(score, 0.99)
    return (per.complex == COMPLEX) & core & top


def subgroup(model: Any) -> dict[str, float]:
    """Brian-like subgroup and the persona Brian: cost, deaths and weeks supported.

    ``brian_*``: the persona (alive at the start of measurement, weeks with an open
    episode, cost per person-year while alive); ``like_*``: the Brian-like subgroup
    (persons, cost per person-year, deaths per 100 person-years).
    """
    from carecomplex.state import Journey, Persona

    per = model.state.person
    out: dict[str, float] = {}
    mask = brian_like(model)
    weeks = per.weeks_alive[mask].sum()
    out["like_persons"] = float(mask.sum())
    out["like_cost"] = float(per.cost[mask].sum() / 100.0 / (weeks / 52.0)) if weeks else math.nan
    died = ((per.alive[mask] == 0) & (per.died_week[mask] >= model.params.run.burn_in)).sum()
    out["like_deaths"] = float(100.0 * died / (weeks / 52.0)) if weeks else math.nan
    brian = np.flatnonzero(per.persona[model.tracked] == Persona.BRIAN)
    if brian.size:
        j, i = int(brian[0]), int(model.tracked[brian[0]])
        out["brian_alive_at_start"] = float(per.weeks_alive[i] > 0)
        out["brian_weeks_supported"] = float((model.journeys[:, j, Journey.EPISODES] > 0).sum())
        w = per.weeks_alive[i]
        out["brian_cost"] = float(per.cost[i].sum() / 100.0 / (w / 52.0)) if w else math.nan
    return out


def window(ev: np.ndarray) -> dict[str, float]:
    """Effect measures from the complex-needs group's event totals over a window.

    Per person-year: A&E attendances plus emergency admissions (``acute``), custodies,
    deaths per 100; readmission within 30 days of discharge (%); time stably housed (%
    of the weeks alive and not in prison spent out of emergency accommodation).
    """
    from carecomplex.state import Event

    ev = ev.astype(np.float64)
    py = ev[Event.ALIVE] / 52.0
    free = ev[Event.ALIVE] - ev[Event.PRISON_WEEK]
    disch = ev[Event.DISCHARGE_30D]
    nan = math.nan
    return {
        "acute": (ev[Event.CRISIS_AE] + ev[Event.CRISIS_ADMISSION]) / py if py else nan,
        "custody": ev[Event.CRISIS_CUSTODY] / py if py else nan,
        "deaths": 100.0 * ev[Event.DEATH] / py if py else nan,
        "readmission": 100.0 * ev[Event.READMISSION_30D] / disch if disch else nan,
        "housed": 100.0 * (1.0 - ev[Event.EA_WEEK] / free) if free else nan,
    }


def cost_between(m: dict[str, Any], first: int, last: int) -> float:
    """Cost per complex-needs person-year over measured weeks ``first..last-1``."""
    alive = m["alive"][first:last].sum()
    return float(m["cost"][first:last].sum() / (alive / 52.0)) if alive else math.nan


def yearly_costs(m: dict[str, Any]) -> np.ndarray:
    """Cost per complex-needs person-year in each whole measured year."""
    years = len(m["cost"]) // 52
    return np.array([cost_between(m, 52 * y, 52 * (y + 1)) for y in range(years)])


def drift(m: dict[str, Any]) -> float:
    """Least-squares trend of the yearly cost, % of its mean per year (nan under 3 years)."""
    y = yearly_costs(m)
    if len(y) < 3 or not np.all(np.isfinite(y)):
        return math.nan
    slope = np.polyfit(np.arange(len(y)), y, 1)[0]
    return float(100.0 * slope / y.mean())


def outcome(m: dict[str, Any], key: str) -> float:
    """One run's value of an effect or baseline outcome (see :data:`EFFECTS`, :data:`BASELINE`).

    Effects on housing, acute care, custody, readmission and deaths are measured over
    the trials' horizon (:data:`TRIAL_WEEKS`); costs over their named years; baseline
    patterns over the whole run.
    """
    s = m["summary"]
    if key in ("housed", "acute", "custody", "readmission", "deaths"):
        return float(m["trial"][key])
    if key == "cost_year1":
        return cost_between(m, 0, 52)
    if key == "cost_years3_5":
        return cost_between(m, 104, 260) if len(m["cost"]) >= 260 else math.nan
    if key in ("treatment_share", "ae"):
        return float(m[key])
    if key == "cost":
        return s["cost_total:complex"]
    if key == "mortality":
        return s["deaths_per_100:complex"]
    if key == "reoffending":
        return 100.0 * s.get("proven_reoffending_12m:complex", math.nan)
    if key == "new_workers":
        return s.get("new_workers:complex", math.nan)
    if key == "drift":
        return drift(m)
    raise KeyError(key)


# --------------------------------------------------------------------------------------
# Comparisons.
# --------------------------------------------------------------------------------------


def effect(base: Sequence[float], alt: Sequence[float], kind: str) -> tuple[float, float, float]:
    """Paired effect of ``alt`` over ``base`` with its 95 % interval.

    ``relative``: mean log ratio and its t interval, as % change (never below −100 %);
    ``pp``: mean difference and its t interval. Seeds with a missing value are dropped.
    """
    a, b = np.asarray(base, dtype=float), np.asarray(alt, dtype=float)
    if kind == "relative":
        ok = (a > 0) & (b > 0)
        m, lo, hi = interval(np.log(b[ok] / a[ok]))
        return tuple(
            100.0 * (math.exp(x) - 1.0) if math.isfinite(x) else math.nan for x in (m, lo, hi)
        )  # type: ignore[return-value]
    return interval(b - a)


def verdict(value: float, rng: Range) -> str:
    """``inside``, ``above`` or ``below`` the range (``n/a`` when not measured)."""
    if not math.isfinite(value):
        return "n/a"
    if not (math.isfinite(rng.lo) and math.isfinite(rng.hi)):
        return "reported"
    if value < rng.lo:
        return "below"
    return "above" if value > rng.hi else "inside"


def check(
    runs: Sequence[dict[str, Any]], base: str = "siloed", alt: str = "alliance"
) -> pd.DataFrame:
    """The evidence table: one row per effect (alt vs base) and per baseline pattern (base)."""
    import pandas as pd

    by = {(m["arm"], m["seed"]): m for m in runs}
    seeds = sorted({s for arm, s in by if arm == base and (alt, s) in by})
    rows = []
    for r in EFFECTS:
        a = [outcome(by[(base, s)], r.key) for s in seeds]
        b = [outcome(by[(alt, s)], r.key) for s in seeds]
        m, lo, hi = effect(a, b, r.kind)
        unit = "pp" if r.kind == "pp" else "%"
        rows.append(_row("effect", r, unit, m, lo, hi, float(np.nanmean(a)), float(np.nanmean(b))))
    for key, label, kind in SUBGROUP:
        a = [by[(base, s)].get(key, math.nan) for s in seeds]
        b = [by[(alt, s)].get(key, math.nan) for s in seeds]
        m, lo, hi = interval(a) if kind == "level" else effect(a, b, kind)
        unit = {"relative": "%", "pp": "", "level": ""}[kind]
        r = Range(key, label, kind, math.nan, math.nan, "reported, no published range")
        rows.append(
            _row("subgroup", r, unit, m, lo, hi, float(np.nanmean(a)), float(np.nanmean(b)))
        )
    base_seeds = sorted(s for arm, s in by if arm == base)
    for r in BASELINE:
        x = [outcome(by[(base, s)], r.key) for s in base_seeds]
        m, lo, hi = interval(x)
        rows.append(_row("baseline", r, "", m, lo, hi, m, math.nan))
    return pd.DataFrame(rows)


def _row(
    part: str, r: Range, unit: str, m: float, lo: float, hi: float, a: float, b: float
) -> dict[str, Any]:
    return {
        "part": part,
        "outcome": r.key,
        "label": r.label,
        "unit": unit,
        "base": a,
        "alt": b,
        "value": m,
        "lo": lo,
        "hi": hi,
        "range_lo": r.lo,
        "range_hi": r.hi,
        "verdict": verdict(m, r),
        "source": r.source,
    }


def jcurve(
    runs: Sequence[dict[str, Any]], switch: int, base: str = "siloed", alt: str = "transition"
) -> dict[str, Any]:
    """The transition's cost against siloed after the switch at measured week ``switch``.

    Returns the mean over seeds of the weekly cost difference per complex-needs
    person (``diff``, pounds per person-week, from the switch on), its cumulative sum
    (``cumulative``), the first-year relative difference with its interval
    (``year1``), and the week after the switch at which the cumulative difference
    first falls to zero or below (``break_even``; None if never).
    """
    by = {(m["arm"], m["seed"]): m for m in runs}
    seeds = sorted({s for arm, s in by if arm == base and (alt, s) in by})
    per_person = []
    year1_a, year1_b = [], []
    for s in seeds:
        a, b = by[(base, s)], by[(alt, s)]
        pa = a["cost"][switch:] / np.maximum(1.0, a["alive"][switch:])
        pb = b["cost"][switch:] / np.maximum(1.0, b["alive"][switch:])
        per_person.append(pb - pa)
        year1_a.append(cost_between(a, switch, switch + 52))
        year1_b.append(cost_between(b, switch, switch + 52))
    diff = np.mean(per_person, axis=0) if per_person else np.zeros(0)
    cum = np.cumsum(diff)
    below = np.flatnonzero(cum <= 0.0)
    return {
        "seeds": seeds,
        "diff": diff,
        "cumulative": cum,
        "year1": effect(year1_a, year1_b, "relative"),
        "break_even": int(below[0]) if below.size else None,
    }


# --------------------------------------------------------------------------------------
# Command.
# --------------------------------------------------------------------------------------


def _plot(table: pd.DataFrame, jc: dict[str, Any]) -> bytes:
    """Effects against their ranges (left) and the transition's J-curve (right), as PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eff = table[table["part"] == "effect"].reset_index(drop=True)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8), width_ratios=[1.1, 1])
    y = np.arange(len(eff))[::-1]
    for yi, (_, r) in zip(y, eff.iterrows(), strict=True):
        ax.plot(
            [r["range_lo"], r["range_hi"]], [yi, yi], lw=10, color="#cfe3cf", solid_capstyle="butt"
        )
        ok = r["verdict"] == "inside"
        ax.errorbar(
            r["value"],
            yi,
            xerr=[[r["value"] - r["lo"]], [r["hi"] - r["value"]]],
            fmt="o",
            color="#1b7837" if ok else "#b2182b",
            capsize=3,
        )
    ax.set_yticks(y, [f"{lab} ({u})" for lab, u in zip(eff["label"], eff["unit"], strict=True)])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("alliance vs siloed (green band: published range; dot: model, 95 % CI)")
    ax.set_title("Effects on the complex-needs group")
    weeks = np.arange(len(jc["cumulative"]))
    bx.plot(weeks / 52, jc["cumulative"], color="#2166ac")
    bx.axhline(0, color="grey", lw=0.8)
    bx.axvspan(0, 2, color="#f4e3c1", alpha=0.6, label="extra cost expected (12-24 months)")
    bx.set_xlabel("years after the switch")
    bx.set_ylabel("cumulative cost difference per person (£)")
    bx.set_title("Transition minus siloed: the J-curve")
    bx.legend(loc="best", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=110, format="png")
    plt.close(fig)
    return buf.getvalue()


def _print(table: pd.DataFrame, jc: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, caption="effects: alliance vs siloed, paired seeds, 95 % t interval")
    for col, just in (
        ("outcome", "left"),
        ("model", "right"),
        ("95 % CI", "right"),
        ("evidence", "right"),
        ("", "left"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    fmt = console.fmt
    for part in ("effect", "subgroup", "baseline"):
        t.add_section()
        for _, r in table[table["part"] == part].iterrows():
            u = f" {r['unit']}" if r["unit"] else ""
            ci = f"[{fmt(r['lo'])}, {fmt(r['hi'])}]"
            rng = f"{fmt(r['range_lo'])} .. {fmt(r['range_hi'])}{u}"
            name = f"siloed: {r['label']}" if part == "baseline" else r["label"]
            t.add_row(name, f"{fmt(r['value'])}{u}", ci, rng, r["verdict"])
    Console(width=max(110, Console().width)).print(t)
    m, lo, hi = jc["year1"]
    be = jc["break_even"]
    print(
        f"transition: first year after the switch {fmt(m)} % [{fmt(lo)}, {fmt(hi)}] vs siloed; "
        + (
            "cumulative break-even: never in the run"
            if be is None
            else f"cumulative break-even {be / 52:.1f} years after the switch"
        )
    )


def cmd_evidence(args: argparse.Namespace) -> int:
    """Run siloed, alliance and transition with paired seeds; set effects beside evidence."""
    import pandas as pd

    from carecomplex.experiments.commands import show_beliefs, size_overrides
    from carecomplex.scenarios import load

    seeds = console.parse_seeds(args.seeds)
    arms = [load(name, size_overrides(args)) for name in ("siloed", "alliance", "transition")]
    console.check_out(args.out)
    believed = show_beliefs(args)
    from carecomplex import manifest
    from carecomplex.experiments.simulate import Run, completed

    runs = [Run(a.name, a.params, s) for s in seeds for a in arms]
    t0 = time.perf_counter()
    results: list[Any] = [None] * len(runs)
    with console.progress_bar(args.quiet) as bar:
        task = bar.add_task("runs (first includes JIT compile)", total=len(runs))
        for i, r in completed(measures, runs):
            results[i] = r
            bar.advance(task)
    secs = time.perf_counter() - t0
    table = check(results)
    tr = arms[2].params.transition
    jc = jcurve(results, max(0, tr.week))
    p = arms[0].params
    _print(
        table,
        jc,
        f"Model vs evidence: {len(seeds)} seeds, {p.population.persons:,} persons, "
        f"{p.run.years:g} years",
    )
    out = Path(args.out)
    summary = {
        "seeds": seeds,
        "table": table.to_dict(orient="records"),
        "transition": {
            "year1": list(jc["year1"]),
            "break_even_weeks": jc["break_even"],
            "switch_week": tr.week,
        },
    }
    man = manifest.build(
        sys.argv,
        seeds,
        secs,
        scenarios=manifest.arm_parameters(
            {a.name: a.params for a in arms}, {a.name: a.path for a in arms}
        ),
        **believed,
    )
    files = {
        "evidence.csv": table.to_csv(index=False),
        "jcurve.csv": pd.DataFrame(
            {
                "week_after_switch": np.arange(len(jc["diff"])),
                "diff": jc["diff"],
                "cumulative": jc["cumulative"],
            }
        ).to_csv(index=False),
        "summary.json": json.dumps(console.json_safe(summary), indent=2),
        "manifest.json": json.dumps(console.json_safe(man), indent=2),
        "evidence.png": _plot(table, jc),
    }
    console.write_outputs(out, files)
    inside = int((table["verdict"] == "inside").sum())
    print(
        f"{inside} of {len(table)} outcomes inside their published range; "
        f"{len(runs)} runs in {secs:.1f} s; outputs in {out}"
    )
    return 0


def add_parser(sub: Any) -> None:
    """``carecomplex evidence``."""
    from carecomplex.experiments.commands import beliefs_option, common_options

    p = sub.add_parser(
        "evidence", help="set the default effects beside the published evidence ranges"
    )
    common_options(p, "results/evidence")
    beliefs_option(p)
    p.set_defaults(func=cmd_evidence)
