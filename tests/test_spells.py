"""Hospital and prison spells and the statistics as published (processes/spells.py).

Constructed person states, run through the life kernel and its twin (and the support
kernel and its twin): readmission is measured from the discharge, not the admission;
a window not wholly inside the run is not counted; a release too late in the run has
no full follow-up and is not in the proven-reoffending cohort; in-reach keeps an
episode open through custody and its absence closes it.
"""

from __future__ import annotations

import numpy as np
import pytest

from carecomplex import population
from carecomplex.costs import item_holders, item_pence
from carecomplex.params import Params
from carecomplex.processes import life, support
from carecomplex.processes.common import LONG, SHORT
from carecomplex.processes.spells import geometric
from carecomplex.reference import life as ref_life
from carecomplex.reference import support as ref_support
from carecomplex.regimes import kernel_params
from carecomplex.rng import seed_key
from carecomplex.scenarios import load_params
from carecomplex.state import N_SERVICES, STRUCTURE, Crisis, Event, new_books

LIFE = {"kernel": life.life_crisis, "twin": ref_life.life_crisis}
SUPPORT = {"kernel": support.support, "twin": ref_support.support}
T = 100  # the week the constructed persons live


def world(alive: int, **kp_over):
    """A small built population, all dead but the first ``alive`` persons; a crisis certain.

    Returns:
        (state, kp, books): no family support, no death, a crisis every week.
    """
    p = Params().replace(population={"persons": 20})
    s = population.build(p, 3)
    s.person.alive[alive:] = 0
    s.family.support[:] = 0.0
    kp = kernel_params(p, load_params("siloed").regime)
    kp = kp._replace(base_rate=100.0, crisis_death=0.0, base_mortality=0.0, **kp_over)
    return s, kp, new_books(item_pence(), item_holders())


def only(kind: Crisis):
    """The structure with every crisis of one kind."""
    w = np.zeros_like(STRUCTURE.crisis_kind)
    w[kind] = 1.0
    return STRUCTURE._replace(crisis_kind=w)


def total(books, event: Event) -> int:
    return int(books.events[:, event].sum())


@pytest.mark.parametrize("how", list(LIFE))
def test_readmission_is_measured_from_the_discharge(how: str) -> None:
    # Person 0 was admitted 7 weeks ago and stayed 4 weeks: discharged 3 weeks ago.
    # Person 1 was discharged 6 weeks ago. Both are admitted again this week.
    s, kp, books = world(2, measure_start=0, run_end=1000)
    per = s.person
    per.discharge_day[:2] = [7 * (T - 3), 7 * (T - 6)]
    LIFE[how](seed_key(1), T, kp, per, s.family, books, only(Crisis.ADMISSION))
    assert total(books, Event.CRISIS_ADMISSION) == 2
    assert total(books, Event.READMISSION_30D) == 1  # 3 weeks after discharge, not 6
    assert total(books, Event.READMISSION_180D) == 2
    # Each is now in hospital (or discharged this week) until its new discharge day.
    assert np.all(per.discharge_day[:2] >= 7 * T + 1)
    assert np.all(per.hospital_weeks[:2] == per.discharge_day[:2] // 7 - T)


@pytest.mark.parametrize("how", list(LIFE))
def test_a_readmission_window_past_the_run_end_is_not_counted(how: str) -> None:
    s, kp, books = world(1, measure_start=0, run_end=T + 1)  # the run ends this week
    s.person.discharge_day[0] = 7 * (T - 3)
    LIFE[how](seed_key(1), T, kp, s.person, s.family, books, only(Crisis.ADMISSION))
    assert total(books, Event.CRISIS_ADMISSION) == 1
    assert total(books, Event.READMISSION_30D) == 0  # day + 30 is past the run's end
    assert total(books, Event.READMISSION_180D) == 0


@pytest.mark.parametrize("how", list(LIFE))
def test_in_hospital_no_crisis_then_discharged(how: str) -> None:
    s, kp, books = world(1, measure_start=0, run_end=T + 10)
    per = s.person
    per.hospital_weeks[0], per.discharge_day[0] = 2, 7 * (T + 1) + 3
    LIFE[how](seed_key(1), T, kp, per, s.family, books, only(Crisis.ADMISSION))
    assert total(books, Event.CRISIS_ADMISSION) == 0 and per.hospital_weeks[0] == 1
    assert total(books, Event.DISCHARGE) == 0
    books.clear()
    LIFE[how](seed_key(1), T + 1, kp, per, s.family, books, only(Crisis.ADMISSION))
    assert total(books, Event.CRISIS_ADMISSION) == 0 and per.hospital_weeks[0] == 0
    assert total(books, Event.DISCHARGE) == 1
    assert total(books, Event.DISCHARGE_30D) == 1  # day 7T + 10 + 30 < 7 (T + 10)
    assert total(books, Event.DISCHARGE_180D) == 0  # 180 days on is past the run's end
    books.clear()
    LIFE[how](seed_key(1), T + 2, kp, per, s.family, books, only(Crisis.ADMISSION))
    assert total(books, Event.CRISIS_ADMISSION) == 1  # out of hospital: a crisis again


def _release_then_custody(how: str, run_end: int, later: int):
    """A short-sentence prisoner in the last week, then a custody ``later`` weeks on."""
    s, kp, books = world(1, measure_start=0, run_end=run_end, custody_prison=1.0)
    per = s.person
    per.prison_weeks[0], per.sentence[0] = 1, SHORT
    LIFE[how](seed_key(1), T, kp, per, s.family, books, only(Crisis.CUSTODY))
    released = (total(books, Event.RELEASE_SHORT), total(books, Event.COHORT_SHORT))
    assert per.release_week[0] == T and per.prison_weeks[0] == 0
    books.clear()
    LIFE[how](seed_key(1), T + later, kp, per, s.family, books, only(Crisis.CUSTODY))
    assert total(books, Event.CRISIS_CUSTODY) == 1
    assert per.prison_weeks[0] >= 1 and per.sentence[0] in (SHORT, LONG)
    assert per.release_week[0] == -1  # each release is counted once
    return released, total(books, Event.REOFFENCE_SHORT)


@pytest.mark.parametrize("how", list(LIFE))
def test_proven_reoffending_counts_a_release_with_full_follow_up(how: str) -> None:
    assert _release_then_custody(how, run_end=T + 60, later=10) == ((1, 1), 1)


@pytest.mark.parametrize("how", list(LIFE))
def test_a_release_too_late_in_the_run_is_not_in_the_cohort(how: str) -> None:
    # Released 40 weeks before the run ends: no 52 weeks of follow-up, not counted,
    # even though it reoffends inside the run.
    assert _release_then_custody(how, run_end=T + 40, later=10) == ((1, 0), 0)


@pytest.mark.parametrize("how", list(LIFE))
def test_an_offence_after_the_follow_up_is_not_a_reoffence(how: str) -> None:
    assert _release_then_custody(how, run_end=T + 200, later=60) == ((1, 1), 0)


@pytest.mark.parametrize("how", list(LIFE))
@pytest.mark.parametrize("reach", [0.0, 1.0])
def test_in_reach_keeps_an_episode_open_through_custody(how: str, reach: float) -> None:
    # A custody this week with prison certain; in-reach decided per spell.
    s, kp, books = world(1, custody_prison=1.0, in_reach=reach, measure_start=0, run_end=1000)
    per, wk = s.person, s.worker
    LIFE[how](seed_key(1), T, kp, per, s.family, books, only(Crisis.CUSTODY))
    assert per.prison_weeks[0] >= 1 and per.in_reach[0] == int(reach)
    # An open episode with a worker of service 0; need high so it does not close on need.
    per.slot_service[0, 0], per.slot_worker[0, 0] = 0, int(np.flatnonzero(wk.service == 0)[0])
    per.slot_remit[0, 0], per.slot_trust[0, 0], per.slot_weeks[0, 0] = 1, 0.9, 1
    per.need[0] = 0.9
    kp = kp._replace(disengage=0.0, gaming_closure=0.0, episode_cap=0, reallocation=0.0)
    books.clear()
    SUPPORT[how](seed_key(1), T, kp, per, wk, s.service, np.zeros((2, N_SERVICES)), books)
    if reach:
        assert per.slot_service[0, 0] == 0 and total(books, Event.CLOSED) == 0
        assert total(books, Event.SUPPORTED) == 1
        assert per.slot_weeks[0, 0] == 2
    else:
        assert per.slot_service[0, 0] == -1 and total(books, Event.CLOSED) == 1


def test_geometric_has_the_mean_asked_for() -> None:
    u = (np.arange(200_000) + 0.5) / 200_000
    for mean in (1.0, 2.5, 8.0, 40.0):
        got = np.mean([geometric(x, mean) for x in u])
        assert abs(got - mean) < 0.01 * mean
