"""The ``calibrate`` subcommand: ABC (rejection or SMC) against a targets file, then its report.

``carecomplex calibrate [TARGETS] --out DIR`` validates the targets, priors and
scenarios, runs (or with ``--resume`` continues) the calibration into ``DIR/abc.db`` on
the sweeps' executors (in process, ``--workers N`` spawned processes, or a Dask cluster
at ``--scheduler``), and writes from the database:

- ``ensemble.parquet``: the posterior ensemble (weighted parameter sets, the format
  ``--ensemble`` reads, see :mod:`carecomplex.calibration.ensemble`);
- ``posterior.csv``: each parameter's prior, posterior median and 90 % interval,
  shrinkage and whether the targets inform it;
- ``fit.csv``: each target's range beside the simulated statistic (weighted median and
  90 % interval over the final generation, and over the prior);
- ``generations.csv``: epsilon, particles, simulations and acceptance per generation;
- ``marginals.png``, ``pairwise.png``, ``fit.png``, ``generations.png``;
- ``manifest.json``: provenance, the targets and priors (their text), settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex import console
from carecomplex.calibration import targets as tg
from carecomplex.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

SPEC = "calibration.json"
"""The calibration's identity (targets, priors, settings), written first, checked on resume."""


def settings_from_args(t: tg.Targets, args: argparse.Namespace) -> tg.Targets:
    """The targets with the command line's overrides of the ``[abc]``/``[simulation]`` settings."""
    over = {
        "population_size": args.population,
        "generations": args.generations,
        "max_simulations": args.max_simulations,
        "min_epsilon": args.min_epsilon,
        "seed": args.seed,
        "persons": args.persons,
        "years": args.years,
    }
    over = {k: v for k, v in over.items() if v is not None}
    out = dataclasses.replace(t, settings=dataclasses.replace(t.settings, **over))
    short = tg.years_short(out.targets, out.settings.years)
    if short:
        raise UsageError(f"--years: {short}")
    return out


RESUMABLE = ("max_simulations", "generations")
"""Settings a resumed calibration may change (to let it run further)."""


def spec(t: tg.Targets) -> dict[str, Any]:
    """What makes two calibrations the same: targets and priors (text hashes) and settings."""

    def digest(p: str) -> str:
        return hashlib.sha256(Path(p).read_bytes()).hexdigest()

    return {
        "targets": {"path": t.path, "sha256": digest(t.path)},
        "priors": {"path": t.priors_path, "sha256": digest(t.priors_path)},
        "settings": dataclasses.asdict(t.settings),
    }


def _check_resume(out: Path, t: tg.Targets, resume: bool) -> None:
    db = out / "abc.db"
    if resume and not db.exists():
        raise UsageError(f"--resume: {out} holds no calibration (no abc.db) to continue")
    if not resume and db.exists():
        raise UsageError(
            f"--out: {out} already holds a calibration (abc.db); "
            "--resume continues it, or choose another folder"
        )
    if resume:
        try:
            old = json.loads((out / SPEC).read_text())
        except (OSError, ValueError):
            raise UsageError(f"--resume: {out / SPEC} is missing or unreadable") from None
        new = spec(t)
        for key in ("targets", "priors", "settings"):
            a = old.get(key, {})
            b = new[key]
            if key != "settings":
                a, b = a.get("sha256"), b["sha256"]
            elif {k: v for k, v in a.items() if k not in RESUMABLE} != {
                k: v for k, v in b.items() if k not in RESUMABLE
            }:
                diff = sorted(k for k in b if a.get(k) != b[k] and k not in RESUMABLE)
                raise UsageError(
                    f"--resume: settings differ from the stored calibration's ({', '.join(diff)})"
                )
            if key != "settings" and a != b:
                raise UsageError(f"--resume: the {key} file changed since the calibration began")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate the model to a targets file by ABC; write the ensemble and its report."""
    from carecomplex.scenarios import load as load_scenario

    t = settings_from_args(tg.load(args.targets, args.priors), args)
    s = t.settings
    size = {"population": {"persons": s.persons}, "run": {"years": s.years}}
    base = load_scenario(s.base, size)
    alt = load_scenario(s.alt, size)
    out = console.check_out(args.out)
    _check_resume(out, t, args.resume)
    from carecomplex.calibration import abc  # after validation: imports pyabc

    client = console.connect(args.scheduler) if args.scheduler else None
    workers = sum(client.nthreads().values()) if client else args.workers or os.cpu_count() or 1
    out.mkdir(parents=True, exist_ok=True)
    if not args.resume:
        (out / SPEC).write_text(json.dumps(spec(t), indent=2))
    t0 = time.perf_counter()
    before = _stored_simulations(out / "abc.db")
    pool: Any = None
    try:
        if client:
            executor = client.get_executor()
        elif workers > 1:
            from carecomplex.experiments.simulate import process_pool

            executor = pool = process_pool(workers)
        else:
            executor = None
        with console.progress_bar(args.quiet) as bar:
            task = bar.add_task("simulations", total=s.max_simulations)
            history = _run_within_budget(
                abc,
                t,
                base.params,
                alt.params,
                out,
                executor,
                workers,
                args.resume,
                on_done=lambda n: bar.advance(task, n),
                on_generation=lambda g, e: bar.update(
                    task, description=f"generation {g + 1}/{s.generations} (epsilon {e:.3g})"
                ),
            )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if client:
            client.close()
    secs = time.perf_counter() - t0
    session = int(history.total_nr_simulations) - before
    files = report(history, t, {"base": base, "alt": alt}, secs, workers, session)
    console.write_outputs(out, files)
    _print(files, history, t, out, secs, workers, session)
    return 0


def _run_within_budget(abc: Any, *args: Any, **kwargs: Any) -> Any:
    """``abc.run(...)``; a spent simulation budget becomes a one-line usage error."""
    try:
        return abc.run(*args, **kwargs)
    except abc.BudgetError as e:
        raise UsageError(f"--max-simulations: {e}") from None


def _stored_simulations(db: Path) -> int:
    """Paired runs already stored in a calibration database (0 if none)."""
    import sqlite3

    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        row = con.execute("select coalesce(sum(nr_samples), 0) from populations").fetchone()
    return int(row[0])


# --------------------------------------------------------------------------------------
# Report: everything from the database.
# --------------------------------------------------------------------------------------


def population(history: Any, t: int, targets: tg.Targets) -> tuple[pd.DataFrame, np.ndarray]:
    """Generation ``t``'s particles (parameter values by ``group.name``) and weights."""
    import pandas as pd

    from carecomplex.calibration.abc import values

    df, w = history.get_distribution(m=0, t=t)
    rows = [values(r, targets.priors) for r in df.to_dict(orient="records")]
    return pd.DataFrame(rows), np.asarray(w, dtype=np.float64) / np.sum(w)


def posterior_ensemble(history: Any, t: tg.Targets, meta: dict[str, Any]) -> Any:
    """The last generation as an :class:`~carecomplex.calibration.ensemble.Ensemble`."""
    from carecomplex.calibration.ensemble import Ensemble

    df, w = population(history, history.max_t, t)
    table = df[t.parameters].copy()
    table["weight"] = w
    return Ensemble(table, meta, "")


def _wq(x: np.ndarray, w: np.ndarray, q: float) -> float:
    from carecomplex.calibration.ensemble import weighted_quantile

    ok = np.isfinite(x)
    return weighted_quantile(x[ok], w[ok], q) if ok.any() else math.nan


def fit_table(history: Any, t: tg.Targets) -> pd.DataFrame:
    """Each target's range beside its simulated statistic, final generation and prior."""
    import pandas as pd

    rows = []
    # The prior predictive is generation 0 of ABC-SMC (accepted at the first, loose
    # epsilon); a rejection calibration has one generation and no stored prior
    # predictive (its acceptance rate says what share of the prior the targets allow).
    gens = {"posterior": history.max_t, "prior": 0 if history.max_t > 0 else None}
    stats: dict[str, Any] = {}
    for name, g in gens.items():
        if g is None:
            stats[name] = None
            continue
        w, ss = history.get_weighted_sum_stats(t=g)
        stats[name] = (np.asarray(w, dtype=np.float64) / np.sum(w), ss)
    for tar in t.targets:
        row: dict[str, Any] = {
            "target": tar.name,
            "label": tar.label,
            "unit": tar.unit,
            "range_lo": tar.lo,
            "range_hi": tar.hi,
        }
        for name, got in stats.items():
            if got is None:
                for col in ("median", "lo", "hi", "inside"):
                    row[f"{name}_{col}"] = math.nan
                continue
            w, ss = got
            x = np.array([s.get(tar.name, math.nan) for s in ss], dtype=np.float64)
            row[f"{name}_median"] = _wq(x, w, 0.5)
            row[f"{name}_lo"] = _wq(x, w, 0.05)
            row[f"{name}_hi"] = _wq(x, w, 0.95)
            inside = np.isfinite(x) & (x >= tar.lo) & (x <= tar.hi)
            row[f"{name}_inside"] = float(np.sum(w * inside))
        row["source"] = tar.source
        rows.append(row)
    return pd.DataFrame(rows)


def posterior_table(ens: Any, t: tg.Targets, defaults: dict[str, float]) -> pd.DataFrame:
    """Each calibrated parameter: prior, hand-set default, posterior median and interval."""
    import pandas as pd

    shrink = ens.shrinkage()
    med, lo, hi = ens.median(), ens.quantile(0.05), ens.quantile(0.95)
    rows = []
    for p in t.priors:
        rows.append(
            {
                "parameter": p.key,
                "prior": p.dist,
                "prior_lo": p.lo,
                "prior_hi": p.hi,
                "default_before": defaults.get(p.key, math.nan),
                "posterior_median": med[p.key],
                "posterior_lo": lo[p.key],
                "posterior_hi": hi[p.key],
                "shrinkage": shrink.get(p.key, math.nan),
                "informed": bool(shrink.get(p.key, 1.0) < 0.7),
                "reason": p.reason,
            }
        )
    return pd.DataFrame(rows)


def generations_table(history: Any) -> pd.DataFrame:
    """Epsilon, particles, simulations and acceptance rate of each generation."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].copy()
    pops["acceptance"] = pops["particles"] / pops["samples"]
    return pops[["t", "epsilon", "particles", "samples", "acceptance"]].reset_index(drop=True)


def _defaults(params: Any, keys: list[str]) -> dict[str, float]:
    out = {}
    for k in keys:
        g, n = k.split(".")
        out[k] = float(getattr(getattr(params, g), n))
    return out


def report(
    history: Any,
    t: tg.Targets,
    arms: dict[str, Any],
    secs: float,
    workers: int,
    session: int = 0,
) -> dict[str, Any]:
    """Every output file of a calibration, from its database (see module docstring)."""
    import pyabc

    from carecomplex import manifest
    from carecomplex.calibration.ensemble import write

    defaults = _defaults(arms["base"].params, t.parameters)
    gens = generations_table(history)
    meta = {
        "kind": "posterior",
        "targets": t.name,
        "model_version": manifest.MODEL_VERSION,
        "priors": [dataclasses.asdict(p) for p in t.priors],
        "settings": dataclasses.asdict(t.settings),
        "generations": int(history.max_t + 1),
        "simulations": int(history.total_nr_simulations),
        "final_epsilon": float(gens["epsilon"].iloc[-1]) if len(gens) else math.nan,
        "default_rule": "weighted posterior median of each parameter",
    }
    ens = posterior_ensemble(history, t, meta)
    post = posterior_table(ens, t, defaults)
    fit = fit_table(history, t)
    man = manifest.build(
        sys.argv,
        [t.settings.seed],
        secs,
        calibration={
            "targets_file": t.path,
            "targets_text": Path(t.path).read_text(encoding="utf-8"),
            "priors_file": t.priors_path,
            "priors_text": Path(t.priors_path).read_text(encoding="utf-8"),
            "settings": dataclasses.asdict(t.settings),
            "library": f"pyabc {pyabc.__version__}",
            "workers": workers,
            "generations": meta["generations"],
            "simulations": meta["simulations"],
            "simulations_this_session": session,
            "simulations_per_hour": 3600.0 * session / secs if secs > 0 and session else None,
            "determinism": "same seed, targets and priors give the same ensemble with any "
            "number of workers (jobs seeded by generation and job number)",
        },
        scenarios=manifest.arm_parameters(
            {a.name: a.params for a in arms.values()}, {a.name: a.path for a in arms.values()}
        ),
    )
    from carecomplex.calibration import plots

    return {
        "ensemble.parquet": write(ens, Path("ensemble.parquet")),
        "posterior.csv": post.to_csv(index=False),
        "fit.csv": fit.to_csv(index=False),
        "generations.csv": gens.to_csv(index=False),
        "marginals.png": plots.marginals(ens, t, defaults),
        "pairwise.png": plots.pairwise(ens, post),
        "fit.png": plots.fit(fit),
        "generations.png": plots.generations(gens),
        "manifest.json": json.dumps(console.json_safe(man), indent=2),
    }


def _print(
    files: dict[str, Any],
    history: Any,
    t: tg.Targets,
    out: Path,
    secs: float,
    workers: int,
    session: int,
) -> None:
    from io import StringIO

    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    fmt = console.fmt
    fit = pd.read_csv(StringIO(files["fit.csv"]))
    post = pd.read_csv(StringIO(files["posterior.csv"]))
    con = Console(width=max(110, Console().width))
    tab = Table(title=f"Calibration {t.name}: fit to the targets (final generation)")
    for col in ("target", "range", "simulated median [90 %]", "inside", "prior: inside"):
        tab.add_column(col, justify="left" if col == "target" else "right")
    for _, r in fit.iterrows():
        u = f" {r['unit']}" if isinstance(r["unit"], str) and r["unit"] else ""
        tab.add_row(
            r["label"],
            f"{fmt(r['range_lo'])} .. {fmt(r['range_hi'])}{u}",
            f"{fmt(r['posterior_median'])} [{fmt(r['posterior_lo'])}, {fmt(r['posterior_hi'])}]",
            f"{r['posterior_inside']:.0%}",
            f"{r['prior_inside']:.0%}" if math.isfinite(r["prior_inside"]) else "-",
        )
    con.print(tab)
    tab = Table(title="Posterior of the calibrated parameters")
    for col in ("parameter", "prior", "median [90 %]", "shrinkage", ""):
        tab.add_column(col, justify="left" if col in ("parameter", "") else "right")
    for _, r in post.iterrows():
        tab.add_row(
            r["parameter"],
            f"{r['prior']} {fmt(r['prior_lo'])}..{fmt(r['prior_hi'])}",
            f"{fmt(r['posterior_median'])} [{fmt(r['posterior_lo'])}, {fmt(r['posterior_hi'])}]",
            f"{r['shrinkage']:.2f}",
            "informed" if r["informed"] else "prior alone",
        )
    con.print(tab)
    n = int(history.total_nr_simulations)
    on = f"{workers} worker{'s' * (workers != 1)}"
    rate = f", {3600.0 * session / secs:,.0f} per hour" if session and secs > 0 else ""
    print(
        f"{history.max_t + 1} generations, {n} paired runs in all; this session {session} "
        f"in {secs:.1f} s on {on}{rate}; outputs in {out}"
    )


def _epsilon(text: str) -> float:
    """An argparse type: a finite epsilon >= 0."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return v


def add_parser(sub: Any) -> None:
    """Add ``calibrate`` to the subcommand parsers."""
    p = sub.add_parser("calibrate", help="calibrate to a targets file by ABC (pyabc)")
    p.add_argument(
        "targets", nargs="?", default="default", help="targets file (default: the shipped one)"
    )
    p.add_argument("--out", required=True, help="output folder (holds abc.db while it runs)")
    p.add_argument("--priors", metavar="FILE", help="priors file (default: the targets file's)")
    p.add_argument(
        "--population",
        type=console.bounded_int(2, 100_000),
        metavar="N",
        help="particles per generation (default: the targets file's [abc])",
    )
    p.add_argument("--generations", type=console.bounded_int(1, 1000), metavar="N", help="at most")
    p.add_argument(
        "--max-simulations",
        type=console.bounded_int(1, 10**9),
        metavar="N",
        help="stop after this many paired runs in all",
    )
    p.add_argument(
        "--min-epsilon",
        type=_epsilon,
        metavar="X",
        help="stop when a generation's epsilon falls below X (range widths)",
    )
    p.add_argument(
        "--seed", type=console.bounded_int(0, 2**32 - 1), metavar="S", help="calibration seed"
    )
    p.add_argument("--persons", type=console.positive_int, metavar="N", help="persons per run")
    p.add_argument("--years", type=console.years, metavar="Y", help="measured years per run")
    p.add_argument("--resume", action="store_true", help="continue a killed calibration")
    console.executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_calibrate)
