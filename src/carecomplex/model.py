"""CareModel: the weekly step sequence over array state, as a Mesa model.

The step calls one process per ODD submodel (:mod:`carecomplex.processes`), in the
order of docs/ODD.md §3, on the entity tables of :mod:`carecomplex.state`.
"""

from __future__ import annotations

import copy

import mesa
import numba
import numpy as np

from carecomplex import population
from carecomplex.agents import attach_agents
from carecomplex.costs import Item, item_holders, item_pence
from carecomplex.metrics import datacollector
from carecomplex.params import Params
from carecomplex.processes import access, housing, learning, life, support, week, workforce
from carecomplex.processes.common import chunk_sum
from carecomplex.regimes import (
    change_left,
    kernel_params,
    kp_static,
    lever_change,
    levers_at,
    relational,
)
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

    fused = True
    """Run steps 1-6 in one compiled call (``processes.week``); False: kernel by kernel."""
    serial_below = 10_000
    """Step on one thread below this many persons (0: on numba's threads at any size).

    A parallel region costs each thread's wake-up (tens of microseconds with waiting
    threads asleep, ``OMP_WAIT_POLICY=passive``), more than a small model's work in it:
    ``benchmarks/run.py`` measured one thread faster up to about 10,000 persons. Results
    do not depend on the threads (fixed chunks), so this changes speed only.
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
        self.week_totals: tuple[int, list[int], float] | None = None  # see _record
        persona = np.flatnonzero(self.state.person.persona)
        self.tracked = np.unique(np.concatenate([persona, np.asarray(track, dtype=np.int64)]))
        self.journeys = np.zeros((self.n_weeks, len(self.tracked), len(Journey)))
        self._next_uid = len(self.state.worker.uid)
        self._levers = levers_at(params, self.week)
        self._change = 0.0  # this week's summed change of the 0-1 levers
        self._kp_memo = (None, None, None, None, None)  # (params, levers, friction, cohort, KP)
        self._kp_static = (None, None)  # (params, kp_static(params))
        # A cohort-only programme (enrol): its params, its levers this week and last, the
        # change of its levers this week, and the persons enrolled since last week.
        self._cohort: Params | None = None
        self._cohort_levers = None
        self._cohort_change = 0.0
        self._newly_enrolled = 0
        self._scratch = access.access_scratch(len(self.state.person.pid))
        self._tiled = life.families_tile(self.state.family, self.state.person)
        week.start_threads()  # before the cached fused kernel first runs (processes/week.py)
        attach_agents(self)
        self.datacollector = datacollector()

    @property
    def levers(self):
        """The regime levers in force this week."""
        return self._levers

    @property
    def cohort_levers(self):
        """The levers in force this week for the enrolled cohort (None without one)."""
        return self._cohort_levers

    def enrol(self, mask: np.ndarray, params: Params) -> int:
        """Enrol the persons of ``mask`` alive now in a programme run under ``params``.

        From the next step on, the kernels read, for an enrolled person, the levers of
        ``params`` in force that week (``levers_at(params, week)``: a transition's
        learning curve applies to the cohort too, counted from measured week 0) instead
        of the system's: continuity, eligibility (acceptance and discharge), the
        episode clock, whole-person support, information sharing (the ``info`` of each
        service: the cohort's sharing x the services' trust in partners), the flexible
        budget (purchase draws and the pot's accrual for the person), in-reach and the
        queue's need priority. Reads of a service or a post stay the system's: the
        capacity limit (stretched by target pressure), capacity (``caseload_factor``),
        burnout (target strain, friction of change), learning (the Kim loop, shared
        learning, gaming): the cohort's team works inside the baseline system.
        Enrolment lasts to the end of the run. Only the levers of ``params``
        (``history``, ``regime``, ``transition``, ``after``) and its programme costs
        (``params.programme``) are used; see :meth:`_cohort_pence` for the costs.

        Args:
            mask: (persons,) bool: who is referred to the programme.
            params: the programme's parameters (e.g. the alliance scenario's).

        Returns:
            The number of persons newly enrolled (alive, not already enrolled).

        Raises:
            ValueError: during burn-in (``week < 0``), after the run, for a mask of the
                wrong shape or type, or for a second programme with other levers.
        """
        per = self.state.person
        n = len(per.pid)
        mask = np.asarray(mask)
        if self.week < 0:
            raise ValueError(
                f"enrol: week {self.week} is in the burn-in; enrol at a measured week >= 0 "
                "(after the burn-in steps)"
            )
        if self.week >= self.n_weeks:
            raise ValueError(f"enrol: the run has ended (week {self.week} of {self.n_weeks})")
        if mask.shape != (n,) or mask.dtype != np.bool_:
            raise ValueError(
                f"enrol: mask must be a bool array of shape ({n},) (one per person), "
                f"got {mask.dtype} of shape {mask.shape}"
            )
        if not isinstance(params, Params):
            raise ValueError(f"enrol: params must be a Params, got {type(params).__name__}")
        if self._cohort is not None and not self._same_programme(params):
            raise ValueError(
                "enrol: a model runs one cohort programme; these params have other levers "
                "than the programme already enrolled"
            )
        new = mask & (per.alive == 1) & (per.programme == 0)
        count = int(np.count_nonzero(new))
        if self._cohort is None:
            self._cohort = params
        per.programme[new] = 1
        self._newly_enrolled += count
        return count

    def _same_programme(self, params: Params) -> bool:
        """Whether ``params`` has the levers (and programme costs) of the cohort's."""
        c = self._cohort
        return params is c or all(
            getattr(params, k) == getattr(c, k)
            for k in ("history", "regime", "transition", "after", "programme")
        )

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
           complex-needs persons alive, an enrolled cohort's by the enrolled
           (``workforce.charge_posts``, :meth:`enrol`).
        """
        if len(self.state.person.pid) < self.serial_below:
            threads = numba.get_num_threads()
            numba.set_num_threads(1)
            try:
                self._step()
            finally:
                numba.set_num_threads(threads)
        else:
            self._step()

    def _step(self) -> None:
        """The week of :meth:`step`, on the threads numba has now."""
        kp, lv, clv = self._week_params()
        s, books, p = self.state, self._books, self.params
        books.clear()
        uid_before = self._next_uid
        if self.fused:  # steps 1-6 in one compiled call (processes/week.py)
            dose = learning.dose_ref(p.capacity, p.learning)
            lp = learning.learn_params(lv, p.learning, dose, clv)
            self._next_uid, payers = week.week(
                self.key,
                self.t,
                kp,
                lp,
                (s.person, s.family, s.worker, s.service),
                books,
                STRUCTURE,
                self._scratch,
                self._tiled,
                self._next_uid,
            )
        else:
            self._kernels(kp, lv, clv)
            payers = None
        programme = self._programme_pence(lv, payers)
        workforce.charge_posts(s.person, s.worker, books, programme, self._cohort_pence(lv, clv))
        self._record(self._next_uid - uid_before)
        self._advance()

    def _kernels(self, kp, lv, clv) -> None:
        """Steps 1-6 as a sequence of kernel calls from Python: the readable form.

        :func:`carecomplex.processes.week.week` makes the same calls in one compiled
        call (the model's path, ``fused``); tests hold the two bit-identical, and the
        benchmarks' phase profile times this form kernel by kernel.
        """
        s, key, t, books = self.state, self.key, self.t, self._books
        per, wk, sv = s.person, s.worker, s.service
        # Information reaching each service: row 0 the system's, row 1 a cohort's.
        info_lv = learning.information(lv, sv.partner_trust)
        info_clv = info_lv if clv is lv else learning.information(clv, sv.partner_trust)
        info = np.stack((info_lv, info_clv))
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
        self._next_uid = workforce.workforce(key, t, kp, self._next_uid, per, wk, sv, books)

    def _week_params(self):
        """This week's kernel parameters, levers and cohort levers (``levers`` if none).

        The friction of a change of the system's levers loads the workers. The KP of
        last week is reused when the parameters, the levers (the system's and the
        cohort's) and the friction are the same objects and value (no transition under
        way): building it anew would give the same tuple, at a tenth of a small step's
        fixed cost.
        """
        p = self.params
        new = levers_at(p, self.week)
        self._change = lever_change(self._levers, new)
        friction = p.workforce.friction * self._change
        self._levers = new
        cohort = new
        if self._cohort is not None:
            cohort = levers_at(self._cohort, self.week)
            # First week: the cohort moves from the system's levers to its own.
            before = new if self._cohort_levers is None else self._cohort_levers
            self._cohort_change = lever_change(before, cohort)
            self._cohort_levers = cohort
        last_p, last_levers, last_friction, last_cohort, kp = self._kp_memo
        if (
            p is not last_p
            or new is not last_levers
            or friction != last_friction
            or cohort is not last_cohort
        ):
            if self._kp_static[0] is not p:
                self._kp_static = (p, kp_static(p))
            kp = kernel_params(p, new, friction, cohort, self._kp_static[1])
            self._kp_memo = (p, new, friction, cohort, kp)
        return kp, new, cohort

    def _programme_pence(self, lv, payers: int | None = None) -> int:
        """This week's programme cost in pence (item PROGRAMME, ``ProgrammeParams``).

        Training in the weeks the levers change (per post, per unit of change);
        recommissioning once, in the first week of a change (per 1,000 persons); double
        running, a share of the week's staff cost times the share of the change not yet
        done; the alliance overhead per complex-needs person alive outside an enrolled
        cohort, times the relational levers in force
        (:func:`~carecomplex.regimes.relational`). An enrolled cohort's cost is
        :meth:`_cohort_pence`.
        """
        pr, per = self.params.programme, self.state.person
        posts = len(self.state.worker.uid)
        left, starts = change_left(self.params, self.week)
        pounds = pr.training_per_post * posts * self._change
        if starts:
            pounds += pr.recommissioning * len(per.pid) / 1000
        # Complex-needs persons alive outside an enrolled cohort (all of them without one).
        if payers is None:  # the fused week counts them (processes/week.py)
            alive_complex = (per.alive == 1) & (per.complex == Group.COMPLEX)
            payers = int(np.count_nonzero(alive_complex & (per.programme == 0)))
        cohort = payers
        pounds += pr.alliance_overhead / 52 * relational(lv) * cohort
        staff = posts * int(self._books.pence[Item.STAFF])  # pence a week
        return round(100 * pounds + pr.double_running * staff * left)

    def _cohort_pence(self, lv, clv) -> int:
        """This week's programme cost of an enrolled cohort in pence (item PROGRAMME).

        Charged to the enrolled persons alive (``workforce.charge_posts``), at the
        programme's costs (``enrol``'s ``params.programme``):

        * the alliance overhead per enrolled person alive (any group: the cohort is who
          was referred), times the relational levers of the cohort's levers in force;
        * training of the posts that work with the cohort, counted as the full-time
          posts its persons take at the cohort's caseload (enrolled persons alive /
          (``capacity.caseload`` x the cohort's ``caseload_factor``)): per post, per
          unit of lever change, for the persons enrolled this week the change from the
          system's levers to the cohort's, for all of them the week's move along the
          cohort's learning curve.

        No recommissioning or double running: the system is not recommissioned, and
        the cohort's team works inside it (the system's own change, if any, is charged
        by :meth:`_programme_pence`). Zero without a cohort, or with nobody enrolled.
        """
        if self._cohort is None:
            return 0
        per = self.state.person
        enrolled = int(np.count_nonzero((per.alive == 1) & (per.programme == 1)))
        newly, self._newly_enrolled = self._newly_enrolled, 0
        if enrolled == 0:
            return 0
        pr = self._cohort.programme
        per_post = self.params.capacity.caseload * clv.caseload_factor  # persons a post takes
        switch = lever_change(lv, clv) * min(newly, enrolled)
        curve = self._cohort_change * (enrolled - min(newly, enrolled))
        pounds = pr.training_per_post * (switch + curve) / per_post
        pounds += pr.alliance_overhead / 52 * relational(clv) * enrolled
        return round(100 * pounds)

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
        # The week's totals by event and its cost in pence, for the DataCollector's
        # reporters (one sum here instead of one per reporter; the same values).
        self.week_totals = (w, self.events[w].sum(axis=1).tolist(), float(self.ledger[w].sum()))
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

    def branch(self, params: Params) -> CareModel:
        """A copy of this model, as it is now, that runs under ``params`` from now on.

        The copy is deep: it shares no array (nor agent, nor collected data) with this
        model, and keeps this model's seed, so both draw the same random numbers in the
        weeks to come (common random numbers). Its past (the burn-in, and any weeks
        already run) is this model's past. Used for paired arms with a shared burn-in:
        build arm A, run its burn-in, then ``b = a.branch(params_b)``; at week 0 the two
        are the same system.

        From the copy's next step on, every weekly read of the parameters is ``params``'s:
        the levers in force are ``levers_at(params, week)``, and the change from the
        levers this model had last week to those goes through the ordinary lever-change
        path of :meth:`_week_params`, friction of change (burnout) included, as does the
        programme cost of the change (:meth:`_programme_pence`: training, recommissioning
        in the first week of a change, double running). ``branch(self.params)`` gives a
        model whose every later step is bit-identical to this model's.

        Raises:
            ValueError: if ``params`` is not a :class:`Params`, or differs from this
                model's in what only the building of the population reads or what the
                arrays are shaped by, which a branch cannot change: the ``population``
                group, the run length and burn-in (``run.years``, ``run.burn_in``), the
                unit costs (``costs``), the posts per 1,000 persons
                (``capacity.workers_per_1000``) and the initial trust in services
                (``trust.initial``).
        """
        if not isinstance(params, Params):
            raise ValueError(f"branch: params must be a Params, got {type(params).__name__}")
        p = self.params
        fixed = {
            "population": (p.population, params.population),
            "run.years": (p.run.years, params.run.years),
            "run.burn_in": (p.run.burn_in, params.run.burn_in),
            "costs": (dict(p.costs), dict(params.costs)),
            "capacity.workers_per_1000": (
                p.capacity.workers_per_1000,
                params.capacity.workers_per_1000,
            ),
            "trust.initial": (p.trust.initial, params.trust.initial),
        }
        differ = [k for k, (a, b) in fixed.items() if a != b]
        if differ:
            raise ValueError(
                "branch: a branch shares its source's population, run length and costs; "
                f"these params differ in {', '.join(differ)} (build a new model instead)"
            )
        twin = copy.deepcopy(self)
        twin.params = params
        twin._kp_memo = (None, None, None, None, None)  # the next step builds params's KP
        return twin

    def __enter__(self) -> CareModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of everything the model holds; it can neither step nor be read after.

        Mesa's agents and scheduled events refer back to their model, so a model that is
        simply dropped is freed only at Python's next full garbage collection, and a
        sweep worker's thousands of small runs pile up between collections (several MB
        over 10,000 runs, ``tests/test_sweep_memory.py``). Closed, it is freed at once.
        The run functions close the models they build (``with CareModel(...) as m``);
        arrays taken from a model before it closes stay valid.
        """
        vars(self).clear()

    def run(self) -> CareModel:
        """Run the burn-in and all measured weeks; returns ``self``."""
        while self.week < self.n_weeks:
            self.step()
        return self
