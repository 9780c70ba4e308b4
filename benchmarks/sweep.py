"""Sweep throughput: runs per hour and the share of time spent outside the model.

Runs siloed and alliance with ``--seeds`` paired seeds each (10 000 persons x 10 years
by default) through the real sweep path (experiment file -> ``run_sweep`` -> spawned
worker processes -> Parquet store), then reports::

    runs/hour      = runs / wall x 3600
    outside share  = 1 - (sum of in-model seconds of every run) / (wall x workers)

For runs/hour ``wall`` is the whole ``run_sweep`` call: opening and locking the store,
starting the worker processes (imports, loading cached numba kernels), scheduling,
writing every batch file with fsync, and the final manifest. The outside share is the
one the sweep itself records (``SweepReport``), whose wall runs from handing out the
first batch to committing the last. In-model seconds are measured inside each worker
around ``CareModel(...).run()`` and ``summary()``. ``benchmarks/run.py`` calls
:func:`measure` for the issue-19 figure (``--sweep``).

Where the time outside the model goes, from each run's ``started`` and ``seconds``
(per worker, over the whole ``run_sweep`` call; the three parts add up to it)::

    start-up  = first run's start - call's start    (spawning, imports, opening the store)
    between   = sum of the gaps between its runs     (results back, next batch out)
    end       = call's end - its last run's end      (uneven last runs, shut-down, manifest)

Start-up and end are paid once per sweep; ``between`` is paid per run, so it is the
share a long sweep tends to.

    uv run python benchmarks/sweep.py                     # 2 workers, 8 seeds x 2 arms
    uv run python benchmarks/sweep.py --persons 2000 --years 2 --seeds 20
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TEMPLATE = """
[experiment]
name = "bench"
seeds = {seeds}
persons = {persons}
years = {years}

[arms]
siloed = "siloed"
alliance = "alliance"
"""


def measure(
    workers: int = 2,
    seeds: int = 8,
    persons: int = 10_000,
    years: float = 10.0,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run the sweep (siloed and alliance x ``seeds``) and return its figures.

    ``progress(done, total)`` is called after each committed batch of runs.
    """
    from carecomplex.experiments.design import load_experiment
    from carecomplex.experiments.sweep import run_sweep
    from carecomplex.store import read_results

    load_before = os.getloadavg()
    done = [0, 0]  # runs committed, runs to do

    def on_start(todo: int, skipped: int) -> None:
        done[1] = todo

    def on_batch(frame) -> None:
        done[0] += len(frame)
        if progress:
            progress(done[0], done[1])

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(TEMPLATE.format(seeds=seeds, persons=persons, years=years))
        exp = load_experiment(path)
        t0, called = time.perf_counter(), time.time()
        rep = run_sweep(
            exp, Path(tmp) / "store", workers=workers, on_start=on_start, progress=on_batch
        )
        wall, returned = time.perf_counter() - t0, time.time()
        frame = read_results(Path(tmp) / "store")
    per_worker = frame.groupby("pid")["seconds"]
    parts = anatomy(frame, called, returned)
    return {
        "runs": rep.ran,
        "failed": rep.failed,
        "workers": workers,
        "persons": persons,
        "years": years,
        "wall_s": round(wall, 2),
        "runs_per_hour": round(rep.ran / wall * 3600, 1),
        "model_s_total": round(rep.model_seconds, 2),
        "model_s_per_run_median": round(float(frame["seconds"].median()), 3),
        "first_run_s_per_worker": [round(float(s.iloc[0]), 3) for _, s in per_worker],
        "outside_share": round(rep.outside_share, 4),
        "outside_parts": parts,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }


def anatomy(frame, called: float, returned: float) -> dict:
    """Time outside the model per worker: start-up, between runs and end (see the module).

    ``called`` / ``returned``: Unix times around ``run_sweep``. Returns the means over
    workers in seconds, the mean gap per run, and the share of worker time each takes.
    """
    import numpy as np

    start, between, end, runs = [], [], [], 0
    for _, runs_of in frame.sort_values("started").groupby("pid"):
        began = runs_of["started"].to_numpy()
        ended = began + runs_of["seconds"].to_numpy()
        start.append(began[0] - called)
        between.append(float(np.sum(began[1:] - ended[:-1])))
        end.append(returned - ended[-1])
        runs += len(runs_of)
    capacity = (returned - called) * len(start)
    gaps = runs - len(start)
    return {
        "startup_s": round(float(np.mean(start)), 3),
        "between_s": round(float(np.mean(between)), 3),
        "end_s": round(float(np.mean(end)), 3),
        "gap_per_run_ms": round(sum(between) / gaps * 1e3, 2) if gaps else None,
        "share": {
            "startup": round(sum(start) / capacity, 4),
            "between": round(sum(between) / capacity, 4),
            "end": round(sum(end) / capacity, 4),
        },
    }


def describe(result: dict) -> str:
    """One line: runs, wall, runs per hour, median run, outside share, load average."""
    return (
        f"{result['runs']} runs of {result['persons']:,} persons x {result['years']:g} years "
        f"on {result['workers']} workers in {result['wall_s']:.1f} s: "
        f"{result['runs_per_hour']:,.0f} runs/hour; median run "
        f"{result['model_s_per_run_median']:.2f} s in the model; outside the model "
        f"{result['outside_share']:.1%}{_parts(result.get('outside_parts'))}; load average "
        f"{result['loadavg_before'][0]:.1f} before, {result['loadavg_after'][0]:.1f} after"
    )


def _parts(parts: dict | None) -> str:
    """`` (start-up 2.4 s, 2 ms between runs, end 1.3 s per worker)`` or nothing."""
    if not parts:  # a result written before the anatomy was measured
        return ""
    gap = parts["gap_per_run_ms"]
    between = f", {gap:.0f} ms between runs" if gap is not None else ""
    return (
        f" (per worker: start-up {parts['startup_s']:.1f} s{between}, end {parts['end_s']:.1f} s)"
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: measure, write the JSON, print one line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--out", default="benchmarks/results/sweep.json")
    args = ap.parse_args(argv)
    result = measure(args.workers, args.seeds, args.persons, args.years)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(describe(result))


if __name__ == "__main__":
    main()
