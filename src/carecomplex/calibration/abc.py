"""ABC calibration with pyabc, on the same executors as sweeps; durable and resumable.

Each particle is one paired run (the targets file's two scenarios, one seed, common
random numbers) with the particle's parameter values laid over both arms
(:func:`~carecomplex.calibration.ensemble.apply`). Its summary statistics are the
targets' statistics (:func:`statistics`, measured as ``carecomplex evidence`` measures
them); its distance (:class:`RangeDistance`) is how far each lies outside its published
range, in units of the range's width (0 inside), as a weighted root mean square. So a
particle is accepted when every statistic of its run lies in or near its range, and the
posterior is the part of the prior box that the evidence allows (ABC as history matching
with ranges rather than point values).

pyabc (Klinger, Rickert & Hasenauer 2018) runs either method of ``[abc]``:
``rejection`` (one generation from the prior, particles within a fixed epsilon, equal
weights: the shipped calibration, see docs/calibration.md for why) or ``smc`` (ABC-SMC:
each generation samples particles from the last, perturbed by a multivariate normal
kernel, keeps those within the generation's epsilon, the median distance of the one
before, and reweights them by prior / proposal density). Generations are written to a
SQLite database in the output folder as they finish, so a killed calibration resumes
from its last finished generation (``--resume``).

Reproducibility: pyabc's own samplers reseed each job from the operating system. Here
every job draws from a generator seeded by (calibration seed, generation, job number)
(:class:`SeededSampler`), and pyabc keeps the first ``n`` accepted particles in job
order, so the same seed, targets and priors give the same ensemble with any number of
workers, in process, in a process pool or on a Dask cluster. What may differ between
worker counts is the count of jobs started and then cancelled at the end of a
generation, which only enters pyabc's bookkeeping of simulations (and so a
``max_simulations`` stop).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from carecomplex.calibration.targets import Prior, Target, Targets

NAN_DISTANCE = 10.0
"""Distance of a statistic the run could not measure (no discharges, say)."""


def safe(key: str) -> str:
    """A parameter key as a pyabc parameter name (``crisis.base_rate`` -> ``crisis__base_rate``)."""
    return key.replace(".", "__")


def dotted(name: str) -> str:
    """Inverse of :func:`safe`."""
    return name.replace("__", ".")


def values(pars: dict[str, float], priors: tuple[Prior, ...]) -> dict[str, float]:
    """The pyabc parameters (each prior's quantile ``u`` in 0..1) as parameter values.

    pyabc samples every parameter as ``u``, uniform on 0..1, and the value is the prior's
    ``u`` quantile (:meth:`~carecomplex.calibration.targets.Prior.quantile`): the same
    prior, but the perturbation kernel works on scales of one size, where on the raw
    scales (weekly hazards of 1e-5 beside multipliers of 5) its covariance is too
    ill-conditioned for its density to be computed.
    """
    by = {safe(p.key): p for p in priors}
    return {by[k].key: by[k].quantile(min(1.0, max(0.0, float(u)))) for k, u in pars.items()}


# --------------------------------------------------------------------------------------
# The simulator: one particle, one paired run.
# --------------------------------------------------------------------------------------


def statistics(targets: tuple[Target, ...], base: dict[str, Any], alt: dict[str, Any]) -> dict:
    """Each target's statistic from the two arms' measures (``evidence.measures``)."""
    from carecomplex.experiments.evidence import outcome

    out: dict[str, float] = {}
    for t in targets:
        a = outcome(base, t.key)
        if t.part == "baseline":
            out[t.name] = float(a)
            continue
        b = outcome(alt, t.key)
        if t.kind == "relative":
            ok = a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)
            out[t.name] = 100.0 * (b / a - 1.0) if ok else math.nan
        else:
            out[t.name] = float(b - a)
    return out


@dataclass
class ParticleModel:
    """pyabc's model: parameter values -> the targets' statistics of one paired run.

    Picklable (it goes to every worker). The run's seed is drawn from numpy's global
    generator, which :class:`SeededSampler` seeds per job.
    """

    targets: tuple[Target, ...]
    priors: tuple[Prior, ...]
    base: Any  # Params
    alt: Any  # Params

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        """Run the pair with ``pars`` laid over both arms; return the statistics."""
        from carecomplex.calibration.ensemble import apply
        from carecomplex.experiments.evidence import measures
        from carecomplex.experiments.simulate import Run

        x = values(pars, self.priors)
        seed = int(np.random.randint(1, 2**31 - 1))
        a = measures(Run("base", apply(self.base, x), seed))
        effects = any(t.part == "effect" for t in self.targets)  # else the base arm suffices
        b = measures(Run("alt", apply(self.alt, x), seed)) if effects else a
        stats = statistics(self.targets, a, b)
        stats["seed"] = float(seed)
        return stats


@dataclass
class RangeDistance:
    """Weighted root mean square of each statistic's distance outside its range.

    A statistic ``x`` with range ``[lo, hi]`` contributes ``max(0, lo - x, x - hi) /
    (hi - lo)``: 0 inside, 1 one range-width outside; a missing statistic counts
    :data:`NAN_DISTANCE`.
    """

    targets: tuple[Target, ...]

    def excess(self, x: dict[str, float]) -> dict[str, float]:
        """Each target's distance outside its range, in range widths."""
        out = {}
        for t in self.targets:
            v = x.get(t.name, math.nan)
            if v is None or not math.isfinite(v):
                out[t.name] = NAN_DISTANCE
            else:
                out[t.name] = max(0.0, t.lo - v, v - t.hi) / (t.hi - t.lo)
        return out

    def __call__(self, x: dict[str, float], x_0: dict[str, float] | None = None) -> float:
        """The particle's distance (``x_0``, pyabc's observed data, is not used)."""
        e = self.excess(x)
        w = {t.name: t.weight for t in self.targets}
        total = sum(w.values())
        return math.sqrt(sum(w[k] * v * v for k, v in e.items()) / total)


def observed(targets: tuple[Target, ...]) -> dict[str, float]:
    """The ranges' midpoints, stored as pyabc's observed data (for the record only)."""
    return {t.name: 0.5 * (t.lo + t.hi) for t in targets}


# --------------------------------------------------------------------------------------
# Seeded sampling on any executor.
# --------------------------------------------------------------------------------------


class InlineExecutor(Executor):
    """An executor that runs each task at once, here (the one-worker path)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:  # type: ignore[override]
        """Run ``fn`` now; return its finished future."""
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:
            f.set_exception(e)
        return f


def seeded_job(
    pickled: bytes, batch_size: int, job_ids: list[int], seed: int, generation: int
) -> list[tuple[Any, bool, int]]:
    """The pyabc job (simulate ``batch_size`` particles) with a seed per (generation, job)."""
    import cloudpickle

    simulate_one = cloudpickle.loads(pickled)
    out = []
    for j in job_ids[:batch_size]:
        state = np.random.SeedSequence([seed, generation + 2, j]).generate_state(2)
        np.random.seed(int(state[0]))
        random.seed(int(state[1]))
        r = simulate_one()
        out.append((r, r.accepted, j))
    return out


class BudgetError(RuntimeError):
    """The calibration's simulation budget is spent in the middle of a generation."""


class SeededExecutor:
    """Wraps an executor: each pyabc job is run by :func:`seeded_job` with its seed.

    ``on_done`` (if given) is called in the main process as each job finishes (the
    progress bar).
    """

    def __init__(
        self,
        executor: Executor,
        seed: int,
        on_done: Callable[[int], None] | None = None,
        limit: float = math.inf,
    ):
        self.executor = executor
        self.seed = seed
        self.generation = 0
        self.on_done = on_done
        self.limit = limit
        self.submitted = 0

    def submit(self, fn: Callable, pickled: bytes, batch_size: int, job_ids: list[int]) -> Any:
        """Submit one pyabc job (``fn`` is pyabc's unseeded job function, replaced).

        Raises :class:`BudgetError` once ``limit`` jobs were submitted: pyabc checks its
        own simulation budget only between generations, so a generation in which no
        particle can come within epsilon would otherwise never end.
        """
        if self.submitted >= self.limit:
            raise BudgetError(
                f"{self.submitted} paired runs in this session without enough particles "
                f"within epsilon in generation {self.generation + 1}: raise --max-simulations "
                "or epsilon, or check that the targets can be met"
            )
        self.submitted += len(job_ids)
        f = self.executor.submit(
            seeded_job, pickled, batch_size, job_ids, self.seed, self.generation
        )
        if self.on_done is not None:
            cb = self.on_done
            f.add_done_callback(lambda fut: cb(len(job_ids)) if not fut.cancelled() else None)
        return f


def sampler(
    executor: Executor,
    workers: int,
    seed: int,
    on_done: Callable | None = None,
    limit: float = math.inf,
) -> Any:
    """A pyabc sampler on ``executor`` with seeded jobs (see module docstring)."""
    from pyabc.sampler import ConcurrentFutureSampler

    class SeededSampler(ConcurrentFutureSampler):
        """pyabc's executor sampler, telling the executor which generation it samples."""

        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):  # type: ignore[override]
            self.client.generation = t
            return super().sample_until_n_accepted(n, simulate_one, t, **kwargs)

    ex = SeededExecutor(executor, seed, on_done, limit)
    s = SeededSampler(ex, client_max_jobs=max(1, workers))
    s.show_progress = False
    return s


# --------------------------------------------------------------------------------------
# The ABC-SMC object: built the same way for a new run and a resumed one.
# --------------------------------------------------------------------------------------


def prior_distribution(targets: Targets) -> Any:
    """The pyabc prior: each parameter's quantile, uniform on 0..1 (see :func:`values`)."""
    import pyabc

    return pyabc.Distribution(
        **{safe(p.key): pyabc.RV("uniform", 0.0, 1.0) for p in targets.priors}
    )


def build(targets: Targets, base: Any, alt: Any, smp: Any) -> Any:
    """The pyabc ``ABCSMC`` object (same for a new and a resumed calibration)."""
    import pyabc

    s = targets.settings
    eps = pyabc.ListEpsilon([s.epsilon]) if s.method == "rejection" else pyabc.MedianEpsilon()
    return pyabc.ABCSMC(
        ParticleModel(targets.targets, targets.priors, base, alt),
        prior_distribution(targets),
        RangeDistance(targets.targets),
        population_size=s.population_size,
        sampler=smp,
        eps=eps,
    )


def database(out: Any) -> str:
    """The SQLite URL of the calibration database in folder ``out``."""
    return f"sqlite:///{(out / 'abc.db').resolve()}"


def run(
    targets: Targets,
    base: Any,
    alt: Any,
    out: Any,
    executor: Executor | None,
    workers: int,
    resume: bool,
    on_done: Callable[[int], None] | None = None,
    on_generation: Callable[[int, float], None] | None = None,
) -> Any:
    """Run (or resume) the calibration into ``out/abc.db``; return pyabc's History."""
    import logging

    import pyabc  # noqa: F401  (imported first: it sets its loggers' levels on import)

    for name in ("ABC", "ABC.History", "Sampler", "Epsilon", "Distance", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    s = targets.settings
    ex = executor if executor is not None else InlineExecutor()
    smp = sampler(ex, workers if executor is not None else 1, s.seed, on_done)
    abc = build(targets, base, alt, smp)
    np.random.seed(s.seed)  # the main process's draws (none expected; for safety)
    db = database(out)
    if resume:
        abc.load(db, 1)
    else:
        abc.new(db, observed(targets.targets))
    # A hard cap on jobs: pyabc checks max_simulations only between generations, so a
    # generation in which no particle comes within epsilon would never end. Rejection
    # has one generation: its budget is the cap. ABC-SMC may finish the generation in
    # which it passes the budget, up to twice the budget.
    cap = s.max_simulations * (1 if s.method == "rejection" else 2)
    smp.client.limit = max(0, cap - int(abc.history.total_nr_simulations))
    done = abc.history.max_t + 1
    left = (1 if s.method == "rejection" else s.generations) - done
    if left <= 0 or _converged(abc.history, s):
        return abc.history
    if on_generation is not None:
        _watch(abc, on_generation)
    abc.run(
        minimum_epsilon=s.min_epsilon if s.method == "smc" else 0.0,
        max_nr_populations=left,
        max_total_nr_simulations=s.max_simulations,
    )
    return abc.history


def _converged(history: Any, s: Any) -> bool:
    """Whether a stored calibration already met a stopping rule."""
    if history.max_t < 0:
        return False
    pops = history.get_all_populations()
    last = pops[pops["t"] == history.max_t]
    eps = float(last["epsilon"].iloc[0]) if len(last) else math.inf
    if s.method == "rejection":
        return True
    return eps <= s.min_epsilon or history.total_nr_simulations >= s.max_simulations


def _watch(abc: Any, on_generation: Callable[[int, float], None]) -> None:
    """Call ``on_generation(t, epsilon)`` as each generation starts."""
    original = abc.run_generation

    def run_generation(t: int) -> Any:
        on_generation(t, float(abc.eps(t)))
        return original(t=t)

    abc.run_generation = run_generation


__all__ = [
    "BudgetError",
    "InlineExecutor",
    "ParticleModel",
    "RangeDistance",
    "build",
    "database",
    "dotted",
    "run",
    "safe",
    "sampler",
    "statistics",
    "values",
]
