"""Determinism: one seed and scenario give bit-identical runs, whatever else happens.

Results must depend only on (parameters, seed): not on the numba thread count, on
other models built or stepped in the same process, or on the order of construction.
A different seed must give a different run (the seed is actually used).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import pytest

from _fingerprint import differing, fingerprint
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.scenarios import load

TESTS = Path(__file__).parent


def small(scenario: str, persons: int = 800, years: float = 0.3, seed: int = 11) -> Params:
    over = {"population": {"persons": persons}, "run": {"years": years, "burn_in": 3, "seed": seed}}
    if scenario == "transition":
        over["transition"] = {"week": 5, "learning_weeks": 8}
    return load(scenario).params.replace(**over)


def run(params: Params, rng: int | str | None = None) -> dict[str, str]:
    return fingerprint(CareModel(params, rng=rng).run())


@pytest.mark.parametrize("scenario", ["siloed", "alliance", "transition"])
def test_same_seed_same_scenario_is_bit_identical(scenario: str) -> None:
    p = small(scenario)
    a, b = run(p), run(p)
    assert a == b, f"{scenario}: two runs with one seed differ in {differing(a, b)}"


def test_seed_argument_forms_agree() -> None:
    p = small("siloed", seed=7)
    base = run(p)
    for rng in (7, "7"):
        fp = run(p.replace(run={"seed": 99}), rng=rng)
        assert fp == base, f"CareModel(rng={rng!r}) must equal params seed 7: {differing(fp, base)}"


def test_different_seed_gives_different_run() -> None:
    p = small("siloed")
    a, b = run(p, rng=11), run(p, rng=12)
    diff = differing(a, b)
    for name in ("events", "ledger", "person.need", "person.setpoint", "person.resilience"):
        assert name in diff, f"seeds 11 and 12 must give different {name} (differ: {diff})"


def test_build_order_and_other_models_do_not_matter() -> None:
    pa, pb = small("siloed", seed=5), small("alliance", persons=500, seed=6)
    first = run(pa)
    other = run(pb)
    again = run(pa)
    assert again == first, f"running another model in between changed {differing(again, first)}"
    # Build both, run in the opposite order.
    ma, mb = CareModel(pa), CareModel(pb)
    mb.run()
    ma.run()
    assert fingerprint(ma) == first, "building a second model before running changed results"
    assert fingerprint(mb) == other, "running after another model's build changed results"
    # Step two models alternately.
    ma, mb = CareModel(pa), CareModel(pb)
    while ma.week < ma.n_weeks or mb.week < mb.n_weeks:
        if ma.week < ma.n_weeks:
            ma.step()
        if mb.week < mb.n_weeks:
            mb.step()
    assert fingerprint(ma) == first, (
        f"interleaved stepping changed {differing(fingerprint(ma), first)}"
    )
    assert fingerprint(mb) == other, "interleaved stepping changed the second model"


def test_thread_count_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba.set_num_threads(1) and the maximum give identical runs in one process."""
    monkeypatch.setattr(CareModel, "serial_below", 0)  # small models would step on 1 thread
    p = small("alliance", persons=2000)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(p)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run(p)
    finally:
        numba.set_num_threads(before)
    assert one == many, (
        f"1 vs {numba.config.NUMBA_NUM_THREADS} threads differ in {differing(one, many)}"
    )


SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    import numba
    from _fingerprint import fingerprint
    from carecomplex.model import CareModel
    from carecomplex.scenarios import load

    out = {{"threads": numba.get_num_threads(), "fp": {{}}}}
    for name in ("siloed", "alliance", "transition"):
        over = {{"population": {{"persons": 2000}}, "run": {{"years": 0.3, "burn_in": 3}}}}
        if name == "transition":
            over["transition"] = {{"week": 5, "learning_weeks": 8}}
        p = load(name).params.replace(**over)
        out["fp"][name] = fingerprint(CareModel(p, rng=2024).run())
    print(json.dumps(out))
    """
)


def test_thread_count_in_subprocesses() -> None:
    """NUMBA_NUM_THREADS=1 and =2 in fresh interpreters print identical fingerprints."""
    script = SCRIPT.format(tests=str(TESTS))
    procs = {}
    for n in (1, 2):
        env = {**os.environ, "NUMBA_NUM_THREADS": str(n)}
        procs[n] = subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for n, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"subprocess with {n} thread(s) failed:\n{err[-3000:]}"
        results[n] = json.loads(out.strip().splitlines()[-1])
        assert results[n]["threads"] == n, (
            f"NUMBA_NUM_THREADS={n} not honoured: numba used {results[n]['threads']} threads"
        )
    for name in ("siloed", "alliance", "transition"):
        a, b = results[1]["fp"][name], results[2]["fp"][name]
        assert a == b, f"{name}: 1 vs 2 threads differ in {differing(a, b)}"
    # And the fresh interpreters agree with this process.
    here = run(small("alliance", persons=2000, seed=2024))
    assert here == results[1]["fp"]["alliance"], (
        f"this process and a fresh one differ in {differing(here, results[1]['fp']['alliance'])}"
    )
