"""Twins of :mod:`carecomplex.processes.spells`: hospital and prison spells, release."""

from __future__ import annotations

import math

import numpy as np

from carecomplex.processes.common import (
    DAYS_PER_WEEK,
    LONG,
    READMIT_DAYS,
    READMIT_DAYS_LONG,
    REOFFEND_WEEKS,
    SHORT,
)
from carecomplex.reference.common import count, draw1
from carecomplex.rng import Stream
from carecomplex.state import Domain, Event


def geometric(u: float, mean: float) -> int:
    """Twin of :func:`carecomplex.processes.spells.geometric`: at least 1, mean ``mean``."""
    if mean <= 1.0:
        return 1
    return 1 + int(math.log1p(-u) / math.log1p(-1.0 / mean))


def admit(a, i: int, g: int, c: int) -> int:
    """An emergency admission: readmission of the last discharge, stay, discharge week.

    Returns:
        The length of stay in bed days.
    """
    kp, me, t = a.kp, a.pid[i], int(a.t)
    day = t * DAYS_PER_WEEK + int(draw1(a.key, Stream.ADMISSION, me, t, 0) * DAYS_PER_WEEK)
    last = int(a.discharge_day[i])
    if last >= 0 and last >= kp.measure_start * DAYS_PER_WEEK:
        end = kp.run_end * DAYS_PER_WEEK
        for window, event in (
            (READMIT_DAYS, Event.READMISSION_30D),
            (READMIT_DAYS_LONG, Event.READMISSION_180D),
        ):
            if day - last <= window and last + window < end:
                count(a, c, event, g)
    days = geometric(draw1(a.key, Stream.ADMISSION, me, t, 1), kp.admission_days)
    out = day + days
    a.discharge_day[i] = out
    a.hospital_weeks[i] = out // DAYS_PER_WEEK - t
    if a.hospital_weeks[i] == 0:
        discharged(a, out, g, c)
    return days


def discharged(a, day: int, g: int, c: int) -> None:
    """A discharge, in each window's denominator if the window ends inside the run."""
    count(a, c, Event.DISCHARGE, g)
    end = a.kp.run_end * DAYS_PER_WEEK
    if day + READMIT_DAYS < end:
        count(a, c, Event.DISCHARGE_30D, g)
    if day + READMIT_DAYS_LONG < end:
        count(a, c, Event.DISCHARGE_180D, g)


def custody(a, i: int, g: int, c: int, u_prison: float) -> None:
    """An arrest: a proven offence may close the last release's follow-up; a sentence."""
    kp, me, t = a.kp, a.pid[i], int(a.t)
    jailed = u_prison < kp.custody_prison
    r = int(a.release_week[i])
    if r >= 0:
        if t - r > REOFFEND_WEEKS:
            a.release_week[i] = -1  # follow-up over: not a reoffence
        elif jailed or draw1(a.key, Stream.PROVEN, me, t, 0) < kp.proven_share:
            if r >= kp.measure_start and r + REOFFEND_WEEKS < kp.run_end:
                short = a.sentence[i] == SHORT
                count(a, c, Event.REOFFENCE_SHORT if short else Event.REOFFENCE_LONG, g)
            a.release_week[i] = -1
    if jailed:
        short = draw1(a.key, Stream.SENTENCE, me, t, 0) < kp.short_sentence_share
        a.sentence[i] = SHORT if short else LONG
        mean = kp.short_served_weeks if short else kp.long_served_weeks
        a.prison_weeks[i] = geometric(draw1(a.key, Stream.SENTENCE, me, t, 1), mean)
        reach = kp.cohort_in_reach if a.programme[i] == 1 else kp.in_reach  # a cohort's
        a.in_reach[i] = int(draw1(a.key, Stream.IN_REACH, me, t, 0) < reach)


def release(a, i: int, g: int, c: int) -> None:
    """The last prison week served: counted by class; housing need may rise on release."""
    kp, me, t = a.kp, a.pid[i], int(a.t)
    short = a.sentence[i] == SHORT
    count(a, c, Event.RELEASE_SHORT if short else Event.RELEASE_LONG, g)
    if t + REOFFEND_WEEKS < kp.run_end:
        count(a, c, Event.COHORT_SHORT if short else Event.COHORT_LONG, g)
    a.release_week[i] = t
    held = bool((a.slot_service[i] >= 0).any())
    planned = (
        a.in_reach[i] == 1 and held and draw1(a.key, Stream.RELEASE, me, t, 0) < kp.release_planning
    )
    if not planned and draw1(a.key, Stream.RELEASE, me, t, 1) < kp.release_unhoused:
        h = Domain.HOUSING
        a.need[i, h] = max(a.need[i, h], np.float32(kp.release_housing_need))
        count(a, c, Event.RELEASE_HOMELESS, g)
    a.in_reach[i] = 0
