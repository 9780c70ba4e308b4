"""CareModel: the weekly step sequence over array state, as a Mesa model.

The step calls one process per ODD submodel (:mod:`carecomplex.processes`), in the
order of docs/ODD.md §3, on the entity tables of :mod:`carecomplex.state`.
"""

from __future__ import annotations

import mesa
import numpy as np

from carecomplex import population
from carecomplex.agents import attach_agents
from carecomplex.costs import Item, item_holders, item_pence
from carecomplex.metrics import datacollector
from carecomplex.params import Params
from carecomplex.processes import access, housing, learning, life, support, workforce
from carecomplex.processes.common import chunk_sum
from carecomplex.regimes import change_left, kernel_params, lever_change, levers_at, relational
from carecomplex.rng import check_counter, seed_key
from carecomplex.state import (
    N_EVENTS,
    N_GROUPS,
    N_ITEMS,
    N_SERVICES,
    SERVICE_FIELDS,
    STRUCTURE,
    Group,
    Journey,
    ServiceField,
    WellbeingSum,
    new_books,
)

__all__ = ["SERVICE_FIELDS", "CareModel"]  # SERVICE_FIELDS: kept importable from here


class CareModel(mesa.Model):
    """A health and social care system for persons with overlapping needs.

    Persons, families, workers and services live in arrays (:mod:`carecomplex.state`);
    the Mesa agents in :mod:`carecomplex.agents` are views over them. One call of
    :meth:`step` is one week. Measured weeks are numbered from 0; the burn-in weeks
    before them are simulated but not reported.

    Args:
        params: validated parameters (defaults if omitted).
        rng: root seed (an int, or a string of digits); defaults to ``params.run.seed``.
        drop: person ids left out of the population (minimally-different-world tests).
        track: person indices whose weekly journey is recorded (personas always are).
    """

    def __init__(
        self,
        params: Params | None = None,
        rng: int | str | None = None,
        *,
        drop: tuple[int, ...] = (),
        track: tuple[int, ...] = (),
    ):
        params = params or Params()
        seed = params.run.seed if rng is None or rng == "" else int(rng)
        super().__init__(rng=seed)
        self.params = params
        self.seed = seed
        self.key = seed_key(seed)
        self.state = population.build(params, seed, drop)
        self.t = 0  # absolute step index, burn-in included: keys the random draws
        self.week = -params.run.burn_in  # measured week (negative during burn-in)
        self.n_weeks = params.weeks
        check_counter(int(self.state.person.pid.max(initial=-1)) + 1, self.n_weeks - self.week)
        self._books = new_books(item_pence(params.costs), item_holders())
        self.ledger = np.zeros((self.n_weeks, N_ITEMS, N_GROUPS), dtype=np.int64)
        self.events = np.zeros((self.n_weeks, N_EVENTS, N_GROUPS), dtype=np.int64)
        self.services = np.zeros((self.n_weeks, N_SERVICES, len(SERVICE_FIELDS)))
        self.wellbeing = np.zeros((self.n_weeks, N_GROUPS))
        self.wellbeing_now = float("nan")  # mean wellbeing of the living, this week
        persona = np.flatnonzero(self.state.person.persona)
        self.tracked = np.unique(np.concatenate([persona, np.asarray(track, dtype=np.int64)]))
        self.journeys = np.zeros((self.n_weeks, len(self.tracked), len(Journey)))
        self._next_uid = len(self.state.worker.uid)
        self._levers = levers_at(params, self.week)
        self._change = 0.0  # this week's summed change of the 0-1 levers
        self._kp_memo = (None, None, None, None)  # (params, levers, friction, KP)
        self._scratch = access.access_scratch(len(self.state.person.pid))
        self._tiled = life.families_tile(self.state.family, self.state.person)
        attach_agents(self)
        self.datacollector = datacollector()

    @property
    def levers(self):
        """The regime levers in force this week."""
        return self._levers

    def step(self) -> None:
        """One week, in this order.

        1. **Life dynamics**: needs drift toward set points (lowered while a tenancy or
           treatment holds), coupled domains pull each other up, shocks hit (buffered
           by family support); set points relax toward each person's baseline; family
           support is depleted by members' need and recovers.
        2. **Crisis**: prison and emergency accommodation weeks; a crisis hazard rising
           with need and complexity, lowered by trust in a worker and family support,
           raised by unmet need; crises cost, harm and can kill; deaths from need.
        3. **Access and referral**: people with uncovered need seek help; the known
           worker may take the need on (continuity); otherwise a service assesses
           (again, unless information is shared), applies eligibility and gaming,
           accepts within capacity (stretched by targets) or queues.
        4. **Support**: contact reduces need by skill x engagement x match; trust
           moves; episodes close on need, the clock, gaming or drop-out.
        4b. **Housing and treatment**: tenancies (ordinary, or Housing First bought
           from the capped budget pot) cost rent and support, lower the housing
           target while they hold and may be lost; drug and alcohol treatment moves
           through referral, waiting, treatment and recovery to relapse.
        5. **Learning**: the Kim loop per service (relationships, thinking, actions,
           results), shared learning along partner trust, gaming of targets.
        6. **Workforce**: caseloads, burnout, turnover; leavers' cases pass on.
        7. **Spill-over**: queues and rejections raise next week's crisis hazard;
           overload erodes partnerships (inside steps 2, 3 and 5).
        8. **Costs**: every activity above is charged to the ledger as it happens; at
           the end of step 6 the posts' fixed cost is shared by the persons they hold
           (idle posts to the ledger alone) and the programme's cost by the
           complex-needs persons alive (``workforce.charge_posts``).
        """
        kp, lv = self._week_params()
        s, key, t, books = self.state, self.key, self.t, self._books
        per, wk, sv = s.person, s.worker, s.service
        books.clear()
        info = learning.information(lv, sv.partner_trust)
        # 1-2. Life dynamics and crisis (one pass when families tile the persons).
        if self._tiled:
            life.life_families(key, t, kp, per, s.family, books, STRUCTURE)
        else:
            life.families(kp, s.family, per)
            life.life_crisis(key, t, kp, per, s.family, books, STRUCTURE)
        # 3. Access and referral.
        access.access(key, t, kp, per, wk, sv, info, books, self._scratch)
        # 4. Support (and the week's wellbeing sums, see _record).
        support.support(key, t, kp, per, wk, sv, info, books)
        # 4b. Housing and treatment states; the budget pot buys.
        housing.housing(key, t, kp, per, sv, books)
        # 5. Learning.
        p = self.params
        learning.learn(
            sv, books.service_sums, lv, p.learning, learning.dose_ref(p.capacity, p.learning)
        )
        # 6. Workforce.
        uid_before = self._next_uid
        self._next_uid = workforce.workforce(key, t, kp, self._next_uid, per, wk, sv, books)
        workforce.charge_posts(per, wk, books, self._programme_pence(lv))
        self._record(self._next_uid - uid_before)
        self._advance()

    def _week_params(self):
        """This week's kernel parameters and levers (with the friction of any change).

        The KP of last week is reused when the parameters, the levers and the friction
        are the same objects and value (no transition under way): building it anew
        would give the same tuple, at a tenth of a small step's fixed cost.
        """
        p = self.params
        new = levers_at(p, self.week)
        self._change = lever_change(self._levers, new)
        friction = p.workforce.friction * self._change
        self._levers = new
        last_p, last_levers, last_friction, kp = self._kp_memo
        if p is not last_p or new is not last_levers or friction != last_friction:
            kp = kernel_params(p, new, friction)
            self._kp_memo = (p, new, friction, kp)
        return kp, new

    def _programme_pence(self, lv) -> int:
        """This week's programme cost in pence (item PROGRAMME, ``ProgrammeParams``).

        Training in the weeks the levers change (per post, per unit of change);
        recommissioning once, in the first week of a change (per 1,000 persons); double
        running, a share of the week's staff cost times the share of the change not yet
        done; the alliance overhead per complex-needs person alive, times the relational
        levers in force (:func:`~carecomplex.regimes.relational`).
        """
        pr, per = self.params.programme, self.state.person
        posts = len(self.state.worker.uid)
        left, starts = change_left(self.params, self.week)
        pounds = pr.training_per_post * posts * self._change
        if starts:
            pounds += pr.recommissioning * len(per.pid) / 1000
        cohort = int(np.count_nonzero((per.alive == 1) & (per.complex == Group.COMPLEX)))
        pounds += pr.alliance_overhead / 52 * relational(lv) * cohort
        staff = posts * int(self._books.pence[Item.STAFF])  # pence a week
        return round(100 * pounds + pr.double_running * staff * left)

    def _advance(self) -> None:
        """The clock moves on a week; burn-in ends at week 0; measured weeks are collected."""
        self.t += 1
        self.week += 1
        if self.week == 0:
            self._start_measuring()
        self.running = self.week < self.n_weeks
        if self.week > 0:
            self.datacollector.collect(self)

    def _start_measuring(self) -> None:
        """End of burn-in: the personas are placed; person counters restart from zero."""
        population.place_personas(self.state, self.params)
        per = self.state.person
        for name in (
            "cost",
            "crises",
            "crisis_kinds",
            "ea_weeks",
            "handoffs",
            "shocks",
            "weeks_alive",
        ):
            getattr(per, name)[:] = 0

    def _record(self, leavers: int) -> None:
        """The week's outputs: wellbeing now, and in measured weeks every output array."""
        books = self._books
        # books.wellbeing_sums was filled by the support kernel.
        tot = chunk_sum(books.wellbeing_sums)  # in chunk order: the same for any threads
        alive = tot[:, WellbeingSum.ALIVE].sum()
        self.wellbeing_now = tot[:, WellbeingSum.SUM].sum() / alive if alive else float("nan")
        w = self.week
        if not 0 <= w < self.n_weeks:
            return
        self.ledger[w] = books.ledger.sum(axis=0)
        self.events[w] = books.events.sum(axis=0)
        self.services[w] = self._service_row(leavers)
        for g in range(N_GROUPS):
            n = tot[g, WellbeingSum.ALIVE]
            self.wellbeing[w, g] = tot[g, WellbeingSum.SUM] / n if n else np.nan
        if len(self.tracked):
            self._record_journeys(w)

    def _service_row(self, leavers: int) -> np.ndarray:
        """This week's ``services`` row: (S, len(ServiceField)) float64."""
        sv, wk = self.state.service, self.state.worker
        burn = np.bincount(wk.service, weights=wk.burnout, minlength=N_SERVICES) / np.maximum(
            1, np.bincount(wk.service, minlength=N_SERVICES)
        )
        columns = {
            ServiceField.LOAD: sv.load,
            ServiceField.CAPACITY: sv.capacity,
            ServiceField.QUEUE: sv.queue,
            ServiceField.KNOWLEDGE: sv.knowledge,
            ServiceField.GAMING: sv.gaming,
            ServiceField.RELATIONSHIPS: sv.relationships,
            ServiceField.THINKING: sv.thinking,
            ServiceField.ACTIONS: sv.actions,
            ServiceField.RESULTS: sv.results,
            ServiceField.PARTNER_TRUST: (sv.partner_trust.sum(axis=1) - 1.0)
            / max(1, N_SERVICES - 1),
            ServiceField.BURNOUT: burn,
            ServiceField.LEAVERS: np.full(N_SERVICES, leavers / N_SERVICES),
        }
        return np.stack([columns[f] for f in ServiceField], axis=1)

    def _record_journeys(self, w: int) -> None:
        """Week ``w``'s journeys of the tracked persons (columns :class:`Journey`)."""
        per, i, out = self.state.person, self.tracked, self.journeys[w]
        out[:, Journey.COST] = per.cost[i].sum(axis=1) / 100.0
        out[:, Journey.CRISES] = per.crises[i]
        open_ = per.slot_service[i] >= 0
        out[:, Journey.TRUST] = np.where(open_, per.slot_trust[i], 0.0).max(axis=1)
        out[:, Journey.EPISODES] = open_.sum(axis=1)
        out[:, Journey.NEED] = per.need[i].mean(axis=1)

    def run(self) -> CareModel:
        """Run the burn-in and all measured weeks; returns ``self``."""
        while self.week < self.n_weeks:
            self.step()
        return self
