"""Invariants of the weekly step, checked after every step on hypothesis-drawn parameters.

Parameters are drawn anywhere inside the declared ranges of ``carecomplex.params`` (small
populations, short runs). After each step the state must stay in its domain (trust,
need, set points and family support in [0, 1]; no NaN or infinity), persons must be
conserved (the dead stay, flagged; nobody comes back), services must not take on more
than their capacity stretched by targets, and costs must be exact non-negative integer
pence whose per-person accounts plus the idle staff line add up to the ledger, with the
staff line the posts' fixed cost.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _strategies import SMALL_RUN, small_params
from carecomplex.costs import Holder, Item, item_holders
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.state import N_GROUPS, Event

CRISIS_EVENTS = [Event.CRISIS_AE, Event.CRISIS_ADMISSION, Event.CRISIS_CUSTODY, Event.CRISIS_MH]

# capacity.dose == 0 once made learning.learn divide 0 by 0 (now guarded; see also
# test_zero_dose_keeps_state_finite): the property test draws the dose from [0, 1] with
# its ends included.
NARROWED = {**SMALL_RUN, ("capacity", "dose"): st.floats(0.0, 1.0)}


def _float_arrays(model: CareModel):
    s = model.state
    for entity in ("person", "family", "worker", "service"):
        arrays = getattr(s, entity)
        for name in arrays.names():
            a = getattr(arrays, name)
            if np.issubdtype(a.dtype, np.floating):
                yield f"{entity}.{name}", a
    yield "model.services", model.services
    yield "model.journeys", model.journeys


def _in_unit(name: str, a: np.ndarray, ctx: str) -> None:
    bad = np.flatnonzero(~((a >= 0.0) & (a <= 1.0)))
    assert bad.size == 0, (
        f"{name} must stay in [0, 1]; {bad.size} entries outside, e.g. "
        f"{a.ravel()[bad[:5]].tolist()} {ctx}"
    )


def _limit(capacity: np.ndarray, stretch: float, pressure: float) -> np.ndarray:
    # Same float64 arithmetic as processes.access: int(cap * (1 + stretch * pressure)).
    return np.array([int(int(c) * (1.0 + stretch * pressure)) for c in capacity])


class Tracker:
    """Checks the invariants after each step, remembering what it needs from before."""

    def __init__(self, model: CareModel):
        self.m = model
        s = model.state
        self.sizes = {
            f"{e}.{n}": getattr(getattr(s, e), n).shape
            for e in ("person", "family", "worker", "service")
            for n in getattr(s, e).names()
        }
        self.pid = s.person.pid.copy()
        self.capacity = s.service.capacity.copy()  # in force at the next access step
        self.prev_load = s.service.load.copy()
        self.alive_before = s.person.alive.copy()
        self.holder = item_holders()
        # Nothing has happened yet: everybody alive, no costs, empty services.
        assert (s.person.alive == 1).all(), "all persons must start alive"
        assert (s.person.died_week == -1).all(), "died_week must start at -1"
        assert (s.service.load == 0).all(), "services must start empty"

    def before_step(self) -> None:
        self.alive_before = self.m.state.person.alive.copy()
        self.prev_load = self.m.state.service.load.copy()
        self.capacity = self.m.state.service.capacity.copy()

    def after_step(self) -> None:
        m = self.m
        s = m.state
        per, fam, wk, svc = s.person, s.family, s.worker, s.service
        t, week = m.t, m.week  # already advanced past the step just taken
        ctx = f"(step t={t - 1}, measured week {week - 1})"

        # Persons (and everything else) conserved: no array changes shape.
        for key, shape in self.sizes.items():
            e, n = key.split(".")
            got = getattr(getattr(s, e), n).shape
            assert got == shape, f"{key} changed shape from {shape} to {got} {ctx}"
        assert (per.pid == self.pid).all(), f"person ids must never change {ctx}"

        # Alive / dead bookkeeping.
        alive = per.alive
        assert set(np.unique(alive)) <= {0, 1}, f"alive must be a 0/1 flag {ctx}"
        revived = np.flatnonzero((self.alive_before == 0) & (alive == 1))
        if m.week == 0:  # personas are placed afresh at the start of measurement
            revived = revived[per.persona[revived] == 0]
        assert revived.size == 0, f"persons {revived[:5].tolist()} came back to life {ctx}"
        dead = alive == 0
        assert (per.died_week[dead] >= 0).all() and (per.died_week[dead] < t).all(), (
            f"died_week must be a past step (0..{t - 1}) for every dead person {ctx}"
        )
        assert (per.died_week[~dead] == -1).all(), f"died_week must be -1 for the living {ctx}"
        newly = (self.alive_before == 1) & dead
        assert (per.died_week[newly] == t - 1).all(), (
            f"persons who died this step must have died_week == {t - 1} {ctx}"
        )
        assert (per.slot_service[dead] == -1).all(), (
            f"the dead must hold no episodes (slot_service == -1) {ctx}"
        )

        # Bounded state.
        for name in ("slot_trust", "sys_trust", "need", "setpoint", "resilience"):
            _in_unit(f"person.{name}", getattr(per, name), ctx)
        _in_unit("family.support", fam.support, ctx)
        for name in ("skill", "burnout", "tolerance"):
            _in_unit(f"worker.{name}", getattr(wk, name), ctx)
        for name in ("knowledge", "gaming", "partner_trust"):
            _in_unit(f"service.{name}", getattr(svc, name), ctx)
        for name, a in _float_arrays(m):
            bad = int((~np.isfinite(a)).sum())
            assert bad == 0, f"{name} must be finite; {bad} NaN/inf entries {ctx}"

        # Episodes, caseloads and service loads agree with each other.
        active = per.slot_service >= 0
        counts = np.bincount(per.slot_service[active], minlength=len(svc.load))
        assert (svc.load == counts).all(), (
            f"service.load {svc.load.tolist()} must equal the episodes held per service "
            f"{counts.tolist()} {ctx}"
        )
        cl = np.bincount(per.slot_worker[active], minlength=len(wk.caseload))
        assert (wk.caseload == cl).all(), f"worker.caseload must equal episodes held {ctx}"
        assert (wk.service[per.slot_worker[active]] == per.slot_service[active]).all(), (
            f"every episode's worker must belong to the episode's service {ctx}"
        )
        for i in np.flatnonzero(active.sum(axis=1) > 1):
            held = per.slot_service[i][per.slot_service[i] >= 0]
            assert len(set(held.tolist())) == len(held), (
                f"person {i} holds two episodes with one service {held.tolist()} {ctx}"
            )
        own_bit = (per.slot_remit[active] >> per.slot_service[active].astype(np.uint8)) & 1
        assert (own_bit == 1).all(), f"an episode's remit must cover its own service {ctx}"
        # Capacity is the posts times the caseload in force (model 2: caseload_factor).
        posts = np.bincount(wk.service, minlength=len(svc.capacity))
        in_force = (posts * m.params.capacity.caseload * m.levers.caseload_factor).astype(
            svc.capacity.dtype
        )
        assert (svc.capacity == in_force).all(), (
            f"service capacity must be posts x caseload x caseload_factor {ctx}"
        )

        # Capacity stretched by targets bounds the load. Access only accepts while
        # load < limit, so the load can exceed this week's limit only if it already did
        # (the limit falls during a transition toward lower target pressure).
        lv = m.levers  # the levers used in the step just taken
        # Access used the capacity of the end of the last step (the workforce step then
        # recomputes it from the caseload in force, which a transition may lower).
        limit = _limit(self.capacity, m.params.capacity.target_stretch, lv.target_pressure)
        bound = np.maximum(limit, self.prev_load)
        assert (svc.load <= bound).all(), (
            f"service.load {svc.load.tolist()} exceeds int(capacity*(1+stretch*pressure)) "
            f"{limit.tolist()} (previous load {self.prev_load.tolist()}) {ctx}"
        )
        if m.params.transition.week < 0 and m.params.history == m.params.regime:
            assert (svc.load <= limit).all(), (
                f"without a transition service.load {svc.load.tolist()} must stay <= "
                f"{limit.tolist()} {ctx}"
            )

        # Costs: non-negative integer pence; person accounts add up to the ledger.
        assert per.cost.dtype == np.int64 and m.ledger.dtype == np.int64, "costs must be int64"
        assert (per.cost >= 0).all(), f"person.cost must be non-negative {ctx}"
        assert (m.ledger >= 0).all(), f"ledger must be non-negative {ctx}"
        assert (m.events >= 0).all(), f"event counts must be non-negative {ctx}"
        if week >= 1:  # a measured week has been recorded
            led = m.ledger[:week]
            # Idle staff capacity (posts holding nobody) is in the ledger but on no
            # person's account: persons plus the idle line make the ledger total.
            idle = led[:, Item.IDLE_STAFF]  # (week, group)
            assert int(per.cost.sum()) + int(idle.sum()) == int(led.sum()), (
                f"sum of person.cost {int(per.cost.sum())} plus idle staff {int(idle.sum())} "
                f"must equal the ledger total {int(led.sum())} exactly {ctx}"
            )
            for h in Holder:
                a = int(per.cost[:, h].sum())
                b = int(led[:, self.holder == h].sum())
                if h == self.holder[Item.IDLE_STAFF]:
                    b -= int(idle.sum())
                assert a == b, f"holder {h.name}: persons {a} != ledger {b} pence {ctx}"
            for g in range(N_GROUPS):
                a = int(per.cost[per.complex == g].sum())
                b = int(led[:, :, g].sum()) - int(idle[:, g].sum())
                assert a == b, f"group {g}: persons {a} != ledger {b} pence {ctx}"
            # Staff are the fixed cost of posts: every post, every week, whatever its caseload.
            staff = int(led[:, [Item.STAFF, Item.IDLE_STAFF]].sum())
            want = len(wk.uid) * int(m._books.pence[Item.STAFF]) * week
            assert staff == want, f"staff cost {staff} != posts x weekly cost x weeks {want} {ctx}"
            self._counters_match_events(week, ctx)
        else:
            assert (m.ledger == 0).all() and (m.events == 0).all(), (
                f"nothing may be recorded during burn-in {ctx}"
            )

        # The weekly ALIVE count is the number alive at the start of the week.
        if week >= 1:
            for g in range(N_GROUPS):
                want = int(((self.alive_before == 1) & (per.complex == g)).sum())
                got = int(m.events[week - 1, Event.ALIVE, g])
                assert got == want, f"ALIVE events {got} != persons alive {want} (group {g}) {ctx}"

    def _counters_match_events(self, week: int, ctx: str) -> None:
        """Person counters (reset at the end of burn-in) equal the summed weekly events."""
        m, per = self.m, self.m.state.person
        ev = m.events[:week]
        burn = m.params.run.burn_in
        for g in range(N_GROUPS):
            sel = per.complex == g
            pairs = [
                ("crises", per.crises, ev[:, CRISIS_EVENTS, g].sum()),
                ("shocks", per.shocks, ev[:, Event.SHOCK, g].sum()),
                ("handoffs", per.handoffs, ev[:, Event.HANDOFF, g].sum()),
                ("weeks_alive", per.weeks_alive, ev[:, Event.ALIVE, g].sum()),
            ]
            for name, arr, total in pairs:
                assert int(arr[sel].sum()) == int(total), (
                    f"sum of person.{name} {int(arr[sel].sum())} must equal its events "
                    f"{int(total)} (group {g}) {ctx}"
                )
            died = int(((per.alive == 0) & (per.died_week >= burn) & sel).sum())
            assert int(ev[:, Event.DEATH, g].sum()) == died, (
                f"DEATH events {int(ev[:, Event.DEATH, g].sum())} must equal persons who died "
                f"in measured weeks {died} (group {g}) {ctx}"
            )
        assert (ev[:, Event.CRISIS_DEATH] <= ev[:, Event.DEATH]).all(), (
            f"crisis deaths must be a subset of deaths {ctx}"
        )
        assert (per.weeks_alive <= week).all(), f"weeks_alive must be <= {week} {ctx}"


def run_checked(params: Params) -> CareModel:
    model = CareModel(params)
    tracker = Tracker(model)
    steps = 0
    while model.week < model.n_weeks:
        tracker.before_step()
        model.step()
        tracker.after_step()
        steps += 1
    assert steps == params.run.burn_in + params.weeks, "run() must take burn-in + weeks steps"
    assert model.week == model.n_weeks == params.weeks
    return model


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_params(NARROWED))
def test_invariants_hold_after_every_step(params: Params) -> None:
    run_checked(params)


@pytest.mark.parametrize("scenario", ["siloed", "alliance", "transition"])
def test_invariants_hold_in_builtin_scenarios(scenario: str) -> None:
    from carecomplex.scenarios import load

    p = load(scenario).params.replace(
        population={"persons": 600},
        run={"years": 0.5, "burn_in": 4, "seed": 3},
        transition={"week": 8} if scenario == "transition" else {},
    )
    model = run_checked(p)
    assert model.events[:, Event.ACCEPTED].sum() > 0, "services must accept someone"


def test_zero_dose_keeps_state_finite() -> None:
    p = Params().replace(
        population={"persons": 300}, capacity={"dose": 0.0}, run={"years": 0.1, "burn_in": 0}
    )
    model = CareModel(p)
    need0 = None
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(4):
            supported = (model.state.person.slot_service >= 0).any(axis=1)
            need0 = model.state.person.need.copy()
            model.step()
    for name, a in _float_arrays(model):
        assert np.isfinite(a).all(), f"{name} must be finite with dose=0"
    # With no dose, support cannot remove need: supported persons' needs are not zeroed.
    per = model.state.person
    zeroed = supported & (per.need == 0).all(axis=1) & (need0 > 0.2).any(axis=1)
    assert not zeroed.any(), f"{int(zeroed.sum())} supported persons' needs set to 0 with dose=0"


def test_queue_flags_match_service_queues() -> None:
    from carecomplex.scenarios import load

    p = load("alliance").params.replace(
        population={"persons": 500}, run={"years": 0.2, "burn_in": 0, "seed": 1}
    )
    model = CareModel(p)
    for _ in range(model.n_weeks):
        model.step()
        per, svc = model.state.person, model.state.service
        ctx = f"(after step t={model.t - 1})"
        waiting = np.flatnonzero((per.wait_service >= 0) & (per.alive == 1))
        for i in waiting:
            s = int(per.wait_service[i])
            held = per.slot_service[i] >= 0
            covered = int(np.bitwise_or.reduce(per.slot_remit[i][held], initial=0))
            assert not (covered >> s) & 1, (
                f"person {i} is flagged as waiting for service {s} although an episode it "
                f"holds already covers domain {s} {ctx}"
            )
        flags = np.bincount(per.wait_service[waiting], minlength=len(svc.queue))
        assert (flags == svc.queue).all(), (
            f"service.queue {svc.queue.tolist()} must equal the persons flagged as waiting "
            f"{flags.tolist()} {ctx}"
        )
