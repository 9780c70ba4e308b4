"""The sweep runner's memory stays flat over a 10,000-run sweep (``-m slow``).

10,000 real model runs (100 persons, one week after a short burn-in) on two spawned
worker processes. After every committed batch the parent's and each worker's resident
memory (``VmRSS``) is read from ``/proc``. After a warm-up of 1,000 runs, the growth
over the remaining 9,000 runs (least-squares slope x 9,000 runs) must stay under
8 MB for the parent and for each worker: a leak of 1 KB per run would exceed it
(before finished futures were dropped, the parent grew 16 MB, about 1.8 KB per run;
before the run functions closed their models, each worker grew about 9 MB: finished
models, being reference cycles, waited for a full garbage collection,
``tests/test_close.py``).
The samples go to ``tests/artifacts/sweep-memory.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from _experiments import write_experiment
from carecomplex.experiments.design import load_experiment
from carecomplex.experiments.sweep import run_sweep
from carecomplex.store import read_results

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
RUNS, WARM_UP, LIMIT_MB = 10_000, 1_000, 8.0

TEN_K = """
[experiment]
name = "ten-k"
design = "factorial"
levels = 2
seeds = 2500
persons = 100
years = 0.02
budget_runs = 10000

[arms]
siloed = "fast-siloed.toml"
alliance = "fast-alliance.toml"

[parameters]
"crisis.base_rate" = [0.0005, 0.001]

[outputs]
set = "headline"
"""


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 if it has gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kb = next(line.split()[1] for line in text.splitlines() if line.startswith("VmRSS:"))
    return int(kb) / 1024


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux ``/proc/<pid>/task/*/children``)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def growth_mb(done: np.ndarray, rss: np.ndarray) -> float:
    """Least-squares growth of ``rss`` over the runs after the warm-up."""
    keep = done >= WARM_UP
    slope = np.polyfit(done[keep], rss[keep], 1)[0]
    return float(slope * (RUNS - WARM_UP))


@pytest.mark.slow
def test_runner_memory_is_flat_over_ten_thousand_runs(tmp_path):
    path = write_experiment(tmp_path, TEN_K, "ten-k.toml")
    exp = load_experiment(path)
    assert exp.n_runs == RUNS
    samples: list[dict[str, object]] = []
    done = 0

    def progress(frame) -> None:
        nonlocal done
        done += len(frame)
        kids = {pid: rss_mb(pid) for pid in children(os.getpid())}
        samples.append({"done": done, "parent": rss_mb(os.getpid()), "children": kids})

    rep = run_sweep(exp, tmp_path / "out", workers=2, progress=progress)
    assert rep.ran == RUNS and rep.failed == 0
    assert len(read_results(tmp_path / "out")) == RUNS

    x = np.array([s["done"] for s in samples], dtype=float)
    parent = np.array([s["parent"] for s in samples])
    workers = {pid for s in samples for pid in s["children"]}
    series = {pid: np.array([s["children"].get(pid, np.nan) for s in samples]) for pid in workers}
    # The pool's workers hold the model; the resource tracker is a small child too.
    busy = {pid: v for pid, v in series.items() if np.nanmax(v) > 100}
    assert len(busy) == 2, f"expected the 2 pool workers among the children: {workers}"
    result = {
        "runs": RUNS,
        "wall_seconds": round(rep.wall_seconds, 1),
        "parent_mb": {"first": parent[x >= WARM_UP][0], "last": parent[-1], "max": parent.max()},
        "parent_growth_mb": growth_mb(x, parent),
        "workers": {
            str(pid): {
                "first": float(v[x >= WARM_UP][0]),
                "last": float(v[-1]),
                "max": float(np.nanmax(v)),
                "growth_mb": growth_mb(x[np.isfinite(v)], v[np.isfinite(v)]),
            }
            for pid, v in busy.items()
        },
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sweep-memory.json").write_text(json.dumps(result, indent=1, default=float))
    assert result["parent_growth_mb"] < LIMIT_MB, result
    for w in result["workers"].values():
        assert w["growth_mb"] < LIMIT_MB, result
