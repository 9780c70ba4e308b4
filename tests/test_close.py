"""A finished model is freed when dropped, not at the next full garbage collection.

Mesa's agents and scheduled events refer back to their model, so a model is a
reference cycle. Dropped, it waits for Python's full collection, which a process with
many long-lived objects runs rarely: a sweep worker's small runs piled up several MB
between collections (``tests/test_sweep_memory.py``). ``CareModel.close`` (or ``with
CareModel(...)``) lets go at once, and the functions that run models for the sweeps,
the evidence and the claims close what they build.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from _fingerprint import arrays, digest, fingerprint
from carecomplex.experiments import evidence, simulate
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.scenarios import load


def small(scenario: str = "alliance") -> Params:
    over = {"population": {"persons": 300}, "run": {"years": 0.1, "burn_in": 2, "seed": 4}}
    return load(scenario).params.replace(**over)


@contextmanager
def collector_off() -> Iterator[None]:
    """No automatic collection inside (what is freed is freed by reference counts)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def models_left_for_the_collector() -> int:
    """CareModels that only a garbage collection would free (collected here)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return sum(isinstance(o, CareModel) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_closed_model_is_freed_at_once_and_its_arrays_stay_valid() -> None:
    with collector_off():
        m = CareModel(small()).run()
        alive = weakref.ref(m)
        ledger, cost = m.ledger, m.state.person.cost
        want = ledger.sum()
        m.close()
        del m
        assert alive() is None
        assert ledger.sum() == want and cost.shape[0] == 300


def test_a_model_dropped_without_closing_waits_for_the_collector() -> None:
    """The reason for close: without it the cycle outlives the last reference."""
    with collector_off():
        m = CareModel(small()).run()
        alive = weakref.ref(m)
        del m
        assert alive() is not None
        assert models_left_for_the_collector() == 1
    assert alive() is None


def test_with_closes_even_when_the_block_raises() -> None:
    with collector_off():
        with pytest.raises(RuntimeError), CareModel(small()) as m:
            alive = weakref.ref(m)
            raise RuntimeError("stop")
        del m
        assert alive() is None


def test_a_closed_model_cannot_step() -> None:
    m = CareModel(small())
    m.close()
    with pytest.raises(AttributeError):
        m.step()


def test_arrays_taken_before_closing_keep_every_value() -> None:
    """Closing drops the model's references only: no array is freed, reset or reused."""
    m = CareModel(small(), rng=9).run()
    taken = arrays(m)
    m.close()
    del m
    gc.collect()
    after = {name: digest(a) for name, a in taken.items()}
    want = fingerprint(CareModel(small(), rng=9).run())
    assert after == {name: want[name] for name in after}


RUNNERS: dict[str, Callable[[Params], Any]] = {
    "summarise": lambda p: simulate.summarise(p, 3),
    "run_tables": lambda p: simulate.run_tables(simulate.Run("a", p, 3)),
    "evidence.measures": lambda p: evidence.measures(simulate.Run("a", p, 3)),
}


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_the_run_functions_leave_no_model_to_the_collector(name: str) -> None:
    run = RUNNERS[name]
    run(small())  # imports, compiled code, caches: not what is measured
    with collector_off():
        out = run(small())
        assert models_left_for_the_collector() == 0
    assert out is not None and not isinstance(out, CareModel)
    if name == "summarise":
        assert np.isfinite(out["cost_total:all"]) and out["cost_total:all"] > 0
