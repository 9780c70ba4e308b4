"""Synthetic population: persons in families, workers in services, named personas.

Every attribute of a person is drawn from counter-based streams keyed by the person's
id, so a population with one person removed (``drop``) gives every other person the
same attributes and the same later draws: the "minimally different world".
Family members are stored contiguously (locality for the family kernel).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from carecomplex.params import Params
from carecomplex.regimes import levers_at
from carecomplex.rng import Stream, draws, seed_key
from carecomplex.state import N_DOMAINS, N_SERVICES, PERSON, Domain, Persona, State

CORE = [Domain.HOUSING, Domain.MENTAL, Domain.SUBSTANCE, Domain.JUSTICE]

# Personas: (tag, set-point needs by domain, family size). Brian: multiple disadvantage
# across housing, mental health, substance use and offending (the Human Learning Systems
# slides' "Meet Brian"; docs/evidence.md §7).
PERSONAS: dict[Persona, tuple[list[float], int]] = {
    Persona.BRIAN: ([0.55, 0.8, 0.85, 0.9, 0.7, 0.85, 0.7, 0.5], 1),
    Persona.ASHA: ([0.2, 0.6, 0.1, 0.5, 0.7, 0.1, 0.5, 0.3], 3),
    Persona.DEREK: ([0.7, 0.35, 0.3, 0.2, 0.3, 0.05, 0.75, 0.7], 2),
}


def _normal(key: int, stream: Stream, ids: np.ndarray, k: int) -> np.ndarray:
    """Standard normals by Box-Muller from two counter draws per id (``key``: the run's)."""
    u1 = draws(key, stream, ids, 0, 2 * k)
    u2 = draws(key, stream, ids, 0, 2 * k + 1)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def family_sizes(params: Params, key: int) -> tuple[np.ndarray, np.ndarray]:
    """Family sizes and head-is-complex flags, until the persons are all placed.

    ``key`` is the run's key (``rng.seed_key`` of the root seed), not the seed.
    """
    pop = params.population
    n = pop.persons
    # Draw per-family values for more families than can be needed, then cut.
    m = np.arange(n, dtype=np.int64)
    head_complex = draws(key, Stream.FAMILY, m, 0, 0) < pop.complex_share
    single = draws(key, Stream.FAMILY, m, 0, 1) < pop.complex_single_share
    # General households: 1 + Poisson-like geometric extra members with the given mean.
    p_more = 1.0 - 1.0 / pop.mean_family_size
    u = draws(key, Stream.FAMILY, m, 0, 2)
    extra = np.floor(np.log1p(-u) / np.log(p_more)) if p_more > 0 else np.zeros(n)
    size = 1 + np.minimum(extra, 7).astype(np.int64)
    size = np.where(head_complex & single, 1, size)
    for i, (tag, (_, fsize)) in enumerate(PERSONAS.items()):
        if i < n:
            size[i], head_complex[i] = fsize, tag == Persona.BRIAN
    cum = np.cumsum(size)
    f = int(np.searchsorted(cum, n)) + 1
    size = size[:f].copy()
    size[-1] -= cum[f - 1] - n
    return size, head_complex[:f]


def build(params: Params, seed: int | None = None, drop: Iterable[int] = ()) -> State:
    """Build the initial state from ``params`` and ``seed`` (default ``params.run.seed``).

    Args:
        params: validated parameters.
        seed: root seed; defaults to ``params.run.seed``.
        drop: person ids to leave out (for minimally-different-world tests).
    """
    seed = params.run.seed if seed is None else seed
    key = int(seed_key(seed))
    pop = params.population
    size, head_complex = family_sizes(params, key)
    n_all = int(size.sum())
    fam_of = np.repeat(np.arange(len(size)), size)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    is_head = np.zeros(n_all, dtype=bool)
    is_head[start] = True
    ids = np.arange(n_all, dtype=np.int64)
    complex_ = is_head & head_complex[fam_of]

    # Set points: general need everywhere; complex persons high in 2-4 core domains.
    sp = np.empty((n_all, N_DOMAINS))
    for d in range(N_DOMAINS):
        sp[:, d] = pop.general_need + pop.need_spread * _normal(key, Stream.POPULATION, ids, d)
        high = complex_ & (d in CORE) & (draws(key, Stream.POPULATION, ids, 1, d) < 0.75)
        z = _normal(key, Stream.POPULATION, ids, 10 + d)
        sp[high, d] = pop.complex_need + pop.need_spread * z[high]
        sp[complex_ & (d not in CORE), d] += pop.general_need
    persona = np.zeros(n_all, dtype=np.uint8)
    for i, (tag, (needs, _)) in enumerate(PERSONAS.items()):
        if i < len(start):
            sp[start[i]] = needs
            persona[start[i]] = tag
    sp = np.clip(sp, 0.0, 1.0)

    keep = np.ones(n_all, dtype=bool)
    keep[[i for i in drop if 0 <= i < n_all]] = False
    fam_kept = np.bincount(fam_of[keep], minlength=len(size))
    fam_ids = np.flatnonzero(fam_kept)
    n, n_fam = int(keep.sum()), len(fam_ids)
    n_workers = n_worker_posts(params)
    state = State.empty(n, n_fam, n_workers)

    p = state.person
    p.pid[:] = ids[keep]
    remap = np.full(len(size), -1, dtype=np.int64)
    remap[fam_ids] = np.arange(n_fam)
    p.family[:] = remap[fam_of[keep]]
    p.complex[:] = complex_[keep]
    p.persona[:] = persona[keep]
    p.setpoint[:] = sp[keep]
    p.baseline[:] = sp[keep]  # set points relax back toward these
    noise = 0.05 * _normal(key, Stream.POPULATION, ids[keep], 30)
    p.need[:] = np.clip(sp[keep] + noise[:, None], 0.0, 1.0)
    p.resilience[:] = draws(key, Stream.POPULATION, ids[keep], 2, 0)
    p.sys_trust[:] = params.trust.initial

    fam = state.family
    fam.size[:] = fam_kept[fam_ids]
    fam.start[:] = np.concatenate([[0], np.cumsum(fam.size)[:-1]])
    fam.support[:] = np.where(fam.size > 1, 0.8, 0.3)

    w = state.worker
    wid = np.arange(n_workers, dtype=np.int64)
    w.service[:] = _commission(p.need, params.capacity.seek_threshold, n_workers)
    w.uid[:] = wid
    w.skill[:] = 0.55 + 0.3 * draws(key, Stream.WORKER, wid, 0, 0)
    w.tenure[:] = (draws(key, Stream.WORKER, wid, 0, 1) * 260).astype(np.int32)
    w.tolerance[:] = draws(key, Stream.WORKER, wid, 0, 2)
    # As the workforce step recomputes it: posts x the caseload in force in the first
    # step (the shared history's, when there is a burn-in).
    first = levers_at(params, -params.run.burn_in)
    state.service.capacity[:] = (
        np.bincount(w.service, minlength=N_SERVICES)
        * params.capacity.caseload
        * first.caseload_factor
    ).astype(np.int32)
    np.fill_diagonal(state.service.partner_trust, 1.0)
    return state


def _commission(need: np.ndarray, threshold: float, n_workers: int) -> np.ndarray:
    """Worker posts per service in proportion to the need presenting at the start.

    Commissioners fund services where demand is: each service gets at least one post and
    the rest by largest remainder on the count of persons above the seeking threshold
    in its domain. Posts are interleaved (round robin over services with posts left).
    """
    demand = (need > threshold).sum(axis=0).astype(np.float64) + 1.0
    share = demand / demand.sum() * (n_workers - N_SERVICES)
    posts = 1 + np.floor(share).astype(np.int64)
    rest = n_workers - posts.sum()
    posts[np.argsort(-(share - np.floor(share)), kind="stable")[:rest]] += 1
    out, left = [], posts.copy()
    while len(out) < n_workers:
        for s in range(N_SERVICES):
            if left[s] > 0:
                out.append(s)
                left[s] -= 1
    return np.array(out, dtype=np.int32)


def n_worker_posts(params: Params) -> int:
    """Worker posts for the population size in ``params``."""
    return max(
        N_SERVICES, round(params.population.persons * params.capacity.workers_per_1000 / 1000)
    )


# Columns a persona keeps when placed at the start of measurement (who they are);
# every other person column goes back to its initial value (``state.PERSON``).
IDENTITY = ("pid", "family", "complex", "persona", "resilience")


def place_personas(state: State, params: Params) -> np.ndarray:
    """Place the named personas afresh, with the needs their stories give them.

    Called at the start of measurement: the burn-in shapes the system around the
    personas but not their own history, so a persona is alive, holds no episode and
    has its described set points in every seed (the seeds' Brian is the person the
    story follows; a Brian who died in burn-in would leave the story untold). The
    caseloads, loads and queues their episodes and waiting held are released; their
    family's other members are untouched.

    Returns:
        The indices of the persons placed.
    """
    per, wk, sv = state.person, state.worker, state.service
    rows = np.flatnonzero(per.persona)
    for i in rows:
        needs = PERSONAS[Persona(int(per.persona[i]))][0]
        # Leave the services' books as the person leaves: open episodes and a queue place.
        for k in np.flatnonzero(per.slot_service[i] >= 0):
            wk.caseload[per.slot_worker[i, k]] -= 1
            sv.load[per.slot_service[i, k]] -= 1
        if per.wait_service[i] >= 0:
            sv.queue[per.wait_service[i]] -= 1
        for name, col in PERSON.items():
            if name not in IDENTITY:
                getattr(per, name)[i] = col.init
        for name in ("setpoint", "need", "baseline"):
            if hasattr(per, name):
                getattr(per, name)[i] = needs
        per.sys_trust[i] = params.trust.initial
    return rows
