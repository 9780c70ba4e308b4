"""Run the session's pair over several seeds: B - A with a 95 % interval (no Solara).

One seed is one story: the same people meet the same events in both arms, but another
seed draws other people and other events. :func:`run_seeds` runs the session's settings
for ``n`` seeds (the session's own seed first, then the next ones), each pair with a
shared burn-in (:func:`carecomplex.ui.session.pair`), and reports the paired difference
B - A of every headline outcome (:func:`carecomplex.ui.numbers.headline`) with its
Student t interval over seeds (:func:`carecomplex.stats.paired_difference`).

It is written to run on a background thread: a progress callback ``(done, total)`` after
every seed, and a :class:`threading.Event` that stops it between weeks.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from carecomplex.stats import paired_difference
from carecomplex.ui import numbers
from carecomplex.ui.session import Arm, Settings, pair

N_SEEDS = 10


@dataclass(frozen=True)
class SeedRow:
    """One headline outcome over seeds: the arms' means and B - A with its 95 % interval."""

    outcome: str
    a: float
    b: float
    diff: float
    lo: float
    hi: float
    n: int

    @property
    def clear(self) -> bool:
        """Whether the interval leaves out zero (the sign of B - A is supported)."""
        return self.lo > 0 or self.hi < 0

    @property
    def verdict(self) -> str:
        """In plain words: "B higher", "B lower", "no clear difference" or "one seed"."""
        if math.isnan(self.lo):
            return "one seed: no interval"
        return "B higher" if self.lo > 0 else "B lower" if self.hi < 0 else "no clear difference"


@dataclass(frozen=True)
class SeedsResult:
    """What :func:`run_seeds` found.

    Attributes:
        seeds: the seeds run to the end (in order).
        weeks: measured weeks each pair ran.
        rows: one :class:`SeedRow` per headline outcome (empty if no seed finished).
        per_seed: per seed, the two arms' headlines ``(A, B)``.
        cancelled: True if the cancel flag stopped it before all seeds ran.
    """

    seeds: tuple[int, ...]
    weeks: int
    rows: tuple[SeedRow, ...]
    per_seed: dict[int, tuple[dict[str, float], dict[str, float]]]
    cancelled: bool


def seeds_for(settings: Settings, n: int) -> tuple[int, ...]:
    """The session's seed, then the next ``n - 1`` (wrapping below 2**63)."""
    return tuple((settings.seed + i) % 2**63 for i in range(n))


def run_pair(
    settings: Settings, weeks: int, cancel: threading.Event | None = None
) -> tuple[Arm, Arm] | None:
    """Arms A and B of ``settings`` (shared burn-in) run ``weeks`` measured weeks.

    None if ``cancel`` is set before it finishes (checked every week).
    """
    a, b = pair(settings)
    for _ in range(min(weeks, a.model.n_weeks)):
        if cancel is not None and cancel.is_set():
            return None
        a.step()
        b.step()
    return a, b


def run_seeds(
    settings: Settings,
    n: int = N_SEEDS,
    *,
    weeks: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> SeedsResult:
    """Run the pair of ``settings`` for ``n`` seeds; B - A with 95 % intervals.

    The horizon defaults to the run's full length (five years in the UI), not the weeks
    the session happens to have run: a verdict over seeds should not depend on where a
    student pressed Pause, and the full horizon is where the slow effects (a J-curve, the
    learning curve, trust) have played out. Pass ``weeks=session.week`` to check the
    weeks on screen instead; the row of the session's own seed then equals the session's
    Compare table.

    Args:
        settings: the session's validated settings (scenarios, levers, world, seed).
        n: number of seeds (>= 1): the session's seed and the ``n - 1`` after it.
        weeks: measured weeks per pair (default: the full horizon).
        progress: called with ``(seeds done, n)`` after each seed (and ``(0, n)`` first).
        cancel: when set, the run stops within a week; the result holds the seeds done.

    Returns:
        A :class:`SeedsResult`; an interval needs two seeds (NaN bounds with one).
    """
    if n < 1:
        raise ValueError(f"run_seeds: n must be at least 1, got {n}")
    horizon = settings.base_params.weeks
    weeks = horizon if weeks is None else max(0, min(int(weeks), horizon))
    per_seed: dict[int, tuple[dict[str, float], dict[str, float]]] = {}
    seeds = seeds_for(settings, n)
    if progress is not None:
        progress(0, n)
    cancelled = False
    for i, seed in enumerate(seeds):
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        arms = run_pair(dataclasses.replace(settings, seed=seed), weeks, cancel)
        if arms is None:
            cancelled = True
            break
        per_seed[seed] = (numbers.headline(arms[0]), numbers.headline(arms[1]))
        del arms
        if progress is not None:
            progress(i + 1, n)
    return SeedsResult(
        seeds=tuple(per_seed),
        weeks=weeks,
        rows=_rows(per_seed),
        per_seed=per_seed,
        cancelled=cancelled,
    )


def _rows(per_seed: dict[int, tuple[dict[str, float], dict[str, float]]]) -> tuple[SeedRow, ...]:
    if not per_seed:
        return ()
    first = next(iter(per_seed.values()))[0]
    rows = []
    for k in first:
        a = [h[0][k] for h in per_seed.values()]
        b = [h[1][k] for h in per_seed.values()]
        d = paired_difference(a, b, "a", "b")
        rows.append(
            SeedRow(
                k,
                float(d["a"]),
                float(d["b"]),
                float(d["diff"]),
                float(d["diff_lo"]),
                float(d["diff_hi"]),
                int(d["n"]),
            )
        )
    return tuple(rows)


def summary(result: SeedsResult, outcome: str) -> str:
    """One line in plain words: B - A of ``outcome`` over the seeds, with its interval."""
    row = next(r for r in result.rows if r.outcome == outcome)
    if math.isnan(row.lo):
        return f"{outcome.strip()}: B - A = {row.diff:+.3g} ({row.verdict})"
    return (
        f"{outcome.strip()}: B - A = {row.diff:+.3g} (95 % interval {row.lo:+.3g} to "
        f"{row.hi:+.3g}, {row.n} seeds): {row.verdict}"
    )
