"""A plain, per-agent Mesa version of the *life/crisis* part of the weekly person step.

One ``mesa.Agent`` per person holding Python floats, driven by
``model.agents.shuffle_do("step")``. It reproduces the core of
``carecomplex.processes.life.life_crisis``: need drift toward set points with domain
coupling and noise, life shocks buffered by family support, the crisis hazard (need,
complexity, trust, family support, unmet need), the crisis kind, harm and scar, crisis
death, and deaths from need. It leaves out costs, prison and emergency accommodation
weeks, families, access, support, learning and the workforce, so it does strictly less
work than ``CareModel.step``: its time per person-step is a *lower bound* for a
per-agent Mesa version of the whole model.

Initial needs, set points, resilience, family support and best slot trust are taken
from ``carecomplex.population.build`` so both models start from the same population.
Draws come from ``model.random`` (Python's Mersenne Twister), one call per draw.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from carecomplex import population
from carecomplex.params import Params
from carecomplex.regimes import kernel_params
from carecomplex.state import CRISIS_DOMAIN, CRISIS_KIND, CRISIS_WEIGHTS, DOMAIN_COUPLING, Domain

ND = len(Domain)
SQRT3 = 1.7320508075688772
PHYS, SUBST = int(Domain.PHYSICAL), int(Domain.SUBSTANCE)


class Person(mesa.Agent):
    """One person: Python lists of floats, one method call per week."""

    def __init__(self, model, need, setpoint, resilience, complex_, fam_support, trust):
        super().__init__(model)
        self.need = need
        self.setpoint = setpoint
        self.resilience = resilience
        self.complex = complex_
        self.fam_support = fam_support
        self.trust = trust
        self.unmet = 0
        self.alive = True
        self.crises = 0
        self.shocks = 0

    def step(self) -> None:
        """One week of life dynamics and crisis for this person."""
        if not self.alive:
            return
        m = self.model
        kp = m.kp
        rnd = m.random.random
        need, sp = self.need, self.setpoint
        fs = self.fam_support
        # 1. Needs drift toward set points pulled up by coupled domains, plus noise.
        new = [0.0] * ND
        for d in range(ND):
            row = m.coupling[d]
            pull = 0.0
            for j in range(ND):
                pull += row[j] * need[j]
            target = sp[d] + kp.coupling * pull
            nd = need[d]
            new[d] = nd + kp.reversion * (target - nd) + kp.noise * (2.0 * rnd() - 1.0) * SQRT3
        if rnd() < kp.shock_rate:
            k = int(rnd() * ND)
            new[k] += kp.shock_size * (1.0 - kp.family_buffer * fs) * (1.0 - 0.5 * self.resilience)
            self.shocks += 1
        need = self.need = [min(1.0, max(0.0, x)) for x in new]
        # 2. Crisis hazard.
        x = 0.0
        high = 0
        cw = m.crisis_w
        for d in range(ND):
            x += cw[d] * need[d]
            if need[d] > 0.5:
                high += 1
        h = kp.base_rate * math.exp(kp.need_slope * x + kp.complexity_slope * max(high - 1, 0))
        h *= (1.0 - kp.trust_protection * self.trust) * (1.0 - kp.family_protection * fs)
        h *= 1.0 + kp.unmet_multiplier * self.unmet
        if rnd() < 1.0 - math.exp(-h):
            self._crisis()
        if self.alive:
            xm = 0.5 * need[PHYS] + 0.5 * need[SUBST]
            hd = kp.base_mortality * math.exp(kp.mortality_slope * xm)
            if rnd() < 1.0 - math.exp(-hd):
                self.alive = False

    def _crisis(self) -> None:
        m = self.model
        kp = m.kp
        need = self.need
        kinds = m.kind_w
        odds = [sum(w[d] * need[d] for d in range(ND)) for w in kinds]
        pick = m.random.random() * sum(odds)
        kind = len(kinds) - 1
        acc = 0.0
        for k, o in enumerate(odds):
            acc += o
            if pick < acc:
                kind = k
                break
        self.crises += 1
        d = m.kind_domain[kind]
        need[d] = min(1.0, max(0.0, need[d] + kp.crisis_harm))
        self.setpoint[d] = min(1.0, max(0.0, self.setpoint[d] + kp.scar))
        if m.random.random() < kp.crisis_death:
            self.alive = False


class PlainMesaModel(mesa.Model):
    """``n`` Person agents built from the carecomplex population at default parameters."""

    def __init__(self, n: int, seed: int = 1):
        super().__init__(rng=seed)
        params = Params().replace(population={"persons": n})
        self.kp = kernel_params(params, params.regime)
        self.coupling = DOMAIN_COUPLING.tolist()
        self.crisis_w = CRISIS_WEIGHTS.tolist()
        self.kind_w = CRISIS_KIND.tolist()
        self.kind_domain = [int(d) for d in CRISIS_DOMAIN]
        s = population.build(params, seed)
        per, fam = s.person, s.family
        trust = np.where(per.slot_service >= 0, per.slot_trust, 0.0).max(axis=1)
        for i in range(len(per.pid)):
            Person(
                self,
                [float(v) for v in per.need[i]],
                [float(v) for v in per.setpoint[i]],
                float(per.resilience[i]),
                int(per.complex[i]),
                float(fam.support[per.family[i]]),
                float(trust[i]),
            )

    def step(self) -> None:
        """One week: every person steps once, in random order."""
        self.agents.shuffle_do("step")
