"""Calibration throughput: paired runs per hour at 1 and N workers, and a cluster projection.

Runs the shipped targets and priors (``carecomplex calibrate``'s path: pyabc ABC-SMC,
jobs seeded per generation and job, a spawned process pool) with a small population of
particles, once per worker count, interleaved over ``--repeats``, and reports::

    runs/hour          = paired runs (one siloed + one alliance run each) / wall x 3600
    speed-up           = runs/hour at N workers / runs/hour at 1 worker
    efficiency         = speed-up / N
    us/person-step     = wall x workers / (runs x 2 arms x persons x weeks incl. burn-in)

``wall`` is the whole calibration: starting the workers, the prior sample that sets the
first epsilon, every generation and writing the database. The projection to a cluster
of W workers assumes that every generation keeps W workers busy except for its last
round of jobs (pyabc waits for every job started before the n-th accepted one), so
``efficiency(W) ~ 1 - W / (2 x jobs per generation)``; it is labelled a projection.

    uv run python benchmarks/calibrate.py                   # 1 and 2 workers, 2 repeats
    uv run python benchmarks/calibrate.py --population 40 --generations 2 --persons 3000
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def one(workers: int, args: argparse.Namespace, tmp: Path, tag: str) -> dict[str, float]:
    """One calibration at ``workers``; its wall time and paired runs."""
    from carecomplex.cli import main

    out = tmp / f"w{workers}-{tag}"
    argv = [
        "calibrate",
        "--out",
        str(out),
        "--population",
        str(args.population),
        "--generations",
        str(args.generations),
        "--persons",
        str(args.persons),
        "--workers",
        str(workers),
        "--quiet",
    ]
    t0 = time.perf_counter()
    assert main(argv) == 0
    wall = time.perf_counter() - t0
    man = json.loads((out / "manifest.json").read_text())
    runs = int(man["calibration"]["simulations"])
    return {"wall_s": wall, "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2, help="the larger worker count")
    ap.add_argument("--population", type=int, default=30, help="particles per generation")
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--persons", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--cluster", type=int, default=64, help="projected cluster size")
    ap.add_argument("--out", default="benchmarks/results/calibrate.json")
    args = ap.parse_args()

    from carecomplex.calibration.targets import load

    t = load("default")
    from carecomplex.params import Params

    weeks = round(t.settings.years * 52) + Params().run.burn_in  # measured + burn-in weeks
    counts = [1, args.workers] if args.workers > 1 else [1]
    rows: dict[int, list[dict[str, float]]] = {w: [] for w in counts}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeats):
            order = counts if rep % 2 == 0 else counts[::-1]
            for w in order:
                rows[w].append(one(w, args, Path(tmp), str(rep)))
    result: dict[str, object] = {
        "population": args.population,
        "generations": args.generations,
        "persons": args.persons,
        "weeks_per_run": weeks,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }
    per: dict[int, float] = {}
    for w, rs in rows.items():
        rates = sorted(3600.0 * r["runs"] / r["wall_s"] for r in rs)
        rate = rates[len(rates) // 2]
        per[w] = rate
        us = 1e6 * 3600.0 / rate * w / (2 * args.persons * weeks)
        result[f"workers_{w}"] = {
            "runs_per_hour": rate,
            "runs_per_hour_all": rates,
            "us_per_person_step": us,
            "runs": [r["runs"] for r in rs],
            "wall_s": [r["wall_s"] for r in rs],
        }
        print(f"{w} worker(s): {rate:,.0f} paired runs/hour, {us:.3f} us per person-step")
    if len(per) > 1:
        speed = per[args.workers] / per[1]
        result["speed_up"] = speed
        result["efficiency"] = speed / args.workers
        eff = speed / args.workers
        print(f"speed-up {speed:.2f} at {args.workers} workers (efficiency {eff:.0%})")
    jobs = 2.5 * args.population  # jobs per generation at an acceptance of about 40 %
    eff = max(0.0, 1.0 - args.cluster / (2.0 * jobs))
    full = t.settings.population_size * 2.5
    eff_full = max(0.0, 1.0 - args.cluster / (2.0 * full))
    proj = per[1] * args.cluster * eff_full
    result["projection"] = {
        "workers": args.cluster,
        "efficiency_at_this_population": eff,
        "efficiency_at_shipped_population": eff_full,
        "runs_per_hour": proj,
        "label": "projection, not a measurement",
    }
    print(
        f"projection (not measured): {args.cluster} workers at the shipped population "
        f"({t.settings.population_size} particles) ~ {proj:,.0f} paired runs/hour "
        f"(efficiency ~{eff_full:.0%})"
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
