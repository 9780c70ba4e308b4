"""Run an experiment over any ``concurrent.futures.Executor`` into a results store.

1. Open (and lock) the store; write the manifest, the experiment file and the design.
2. Skip every run with a committed result (``--resume``); split the rest into batches.
3. Send batches to the executor: in-process (one worker), a ``ProcessPoolExecutor``
   (spawned processes, the default) or any other executor, e.g. a Dask cluster's
   ``client.get_executor()``. A worker process runs many runs and reuses its compiled
   numba kernels; it returns one small row of summary metrics per run.
4. Commit each batch's rows as it completes, in completion order. A run that raises is
   a row with ``status = "failed"`` and its message; the others go on.
5. Rewrite the manifest with the status, file and time of every run, and the sha256 of
   every result file.
"""

from __future__ import annotations

import functools
import json
import math
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from carecomplex import MODEL_VERSION, __version__, manifest
from carecomplex.experiments import simulate
from carecomplex.experiments.design import Experiment, RunSpec
from carecomplex.params import Params, to_dict
from carecomplex.store import MANIFEST, RUNS, Store, read_verified

RunFn = Callable[[Params, int], Mapping[str, float]]
META = ("run_id", "arm", "point", "seed")
TAIL = ("status", "error", "seconds", "started", "host", "pid", "version")
# What a worker must run to give results that mix with the client's: the same package and
# the same model_version (two development installs can share the first, not the second).
VERSION = f"{__version__} (model {MODEL_VERSION})"


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or "(no message)"
    return f"{type(e).__name__}: {text}"[:500]


def run_batch(
    specs: Sequence[RunSpec],
    outputs: Sequence[str],
    threads: int | None = None,
    run_fn: RunFn = simulate.summarise,
) -> list[dict[str, Any]]:
    """Run ``specs`` one after another in this process; one row per run, never raises.

    Each row ends with the run's ``seconds`` (in the model and its summary), ``started``
    (when it began, seconds since the Unix epoch, for a timeline of the workers), the
    worker's ``host`` and ``pid``, and the package ``version``.

    ``threads`` caps numba's threads in this worker (1 when several workers share the
    machine; results do not depend on it).
    """
    if threads:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    rows = []
    for spec in specs:
        row: dict[str, Any] = {"run_id": spec.run_id, "arm": spec.arm, "point": spec.point}
        row.update(seed=spec.seed, **dict(spec.values))
        started, t0 = time.time(), time.perf_counter()
        try:
            result = run_fn(spec.params, spec.seed)
            row.update({m: float(result.get(m, math.nan)) for m in outputs})
            row.update(status="ok", error="")
        except Exception as e:  # a failed run is data, not the end of the sweep
            row.update({m: math.nan for m in outputs})
            row.update(status="failed", error=_one_line(e))
        row.update(seconds=time.perf_counter() - t0, started=started)
        row.update(host=socket.gethostname(), pid=os.getpid())
        row["version"] = VERSION
        rows.append(row)
    return rows


def _failed(specs: Sequence[RunSpec], e: BaseException) -> list[dict[str, Any]]:
    return [
        {"run_id": s.run_id, "arm": s.arm, "point": s.point, "seed": s.seed, **dict(s.values)}
        | {"status": "failed", "error": f"worker lost: {_one_line(e)}", "seconds": math.nan}
        for s in specs
    ]


def execute(
    batches: list[list[RunSpec]],
    outputs: Sequence[str],
    executor: Executor | None = None,
    workers: int = 1,
    run_fn: RunFn = simulate.summarise,
) -> Iterator[list[dict[str, Any]]]:
    """Yield the rows of each batch as it completes (:func:`simulate.completed`).

    With no ``executor``: ``workers == 1`` runs in this process; more starts a
    :func:`simulate.process_pool`, each process capped at one numba thread. A batch
    whose worker is lost gives rows with ``status = "failed"``.
    """
    threads = 1 if workers > 1 else None
    task = functools.partial(run_batch, outputs=tuple(outputs), threads=threads, run_fn=run_fn)
    if executor is not None or workers <= 1:  # run_batch itself never raises
        on_error = _failed if executor is not None else None
        for _, rows in simulate.completed(task, batches, executor, on_error):
            yield rows
        return
    pool = simulate.process_pool(workers)
    try:
        for _, rows in simulate.completed(task, batches, pool, on_error=_failed):
            yield rows
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def batch_size(n_runs: int, workers: int, person_weeks: float = 0.0) -> int:
    """Runs per task: one for long runs (load balance at the tail), else up to 8 small runs.

    Small runs are batched (about four tasks per worker) so that scheduling and file
    writes stay small beside the model; a run of a million person-weeks or more (about
    a second) is a task of its own.
    """
    if person_weeks >= 1e6:
        return 1
    return max(1, min(8, math.ceil(n_runs / (4 * max(1, workers)))))


@dataclass
class SweepReport:
    """What a sweep did."""

    out: Path
    total: int
    skipped: int
    ran: int
    failed: int
    wall_seconds: float
    model_seconds: float
    workers: int

    @property
    def outside_share(self) -> float:
        """Share of worker time spent outside the model (start-up, IO, scheduling)."""
        capacity = self.wall_seconds * self.workers
        return 1.0 - self.model_seconds / capacity if capacity > 0 else math.nan


def _new_manifest(exp: Experiment, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The experiment, then ``meta`` (:func:`carecomplex.manifest.build`), then status."""
    return {
        "experiment": {
            "name": exp.name,
            "file": exp.path,
            "digest": exp.digest(),
            "design": exp.design,
            "samples": exp.samples,
            "levels": exp.levels,
            "design_seed": exp.design_seed,
            "seeds": list(exp.seeds),
            "parameters": {k: list(v) for k, v in exp.bounds.items()},
            "outputs": list(exp.outputs),
            "arms": {k: to_dict(p) for k, p in exp.arms.items()},
            "n_points": len(exp.points),
            "n_runs": exp.n_runs,
        },
        **meta,
        "status": "running",
        "sessions": [],
        "runs": {},
    }


def _design_frame(exp: Experiment) -> pd.DataFrame:
    frame = pd.DataFrame(exp.points, columns=list(exp.bounds))
    frame.insert(0, "point", range(len(exp.points)))
    return frame


def run_sweep(
    exp: Experiment,
    out: str | Path,
    *,
    executor: Executor | None = None,
    workers: int = 1,
    resume: bool = False,
    progress: Callable[[pd.DataFrame], None] | None = None,
    run_fn: RunFn | None = None,
    command: Sequence[str] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """Run every run of ``exp`` that ``out`` does not hold yet, committing as they finish.

    ``workers`` is the number of worker processes the executor runs (for the
    outside-the-model share); ``on_start(todo, skipped)`` is called once the store is
    open; ``progress(frame)`` after each committed batch. ``run_fn(params, seed)`` runs
    one run (default :func:`simulate.summarise`, looked up when called). ``command``
    is recorded in the manifest with the provenance of this session.
    """
    run_fn = run_fn or simulate.summarise
    with Store.open(out, exp.digest(), resume) as store:
        record, session = _start(store, exp, manifest.build(command, exp.seeds), executor, workers)
        done = store.committed()
        todo = [r for r in exp.runs() if r.run_id not in done]
        if on_start:
            on_start(len(todo), len(done))
        p = next(iter(exp.arms.values()))
        size = batch_size(len(todo), workers, p.population.persons * (p.weeks + p.run.burn_in))
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        t0 = time.perf_counter()
        rows = execute(batches, exp.outputs, executor, workers, run_fn)
        model, failed = _commit(store, exp, rows, progress)
        wall = time.perf_counter() - t0
        report = SweepReport(
            Path(out), exp.n_runs, len(done), len(todo), failed, wall, model, workers
        )
        _finish(store, record, session, report, manifest.now())
    return report


def _start(
    store: Store, exp: Experiment, meta: dict[str, Any], executor: Executor | None, workers: int
) -> tuple[dict, dict]:
    """Write the manifest (with this session), the experiment file and the design."""
    record = store.read_manifest() or _new_manifest(exp, meta)
    session = {"started": manifest.now(), "workers": workers} | {
        k: meta[k] for k in ("carecomplex", "model_version", "git_revision", "command")
    }
    session["executor"] = type(executor).__name__ if executor else f"processes({workers})"
    record["sessions"].append(session)
    record["status"] = "running"
    store.write_file(MANIFEST, json.dumps(record, indent=1))
    store.write_file("experiment.toml", exp.text)
    store.write_file("design.parquet", _design_frame(exp).to_parquet(index=False))
    return record, session


def _commit(
    store: Store,
    exp: Experiment,
    batches: Iterator[list[dict[str, Any]]],
    progress: Callable[[pd.DataFrame], None] | None,
) -> tuple[float, int]:
    """Commit each batch's rows as it arrives; (model seconds, failed runs)."""
    columns = [*META, *exp.bounds, *exp.outputs, *TAIL]
    model, failed = 0.0, 0
    for rows in batches:
        frame = pd.DataFrame(rows, columns=columns)
        stale = (frame["version"] != VERSION) & (frame["status"] == "ok")
        frame.loc[stale, "status"] = "failed"
        frame.loc[stale, "error"] = f"worker runs another carecomplex version (not {VERSION})"
        store.write_batch(frame)
        model += float(frame["seconds"].sum(skipna=True))
        failed += int((frame["status"] != "ok").sum())
        if progress:
            progress(frame)
    return model, failed


def _num(x: Any) -> float | None:
    return round(float(x), 4) if x is not None and math.isfinite(float(x)) else None


def _finish(store: Store, record: dict, session: dict, report: SweepReport, finished: str) -> None:
    results, committed, verified = read_verified(store.root)  # one checksum pass
    record["files"] = {f"{RUNS}/{name}": {"sha256": h} for name, h in sorted(verified.items())}
    record["runs"] = {
        r.run_id: {"status": r.status, "seconds": _num(r.seconds), "error": r.error}
        | {"file": committed[r.run_id]["file"]}
        for r in results.itertuples()
    }
    n_ok = int((results["status"] == "ok").sum()) if len(results) else 0
    complete = len(results) == report.total
    record["status"] = (
        "incomplete"
        if not complete
        else "complete"
        if n_ok == report.total
        else "complete, with failed runs"
    )
    session.update(
        finished=finished,
        ran=report.ran,
        failed=report.failed,
        wall_seconds=round(report.wall_seconds, 3),
        model_seconds=round(report.model_seconds, 3),
        outside_share=round(report.outside_share, 4) if report.ran else None,
    )
    store.write_file(MANIFEST, json.dumps(record, indent=1, default=str))
