"""Personas are placed at the start of measurement with the needs their stories give them."""

from __future__ import annotations

import numpy as np

from carecomplex.model import CareModel
from carecomplex.population import IDENTITY, PERSONAS, place_personas
from carecomplex.scenarios import load
from carecomplex.state import PERSON, Journey, Persona

SMALL = {"population": {"persons": 600}, "run": {"years": 0.1, "burn_in": 52}}


def test_brian_starts_the_measured_period_alive_in_every_seed() -> None:
    brian = np.mean(PERSONAS[Persona.BRIAN][0])
    for seed in range(1, 13):
        m = CareModel(load("siloed", SMALL).params, rng=seed).run()
        per = m.state.person
        i = int(np.flatnonzero(per.persona == Persona.BRIAN)[0])
        j = int(np.flatnonzero(m.tracked == i)[0])
        # Alive in the first measured week (weeks_alive counts it even if he dies in
        # it), with needs near his described ones, whatever happened in the burn-in.
        assert per.weeks_alive[i] > 0, seed
        assert abs(m.journeys[0, j, Journey.NEED] - brian) < 0.1, seed


def test_placing_resets_everything_but_identity() -> None:
    m = CareModel(load("siloed", SMALL).params, rng=3)
    for _ in range(30):
        m.step()
    per = m.state.person
    before = per.copy()
    rows = place_personas(m.state, m.params)
    assert len(rows) == len(PERSONAS)
    for name, col in PERSON.items():
        a, b = getattr(before, name), getattr(per, name)
        others = np.setdiff1d(np.arange(len(per.pid)), rows)
        assert np.array_equal(a[others], b[others]), name  # nobody else is touched
        if name in IDENTITY:
            assert np.array_equal(a[rows], b[rows]), name
        elif name not in ("need", "setpoint", "baseline", "sys_trust"):
            assert np.all(b[rows] == np.asarray(col.init, dtype=b.dtype)), name
    for i in rows:
        needs = PERSONAS[Persona(int(per.persona[i]))][0]
        assert np.allclose(per.setpoint[i], needs) and np.allclose(per.need[i], needs)
        assert per.alive[i] == 1
