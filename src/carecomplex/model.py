"""CareModel: the weekly step sequence over array state, as a Mesa model."""

from __future__ import annotations

import mesa
import numpy as np

from carecomplex import kernels as kn
from carecomplex import population
from carecomplex.costs import item_holders, item_pence
from carecomplex.params import Params
from carecomplex.regimes import information, kernel_params, learn, lever_change, levers_at
from carecomplex.rng import seed_key
from carecomplex.state import (
    CRISIS_DOMAIN,
    CRISIS_KIND,
    CRISIS_WEIGHTS,
    DOMAIN_COUPLING,
    N_CHUNKS,
    N_EVENTS,
    N_GROUPS,
    N_ITEMS,
    N_SERVICES,
    SERVICE_FIELDS,
    Domain,
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
        self._pence = item_pence(params.costs)
        self._holder = item_holders()
        self._ledger = np.zeros((N_CHUNKS, N_ITEMS, N_GROUPS), dtype=np.int64)
        self._events = np.zeros((N_CHUNKS, N_EVENTS, N_GROUPS), dtype=np.int64)
        self._svc = np.zeros((N_CHUNKS, N_SERVICES, kn.SVC_STATS), dtype=np.float64)
        self.ledger = np.zeros((self.n_weeks, N_ITEMS, N_GROUPS), dtype=np.int64)
        self.events = np.zeros((self.n_weeks, N_EVENTS, N_GROUPS), dtype=np.int64)
        self.services = np.zeros((self.n_weeks, N_SERVICES, len(SERVICE_FIELDS)))
        self.wellbeing = np.zeros((self.n_weeks, N_GROUPS))
        self._wb = np.zeros((N_CHUNKS, N_GROUPS, 2))  # per-chunk (sum, count) by group
        self.wellbeing_now = float("nan")  # mean wellbeing of the living, this week
        persona = np.flatnonzero(self.state.person.persona)
        self.tracked = np.unique(np.concatenate([persona, np.asarray(track, dtype=np.int64)]))
        self.journeys = np.zeros((self.n_weeks, len(self.tracked), 5))
        self._next_uid = len(self.state.worker.uid)
        self._levers = levers_at(params, self.week)
        fam = self.state.family
        self._access_scratch = kn.access_scratch(len(self.state.person.pid))
        self._tiled = kn.families_tile(fam.start, fam.size, self.state.person.family)
        from carecomplex.agents import attach_agents
        from carecomplex.metrics import datacollector

        attach_agents(self)
        self.datacollector = datacollector()

    @property
    def levers(self):
        """The regime levers in force this week."""
        return self._levers

    def step(self) -> None:
        """One week, in this order.

        1. **Life dynamics**: needs drift toward set points, coupled domains pull each
           other up, shocks hit (buffered by family support); family support is
           depleted by members' need and recovers.
        2. **Crisis**: prison and emergency accommodation weeks; a crisis hazard rising
           with need and complexity, lowered by trust in a worker and family support,
           raised by unmet need; crises cost, harm and can kill; deaths from need.
        3. **Access and referral**: people with uncovered need seek help; the known
           worker may take the need on (continuity); otherwise a service assesses
           (again, unless information is shared), applies eligibility and gaming,
           accepts within capacity (stretched by targets) or queues.
        4. **Support**: contact reduces need by skill x engagement x match; trust
           moves; flexible budgets buy met need; episodes close on need, the clock,
           gaming or drop-out.
        5. **Learning**: the Kim loop per service (relationships, thinking, actions,
           results), shared learning along partner trust, gaming of targets.
        6. **Workforce**: caseloads, burnout, turnover; leavers' cases pass on.
        7. **Spill-over**: queues and rejections raise next week's crisis hazard;
           overload erodes partnerships (inside steps 2, 3 and 5).
        8. **Costs**: every activity above is charged to the ledger as it happens.
        """
        p, s, key, t = self.params, self.state, self.key, self.t
        new = levers_at(p, self.week)
        friction = p.workforce.friction * lever_change(self._levers, new)
        self._levers = lv = new
        kp = kernel_params(p, lv, friction)
        per, fam, wk, svc = s.person, s.family, s.worker, s.service
        self._ledger[:] = 0
        self._events[:] = 0
        self._svc[:] = 0.0
        info = information(lv, svc.partner_trust)
        # 1-2. Life dynamics and crisis (one pass when families tile the persons).
        life_args = (
            per.pid,
            per.family,
            per.complex,
            per.alive,
            per.died_week,
            per.need,
            per.setpoint,
            per.resilience,
            per.slot_service,
            per.slot_trust,
            per.unmet,
            per.prison_weeks,
            per.last_admission,
            per.last_custody,
            per.crises,
            per.shocks,
            per.cost,
            per.weeks_alive,
            fam.support,
            DOMAIN_COUPLING,
            CRISIS_WEIGHTS,
            CRISIS_KIND,
            CRISIS_DOMAIN,
            self._pence,
            self._holder,
            self._ledger,
            self._events,
        )
        connection = int(Domain.CONNECTION)
        if self._tiled:
            kn.life_families(key, t, kp, fam.start, fam.size, connection, *life_args)
        else:
            kn.families(kp, fam.start, fam.size, fam.support, per.alive, per.need, connection)
            kn.life_crisis(key, t, kp, *life_args)
        # 3. Access and referral.
        kn.access_into(
            key,
            t,
            kp,
            per.pid,
            per.complex,
            per.alive,
            per.need,
            per.slot_service,
            per.slot_worker,
            per.slot_weeks,
            per.slot_trust,
            per.slot_remit,
            per.assessed,
            per.wait_service,
            per.wait_weeks,
            per.unmet,
            per.cooldown,
            per.prison_weeks,
            per.sys_trust,
            per.handoffs,
            per.cost,
            wk.service,
            wk.caseload,
            svc.capacity,
            svc.load,
            svc.queue,
            svc.gaming,
            info,
            self._pence,
            self._holder,
            self._ledger,
            self._events,
            self._access_scratch,
        )
        # 4. Support (and the week's wellbeing sums, see _record).
        kn.support_wellbeing(
            key,
            t,
            kp,
            per.pid,
            per.complex,
            per.alive,
            per.need,
            per.setpoint,
            per.slot_service,
            per.slot_worker,
            per.slot_weeks,
            per.slot_trust,
            per.slot_remit,
            per.assessed,
            per.prison_weeks,
            per.treatment_weeks,
            per.sys_trust,
            per.handoffs,
            per.cost,
            wk.skill,
            wk.burnout,
            svc.knowledge,
            info,
            svc.gaming,
            self._pence,
            self._holder,
            self._ledger,
            self._events,
            self._svc,
            self._wb,  # weekly wellbeing sums (nothing later changes needs)
        )
        # 5. Learning.
        dose_ref = p.capacity.dose * p.capacity.contact_hours / 2.0 * 0.5
        learn(svc, self._svc, lv, p.learning, dose_ref)
        # 6. Workforce.
        uid_before = self._next_uid
        self._next_uid = kn.workforce(
            key,
            t,
            kp,
            self._next_uid,
            per.slot_service,
            per.slot_worker,
            per.slot_trust,
            per.alive,
            per.handoffs,
            per.complex,
            wk.service,
            wk.uid,
            wk.caseload,
            wk.skill,
            wk.burnout,
            wk.tenure,
            wk.tolerance,
            svc.capacity,
            svc.load,
            svc.knowledge,
            self._events,
        )
        self._record(self._next_uid - uid_before)
        self.t += 1
        self.week += 1
        if self.week == 0:
            self._start_measuring()
        self.running = self.week < self.n_weeks
        if self.week > 0:
            self.datacollector.collect(self)

    def _start_measuring(self) -> None:
        """End of burn-in: person counters restart from zero."""
        per = self.state.person
        for name in ("cost", "crises", "handoffs", "shocks", "weeks_alive"):
            getattr(per, name)[:] = 0

    def _record(self, leavers: int) -> None:
        per = self.state.person
        # self._wb was filled by kn.support_wellbeing (= kn.wellbeing_sums now).
        tot = kn.chunk_sum(self._wb)  # in chunk order: the same for any thread count
        alive = tot[:, 1].sum()
        self.wellbeing_now = tot[:, 0].sum() / alive if alive else float("nan")
        w = self.week
        if not 0 <= w < self.n_weeks:
            return
        self.ledger[w] = self._ledger.sum(axis=0)
        self.events[w] = self._events.sum(axis=0)
        svc, wk = self.state.service, self.state.worker
        burn = np.bincount(wk.service, weights=wk.burnout, minlength=N_SERVICES) / np.maximum(
            1, np.bincount(wk.service, minlength=N_SERVICES)
        )
        pt = (svc.partner_trust.sum(axis=1) - 1.0) / max(1, N_SERVICES - 1)
        row = [
            svc.load,
            svc.capacity,
            svc.queue,
            svc.knowledge,
            svc.gaming,
            svc.relationships,
            svc.thinking,
            svc.actions,
            svc.results,
            pt,
            burn,
            np.full(N_SERVICES, leavers / N_SERVICES),
        ]
        self.services[w] = np.stack(row, axis=1)
        for g in range(N_GROUPS):
            self.wellbeing[w, g] = tot[g, 0] / tot[g, 1] if tot[g, 1] else np.nan
        i = self.tracked
        if len(i):
            self.journeys[w, :, 0] = per.cost[i].sum(axis=1) / 100.0
            self.journeys[w, :, 1] = per.crises[i]
            open_ = per.slot_service[i] >= 0
            self.journeys[w, :, 2] = np.where(open_, per.slot_trust[i], 0.0).max(axis=1)
            self.journeys[w, :, 3] = (per.slot_service[i] >= 0).sum(axis=1)
            self.journeys[w, :, 4] = per.need[i].mean(axis=1)

    def run(self) -> CareModel:
        """Run the burn-in and all measured weeks; returns ``self``."""
        while self.week < self.n_weeks:
            self.step()
        return self
