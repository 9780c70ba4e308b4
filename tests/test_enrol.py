"""A programme applied to an enrolled cohort only (``CareModel.enrol``).

Enrolled persons are read the programme's levers by every person-level read in the
kernels; services and posts keep the system's. Checked here: enrolling nobody changes
nothing (bit for bit, at 1 and 2 threads); enrolling everyone reproduces the
programme's own run where the system already has its service-level levers; a cohort
gets the programme's levers and the rest keep the system's (seen in the state); the
programme's cost goes to the enrolled; bad calls fail with a clear message.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fingerprint import differing, fingerprint
from carecomplex.costs import Item, item_holders
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.processes import workforce
from carecomplex.processes.common import COHORT_LEVERS
from carecomplex.regimes import lever_change, levers_at, relational
from carecomplex.scenarios import load
from carecomplex.state import Event, Group, Journey

# The levers only ever read person by person (docs/ODD.md, "A programme for a cohort").
PERSON_LEVERS = COHORT_LEVERS
CRISES = [Event.CRISIS_AE, Event.CRISIS_ADMISSION, Event.CRISIS_CUSTODY, Event.CRISIS_MH]
PROGRAMME_HOLDER = int(item_holders()[Item.PROGRAMME])
# What a different programme cost changes: the ledger, the persons' accounts (and the
# tracked journeys' cost so far), and who is flagged as enrolled.
COST_ARRAYS = {"ledger", "person.cost", "journeys", "person.programme"}


def assert_same_but_programme_cost(want: CareModel, got: CareModel) -> None:
    """Every array of two runs equal, but for the programme's cost and the flag."""
    diff = differing(fingerprint(want), fingerprint(got))
    assert set(diff) <= COST_ARRAYS, f"differ beyond the programme cost: {diff}"
    rest = np.arange(want.ledger.shape[1]) != Item.PROGRAMME
    np.testing.assert_array_equal(want.ledger[:, rest], got.ledger[:, rest])
    others = np.arange(want.state.person.cost.shape[1]) != PROGRAMME_HOLDER
    a, b = want.state.person.cost, got.state.person.cost
    np.testing.assert_array_equal(a[:, others], b[:, others])
    cols = np.arange(want.journeys.shape[2]) != Journey.COST
    np.testing.assert_array_equal(want.journeys[:, :, cols], got.journeys[:, :, cols])


def small(scenario: str, persons: int = 500, years: float = 1.0, burn_in: int = 0, seed: int = 3):
    """A small run of ``scenario``."""
    run = {"years": years, "burn_in": burn_in, "seed": seed}
    return load(scenario).params.replace(population={"persons": persons}, run=run)


def settled(p: Params) -> Params:
    """``p`` with no transition: its regime in force from the burn-in on."""
    return p.replace(history=dataclasses.asdict(p.regime))


def to_week0(m: CareModel) -> CareModel:
    """Step ``m`` through its burn-in."""
    while m.week < 0:
        m.step()
    return m


def with_threads(threads: int, fn):
    """``fn()`` with ``threads`` numba threads."""
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.fail(f"numba offers {numba.config.NUMBA_NUM_THREADS} thread(s), need {threads}")
    before, serial = numba.get_num_threads(), CareModel.serial_below
    try:
        numba.set_num_threads(threads)
        CareModel.serial_below = 0  # small models would step on one thread
        return fn()
    finally:
        numba.set_num_threads(before)
        CareModel.serial_below = serial


@pytest.mark.parametrize("threads", [1, 2])
def test_enrolling_nobody_is_bit_identical(threads: int) -> None:
    """An empty cohort (enrolled at week 0 and again later) leaves every array as it was."""
    p = small("siloed", persons=400, years=0.5, burn_in=3)
    cohort = small("alliance")  # a transition from the siloed history: a learning curve

    def both():
        plain = fingerprint(CareModel(p).run())
        m = to_week0(CareModel(p))
        nobody = np.zeros(len(m.state.person.pid), dtype=bool)
        assert m.enrol(nobody, cohort) == 0
        for _ in range(5):
            m.step()
        assert m.enrol(nobody, cohort) == 0
        return plain, fingerprint(m.run())

    plain, enrolled = with_threads(threads, both)
    assert plain == enrolled, f"enrolling nobody changed {differing(plain, enrolled)}"


def test_enrolling_everyone_under_the_systems_own_levers_changes_only_the_programme_cost():
    """The same levers for everyone: the kernels see no difference; only PROGRAMME moves.

    The cohort's overhead is charged per enrolled person alive (any group), the system's
    per complex-needs person alive outside the cohort, so the programme cost (ledger
    item PROGRAMME, and the persons' PROGRAMME accounts) is the one thing that differs.
    """
    p = small("siloed", persons=400, years=0.5)
    plain = CareModel(p).run()
    m = CareModel(p)
    assert m.enrol(np.ones(len(m.state.person.pid), dtype=bool), p) == len(m.state.person.pid)
    assert_same_but_programme_cost(plain, m.run())


def hybrid(programme: Params) -> Params:
    """A system with the programme's levers but for the person-level ones (siloed's)."""
    siloed = load("siloed").params.regime
    levers = dataclasses.asdict(programme.regime)
    levers.update({k: getattr(siloed, k) for k in PERSON_LEVERS})
    return programme.replace(regime=levers, history=levers)


def test_everyone_enrolled_reproduces_the_programme_where_services_already_share_its_levers():
    """Person-level reads follow the cohort; service- and post-level reads the system.

    A system that has the alliance's service-level levers (target pressure, caseload
    factor, shared learning, information sharing for learning) but the siloed
    person-level ones, with everyone enrolled under the alliance from week 0, is the
    alliance run exactly, but for the programme's cost: the cohort's overhead per
    enrolled person alive and the training of its posts (the switch of the person-level
    levers) in week 0.
    """
    alliance = settled(small("alliance"))
    system = hybrid(alliance)
    assert system.regime != alliance.regime
    want = CareModel(alliance).run()
    got = CareModel(system)
    per = got.state.person
    n = len(per.pid)
    assert got.enrol(np.ones(n, dtype=bool), alliance) == n
    # Week 0's programme cost: the switch's training for the posts the cohort takes
    # (persons / (caseload x caseload factor)), and the overhead of the enrolled alive.
    pr, lv, cap = alliance.programme, alliance.regime, alliance.capacity.caseload
    got.step()
    alive = int(per.alive.sum())
    switch = lever_change(system.regime, lv) * n
    pounds = pr.training_per_post * switch / (cap * lv.caseload_factor)
    pounds += pr.alliance_overhead / 52 * relational(lv) * alive
    assert got.ledger[0, Item.PROGRAMME].sum() == round(100 * pounds)
    # Week 1: the overhead alone (the cohort's levers no longer change).
    got.step()
    alive = int(per.alive.sum())
    overhead = round(100 * (pr.alliance_overhead / 52 * relational(lv) * alive))
    assert got.ledger[1, Item.PROGRAMME].sum() == overhead
    assert_same_but_programme_cost(want, got.run())


@pytest.mark.parametrize("seed", [3, 4])
def test_everyone_enrolled_in_a_siloed_system_is_closer_to_the_alliance(seed: int) -> None:
    """Everyone under the alliance's person-level levers in a siloed system.

    Not the alliance run: capacity, target stretch, burnout and learning stay siloed
    (the previous test shows these are the only differences). Expected: crises and the
    complex-needs group's wellbeing nearer the alliance's than the siloed system's.
    """
    siloed, alliance = small("siloed", seed=seed), settled(small("alliance", seed=seed))
    runs = {"siloed": CareModel(siloed).run(), "alliance": CareModel(alliance).run()}
    m = CareModel(siloed)
    m.enrol(np.ones(len(m.state.person.pid), dtype=bool), alliance)
    runs["cohort"] = m.run()
    crises = {k: int(r.events[:, CRISES].sum()) for k, r in runs.items()}
    wellbeing = {k: float(np.mean(r.wellbeing[:, Group.COMPLEX])) for k, r in runs.items()}
    for name, x in (("crises", crises), ("wellbeing", wellbeing)):
        near, far = abs(x["cohort"] - x["alliance"]), abs(x["cohort"] - x["siloed"])
        assert near < far, f"{name}: {x}"


def test_a_cohort_gets_the_programmes_levers_and_the_rest_keep_the_systems() -> None:
    """Half enrolled under the alliance in a siloed system, seen through the state.

    Siloed episodes close on a 26-week clock and prison has no in-reach; the alliance
    has no clock and in-reach for most custody spells. Only enrolled persons hold
    episodes past the clock or have an in-reach spell.
    """
    siloed, alliance = small("siloed", persons=800, years=1.5), settled(small("alliance"))
    cap = siloed.regime.episode_cap
    assert cap > 0 and alliance.regime.episode_cap == 0
    assert siloed.regime.in_reach == 0 and alliance.regime.in_reach > 0
    m = CareModel(siloed)
    per = m.state.person
    mask = np.random.default_rng(0).random(len(per.pid)) < 0.5
    assert m.enrol(mask, alliance) == int(mask.sum())
    enrolled = per.programme == 1
    np.testing.assert_array_equal(enrolled, mask)
    long_runs, reach = 0, 0
    while m.running:
        m.step()
        long_ = ((per.slot_service >= 0) & (per.slot_weeks >= cap)).any(axis=1)
        assert not (long_ & ~enrolled).any(), "a person not enrolled kept an episode past the clock"
        assert not (per.in_reach[~enrolled] == 1).any(), "in-reach for a person not enrolled"
        long_runs += int(long_[enrolled].sum())
        reach += int((per.in_reach[enrolled] == 1).sum())
    assert long_runs > 0, "no enrolled person held an episode past the siloed clock"
    assert reach > 0, "no enrolled person had an in-reach spell"


@pytest.mark.parametrize("everyone", [False, True])
def test_the_cohorts_programme_cost_is_charged_to_the_enrolled(everyone: bool) -> None:
    """``charge_posts``: the cohort's pence to the enrolled alive (any group), the
    system's to the complex-needs persons alive outside the cohort (everybody enrolled:
    to the complex-needs persons alive), each split equally to the penny."""
    m = CareModel(small("siloed", persons=300, years=0.1))
    per, books = m.state.person, m._books
    rng = np.random.default_rng(1)
    per.alive[:] = rng.random(len(per.pid)) < 0.9
    per.programme[:] = True if everyone else rng.random(len(per.pid)) < 0.3
    books.clear()
    books.pence[Item.STAFF] = 0  # posts free: only the programme is charged
    before = per.cost[:, PROGRAMME_HOLDER].copy()
    system, cohort = 1_000_003, 77_777
    workforce.charge_posts(per, m.state.worker, books, system, cohort)
    paid = per.cost[:, PROGRAMME_HOLDER] - before
    alive, enrolled = per.alive == 1, per.programme == 1
    complex_ = per.complex == Group.COMPLEX
    outside = alive & complex_ & (~enrolled if not everyone else True)
    cohort_ = alive & enrolled
    want = np.zeros_like(paid)
    for who, pence in ((outside, system), (cohort_, cohort)):
        share = np.full(int(who.sum()), pence // who.sum())
        share[: pence % who.sum()] += 1
        want[who] += share
    np.testing.assert_array_equal(paid, want)
    assert books.ledger[0, Item.PROGRAMME].sum() == system + cohort


def test_enrol_rejects_bad_calls_with_clear_messages() -> None:
    p = small("siloed", persons=100, years=0.1, burn_in=2)
    alliance = small("alliance")
    m = CareModel(p)
    n = len(m.state.person.pid)
    with pytest.raises(ValueError, match=r"burn-in.*week >= 0"):
        m.enrol(np.ones(n, dtype=bool), alliance)
    to_week0(m)
    with pytest.raises(ValueError, match=rf"shape \({n},\)"):
        m.enrol(np.ones(n + 1, dtype=bool), alliance)
    with pytest.raises(ValueError, match="bool array"):
        m.enrol(np.ones(n, dtype=np.int64), alliance)
    with pytest.raises(ValueError, match="must be a Params"):
        m.enrol(np.ones(n, dtype=bool), alliance.regime)
    assert m.enrol(np.zeros(n, dtype=bool), alliance) == 0
    with pytest.raises(ValueError, match="one cohort programme"):
        m.enrol(np.zeros(n, dtype=bool), settled(alliance))
    m.run()
    with pytest.raises(ValueError, match="run has ended"):
        m.enrol(np.zeros(n, dtype=bool), alliance)


@settings(max_examples=25, deadline=None)
@given(
    first=st.lists(st.booleans(), min_size=60, max_size=60),
    second=st.lists(st.booleans(), min_size=60, max_size=60),
    dead=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_enrol_counts_the_living_newly_enrolled(first, second, dead) -> None:
    """``enrol`` marks the living in the mask, counts each person once, never un-enrols."""
    m = CareModel(small("siloed", persons=60, years=0.1))
    per = m.state.person
    n = len(per.pid)
    a, b, d = (np.array(x[:n]) for x in (first, second, dead))
    per.alive[d] = 0
    alliance = small("alliance")
    assert m.enrol(a, alliance) == int((a & ~d).sum())
    assert m.enrol(b, alliance) == int((b & ~a & ~d).sum())
    np.testing.assert_array_equal(per.programme == 1, (a | b) & ~d)


def test_the_cohort_follows_its_programmes_learning_curve() -> None:
    """Under a transition (``history`` to ``regime``), the cohort's levers each week are
    ``levers_at(params, week)``, and the kernels are given them (``KP.cohort_*``)."""
    siloed = small("siloed", persons=200, years=0.3)
    alliance = small("alliance").replace(transition={"learning_weeks": 8})
    assert alliance.history != alliance.regime
    m = CareModel(siloed)
    m.enrol(np.ones(len(m.state.person.pid), dtype=bool), alliance)
    seen = []
    while m.running:
        week = m.week
        m.step()
        want = levers_at(alliance, week)
        assert m.cohort_levers == want, f"week {week}"
        kp = m._kp_memo[-1]
        for name in PERSON_LEVERS:
            assert getattr(kp, f"cohort_{name}") == getattr(want, name), f"week {week}: {name}"
            assert getattr(kp, name) == getattr(m.levers, name), f"week {week}: system {name}"
        seen.append(want.continuity)
    assert len(set(seen)) > 1 and seen == sorted(seen), "the curve did not move the cohort"


def test_a_cohort_enrolled_later_changes_nothing_before() -> None:
    """Enrolled at week 10: weeks 0-9 are the plain run's; week 10 charges the switch."""
    siloed, alliance = small("siloed", persons=400, years=0.4), settled(small("alliance"))
    plain = CareModel(siloed).run()
    m = CareModel(siloed)
    for _ in range(10):
        m.step()
    mask = m.state.person.complex == Group.COMPLEX
    assert m.enrol(mask, alliance) > 0
    m.run()
    np.testing.assert_array_equal(plain.ledger[:10], m.ledger[:10])
    np.testing.assert_array_equal(plain.events[:10], m.events[:10])
    assert not np.array_equal(plain.events[10:], m.events[10:])
    prog = m.ledger[:, Item.PROGRAMME].sum(axis=1)
    assert prog[10] > prog[11] > plain.ledger[11, Item.PROGRAMME].sum(), "switch, then overhead"
