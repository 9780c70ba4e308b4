"""The step's fast paths give the readable paths' results bit for bit (issue 19).

* ``learning.learn_kernel`` (and ``information_kernel``, ``row_sum``) against the NumPy
  ``learn`` (``information``, ``ndarray.sum``), on random services;
* ``regimes.kernel_params`` with the week-independent fields kept (``kp_static``)
  against filling every field by name;
* the fused week (``processes/week.py``, ``CareModel.fused``) against the kernel-by-kernel
  sequence (``CareModel._kernels``), with and without an enrolled cohort, with families
  that tile the persons and without;
* a small model stepping on one thread (``CareModel.serial_below``) against the same
  model on all of numba's threads, and the thread count put back after each step;
* a fresh process whose first parallel call is the cached fused kernel (numba #8578).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields, replace

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from _fingerprint import differing, fingerprint
from carecomplex.model import CareModel
from carecomplex.params import LearningParams, Params, RegimeLevers
from carecomplex.processes import learning
from carecomplex.processes.common import KP, KP_SOURCES
from carecomplex.regimes import _CAST, _Run, _Week, kernel_params, kp_static, levers_at
from carecomplex.scenarios import load
from carecomplex.state import N_CHUNKS, N_SERVICES, ServiceSum, State

HYPO = settings(max_examples=60, deadline=None)
unit = st.floats(0.0, 1.0, allow_nan=False)


@HYPO
@given(
    a=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 40)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    )
)
def test_row_sum_adds_as_numpy_does(a: np.ndarray) -> None:
    want = a.sum(axis=1)
    got = np.array([learning.row_sum(a, i) for i in range(a.shape[0])])
    np.testing.assert_array_equal(got, want)


def _services(draw) -> object:
    """A service table with random Kim qualities, knowledge, trust, queues and capacity."""
    sv = State.empty(0, 0, 0).service
    for name in ("knowledge", "gaming", "relationships", "thinking", "actions", "results"):
        getattr(sv, name)[:] = draw(hnp.arrays(np.float64, N_SERVICES, elements=unit))
    sv.partner_trust[:] = draw(hnp.arrays(np.float64, (N_SERVICES, N_SERVICES), elements=unit))
    sv.queue[:] = draw(hnp.arrays(np.int32, N_SERVICES, elements=st.integers(0, 500)))
    sv.capacity[:] = draw(hnp.arrays(np.int32, N_SERVICES, elements=st.integers(0, 400)))
    return sv


@st.composite
def learning_cases(draw):
    sv = _services(draw)
    sums = draw(
        hnp.arrays(
            np.float64,
            (N_CHUNKS, N_SERVICES, len(ServiceSum)),
            elements=st.floats(0.0, 50.0, allow_nan=False),
        )
    )
    sums[:, :, ServiceSum.EPISODES] = np.floor(sums[:, :, ServiceSum.EPISODES])  # counts
    if draw(st.booleans()):  # some services with no episode this week
        sums[:, draw(st.integers(0, N_SERVICES - 1)), ServiceSum.EPISODES] = 0.0
    lp = LearningParams(**{f.name: draw(unit) for f in fields(LearningParams)})
    lv = replace(
        RegimeLevers(),
        **{k: draw(unit) for k in ("information_sharing", "shared_learning", "target_pressure")},
    )
    dose = draw(st.sampled_from([0.0, 0.05, 0.3]))
    return sv, sums, lp, lv, dose


@HYPO
@given(case=learning_cases())
def test_learn_kernel_is_learn(case) -> None:
    sv, sums, lp, lv, dose = case
    twin = sv._make(a.copy() for a in sv)
    learning.learn(twin, sums, lv, lp, dose)
    learning.learn_kernel(sv, sums, learning.learn_params(lv, lp, dose))
    for name in sv._fields:
        np.testing.assert_array_equal(getattr(sv, name), getattr(twin, name), err_msg=name)


@HYPO
@given(case=learning_cases(), sharing=unit)
def test_information_kernel_is_information(case, sharing: float) -> None:
    sv = case[0]
    out = np.empty(N_SERVICES)
    learning.information_kernel(sharing, sv.partner_trust, out)
    lv = replace(RegimeLevers(), information_sharing=sharing)
    np.testing.assert_array_equal(out, learning.information(lv, sv.partner_trust))


def _kp_by_name(p: Params, lv: RegimeLevers, friction: float, cohort: RegimeLevers) -> KP:
    """Every KP field looked up by name, as kernel_params did before kp_static."""
    groups = {
        **{g: getattr(p, g) for g in ("life", "crisis", "capacity", "support", "trust")},
        **{g: getattr(p, g) for g in ("gaming", "housing", "treatment", "workforce")},
        "levers": lv,
        "cohort": cohort,
        "week": _Week(friction),
        "run": _Run(p.run.burn_in, p.run.burn_in + p.weeks),
    }
    return KP(**{name: _CAST[name](getattr(groups[g], a)) for name, (g, a) in KP_SOURCES.items()})


@pytest.mark.parametrize("scenario", ["siloed", "alliance", "transition"])
def test_kernel_params_with_static_fields_is_by_name(scenario: str) -> None:
    p = load(scenario).params
    static = kp_static(p)
    other = levers_at(load("alliance").params, 30)
    for week, friction in ((-3, 0.0), (0, 0.25), (40, 1.5)):
        lv = levers_at(p, week)
        for cohort in (lv, other):
            want = _kp_by_name(p, lv, friction, cohort)
            for got in (
                kernel_params(p, lv, friction, cohort, static),
                kernel_params(p, lv, friction, cohort),
            ):
                assert got == want
                assert [type(x) for x in got] == [type(x) for x in want]


def _pair(p: Params, *, tiled: bool = True, cohort: bool = False) -> tuple[dict, dict]:
    """Fingerprints of ``p`` run fused and kernel by kernel (on numba's threads)."""
    out = []
    for fused in (True, False):
        m = CareModel(p)
        m.fused, m.serial_below = fused, 0
        m._tiled = m._tiled and tiled  # the non-tiled path runs on tiled families too
        while m.week < m.n_weeks:
            if cohort and m.week == 2:
                m.enrol(m.state.person.complex == 1, load("alliance").params)
            m.step()
        out.append(fingerprint(m))
    return out[0], out[1]


def _small(scenario: str) -> Params:
    over = {"population": {"persons": 700}, "run": {"years": 0.25, "burn_in": 4, "seed": 5}}
    if scenario == "transition":
        over["transition"] = {"week": 3, "learning_weeks": 6}
    return load(scenario).params.replace(**over)


@pytest.mark.parametrize(
    ("scenario", "tiled", "cohort"),
    [
        ("siloed", True, False),
        ("alliance", True, False),
        ("transition", True, False),
        ("siloed", False, False),
        ("siloed", True, True),
    ],
)
def test_fused_week_is_the_kernel_sequence(scenario: str, tiled: bool, cohort: bool) -> None:
    fused, seq = _pair(_small(scenario), tiled=tiled, cohort=cohort)
    assert fused == seq, f"fused and kernel-by-kernel differ in {differing(fused, seq)}"


def test_small_models_step_on_one_thread_with_the_same_results() -> None:
    p = _small("alliance")
    before = numba.get_num_threads()
    serial = CareModel(p)
    assert len(serial.state.person.pid) < serial.serial_below
    while serial.week < serial.n_weeks:
        serial.step()
        assert numba.get_num_threads() == before, "step must put numba's threads back"
    parallel = CareModel(p)
    parallel.serial_below = 0
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    try:
        parallel.run()
    finally:
        numba.set_num_threads(before)
    a, b = fingerprint(serial), fingerprint(parallel)
    assert a == b, f"one thread and {numba.config.NUMBA_NUM_THREADS} differ in {differing(a, b)}"


FRESH = (
    "from carecomplex.model import CareModel; from carecomplex.params import Params; "
    "m = CareModel(Params().replace(population={'persons': 300}, run={'years': 0.1, "
    "'burn_in': 1})); m.serial_below = 0; m.run(); print(m.week)"
)


def test_the_cached_fused_week_runs_in_a_fresh_process() -> None:
    """The second process loads ``week`` from numba's cache and calls it first.

    Without ``week.start_threads`` (called when a model is built) that process crashed:
    cached code that calls parallel kernels does not start numba's threads (#8578).
    """
    for attempt in ("compiles or loads", "loads from the cache"):
        res = subprocess.run(
            [sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=900
        )
        assert res.returncode == 0, f"{attempt}: exit {res.returncode}\n{res.stderr[-2000:]}"
        assert res.stdout.strip() == "5"
