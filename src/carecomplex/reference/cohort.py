"""What an enrolled cohort changes in the twins: the levers read for one person.

A person with ``programme == 1`` (:meth:`carecomplex.model.CareModel.enrol`) is read the
cohort's levers (``KP.cohort_*``, and row 1 of ``info``); everyone else the system's.
"""

from __future__ import annotations

from carecomplex.processes.common import KP


def lever(kp: KP, enrolled, name: str):
    """The value of lever ``name`` for a person: the cohort's if ``enrolled``."""
    return getattr(kp, f"cohort_{name}" if enrolled else name)
