"""Run the model for a list of runs, in this process or on any executor.

The one way carecomplex runs many models: ``run`` and ``compare`` (every arm × seed,
with weekly tables), ``sweep`` (batches of runs, summary rows, failures kept as data)
and ``claims`` (paired runs measured per claim) all go through :func:`completed`, which
applies a picklable function to each task in this process (in order) or on a
``concurrent.futures.Executor`` (a spawned :func:`process_pool` or a Dask cluster's
``client.get_executor()``), yielding results as they finish. :func:`simulate` collects
them in the order given.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import pandas as pd

from carecomplex.params import Params


@dataclass(frozen=True)
class Run:
    """One run: an arm (its name and parameters) with a seed. Small and picklable."""

    arm: str
    params: Params
    seed: int


@dataclass
class RunResult:
    """Outputs of one run: summary metrics and weekly tables."""

    scenario: str
    seed: int
    summary: dict[str, float]
    weekly: pd.DataFrame
    services: pd.DataFrame
    seconds: float


def summarise(params: Params, seed: int) -> dict[str, float]:
    """Run the model to the end and return its summary metrics."""
    from carecomplex.metrics import summary
    from carecomplex.model import CareModel

    with CareModel(params, rng=seed) as model:
        return summary(model.run())


def run_tables(run: Run) -> RunResult:
    """Run one arm with one seed to the end: summary metrics and weekly tables."""
    from carecomplex.metrics import services, summary, weekly
    from carecomplex.model import CareModel

    t0 = time.perf_counter()
    with CareModel(run.params, rng=run.seed) as model:
        model.run()
        return RunResult(
            run.arm,
            run.seed,
            summary(model),
            weekly(model),
            services(model),
            time.perf_counter() - t0,
        )


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` spawned processes (numba's threads and ``fork`` do not mix).

    Each worker leaves quickly once the pool shuts it down (:func:`_leave_quickly`):
    tearing down an interpreter that holds numba, LLVM, pandas and Mesa took 0.47-0.50 s,
    which every command with workers waited for at its end.
    """
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_leave_quickly)


def _leave_quickly() -> None:
    """In a new worker: at its exit, flush and ``os._exit(0)`` instead of a teardown.

    Registered first thing, so exit handlers a task registers later still run (they run
    in reverse order); what is skipped is the interpreter's teardown (module clean-up,
    garbage collection), which nothing in a worker needs: results go back through the
    pool and files are written by the parent. ``ProcessPoolExecutor`` reads a worker's
    end from its process, not its exit code, so the code 0 hides nothing it uses.
    """
    atexit.register(_flush_and_exit)


def _flush_and_exit() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(0)


def completed(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    executor: Executor | None = None,
    on_error: Callable[[Any, Exception], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """``(index, fn(task))`` for every task, as each finishes.

    Without an executor the tasks run here, one after another, in order. With one, all
    are submitted and yielded in completion order; a finished future is dropped at once
    so memory stays flat over many tasks. A task that raises gives ``on_error(task,
    exception)`` in its place, or stops the iteration with the exception if
    ``on_error`` is None.
    """
    if executor is None:
        for i, task in enumerate(tasks):
            yield i, _call(fn, task, on_error)
        return
    futures: dict[Future, int] = {executor.submit(fn, t): i for i, t in enumerate(tasks)}
    for f in as_completed(futures):
        i = futures.pop(f)
        try:
            value = f.result()
        except Exception as e:  # the worker died or could not run the task at all
            if on_error is None:
                raise
            value = on_error(tasks[i], e)
        del f
        yield i, value


def _call(fn: Callable[[Any], Any], task: Any, on_error: Callable | None) -> Any:
    if on_error is None:
        return fn(task)
    try:
        return fn(task)
    except Exception as e:
        return on_error(task, e)


def simulate(
    runs: Sequence[Any],
    measure: Callable[[Any], Any] = run_tables,
    executor: Executor | None = None,
    progress: Callable[[Any], None] | None = None,
) -> list[Any]:
    """``measure(run)`` for every run, in the order given (see :func:`completed`).

    Args:
        runs: the runs, e.g. :class:`Run` (or a claim's paired tasks).
        measure: a picklable function of one run; default :func:`run_tables`.
        executor: where to run them; None runs them here, one after another.
        progress: called with each result as it arrives.
    """
    out: list[Any] = [None] * len(runs)
    for i, result in completed(measure, runs, executor):
        out[i] = result
        if progress:
            progress(result)
    return out


def summary_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Tidy summary: one row per (scenario, seed, metric, group)."""
    rows = []
    for r in results:
        for key, value in r.summary.items():
            metric, _, group = key.partition(":")
            rows.append((r.scenario, r.seed, metric, group or "all", value))
    return pd.DataFrame(rows, columns=["scenario", "seed", "metric", "group", "value"])


def tidy(results: Sequence[RunResult], attr: str) -> pd.DataFrame:
    """Concatenate the ``weekly`` or ``services`` frames with scenario and seed columns."""
    frames = []
    for r in results:
        f = getattr(r, attr).copy()
        f.insert(0, "seed", r.seed)
        f.insert(0, "scenario", r.scenario)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
