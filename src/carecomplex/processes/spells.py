"""Hospital and prison spells, release, and the statistics as published (ODD §7.6).

Called from the life step (:mod:`carecomplex.processes.life`), person by person:

* :func:`admit`: an emergency admission has a day of the week and a length of stay in
  days (geometric, mean ``admission_days``); the person is in hospital until the
  discharge week (no new crisis), then :func:`discharged`.
* :func:`custody`: an arrest may be a proven offence, may lead to a short or a long
  sentence (weeks served geometric per class) and may have prison in-reach.
* :func:`release`: the last prison week; without a planned release the person may leave
  to no settled accommodation (housing need raised).

The statistics are counted as the NHS and the MoJ publish them: a discharge is
readmitted if an emergency admission follows within 30 (180) days of it; a release is
in the proven-reoffending cohort if its 52 weeks of follow-up end inside the run, and
reoffends if a proven offence follows within them. Each discharge or release is counted
once, and only if its whole window is observed (measured and inside the run), so the
share is the published one, not a count of events near the run's ends.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from carecomplex.processes.common import (
    D_HOUSE,
    DAYS_PER_WEEK,
    EV_COH_LONG,
    EV_COH_SHORT,
    EV_DISCH,
    EV_DISCH_30,
    EV_DISCH_180,
    EV_READMIT,
    EV_READMIT_180,
    EV_REL_HOMELESS,
    EV_REL_LONG,
    EV_REL_SHORT,
    EV_REOFF_LONG,
    EV_REOFF_SHORT,
    LONG,
    READMIT_DAYS,
    READMIT_DAYS_LONG,
    REOFFEND_WEEKS,
    S_ADMIT,
    S_IN_REACH,
    S_PROVEN,
    S_RELEASE,
    S_SENTENCE,
    SHORT,
)
from carecomplex.rng import draw
from carecomplex.state import SLOTS


@nb.njit(cache=True, inline="always")
def geometric(u: float, mean: float) -> int:
    """A count of at least 1 with the given mean (geometric), from a uniform ``u``.

    ``1 + floor(ln(1 - u) / ln(1 - 1/mean))`` has mean exactly ``mean``; a mean of 1 or
    less gives 1.
    """
    if mean <= 1.0:
        return 1
    return 1 + int(np.log1p(-u) / np.log1p(-1.0 / mean))


@nb.njit(cache=True, inline="always")
def admit(i, me, g, c, key, t, kp, per, events) -> int:
    """An emergency admission of person ``i`` in week ``t``: readmission, stay, discharge.

    The admission falls on a day of the week; it readmits the person's last discharge if
    within 30 (180) days of it. The stay is geometric in days; the person is in hospital
    until the week of discharge (``hospital_weeks``), or discharged this week.

    Returns:
        The length of stay in bed days (the caller charges them).
    """
    day = t * DAYS_PER_WEEK + int(draw(key, S_ADMIT, me, t, 0) * DAYS_PER_WEEK)
    readmitted(g, c, kp, day, per.discharge_day[i], events)
    days = geometric(draw(key, S_ADMIT, me, t, 1), kp.admission_days)
    out = day + days
    per.discharge_day[i] = out
    per.hospital_weeks[i] = out // DAYS_PER_WEEK - t
    if per.hospital_weeks[i] == 0:
        discharged(g, c, kp, out, events)
    return days


@nb.njit(cache=True, inline="always")
def readmitted(g, c, kp, day, last, events) -> None:
    """Count the readmission of the discharge on day ``last`` by an admission on ``day``.

    Only a discharge in the measured period whose window ends inside the run counts (as
    in its denominator, :func:`discharged`); ``last`` is -1 when there is none.
    """
    if last < 0 or last < kp.measure_start * DAYS_PER_WEEK:
        return
    gap = day - last
    end = kp.run_end * DAYS_PER_WEEK
    if gap <= READMIT_DAYS and last + READMIT_DAYS < end:
        events[c, EV_READMIT, g] += 1
    if gap <= READMIT_DAYS_LONG and last + READMIT_DAYS_LONG < end:
        events[c, EV_READMIT_180, g] += 1


@nb.njit(cache=True, inline="always")
def discharged(g, c, kp, day, events) -> None:
    """A discharge on ``day``; in the 30-day (180-day) denominator if its window ends in the run."""
    events[c, EV_DISCH, g] += 1
    end = kp.run_end * DAYS_PER_WEEK
    if day + READMIT_DAYS < end:
        events[c, EV_DISCH_30, g] += 1
    if day + READMIT_DAYS_LONG < end:
        events[c, EV_DISCH_180, g] += 1


@nb.njit(cache=True, inline="always")
def custody(i, me, g, c, key, t, kp, per, events, u_prison) -> None:
    """An arrest of person ``i`` in week ``t``: proven reoffence, sentence, in-reach.

    A custody that leads to prison (``u_prison < custody_prison``) is a proven offence;
    any other with probability ``proven_share``. A proven offence within 52 weeks of the
    last release counts that release as reoffending (once), if it is in the cohort.
    """
    sentence, release_week = per.sentence, per.release_week
    jailed = u_prison < kp.custody_prison
    r = release_week[i]
    if r >= 0:
        if t - r > REOFFEND_WEEKS:
            release_week[i] = -1
        elif jailed or draw(key, S_PROVEN, me, t, 0) < kp.proven_share:
            if r >= kp.measure_start and r + REOFFEND_WEEKS < kp.run_end:
                ev = EV_REOFF_SHORT if sentence[i] == SHORT else EV_REOFF_LONG
                events[c, ev, g] += 1
            release_week[i] = -1
    if jailed:
        short = draw(key, S_SENTENCE, me, t, 0) < kp.short_sentence_share
        sentence[i] = SHORT if short else LONG
        mean = kp.short_served_weeks if short else kp.long_served_weeks
        per.prison_weeks[i] = geometric(draw(key, S_SENTENCE, me, t, 1), mean)
        reach = kp.cohort_in_reach if per.programme[i] else kp.in_reach  # an enrolled cohort's
        per.in_reach[i] = 1 if draw(key, S_IN_REACH, me, t, 0) < reach else 0


@nb.njit(cache=True, inline="always")
def release(i, me, g, c, key, t, kp, per, books) -> None:
    """Person ``i`` has served the last prison week ``t``: released, counted by class.

    The release enters the proven-reoffending cohort if its 52 weeks of follow-up end
    inside the run. A release with an open in-reach episode is planned with probability
    ``release_planning``; an unplanned one is to no settled accommodation with
    probability ``release_unhoused``: housing need rises to ``release_housing_need``.
    """
    events, need = books.events, per.need
    short = per.sentence[i] == SHORT
    events[c, EV_REL_SHORT if short else EV_REL_LONG, g] += 1
    if t + REOFFEND_WEEKS < kp.run_end:
        events[c, EV_COH_SHORT if short else EV_COH_LONG, g] += 1
    per.release_week[i] = t
    held = False
    for k in range(SLOTS):
        held |= per.slot_service[i, k] >= 0
    planned = per.in_reach[i] == 1 and held and draw(key, S_RELEASE, me, t, 0) < kp.release_planning
    if not planned and draw(key, S_RELEASE, me, t, 1) < kp.release_unhoused:
        need[i, D_HOUSE] = max(need[i, D_HOUSE], np.float32(kp.release_housing_need))
        events[c, EV_REL_HOMELESS, g] += 1
    per.in_reach[i] = 0
