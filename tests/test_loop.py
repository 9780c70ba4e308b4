"""Model 2, the loop: Kim's loop closed, workload burnout, caseloads, queue priority, step-down.

Each test can fail: it compares runs that differ in one mechanism or one parameter and
asserts the direction (or the absence) of the difference.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from carecomplex.metrics import summary
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.processes import learning, workforce
from carecomplex.regimes import kernel_params
from carecomplex.scenarios import load_params
from carecomplex.state import N_SERVICES, Event, ServiceField

KIM = {
    "relationships": ServiceField.RELATIONSHIPS,
    "thinking": ServiceField.THINKING,
    "actions": ServiceField.ACTIONS,
    "results": ServiceField.RESULTS,
}

# The links that read each quality, as (group, field): all at 0, the quality reads nowhere.
LINKS = {
    "relationships": (("trust", "reputation"), ("learning", "thinking_relationships")),
    "thinking": (("support", "thinking_match"), ("regime", "shared_learning")),
    "actions": (("support", "action_dose"),),
    "results": (
        ("trust", "results_trust"),
        ("learning", "results_learning"),
        ("learning", "partner_trust_build"),
    ),
}


def _with(p: Params, **groups: dict) -> Params:
    """``p`` with fields of its groups replaced: ``_with(p, regime={"x": 1})``."""
    return dataclasses.replace(
        p, **{g: dataclasses.replace(getattr(p, g), **v) for g, v in groups.items()}
    )


def _small(scenario: str, persons: int = 300, years: float = 1.0) -> Params:
    p = load_params(scenario)
    return _with(p, population={"persons": persons}, run={"years": years, "burn_in": 26})


def _run(p: Params, seed: int = 3, hold: tuple[str, ...] = (), monkeypatch=None) -> CareModel:
    if hold:
        monkeypatch.setattr(learning, "learn", functools.partial(_LEARN, hold=hold))
    try:
        m = CareModel(p, seed)
        # Holding is the NumPy learn's (a test hook): step kernel by kernel so the model
        # calls it, instead of the compiled learn inside the fused week.
        m.fused = not hold
        return m.run()
    finally:
        if hold:
            monkeypatch.setattr(learning, "learn", _LEARN)


_LEARN = learning.learn


@pytest.mark.parametrize("quality", list(KIM))
def test_the_kim_loop_is_a_loop(quality: str, monkeypatch) -> None:
    """Holding one quality fixed changes the others downstream; with its links at 0 it does
    not (every link that reads it is one of LINKS, and each is switched off by 0)."""
    p = _small("alliance")
    others = [int(f) for q, f in KIM.items() if q != quality]
    free = _run(p)
    held = _run(p, hold=(quality,), monkeypatch=monkeypatch)
    assert not np.allclose(free.services[:, :, others], held.services[:, :, others]), (
        f"holding {quality} changed none of the other Kim qualities: the loop is open"
    )
    off: dict[str, dict[str, float]] = {}
    for g, f in LINKS[quality]:
        off.setdefault(g, {})[f] = 0.0
    p0 = _with(p, **off)
    free0 = _run(p0)
    held0 = _run(p0, hold=(quality,), monkeypatch=monkeypatch)
    np.testing.assert_array_equal(free0.events, held0.events)
    np.testing.assert_array_equal(free0.ledger, held0.ledger)
    np.testing.assert_array_equal(
        free0.services[:, :, others],
        held0.services[:, :, others],
        err_msg=f"{quality} still acts with its links at 0",
    )


@pytest.mark.parametrize("quality", list(KIM))
def test_each_link_moves_the_run(quality: str) -> None:
    """Switching off the links of a quality changes the run (each link has an effect).

    The run is its events and its costs: at 300 persons for a year, the thinking links
    (match of support to need, shared learning) move the costs but, at model 3's
    defaults, no event count (at 600 persons they move both).
    """
    p = _small("alliance")
    off: dict[str, dict[str, float]] = {}
    for g, f in LINKS[quality]:
        off.setdefault(g, {})[f] = 0.0
    a, b = _run(p), _run(_with(p, **off))
    assert not (np.array_equal(a.events, b.events) and np.array_equal(a.ledger, b.ledger))


def _burnout(m: CareModel) -> float:
    return float(m.services[-13:, :, ServiceField.BURNOUT].mean())


def test_an_overloaded_alliance_burns_out() -> None:
    """Burnout follows workload in any regime: posts carrying twice the sustainable
    caseload burn out; the alliance's smaller caseloads do not."""
    p = _small("alliance", persons=600)
    light = _run(_with(p, regime={"caseload_factor": 0.7}))
    heavy = _run(_with(p, regime={"caseload_factor": 2.0}))
    assert _burnout(heavy) > _burnout(light) + 0.1, (_burnout(heavy), _burnout(light))
    # Capacity is the posts times the caseload in force (still on the learning curve
    # from the shared history toward 2.0).
    posts = np.bincount(heavy.state.worker.service, minlength=N_SERVICES)
    caseload = p.capacity.caseload
    factor = heavy.levers.caseload_factor
    assert 1.0 < factor <= 2.0
    np.testing.assert_array_equal(
        heavy.state.service.capacity, (posts * caseload * factor).astype(np.int32)
    )


def test_complex_cases_weigh_more() -> None:
    """Workload is weighted by case complexity: the same caseloads with a higher
    complexity_weight add more burnout (one workforce step on copies of one state)."""
    p = _small("alliance", persons=600)
    m = CareModel(p, 3)
    for _ in range(30):
        m.step()
    after = {}
    for cw in (0.0, 1.0):
        q = _with(p, workforce={"complexity_weight": cw})
        s = m.state.copy()
        books = m._books.copy()
        kp = kernel_params(q, m.levers)
        workforce.workforce(m.key, m.t, kp, m._next_uid, s.person, s.worker, s.service, books)
        after[cw] = s.worker
    stayed = after[0.0].uid == after[1.0].uid  # the same holders (no one left in either)
    held = after[0.0].caseload > 0
    light, heavy = after[0.0].burnout[stayed & held], after[1.0].burnout[stayed & held]
    assert (heavy >= light).all() and (heavy > light).any()


def _held_need(m: CareModel) -> float:
    """Mean total need, at the end, of the living persons who hold an episode."""
    per = m.state.person
    held = (per.slot_service >= 0).any(axis=1) & (per.alive == 1)
    return float(per.need[held].sum(axis=1).mean())


def test_queues_served_by_need() -> None:
    """With need_priority, capacity goes to the persons in most need, not the longest
    waiting: those held have more need than when the queue is first come, first served."""
    p = _small("alliance", persons=600)
    by_wait = [_run(_with(p, regime={"need_priority": 0.0}), seed=s) for s in (1, 2)]
    by_need = [_run(_with(p, regime={"need_priority": 1.0}), seed=s) for s in (1, 2)]
    assert np.mean([_held_need(m) for m in by_need]) > np.mean([_held_need(m) for m in by_wait])


def test_whole_person_episodes_step_down_after_stable_weeks() -> None:
    """A whole-person episode closes only after stable_weeks stable weeks: a long
    requirement closes fewer episodes."""
    p = _small("alliance", persons=600)
    quick = _run(_with(p, capacity={"stable_weeks": 1}))
    slow = _run(_with(p, capacity={"stable_weeks": 52}))
    closed = [m.events[:, Event.CLOSED].sum() for m in (quick, slow)]
    assert closed[0] > closed[1], closed


def test_new_workers_counts_acceptances_and_worker_changes() -> None:
    """new_workers:{group} = (episodes accepted + cases passed to a new post holder) per
    person-year."""
    m = _run(_small("siloed"))
    s = summary(m)
    ev = m.events.sum(axis=0)
    py = ev[Event.ALIVE, 1] / 52.0
    want = (ev[Event.ACCEPTED, 1] + ev[Event.WORKER_CHANGE, 1]) / py
    assert s["new_workers:complex"] == pytest.approx(want)
    assert ev[Event.WORKER_CHANGE].sum() <= ev[Event.HANDOFF].sum()
