"""Sweep throughput: runs per hour and the share of time spent outside the model.

Runs siloed and alliance with ``--seeds`` paired seeds each (10 000 persons x 10 years
by default) through the real sweep path (experiment file -> ``run_sweep`` -> spawned
worker processes -> Parquet store), then reports::

    runs/hour      = runs / wall x 3600
    outside share  = 1 - (sum of in-model seconds of every run) / (wall x workers)

``wall`` is the whole ``run_sweep`` call: opening and locking the store, starting the
worker processes (imports, loading cached numba kernels), scheduling, writing every
batch file with fsync, and the final manifest. In-model seconds are measured inside
each worker around ``CareModel(...).run()`` and ``summary()``.

    uv run python benchmarks/sweep.py                     # 2 workers, 8 seeds x 2 arms
    uv run python benchmarks/sweep.py --persons 2000 --years 2 --seeds 20
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--out", default="benchmarks/results/sweep.json")
    args = ap.parse_args()

    from carecomplex.experiments.design import load_experiment
    from carecomplex.experiments.sweep import run_sweep
    from carecomplex.store import read_results

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(TEMPLATE.format(seeds=args.seeds, persons=args.persons, years=args.years))
        exp = load_experiment(path)
        t0 = time.perf_counter()
        rep = run_sweep(exp, Path(tmp) / "store", workers=args.workers)
        wall = time.perf_counter() - t0
        frame = read_results(Path(tmp) / "store")
    per_worker = frame.groupby("pid")["seconds"]
    result = {
        "runs": rep.ran,
        "failed": rep.failed,
        "workers": args.workers,
        "persons": args.persons,
        "years": args.years,
        "wall_s": round(wall, 2),
        "runs_per_hour": round(rep.ran / wall * 3600, 1),
        "model_s_total": round(rep.model_seconds, 2),
        "model_s_per_run_median": round(float(frame["seconds"].median()), 3),
        "first_run_s_per_worker": [round(float(s.iloc[0]), 3) for _, s in per_worker],
        "outside_share": round(rep.outside_share, 4),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(
        f"{rep.ran} runs of {args.persons:,} persons x {args.years:g} years on "
        f"{args.workers} workers in {wall:.1f} s: {result['runs_per_hour']:,.0f} runs/hour; "
        f"median run {result['model_s_per_run_median']:.2f} s in the model; "
        f"outside the model {rep.outside_share:.1%}; load average {load_before[0]:.1f} "
        f"before, {result['loadavg_after'][0]:.1f} after"
    )


if __name__ == "__main__":
    main()
