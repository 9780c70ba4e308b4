"""One week's kernels in one compiled call (the model's fast path).

:func:`week` runs steps 1-6 of :meth:`carecomplex.model.CareModel.step` in their order,
calling the same kernels with the same arguments as the step's Python sequence
(:meth:`~carecomplex.model.CareModel._kernels`), which stays the readable form and the
one the benchmarks' phase profile times kernel by kernel. Tests hold the two
bit-identical.

Why: each call of a numba kernel from Python types and unboxes its arguments (the
entity tables are tuples of up to 40 arrays, ``KP`` of 140 numbers), about 40-50 us a
call on this project's 2-core VM, and the NumPy form of ``learn`` is forty small array
operations. At 1,000 persons those fixed costs were most of the step; inside one
compiled call they are paid once.

numba's threads must be started before :func:`week` is first called in a process
(:func:`start_threads`; the model does it when it is built): ``week`` is cached with its
parallel kernels compiled into it, and code loaded from the cache does not start them,
so a process whose first parallel call is a cached ``week`` crashes (numba issue #8578,
open in 0.68.1).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from carecomplex.processes import access, housing, learning, life, support, workforce
from carecomplex.processes.common import COMPLEX
from carecomplex.state import N_SERVICES


def start_threads() -> int:
    """Start numba's thread pool (idempotent); returns the threads in use."""
    return nb.get_num_threads()  # starts the threading layer if it is not running


@nb.njit(cache=True)
def week(key, t, kp, lp, tables, books, structure, scratch, tiled, uid):
    """Steps 1-6 of one week (in place).

    Returns:
        The next free worker uid, and the complex-needs persons alive outside an
        enrolled cohort (who pay the programme's overhead, ``CareModel._programme_pence``).

    Args:
        key: hashed root seed, uint64.
        t: step index.
        kp: the week's KP.
        lp: the week's learning parameters and levers (``learning.LP``).
        tables: the entity tables (person, family, worker, service), in place.
        books: the week's ``Books`` (cleared by the caller).
        structure: the ``Structure`` constants.
        scratch: the access scratch (``access.access_scratch``).
        tiled: whether families tile the persons (``life.families_tile``).
        uid: the next free worker uid.
    """
    per, fam, wk, sv = tables
    # Information reaching each service: row 0 the system's, row 1 a cohort's.
    info = np.empty((2, N_SERVICES))
    learning.information_kernel(lp.information_sharing, sv.partner_trust, info[0])
    learning.information_kernel(lp.cohort_information_sharing, sv.partner_trust, info[1])
    if tiled:
        life.life_families(key, t, kp, per, fam, books, structure, 0)
    else:
        life.families(kp, fam, per)
        life.life_crisis(key, t, kp, per, fam, books, structure)
    access.access(key, t, kp, per, wk, sv, info, books, scratch)
    support.support(key, t, kp, per, wk, sv, info, books)
    housing.housing(key, t, kp, per, sv, books)
    learning.learn_kernel(sv, books.service_sums, lp)
    uid = workforce.workforce(key, t, kp, uid, per, wk, sv, books)
    alive, complex_, programme = per.alive, per.complex, per.programme
    payers = 0
    for i in range(alive.shape[0]):
        if alive[i] == 1 and complex_[i] == COMPLEX and programme[i] == 0:
            payers += 1
    return uid, payers
