"""Command line: ``carecomplex run | compare | sweep | analyse | claims | params | ui | examples``.

Exit status 0 on success, 2 on bad input (a one-line message naming the file, key and
allowed range), with nothing written.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carecomplex import MODEL_VERSION, __version__

DEFAULT_SEEDS = 10
MAX_SEEDS = 100_000
MAX_SEED = 2**63 - 1  # run.seed's range
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
    ("wellbeing", "complex", "Wellbeing, complex needs (0-1)"),
    ("crises", "complex", "Crises per person-year, complex"),
    ("deaths_per_100", "complex", "Deaths per 100 person-years, complex"),
    ("avoidable_deaths_per_100", "complex", "  crisis deaths per 100 person-years"),
    ("ea_weeks", "complex", "Emergency accommodation weeks per person-year"),
    ("handoffs", "all", "Hand-offs per person-year"),
    ("rejections", "all", "Rejections per person-year"),
    ("reassessments", "all", "Repeat assessments per person-year"),
    ("readmission_30d", "all", "30-day readmission share"),
    ("reoffending_1y", "complex", "Custody within a year of custody, complex"),
    ("kim_relationships", "all", "Kim loop: relationships"),
    ("kim_thinking", "all", "Kim loop: thinking"),
    ("kim_actions", "all", "Kim loop: actions"),
    ("kim_results", "all", "Kim loop: results"),
    ("burnout", "all", "Worker burnout"),
]


class UsageError(ValueError):
    """Bad command-line input."""


def parse_seeds(text: str) -> list[int]:
    """``10`` -> seeds 1..10; ``3,5,8`` -> those; ``1-20`` -> a range."""
    text = text.strip()
    try:
        if "," in text:
            seeds = [int(s) for s in text.split(",") if s.strip()]
        elif "-" in text.lstrip("-"):
            lo, hi = text.split("-", 1)
            seeds = range(int(lo), int(hi) + 1)
        else:
            seeds = range(1, int(text) + 1)
    except ValueError:
        raise UsageError(
            f"--seeds: expected a count, a list (1,2,3) or a range (1-10), got {text!r}"
        ) from None
    n = seeds.stop - seeds.start if isinstance(seeds, range) else len(seeds)
    if not 1 <= n <= MAX_SEEDS or min(seeds) < 0 or max(seeds) > MAX_SEED:
        raise UsageError(
            f"--seeds: expected 1 to {MAX_SEEDS} seeds from 0 to {MAX_SEED}, got {text!r}"
        )
    return list(seeds)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    over: dict[str, Any] = {}
    if args.persons is not None:
        over["population"] = {"persons": args.persons}
    if args.years is not None:
        over["run"] = {"years": args.years}
    return over


def _git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=5,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _manifest(arms: list, seeds: list[int], seconds: float, command: list[str]) -> dict:
    import mesa
    import numba
    import numpy

    from carecomplex.params import to_dict

    return {
        "carecomplex": __version__,
        "model_version": MODEL_VERSION,
        "git_revision": _git_revision(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "mesa": mesa.__version__,
        "seeds": seeds,
        "seconds": round(seconds, 2),
        "scenarios": {sc.name: {"file": sc.path, "params": to_dict(sc.params)} for sc in arms},
    }


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_safe(v) for v in x]
    return x


def check_out(out: str | Path) -> Path:
    """``out`` as a folder that can be created or reused; checked before any run."""
    path = Path(out)
    try:
        for p in (path, *path.parents):
            if p.exists():
                if not p.is_dir():
                    raise UsageError(f"--out: {p} exists and is not a folder")
                break
    except (OSError, ValueError) as e:
        raise UsageError(f"--out: cannot use {out!r} ({e})") from None
    return path


def _write_outputs(out: Path, files: dict[str, Any]) -> None:
    """Write every file into a temporary folder beside ``out``, then move them in."""
    from carecomplex.store import staged

    with staged(out) as tmp:
        for name, content in files.items():
            if isinstance(content, str):
                (tmp / name).write_text(content, encoding="utf-8")
            else:
                content.to_parquet(tmp / name, index=False)


def _progress(quiet: bool) -> Any:
    """A rich progress bar with count, elapsed time and an estimate of time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    ]
    return Progress(*columns, disable=quiet, transient=True)


def _run_arms(arms: list, seeds: list[int], quiet: bool) -> tuple[list, float]:
    from carecomplex.runner import run_all

    t0 = time.perf_counter()
    with _progress(quiet) as bar:
        task = bar.add_task("runs (first includes JIT compile)", total=len(arms) * len(seeds))
        results = run_all(
            [(a.name, a.params) for a in arms], seeds, progress=lambda r: bar.advance(task)
        )
    return results, time.perf_counter() - t0


def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _print_compare(table: Any, base: str, alt: str, n: int, persons: int, years: float) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(
        title=f"{alt} vs {base}: {n} paired seeds, {persons:,} persons, {years:g} years",
        caption=f"diff = {alt} - {base}, mean over seeds with 95 % t interval",
    )
    t.add_column("outcome")
    t.add_column(base, justify="right")
    t.add_column(alt, justify="right")
    t.add_column("diff [95 % CI]", justify="right")
    idx = table.set_index(["metric", "group"])
    for metric, group, label in HEADLINE:
        if (metric, group) not in idx.index:
            continue
        r = idx.loc[(metric, group)]
        ci = f"{_fmt(r['diff'])} [{_fmt(r['diff_lo'])}, {_fmt(r['diff_hi'])}]"
        t.add_row(label, _fmt(r[base]), _fmt(r[alt]), ci)
    Console(width=max(100, Console().width)).print(t)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario over seeds and write its outputs."""
    from carecomplex.scenarios import load

    seeds = parse_seeds(args.seeds)
    sc = load(args.scenario, _overrides(args))
    check_out(args.out)
    from carecomplex.runner import summary_frame, tidy  # after validation: imports numba

    results, secs = _run_arms([sc], seeds, args.quiet)
    frame = summary_frame(results)
    means = frame.groupby(["metric", "group"])["value"].mean()
    summary = {f"{m}:{g}": float(v) for (m, g), v in means.items()}
    files = {
        "runs.parquet": frame,
        "weekly.parquet": tidy(results, "weekly"),
        "services.parquet": tidy(results, "services"),
        "summary.json": json.dumps(_json_safe({"scenario": sc.name, "mean": summary}), indent=2),
        "manifest.json": json.dumps(_manifest([sc], seeds, secs, sys.argv), indent=2),
    }
    _write_outputs(Path(args.out), files)
    print(
        f"{sc.name}: {len(seeds)} seeds in {secs:.1f} s; cost per person-year "
        f"(complex needs) £{summary['cost_total:complex']:,.0f}; outputs in {args.out}"
    )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Run two scenarios with the same seeds and report paired differences."""
    from carecomplex.scenarios import load

    seeds = parse_seeds(args.seeds)
    base = load(args.base, _overrides(args))
    alt = load(args.alt, _overrides(args))
    check_out(args.out)
    from carecomplex.runner import paired, summary_frame, tidy  # after validation

    if base.name == alt.name:
        alt = type(alt)(alt.name + "_2", alt.description, alt.params, alt.path)
    results, secs = _run_arms([base, alt], seeds, args.quiet)
    frame = summary_frame(results)
    table = paired(frame, base.name, alt.name)
    p = base.params
    _print_compare(table, base.name, alt.name, len(seeds), p.population.persons, p.run.years)
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
        "summary.json": json.dumps(_json_safe(summary), indent=2),
        "manifest.json": json.dumps(_manifest([base, alt], seeds, secs, sys.argv), indent=2),
    }
    _write_outputs(Path(args.out), files)
    print(f"{2 * len(seeds)} runs in {secs:.1f} s; outputs in {args.out}")
    return 0


def _connect(address: str) -> Any:
    from distributed import Client

    try:
        return Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as e:
        raise UsageError(f"--scheduler: cannot connect to {address} ({e})") from None


def _print_pooled(table: Any, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    for (base, alt), sub in table.groupby(["base", "alt"], sort=False):
        t = Table(title=f"{title}: {alt} vs {base}", caption="mean over design points and seeds")
        for col in ("outcome", base, alt, "diff [95 % CI over seeds]"):
            t.add_column(col, justify="left" if col == "outcome" else "right")
        for d in sub.to_dict(orient="records"):  # arm names need not be identifiers
            ci = f"{_fmt(d['diff'])} [{_fmt(d['diff_lo'])}, {_fmt(d['diff_hi'])}]"
            t.add_row(d["metric"], _fmt(d[base]), _fmt(d[alt]), ci)
        Console(width=max(100, Console().width)).print(t)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run an experiment file into a results store (resumable), then report."""
    from carecomplex.experiment import load_experiment

    exp = load_experiment(args.file)  # bad input stops here, before anything is written
    check_out(args.out)
    import mesa
    import numba
    import numpy

    from carecomplex.store import StoreError
    from carecomplex.sweep import run_sweep

    client = _connect(args.scheduler) if args.scheduler else None
    executor = client.get_executor() if client else None
    workers = sum(client.nthreads().values()) if client else args.workers or os.cpu_count() or 1
    meta = {
        "git_revision": _git_revision(),
        "command": sys.argv,
        "versions": {
            "numpy": numpy.__version__,
            "numba": numba.__version__,
            "mesa": mesa.__version__,
        },
    }
    with _progress(args.quiet) as bar:
        task = bar.add_task("runs", total=None)
        failed = 0

        def on_start(todo: int, skipped: int) -> None:
            bar.update(task, total=todo, description=f"runs ({skipped} done before)")

        def progress(frame: Any) -> None:
            nonlocal failed
            failed += int((frame["status"] != "ok").sum())
            bar.update(task, advance=len(frame), description=f"runs ({failed} failed)")

        try:
            rep = run_sweep(
                exp,
                args.out,
                executor=executor,
                workers=workers,
                resume=args.resume,
                progress=progress,
                meta=meta,
                on_start=on_start,
            )
        except StoreError as e:
            raise UsageError(str(e)) from None
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
    from carecomplex.analysis import AnalysisError, report
    from carecomplex.store import StoreError

    try:
        tables = report(root)
    except (AnalysisError, StoreError) as e:
        raise UsageError(str(e)) from None
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


def cmd_claims(args: argparse.Namespace) -> int:
    """Check claim files against paired counterfactual runs and write a report."""
    from dataclasses import replace

    from carecomplex import claims as cl

    loaded = []
    for path in args.files:
        c = cl.load(path)
        if args.seeds is not None:
            c = replace(c, seeds=tuple(parse_seeds(args.seeds)))
            if len(c.seeds) < 2:
                raise UsageError("--seeds: a claim needs at least two paired seeds")
            c = replace(c, screen_seeds=min(c.screen_seeds, len(c.seeds)))
        if args.persons is not None:
            c = replace(c, persons=args.persons)
        loaded.append(c)
    check_out(args.out)
    ids = [c.id for c in loaded]
    if len(set(ids)) != len(ids):
        raise UsageError(
            f"claim ids repeat: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}"
        )
    from carecomplex import report  # after validation: imports numba and matplotlib

    n = sum(len(cl.tasks(c, not args.no_screen)) for c in loaded)
    t0 = time.perf_counter()
    results = _check_claims(loaded, n, args)
    secs = time.perf_counter() - t0
    meta = _manifest([], [], secs, sys.argv)
    meta.update(runs=n, claims={c.id: c.path for c in loaded})
    report.write(Path(args.out), results, meta, persona=not args.no_persona)
    for r in results:
        print(f"{r.claim.id}: {r.verdict} ({r.reason})")
    print(f"{n} paired runs in {secs:.1f} s; report in {Path(args.out) / 'report.html'}")
    return 0


def _check_claims(loaded: list, n: int, args: argparse.Namespace) -> list:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from contextlib import nullcontext

    from carecomplex import claims as cl

    workers = args.workers or os.cpu_count() or 1
    if args.scheduler:
        client = _connect(args.scheduler)
        pool: Any = nullcontext(client.get_executor())
    elif workers > 1 and n > 1:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    else:
        pool = nullcontext(None)
    try:
        with pool as ex, _progress(args.quiet) as bar:
            task = bar.add_task("paired runs", total=n)
            return cl.check(loaded, ex, not args.no_screen, progress=lambda r: bar.advance(task))
    finally:
        if args.scheduler:
            client.close()


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter reference (Markdown)."""
    from carecomplex.docs import parameters_markdown

    sys.stdout.write(parameters_markdown())
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the Solara web UI (one model pair per browser session)."""
    from carecomplex.ui.serve import serve

    return serve(args.host, args.port)


def _bounded_int(lo: int, hi: int, what: str = "") -> Any:
    """An argparse type: a whole number from ``lo`` to ``hi``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"expected {lo} to {hi}{what}, got {v}")
        return v

    return parse


_port = _bounded_int(1, 65535)
_positive_int = _bounded_int(1, 5_000_000)
_workers = _bounded_int(1, 1024, " workers")


def _years(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.02 <= v <= 100:
        raise argparse.ArgumentTypeError(f"expected 0.02 to 100 years, got {text}")
    return v


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    ap = argparse.ArgumentParser(prog="carecomplex", description=__doc__.splitlines()[0])
    ap.add_argument("--version", action="version", version=f"carecomplex {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, out: str) -> None:
        p.add_argument(
            "--seeds",
            default=str(DEFAULT_SEEDS),
            help="count (10 = seeds 1..10), list (1,5,9) or range (1-20)",
        )
        p.add_argument("--persons", type=_positive_int, help="population size")
        p.add_argument("--years", type=_years, help="measured years")
        p.add_argument("--out", default=out, help="output folder (default %(default)s)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    run = sub.add_parser("run", help="run one scenario over seeds")
    run.add_argument("scenario", nargs="?", default="siloed", help="file or built-in name")
    common(run, "results/run")
    run.set_defaults(func=cmd_run)
    cmp_ = sub.add_parser("compare", help="compare two scenarios, paired by seed")
    cmp_.add_argument("base", nargs="?", default="siloed")
    cmp_.add_argument("alt", nargs="?", default="alliance")
    common(cmp_, "results/compare")
    cmp_.set_defaults(func=cmd_compare)
    swp = sub.add_parser("sweep", help="run an experiment file (experiments/*.toml)")
    swp.add_argument("file", help="experiment file")
    swp.add_argument("--out", required=True, help="experiment directory (results store)")
    swp.add_argument("--resume", action="store_true", help="continue: run only missing runs")
    swp.add_argument("--scheduler", help="address of a Dask scheduler, e.g. tcp://host:8786")
    swp.add_argument(
        "--workers", type=_workers, help="local worker processes (default: CPUs; 1 = in-process)"
    )
    swp.add_argument("--quiet", action="store_true", help="no progress bar or tables")
    swp.set_defaults(func=cmd_sweep)
    ana = sub.add_parser("analyse", help="paired differences and Sobol/Morris plots of a sweep")
    ana.add_argument("dir", help="experiment directory written by sweep")
    ana.add_argument("--quiet", action="store_true", help="no tables")
    ana.set_defaults(func=cmd_analyse)
    clm = sub.add_parser("claims", help="check claim files against paired counterfactuals")
    clm.add_argument("files", nargs="+", help="claim files (experiments/claims/*.toml)")
    clm.add_argument("--out", default="results/claims", help="report folder (default %(default)s)")
    clm.add_argument("--seeds", help="override each claim's seeds: count, list or range")
    clm.add_argument("--persons", type=_positive_int, help="override each claim's population")
    clm.add_argument("--scheduler", help="address of a Dask scheduler, e.g. tcp://host:8786")
    clm.add_argument(
        "--workers", type=_workers, help="local worker processes (default: CPUs; 1 = in-process)"
    )
    clm.add_argument("--no-screen", action="store_true", help="skip the sensitivity screen")
    clm.add_argument("--no-persona", action="store_true", help="skip the persona journey")
    clm.add_argument("--quiet", action="store_true", help="no progress bar")
    clm.set_defaults(func=cmd_claims)
    par = sub.add_parser("params", help="print the parameter reference as Markdown")
    par.set_defaults(func=cmd_params)
    ui = sub.add_parser("ui", help="serve the web UI for students (Solara)")
    ui.add_argument("--host", default="127.0.0.1", help="address (default %(default)s)")
    ui.add_argument("--port", type=_port, default=8765, help="port (default %(default)s)")
    ui.set_defaults(func=cmd_ui)
    from carecomplex.resources import cmd_examples  # packaging (issue 20)

    exm = sub.add_parser("examples", help="copy the example experiments and claims to DIR")
    exm.add_argument("dir", nargs="?", default="experiments", help="folder (default %(default)s)")
    exm.add_argument("--force", action="store_true", help="overwrite example files already there")
    exm.set_defaults(func=cmd_examples)
    return ap


_LINE_BREAKS = {c: repr(chr(c))[1:-1] for c in (*range(10, 14), 28, 29, 30, 0x85, 0x2028, 0x2029)}


def one_line(text: str) -> str:
    """``text`` with line breaks escaped (a file's keys and values may hold them)."""
    return text.translate(_LINE_BREAKS)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    from carecomplex.claims import ClaimError
    from carecomplex.scenarios import ScenarioError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, UsageError, ClaimError) as e:
        print(f"carecomplex: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("carecomplex: interrupted; nothing written", file=sys.stderr)
        return 130
    except OSError as e:  # a full disk, a quota or an I/O error while writing results
        print(f"carecomplex: error: {os_error(e)}", file=sys.stderr)
        return 1


def os_error(e: OSError) -> str:
    """One line for an ``OSError`` met while writing: the file, the reason, what to do."""
    where = f"{e.filename}: " if e.filename else ""
    text = f"{where}{e.strerror or one_line(str(e))}"
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        text += (
            "; no partial file was left (a sweep keeps the runs it committed: free space "
            "and run it again with --resume)"
        )
    return one_line(text)


if __name__ == "__main__":
    sys.exit(main())
