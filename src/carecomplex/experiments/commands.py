"""The ``run``, ``compare``, ``sweep`` and ``analyse`` subcommands.

Each validates all of its input before it imports the model (numba) or writes a file,
so a bad scenario or experiment stops with one line and nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from carecomplex import console
from carecomplex.errors import UsageError

HEADLINE = [
    ("cost_total", "complex", "Cost per person-year, complex needs (£)"),
    ("cost_total", "all", "Cost per person-year, everyone (£)"),
    ("cost_nhs_acute", "complex", "  NHS acute (£)"),
    ("cost_mental_health", "complex", "  mental health (£)"),
    ("cost_substance", "complex", "  substance use (£)"),
    ("cost_housing", "complex", "  housing (£)"),
    ("cost_justice", "complex", "  justice (£)"),
    ("cost_support_services", "complex", "  support services (£)"),
    ("cost_failure_demand", "complex", "  of which failure demand (£)"),
    ("cost_cashable", "complex", "  of which cashable (£)"),
    ("cost_staff", "complex", "  of which staff posts (£)"),
    ("cost_programme", "complex", "  of which programme (£)"),
    ("cost_year1", "complex", "Cost per person-year, year 1, complex (£)"),
    ("cost_years3_5", "complex", "Cost per person-year, years 3-5, complex (£)"),
    ("cost_per_person", "complex", "Cost per complex-needs person over the run (£)"),
    ("cost_pv", "complex", "  present value at 3.5 % (£)"),
    ("idle_staff_share", "all", "Idle share of staff cost"),
    ("wellbeing", "complex", "Wellbeing, complex needs (0-1)"),
    ("crises", "complex", "Crises per person-year, complex"),
    ("deaths_per_100", "complex", "Deaths per 100 person-years, complex"),
    ("avoidable_deaths_per_100", "complex", "  crisis deaths per 100 person-years"),
    ("ea_weeks", "complex", "Emergency accommodation weeks per person-year"),
    ("handoffs", "all", "Hand-offs per person-year"),
    ("rejections", "all", "Rejections per person-year"),
    ("reassessments", "all", "Repeat assessments per person-year"),
    ("readmission_30d", "complex", "30-day emergency readmission share, complex"),
    ("readmission_180d", "complex", "  within 180 days"),
    ("proven_reoffending_12m", "complex", "Proven reoffending, short sentences, complex"),
    ("releases", "complex", "Prison releases per person-year, complex"),
    ("kim_relationships", "all", "Kim loop: relationships"),
    ("kim_thinking", "all", "Kim loop: thinking"),
    ("kim_actions", "all", "Kim loop: actions"),
    ("kim_results", "all", "Kim loop: results"),
    ("burnout", "all", "Worker burnout"),
]
"""The rows ``compare`` prints: (metric, group, label)."""


def headline_rows(table: Any) -> Any:
    """``(label, row)`` of each :data:`HEADLINE` outcome a paired table holds, in order."""
    idx = table.set_index(["metric", "group"])
    for metric, group, label in HEADLINE:
        if (metric, group) in idx.index:
            yield label, idx.loc[(metric, group)]


def size_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--persons``, ``--years`` and ``--beliefs`` options as parameter overrides."""
    over: dict[str, Any] = {}
    if getattr(args, "beliefs", None):
        from carecomplex.beliefs import load as load_beliefs

        if getattr(args, "psa", None) is not None:
            raise UsageError(
                "--beliefs with --psa: choose one (beliefs fix parameters that PSA draws)"
            )
        over = load_beliefs(args.beliefs).overrides()
    if args.persons is not None:
        over["population"] = {"persons": args.persons}
    if args.years is not None:
        over["run"] = {"years": args.years}
    return over


def show_beliefs(args: argparse.Namespace) -> dict[str, Any]:
    """Print every assumption of ``--beliefs`` (if given); return them for the manifest."""
    if not getattr(args, "beliefs", None):
        return {}
    from carecomplex.beliefs import assumptions, load, print_assumptions

    b = load(args.beliefs)
    if not args.quiet:
        print_assumptions(b)
    return {"beliefs": {"name": b.name, "file": b.path, "assumptions": assumptions(b)}}


def beliefs_option(p: argparse.ArgumentParser) -> None:
    """``--beliefs NAME|FILE``: world parameters laid over every arm, shown in full."""
    p.add_argument(
        "--beliefs",
        metavar="REF",
        help="beliefs file or built-in name (optimistic): world parameters for every arm",
    )


def _run_arms(arms: list, seeds: list[int], quiet: bool) -> tuple[list, float]:
    """Every arm with every seed (seed-major, so pairs finish together), with a bar."""
    from carecomplex.experiments.simulate import Run, simulate

    runs = [Run(a.name, a.params, seed) for seed in seeds for a in arms]
    t0 = time.perf_counter()
    with console.progress_bar(quiet) as bar:
        task = bar.add_task("runs (first includes JIT compile)", total=len(runs))
        results = simulate(runs, progress=lambda r: bar.advance(task))
    return results, time.perf_counter() - t0


def _manifest(arms: list, seeds: list[int], seconds: float, extra: dict | None = None) -> str:
    from carecomplex import manifest

    params = manifest.arm_parameters(
        {a.name: a.params for a in arms}, {a.name: a.path for a in arms}
    )
    man = manifest.build(sys.argv, seeds, seconds, scenarios=params, **(extra or {}))
    return json.dumps(console.json_safe(man), indent=2)


def _print_compare(
    table: Any, base: str, alt: str, n: int, params: Any, where: str = "the defaults"
) -> None:
    from rich.console import Console
    from rich.table import Table

    persons, years = params.population.persons, params.run.years
    t = Table(
        title=(
            f"{alt} vs {base}: {n} paired seeds, {persons:,} persons, {years:g} years "
            f"(seed-only: parameters fixed at {where})"
        ),
        caption=(
            f"diff = {alt} - {base}, mean over seeds with 95 % t interval; seed-only: "
            f"parameters fixed at {where} (--psa N varies them too)"
        ),
    )
    t.add_column("outcome")
    t.add_column(base, justify="right")
    t.add_column(alt, justify="right")
    t.add_column("diff [95 % CI]", justify="right")
    fmt = console.fmt
    for label, r in headline_rows(table):
        ci = f"{fmt(r['diff'])} [{fmt(r['diff_lo'])}, {fmt(r['diff_hi'])}]"
        t.add_row(label, fmt(r[base]), fmt(r[alt]), ci)
    Console(width=max(100, Console().width)).print(t)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario over seeds and write its outputs."""
    from carecomplex.scenarios import load

    seeds = console.parse_seeds(args.seeds)
    sc = load(args.scenario, size_overrides(args))
    console.check_out(args.out)
    from carecomplex.experiments.simulate import summary_frame, tidy  # after validation

    results, secs = _run_arms([sc], seeds, args.quiet)
    frame = summary_frame(results)
    means = frame.groupby(["metric", "group"])["value"].mean()
    summary = {f"{m}:{g}": float(v) for (m, g), v in means.items()}
    mean = {"scenario": sc.name, "mean": summary}
    files = {
        "runs.parquet": frame,
        "weekly.parquet": tidy(results, "weekly"),
        "services.parquet": tidy(results, "services"),
        "summary.json": json.dumps(console.json_safe(mean), indent=2),
        "manifest.json": _manifest([sc], seeds, secs),
    }
    console.write_outputs(Path(args.out), files)
    print(
        f"{sc.name}: {len(seeds)} seeds in {secs:.1f} s; cost per person-year "
        f"(complex needs) £{summary['cost_total:complex']:,.0f}; outputs in {args.out}"
    )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Run two scenarios with the same seeds and report paired differences."""
    from carecomplex.calibration import psa
    from carecomplex.scenarios import load

    seeds = console.parse_seeds(args.seeds)
    base = load(args.base, size_overrides(args))
    alt = load(args.alt, size_overrides(args))
    drawn = psa.from_args(args)  # a bad ensemble stops here, before any run
    console.check_out(args.out)
    if drawn is not None:
        return _compare_psa(args, base, alt, seeds, drawn)
    from carecomplex.experiments.simulate import summary_frame, tidy  # after validation
    from carecomplex.stats import paired

    if base.name == alt.name:
        alt = type(alt)(alt.name + "_2", alt.description, alt.params, alt.path)
    believed = show_beliefs(args)
    results, secs = _run_arms([base, alt], seeds, args.quiet)
    frame = summary_frame(results)
    table = paired(frame, base.name, alt.name)
    where = f"the '{believed['beliefs']['name']}' beliefs" if believed else "the defaults"
    _print_compare(table, base.name, alt.name, len(seeds), base.params, where)
    summary = {
        "base": base.name,
        "alt": alt.name,
        "seeds": seeds,
        "paired": table.to_dict(orient="records"),
    }
    files = {
        "runs.parquet": frame,
        "paired.parquet": table,
        "weekly.parquet": tidy(results, "weekly"),
        "services.parquet": tidy(results, "services"),
        "summary.json": json.dumps(console.json_safe(summary), indent=2),
        "manifest.json": _manifest([base, alt], seeds, secs, believed),
    }
    console.write_outputs(Path(args.out), files)
    print(f"{2 * len(seeds)} runs in {secs:.1f} s; outputs in {args.out}")
    return 0


def _print_psa(table: Any, base: str, alt: str, title: str, caption: str) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, caption=caption)
    cols = ("outcome", base, alt, "diff mean", "95 % interval", "worlds diff < 0")
    for col in cols:
        t.add_column(col, justify="left" if col == "outcome" else "right")
    fmt = console.fmt
    for label, r in headline_rows(table):
        share = r["share_below_0"]
        t.add_row(
            label,
            fmt(r[base]),
            fmt(r[alt]),
            fmt(r["diff"]),
            f"[{fmt(r['diff_lo'])}, {fmt(r['diff_hi'])}]",
            "-" if share != share else f"{share:.0%}",
        )
    Console(width=max(100, Console().width)).print(t)


def _compare_psa(
    args: argparse.Namespace, base: Any, alt: Any, seeds: list[int], drawn: Any
) -> int:
    """``compare --psa N``: every draw x seed x arm; PSA table, CEAC and long results."""
    from carecomplex import manifest
    from carecomplex.calibration import psa

    if base.name == alt.name:
        alt = type(alt)(alt.name + "_2", alt.description, alt.params, alt.path)
    arms = {base.name: base.params, alt.name: alt.params}
    n = drawn.n * len(seeds) * 2
    t0 = time.perf_counter()
    with (
        psa.executor_for(args.scheduler, args.workers or os.cpu_count(), n) as ex,
        console.progress_bar(args.quiet) as bar,
    ):
        task = bar.add_task("PSA runs (first includes JIT compile)", total=n)
        long = psa.run(arms, drawn, seeds, ex, lambda r: bar.advance(task))
    secs = time.perf_counter() - t0
    table = psa.summary(long, base.name, alt.name)
    persons, years = base.params.population.persons, base.params.run.years
    _print_psa(
        table,
        base.name,
        alt.name,
        f"{alt.name} vs {base.name}: PSA, {drawn.n} plausible worlds x {len(seeds)} paired "
        f"seeds, {persons:,} persons, {years:g} years",
        f"diff = {alt.name} - {base.name}; mean and 95 % interval over parameters and seeds "
        f"(draws from {drawn.source}); worlds: share of draws whose mean diff < 0",
    )
    dc = psa.per_draw(long, base.name, alt.name, psa.COST_KEY)
    de = psa.per_draw(long, base.name, alt.name, psa.EFFECT_KEY)
    dc, de = dc.align(de, join="inner")
    curve = psa.ceac(dc.to_numpy(), de.to_numpy())
    title = f"{alt.name} vs {base.name}: {drawn.n} plausible worlds"
    params = manifest.arm_parameters(
        {base.name: base.params, alt.name: alt.params}, {base.name: base.path, alt.name: alt.path}
    )
    meta = manifest.build(sys.argv, seeds, secs, scenarios=params, psa=drawn.describe())
    files = {
        "psa.parquet": long,
        "psa_draws.parquet": drawn.frame(),
        "psa_summary.csv": table.to_csv(index=False),
        "ceac.csv": curve.to_csv(index=False),
        "ceac.png": psa.ce_figure(dc.to_numpy(), de.to_numpy(), curve, title),
        "manifest.json": json.dumps(console.json_safe(meta), indent=2),
    }
    console.write_outputs(Path(args.out), files)
    at = curve.set_index("wtp")["p_cost_effective"]
    shares = ", ".join(
        f"£{w:,.0f} {at.get(w, float('nan')):.0%}" for w in (0.0, 20_000.0, 30_000.0)
    )
    print(f"share of worlds cost-effective at a willingness to pay per wellbeing-year: {shares}")
    for line in _cost_switches(drawn, dc, alt.name):
        print(line)
    print(f"{n} runs in {secs:.1f} s; outputs in {args.out}")
    return 0


def _cost_switches(drawn: Any, dc: Any, alt: str) -> list[str]:
    """'What you would have to believe' for ``alt`` to cost less (switching values)."""
    from carecomplex.calibration import psa

    X = drawn.frame().set_index("draw").loc[dc.index].reset_index()
    switches = psa.switching_values(X, dc.to_numpy(), 0.0, True, psa.ranges(drawn.ensemble))
    if not switches:
        return []
    share = float((dc < 0).mean())
    foot = psa.footing(drawn, [s.parameter for s in switches])
    head = (
        f"{alt} costs less (complex needs, per person-year) in {share:.0%} of plausible "
        f"worlds; what you would have to believe for that to flip: "
    )
    return [head + "; ".join(s.sentence for s in switches) + f"; {foot}"]


def _print_pooled(table: Any, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    fmt = console.fmt
    for (base, alt), sub in table.groupby(["base", "alt"], sort=False):
        t = Table(title=f"{title}: {alt} vs {base}", caption="mean over design points and seeds")
        for col in ("outcome", base, alt, "diff [95 % CI over seeds]"):
            t.add_column(col, justify="left" if col == "outcome" else "right")
        for d in sub.to_dict(orient="records"):  # arm names need not be identifiers
            ci = f"{fmt(d['diff'])} [{fmt(d['diff_lo'])}, {fmt(d['diff_hi'])}]"
            t.add_row(d["metric"], fmt(d[base]), fmt(d[alt]), ci)
        Console(width=max(100, Console().width)).print(t)


def _sweep_with_bar(exp: Any, args: argparse.Namespace, executor: Any, workers: int) -> Any:
    from carecomplex.experiments.sweep import run_sweep

    with console.progress_bar(args.quiet) as bar:
        task = bar.add_task("runs", total=None)
        failed = 0

        def on_start(todo: int, skipped: int) -> None:
            bar.update(task, total=todo, description=f"runs ({skipped} done before)")

        def progress(frame: Any) -> None:
            nonlocal failed
            failed += int((frame["status"] != "ok").sum())
            bar.update(task, advance=len(frame), description=f"runs ({failed} failed)")

        return run_sweep(
            exp,
            args.out,
            executor=executor,
            workers=workers,
            resume=args.resume,
            progress=progress,
            command=sys.argv,
            on_start=on_start,
        )


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run an experiment file into a results store (resumable), then report."""
    from carecomplex.experiments.design import load_experiment

    exp = load_experiment(args.file)  # bad input stops here, before anything is written
    console.check_out(args.out)
    client = console.connect(args.scheduler) if args.scheduler else None
    executor = client.get_executor() if client else None
    workers = sum(client.nthreads().values()) if client else args.workers or os.cpu_count() or 1
    try:
        rep = _sweep_with_bar(exp, args, executor, workers)
    finally:
        if client:
            client.close()
    share = f"{rep.outside_share:.1%}" if rep.ran else "-"
    on = f"{workers} worker{'s' * (workers != 1)}"
    print(
        f"{exp.name}: {rep.ran} runs in {rep.wall_seconds:.1f} s on {on} "
        f"({rep.skipped} done before, {rep.failed} failed; time outside the model {share}); "
        f"results in {args.out}"
    )
    return _analyse(Path(args.out), quiet=args.quiet)


def _analyse(root: Path, quiet: bool = False) -> int:
    from carecomplex.experiments.analysis import report

    tables = report(root)
    if not quiet and len(tables["pooled"]):
        _print_pooled(tables["pooled"], root.name)
    print(
        f"analysis in {root / 'analysis'}: "
        + ", ".join(sorted(p.name for p in (root / "analysis").iterdir()))
    )
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    """Paired differences and sensitivity indices of an experiment directory."""
    return _analyse(Path(args.dir), quiet=args.quiet)


def common_options(p: argparse.ArgumentParser, out: str) -> None:
    """``--seeds``, ``--persons``, ``--years``, ``--out`` (default ``out``), ``--quiet``."""
    p.add_argument(
        "--seeds",
        default=str(console.DEFAULT_SEEDS),
        help="count (10 = seeds 1..10), list (1,5,9) or range (1-20)",
    )
    p.add_argument("--persons", type=console.positive_int, help="population size")
    p.add_argument("--years", type=console.years, help="measured years")
    p.add_argument("--out", default=out, help="output folder (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def psa_options(p: argparse.ArgumentParser) -> None:
    """``--psa N``, ``--ensemble``, ``--psa-seed`` and where the PSA's runs go."""
    from carecomplex.calibration.psa import add_options

    add_options(p)
    console.executor_options(p)


def add_parsers(sub: Any) -> None:
    """Add ``run``, ``compare``, ``sweep`` and ``analyse`` to the subcommand parsers."""
    run = sub.add_parser("run", help="run one scenario over seeds")
    run.add_argument("scenario", nargs="?", default="siloed", help="file or built-in name")
    common_options(run, "results/run")
    run.set_defaults(func=cmd_run)
    cmp_ = sub.add_parser("compare", help="compare two scenarios, paired by seed")
    cmp_.add_argument("base", nargs="?", default="siloed")
    cmp_.add_argument("alt", nargs="?", default="alliance")
    common_options(cmp_, "results/compare")
    beliefs_option(cmp_)
    psa_options(cmp_)
    cmp_.set_defaults(func=cmd_compare)
    swp = sub.add_parser("sweep", help="run an experiment file (experiments/*.toml)")
    swp.add_argument("file", help="experiment file")
    swp.add_argument("--out", required=True, help="experiment directory (results store)")
    swp.add_argument("--resume", action="store_true", help="continue: run only missing runs")
    console.executor_options(swp)
    swp.add_argument("--quiet", action="store_true", help="no progress bar or tables")
    swp.set_defaults(func=cmd_sweep)
    ana = sub.add_parser("analyse", help="paired differences and Sobol/Morris plots of a sweep")
    ana.add_argument("dir", help="experiment directory written by sweep")
    ana.add_argument("--quiet", action="store_true", help="no tables")
    ana.set_defaults(func=cmd_analyse)
